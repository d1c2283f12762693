"""Helpers shared by the blueprints: reading a form-or-JSON payload, and JSON errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kettle import HTTPException, abort, request

#: URL prefixes whose errors are answered in JSON (everything else gets HTML).
API_PREFIXES = ("/auth", "/notes")


def is_api_request() -> bool:
    """Whether the current request is for the JSON API rather than the HTML index."""
    if request.blueprint is not None:
        return True
    path = request.path
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in API_PREFIXES)


def payload() -> Mapping[str, Any]:
    """The request's fields: a JSON object, or a urlencoded/multipart form (400 otherwise)."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, "The JSON body must be an object.")
        return data
    return request.form


def text_field(data: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """``data[name]`` as stripped text; 400 when it is missing (and required) or not a string."""
    value = data.get(name)
    if value is None:
        if required:
            abort(400, f"The field {name!r} is required.")
        return None
    if not isinstance(value, str):
        abort(400, f"The field {name!r} must be a string.")
    value = value.strip()
    if required and not value:
        abort(400, f"The field {name!r} must not be empty.")
    return value


ErrorResponse = tuple[dict[str, Any], int, list[tuple[str, str]]]


def json_error(error: HTTPException) -> ErrorResponse:
    """``{"error": "not found", "message": ...}``, the status and the error's headers."""
    body = {"error": error.name.lower(), "message": error.description}
    return body, error.code, error.get_headers()
