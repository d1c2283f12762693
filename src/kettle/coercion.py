"""Turning whatever a view returns into a ``Response``, Flask's rules plus typed objects."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .context import current_context
from .datastructures import Headers
from .errors import HTTPException
from .problems import ProblemMixin
from .response import Response

if TYPE_CHECKING:
    from .app import Kettle
    from .request import Request


_default_pages: dict[type[HTTPException], bytes] = {}


def _html_page(exc: HTTPException) -> bytes | str:
    """The error page; built once per class while the description is the class default."""
    cls = type(exc)
    if exc.description is not cls.description or cls.get_body is not HTTPException.get_body:
        return exc.get_body()
    page = _default_pages.get(cls)
    if page is None:
        page = _default_pages[cls] = exc.get_body().encode()
    return page


def error_response(exc: HTTPException, request: Request | None) -> Response:
    """The page for an HTTP error: JSON for clients that prefer it, escaped HTML otherwise."""
    if exc.response is not None:
        return exc.response
    if isinstance(exc, ProblemMixin):  # typed views' binding errors: RFC 9457, always JSON
        return exc.problem_response()
    wants_json = False
    if request is not None:
        try:
            accept = request.headers.get("Accept")
        except HTTPException:  # over MAX_REQUEST_HEADER_SIZE: the page must still go out
            accept = None
        if accept and "json" in accept:
            wants_json = (
                request.accept_mimetypes.best_match(["text/html", "application/json"])
                == "application/json"
            )
    if wants_json:
        body = msgspec.json.encode(exc.get_json())
        response = Response(body, exc.code, mimetype="application/json")
    else:
        response = Response(_html_page(exc), exc.code, mimetype="text/html")
    for name, value in exc.get_headers():
        response.headers.add(name, value)
    return response


def _apply_headers(response: Response, headers: Any) -> None:
    """Replace the response's headers named in ``headers``, keeping every value given.

    Flask keeps only the last of repeated names in a list of pairs, which loses
    cookies in ``("ok", [("Set-Cookie", a), ("Set-Cookie", b)])``; kettle sends both.
    """
    if isinstance(headers, Mapping | Headers):
        pairs: Iterable[tuple[str, Any]] = headers.items()
    else:
        pairs = headers
    target = response.headers
    replaced: set[str] = set()
    for name, value in pairs:
        key = name.lower()
        if key not in replaced:
            target.remove(name)
            replaced.add(key)
        if isinstance(value, list | tuple):
            for item in value:
                target.add(name, item)
        else:
            target.add(name, value)


def _is_headers(value: Any) -> bool:
    return isinstance(value, Mapping | Headers | list | tuple)


def make_response(app: Kettle, rv: Any) -> Response:
    """Coerce a view's return value: str, bytes, dict/list (JSON), tuples, iterators, objects."""
    cls = rv.__class__
    if cls is str:
        return app.response_class(rv)
    if cls is dict:
        return app.json.response_for(rv)
    if isinstance(rv, Response):
        return rv
    status: Any = None
    headers: Any = None
    if cls is tuple:
        size = len(rv)
        if size == 3:
            rv, status, headers = rv
        elif size == 2:
            rv, second = rv
            if _is_headers(second):
                headers = second
            else:
                status = second
        else:
            raise TypeError(
                "The view function did not return a valid response tuple. The tuple must have "
                "the form (body, status, headers), (body, status), or (body, headers)."
            )
    if rv is None:
        raise TypeError(
            "The view function did not return a valid response. The function either returned "
            "None or ended without a return statement."
        )
    response = _body_to_response(app, rv)
    if status is not None:
        response.status = status
    if headers:
        _apply_headers(response, headers)
    return response


def _body_to_response(app: Kettle, rv: Any) -> Response:
    if isinstance(rv, Response):
        return rv
    if isinstance(rv, str | bytes | bytearray):
        return app.response_class(rv)
    if isinstance(rv, dict | list):
        return app.json.response_for(rv)
    if isinstance(rv, HTTPException):
        ctx = current_context()
        return error_response(rv, ctx.request if ctx is not None else None)
    if isinstance(rv, msgspec.Struct) or (
        dataclasses.is_dataclass(rv) and not isinstance(rv, type)
    ):
        return app.json.response(rv)
    if hasattr(rv, "model_dump"):  # pydantic models
        return app.json.response(rv)
    if isinstance(rv, Iterator | AsyncIterator):  # generators, file objects: streamed
        return app.response_class(rv)
    raise TypeError(
        f"The view function did not return a valid response. The return type must be a string, "
        f"dict, list, tuple with headers or status, Response instance, or an iterator, but it "
        f"was a {type(rv).__name__}."
    )
