"""Markers that say where a typed view parameter comes from, and its constraints.

Used in ``Annotated``: ``limit: Annotated[int, Query(ge=1, le=100, alias="page-size")] = 10``.
Without a marker, an annotated parameter is a path value (when the rule names it), the
JSON body (a structured type: ``msgspec.Struct``, dataclass, ``TypedDict``, attrs,
pydantic model) or a query parameter (anything else).
"""

from __future__ import annotations

from typing import Any

import msgspec

from .forms import FileStorage

#: An uploaded file in a ``Form`` model: kettle's ``FileStorage``.
UploadedFile = FileStorage

#: Route options of typed views (``@app.get("/", status_code=201, tags=["items"])``): kept
#: in ``app.view_options`` for the binder and the OpenAPI builder.
ROUTE_OPTIONS = (
    "status_code", "response_model", "responses", "tags", "summary", "description",
    "security", "deprecated", "include_in_schema", "operation_id",
)


class Param:
    """Where a parameter is read from; keyword constraints become a ``msgspec.Meta``."""

    #: ``"query"``, ``"header"``, ``"cookie"``, ``"path"``, ``"body"`` or ``"form"``.
    source = "query"

    def __init__(
        self,
        *,
        alias: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        pattern: str | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        title: str | None = None,
        description: str | None = None,
        examples: list[Any] | None = None,
        deprecated: bool = False,
        include_in_schema: bool = True,
        media_type: str | None = None,
    ) -> None:
        self.alias = alias
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.media_type = media_type
        given = {
            "gt": gt, "ge": ge, "lt": lt, "le": le, "multiple_of": multiple_of,
            "pattern": pattern, "min_length": min_length, "max_length": max_length,
            "title": title, "description": description, "examples": examples,
        }
        self.constraints: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        self.description = description

    def meta(self) -> msgspec.Meta | None:
        """The constraints as a ``msgspec.Meta``; ``None`` when there are none."""
        return msgspec.Meta(**self.constraints) if self.constraints else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r}, {self.constraints!r})"


class Query(Param):
    """A query-string parameter (``?name=value``); lists take repeated keys."""

    source = "query"


class Header(Param):
    """A request header; ``user_agent`` reads ``User-Agent`` unless ``alias`` says otherwise."""

    source = "header"

    def __init__(self, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie sent by the client."""

    source = "cookie"


class Path(Param):
    """A path value of the URL rule (``<name>``), with constraints."""

    source = "path"


class Body(Param):
    """The JSON request body (for a type that is not a structured one, e.g. ``list[Item]``)."""

    source = "body"


class Form(Param):
    """The form body (urlencoded or multipart) decoded into a model; files as ``UploadedFile``."""

    source = "form"


__all__ = [
    "ROUTE_OPTIONS",
    "Body",
    "Cookie",
    "Form",
    "Header",
    "Param",
    "Path",
    "Query",
    "UploadedFile",
]
