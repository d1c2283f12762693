"""Bare WSGI and ASGI callables: each end-to-end scenario answered with no framework at all.

The end-to-end run (``e2e.py``) serves these under granian as the physical limit of a
server + loopback + wrk: a framework can only come close to them. They answer exactly the
bytes kettle's apps answer, headers included (kettle's ``X-Content-Type-Options`` and, on
HTML, ``X-Frame-Options``; its 404 page), so "vs bare" measures the framework's work and not
a smaller response: constant answers (plaintext, JSON, the ``(text, 200, {Content-Type})``
shape) from a dict keyed by path, and the 404 page for anything else. ``POST /shapes/items``
does what the view does and nothing a framework adds: it reads
``Content-Length`` bytes of body, ``json.loads`` them, runs the same hand validation as every
app's view (``common.check_item``) and answers the result with ``json.dumps``, 201 (422 with
``{"error": ...}`` on a bad body); no method, header or content-type checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from . import HELLO, JSON_MESSAGE, common

VERSION = "-"

_TEXT = b"text/plain; charset=utf-8"
_HTML = b"text/html; charset=utf-8"  # what a view's ``str`` is sent as, as in Flask
_JSON_TYPE = b"application/json"
#: path -> (content type, body)
_ANSWERS = {
    "/plaintext": (_HTML, HELLO.encode()),
    "/json": (_JSON_TYPE, json.dumps(JSON_MESSAGE, separators=(",", ":")).encode()),
    "/shapes/status-headers": (_TEXT, HELLO.encode()),
}
#: kettle's 404 page, byte for byte.
_NOT_FOUND = (_HTML, (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    b"<p>The requested URL was not found on the server.</p>\n"
))
#: The headers kettle adds after ``Content-Length``: on every answer, and on HTML.
_NOSNIFF = (b"X-Content-Type-Options", b"nosniff")
_FRAME = (b"X-Frame-Options", b"SAMEORIGIN")


def _tail(ctype: bytes) -> list[tuple[bytes, bytes]]:
    return [_NOSNIFF, _FRAME] if ctype == _HTML else [_NOSNIFF]
#: The hand-validated POST (``apps/shapes.py``'s ``create_item``).
ITEMS_PATH = "/shapes/items"
_STATUS_LINES = {201: "201 Created", 404: "404 Not Found", 422: "422 Unprocessable Entity"}


def create_item(raw: bytes) -> tuple[int, bytes]:
    """The POST's answer: the validated item and 201, or ``{"error": ...}`` and 422."""
    try:
        status, answer = 201, common.check_item(json.loads(raw))
    except ValueError as exc:  # json.JSONDecodeError is one too
        status, answer = 422, {"error": str(exc)}
    return status, json.dumps(answer, separators=(",", ":")).encode()


def _wsgi_headers(ctype: bytes, body: bytes) -> list[tuple[str, str]]:
    return [
        ("Content-Type", ctype.decode()), ("Content-Length", str(len(body))),
        *((name.decode(), value.decode()) for name, value in _tail(ctype)),
    ]


_WSGI_ANSWERS = {
    path: (_wsgi_headers(ctype, body), [body]) for path, (ctype, body) in _ANSWERS.items()
}
_WSGI_NOT_FOUND = (_wsgi_headers(*_NOT_FOUND), [_NOT_FOUND[1]])


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    answer = _WSGI_ANSWERS.get(path)
    if answer is not None:
        start_response("200 OK", answer[0])
        return answer[1]
    if path == ITEMS_PATH:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        status, body = create_item(environ["wsgi.input"].read(length))
        start_response(_STATUS_LINES[status], _wsgi_headers(_JSON_TYPE, body))
        return [body]
    start_response(_STATUS_LINES[404], _WSGI_NOT_FOUND[0])
    return _WSGI_NOT_FOUND[1]


def _asgi_headers(ctype: bytes, body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", ctype), (b"content-length", str(len(body)).encode()),
        *((name.lower(), value) for name, value in _tail(ctype)),
    ]


_ASGI_ANSWERS = {
    path: (200, _asgi_headers(ctype, body), body) for path, (ctype, body) in _ANSWERS.items()
}
_ASGI_NOT_FOUND = (404, _asgi_headers(*_NOT_FOUND), _NOT_FOUND[1])


async def _read_body(receive: Any) -> bytes:
    """The request body: every ``http.request`` message's bytes, until ``more_body`` is off."""
    message = await receive()
    body: bytes = message.get("body", b"")
    while message.get("more_body", False):
        message = await receive()
        body += message.get("body", b"")
    return body


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        path = scope["path"]
        answer = _ASGI_ANSWERS.get(path)
        if answer is None and path == ITEMS_PATH:
            status, body = create_item(await _read_body(receive))
            answer = (status, _asgi_headers(_JSON_TYPE, body), body)
        status, headers, body = answer or _ASGI_NOT_FOUND
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    elif scope["type"] == "lifespan":  # nothing to set up; say so
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
