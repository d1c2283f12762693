"""RFC 9457 problem details: the errors typed views answer when binding fails.

They are ordinary kettle ``HTTPException`` subclasses, so ``@app.errorhandler(422)`` (or
``RequestValidationError``) catches them; unhandled, they answer
``application/problem+json`` whatever the client's ``Accept`` says.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .errors import BadRequest, HTTPException, UnprocessableEntity, UnsupportedMediaType
from .response import Response

PROBLEM_MIMETYPE = "application/problem+json"

#: One validation error: where (``["query", "limit"]``), what, and a machine-readable kind.
ErrorItem = dict[str, Any]


def problem_response(exc: HTTPException) -> Response:
    """Any HTTP error as an ``application/problem+json`` response.

    Register it to answer every error of an API this way:
    ``app.register_error_handler(HTTPException, problem_response)``.
    """
    if exc.response is not None:
        return exc.response
    data = exc.problem() if isinstance(exc, ProblemMixin) else {
        "type": "about:blank", "title": exc.name, "status": exc.code, "detail": exc.description,
    }
    response = Response(msgspec.json.encode(data), exc.code, mimetype=PROBLEM_MIMETYPE)
    for name, value in exc.get_headers():
        response.headers.add(name, value)
    return response


class ProblemMixin:
    """Renders an ``HTTPException`` as an RFC 9457 problem details object."""

    code: int
    name: str
    description: str

    def problem(self) -> dict[str, Any]:
        """The problem details object (``type``, ``title``, ``status``, ``detail``)."""
        return {
            "type": "about:blank",
            "title": self.name,
            "status": self.code,
            "detail": self.description,
        }

    def problem_response(self) -> Response:
        """The ``application/problem+json`` response (see ``coercion.error_response``)."""
        assert isinstance(self, HTTPException)
        return problem_response(self)


class RequestValidationError(ProblemMixin, UnprocessableEntity):
    """The request's parameters or body do not match the view's types: a 422 listing each error.

    ``errors`` is a list of ``{"loc": [...], "msg": str, "type": str}``.
    """

    description = "The request did not validate."

    def __init__(self, errors: list[ErrorItem], description: str | None = None) -> None:
        if description is None:
            description = "; ".join(f"{format_loc(e['loc'])}: {e['msg']}" for e in errors)
        super().__init__(description)
        self.errors = errors

    def problem(self) -> dict[str, Any]:
        data = super().problem()
        data["errors"] = self.errors
        return data

    def get_json(self) -> dict[str, Any]:
        return self.problem()


class MalformedBody(ProblemMixin, BadRequest):
    """The body is not valid JSON (or not UTF-8, or nested too deeply): a 400."""


class UnsupportedBodyType(ProblemMixin, UnsupportedMediaType):
    """The body's ``Content-Type`` is not one the view reads: a 415."""


def format_loc(loc: list[str | int]) -> str:
    """``["body", "items", 3, "price"]`` as ``body.items[3].price`` for a one-line message."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[(?:'|\")?([^\]]*?)(?:'|\")?\]")
_AT_PATH = re.compile(r"^(.*?)(?: - at `(\$[^`]*)`)?$", re.DOTALL)


def split_msgspec_error(message: str) -> tuple[str, list[str | int]]:
    """``"Expected `int`, got `str` - at `$.items[3].price`"`` as its message and location
    (``["items", 3, "price"]``): msgspec reports the first error with a JSONPath suffix."""
    match = _AT_PATH.match(message)
    assert match is not None  # the pattern matches any string
    text, path = match.group(1), match.group(2)
    loc: list[str | int] = []
    if path:
        for name, index, key in _PATH_PART.findall(path[1:]):
            if name:
                loc.append(name)
            elif index:
                loc.append(int(index))
            else:
                loc.append(key)
    return text, loc


def error_kind(message: str) -> str:
    """A short machine-readable kind for a msgspec message (``missing``, ``type``...)."""
    if message.startswith("Object missing required field"):
        return "missing"
    if message.startswith("Expected"):
        if " >= " in message or " <= " in message or " > " in message or " < " in message:
            return "value_error.number"
        if "length" in message:
            return "value_error.length"
        if "matching the regex" in message:
            return "value_error.pattern"
        return "type_error"
    if message.startswith("Object contains unknown field"):
        return "extra_forbidden"
    if message.startswith("Invalid enum value"):
        return "enum"
    return "value_error"


def msgspec_error(exc: msgspec.ValidationError, prefix: list[str | int]) -> ErrorItem:
    """One error item from msgspec's ``ValidationError``, located under ``prefix``."""
    text, loc = split_msgspec_error(str(exc))
    if text.startswith("Object missing required field"):
        field = text.rpartition("`")[0].rpartition("`")[2]
        loc = [*loc, field]
        text = "Field required"
    return {"loc": [*prefix, *loc], "msg": text, "type": error_kind(str(exc))}
