"""OpenAPI 3.1 for typed views: the document (``spec``), its schemas (``schema``), and the
docs pages served from vendored assets (``docs``). See ``docs/openapi.md``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import ProblemDetails, ValidationErrorItem

if TYPE_CHECKING:
    from ..app import Kettle
    from ..blueprints import Blueprint


def build_spec(app: Kettle) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document as a dict (freezes the app if needed)."""
    from .spec import build_spec as build

    app.freeze()
    return build(app)


def describe_blueprint(
    blueprint: Blueprint, *, tags: list[str] | None = None, security: Any = None
) -> Blueprint:
    """Give every route of ``blueprint`` these tags and security requirements (routes may
    override them): ``describe_blueprint(bp, security=["bearer"])``."""
    options: dict[str, Any] = dict(getattr(blueprint, "openapi_options", None) or {})
    if tags is not None:
        options["tags"] = list(tags)
    if security is not None:
        options["security"] = security
    blueprint.openapi_options = options  # type: ignore[attr-defined]
    return blueprint


def http_bearer(bearer_format: str | None = None) -> dict[str, Any]:
    """A security scheme for ``Authorization: Bearer <token>``."""
    scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
    if bearer_format:
        scheme["bearerFormat"] = bearer_format
    return scheme


def api_key(name: str, where: str = "header") -> dict[str, Any]:
    """A security scheme for an API key in a header, a cookie or the query string."""
    if where not in ("header", "cookie", "query"):
        raise ValueError("an API key is in a 'header', a 'cookie' or the 'query'")
    return {"type": "apiKey", "name": name, "in": where}


__all__ = [
    "ProblemDetails", "ValidationErrorItem", "api_key", "build_spec", "describe_blueprint",
    "http_bearer",
]
