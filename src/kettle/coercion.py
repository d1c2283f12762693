"""Turning whatever a view returns into a ``Response``, Flask's rules plus typed objects."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .context import current_context
from .datastructures import Headers
from .errors import HTTPException
from .plain import _HTML_ENCODED, _HTML_PAIRS, PlainAnswer
from .problems import ProblemMixin
from .response import _HTML_HEADER, _STATUS_LINES, Response

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


def _wants_json(request: Request | None) -> bool:
    """Whether the client prefers JSON to HTML for an error page (its ``Accept``)."""
    if request is None:
        return False
    try:
        accept = request.headers.get("Accept")
    except HTTPException:  # over MAX_REQUEST_HEADER_SIZE: the page must still go out
        return False
    return bool(accept) and "json" in accept and (
        request.accept_mimetypes.best_match(["text/html", "application/json"])
        == "application/json"
    )


def plain_error(exc: HTTPException, request: Request | None) -> PlainAnswer | None:
    """An HTTP error's HTML page as a plain answer, for the door to write without a
    ``Response``: only the class's own page (no headers of its own, no ready response, not
    a problem) for a client that takes HTML; ``None`` for anything else (``error_response``)."""
    if (
        exc.response is not None
        or type(exc).get_headers is not HTTPException.get_headers
        or isinstance(exc, ProblemMixin)
        or exc.code not in _STATUS_LINES
        or _wants_json(request)
    ):
        return None
    page = _html_page(exc)
    body = page if isinstance(page, bytes) else page.encode()
    return exc.code, body, _HTML_PAIRS, _HTML_ENCODED, True


def error_response(exc: HTTPException, request: Request | None) -> Response:
    """The page for an HTTP error: JSON for clients that prefer it, escaped HTML otherwise."""
    if exc.response is not None:
        return exc.response
    if isinstance(exc, ProblemMixin):  # typed views' binding errors: RFC 9457, always JSON
        return exc.problem_response()
    if _wants_json(request):
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

    A view returns the same literal headers on every call, so the outcome for a fresh
    response (one ``Content-Type`` pair) is remembered, keyed by that pair and the items:
    the names and values are checked once, not per request.
    """
    target = response.headers
    items = target._list
    key: Any = None
    if len(items) == 1 and headers.__class__ in _PLAIN_HEADER_TYPES:
        try:
            key = (
                items[0],
                tuple(headers.items()) if headers.__class__ is dict else tuple(headers),
            )
            cached = _header_plans.get(key)
        except TypeError:  # an unhashable value (a list of values): not remembered
            key = cached = None
        if cached is not None:
            target._list = list(cached)
            return
    if isinstance(headers, Mapping | Headers):
        pairs: Iterable[tuple[str, Any]] = headers.items()
    else:
        pairs = headers
    replaced: set[str] = set()
    for name, value in pairs:
        lower = name.lower()
        if lower not in replaced:
            target.remove(name)
            replaced.add(lower)
        if isinstance(value, list | tuple):
            for item in value:
                target.add(name, item)
        else:
            target.add(name, value)
    if key is not None and len(_header_plans) < _HEADER_PLANS_MAX and all(
        name.__class__ is str and value.__class__ is str for name, value in key[1]
    ):
        _header_plans[key] = tuple(target._list)


_PLAIN_HEADER_TYPES = (dict, list, tuple)
#: ``(Content-Type pair, header items) -> the checked header list``: see ``_apply_headers``.
_header_plans: dict[tuple[tuple[str, str], tuple[Any, ...]], tuple[tuple[str, str], ...]] = {}
_HEADER_PLANS_MAX = 512


def _is_headers(value: Any) -> bool:
    return isinstance(value, Mapping | Headers | list | tuple)


_TUPLE_ERROR = (
    "The view function did not return a valid response tuple. The tuple must have "
    "the form (body, status, headers), (body, status), or (body, headers)."
)
_NONE_ERROR = (
    "The view function did not return a valid response. The function either returned "
    "None or ended without a return statement."
)


def make_response(app: Kettle, rv: Any) -> Response:
    """Coerce a view's return value: str, bytes, dict/list (JSON), tuples, iterators, objects."""
    cls = rv.__class__
    if cls is str:
        return app.response_class.html(rv) if app._plain_response else app.response_class(rv)
    if cls is dict:
        return app.json.response_for(rv)
    if cls is tuple:
        return _from_tuple(app, rv)
    if isinstance(rv, Response):
        return rv
    if rv is None:
        raise TypeError(_NONE_ERROR)
    return _body_to_response(app, rv)


def _from_tuple(app: Kettle, rv: tuple[Any, ...]) -> Response:
    """``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``."""
    status: Any = None
    headers: Any = None
    size = len(rv)
    if size == 2:
        body, second = rv
        kind = second.__class__
        if kind is dict or kind is list or (kind is not int and _is_headers(second)):
            headers = second
        else:
            status = second
    elif size == 3:
        body, status, headers = rv
    else:
        raise TypeError(_TUPLE_ERROR)
    cls = body.__class__
    if cls is str and app._plain_response:
        response = app.response_class.html(body)
    elif cls is dict or cls is list:
        response = app.json.response_for(body)
    elif body is None:
        raise TypeError(_NONE_ERROR)
    else:
        response = _body_to_response(app, body)
    if status is not None:
        if status.__class__ is int:
            response.status_code = status
        else:
            response.status = status
    if headers:
        _apply_headers(response, headers)
    return response


def _body_to_response(app: Kettle, rv: Any) -> Response:
    if isinstance(rv, Response):
        return rv
    if rv.__class__ is bytes and app._plain_response:
        return app.response_class.direct(rv, _HTML_HEADER)
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
