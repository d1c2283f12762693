"""Bare WSGI and ASGI callables: the plaintext and JSON answers with no framework at all.

The end-to-end run (``e2e.py``) serves these under granian as the physical limit of a
server + loopback + wrk: a framework can only come close to them. They answer the same bytes
and the same ``Content-Type`` as the framework apps, and a 404 for anything else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from . import HELLO, JSON_MESSAGE

VERSION = "-"

_PLAIN = HELLO.encode()
_JSON = json.dumps(JSON_MESSAGE, separators=(",", ":")).encode()
#: path -> (content type, body)
_ANSWERS = {
    "/plaintext": (b"text/plain; charset=utf-8", _PLAIN),
    "/json": (b"application/json", _JSON),
}
_NOT_FOUND = (b"text/plain; charset=utf-8", b"Not Found")

_WSGI_ANSWERS = {
    path: ([("Content-Type", ctype.decode()), ("Content-Length", str(len(body)))], [body])
    for path, (ctype, body) in _ANSWERS.items()
}


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    answer = _WSGI_ANSWERS.get(environ["PATH_INFO"])
    if answer is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not Found"]
    start_response("200 OK", answer[0])
    return answer[1]


_ASGI_ANSWERS = {
    path: (200, [(b"content-type", ctype), (b"content-length", str(len(body)).encode())], body)
    for path, (ctype, body) in (*_ANSWERS.items(), ("", _NOT_FOUND))
}
_ASGI_NOT_FOUND = (404, *_ASGI_ANSWERS.pop("")[1:])


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        status, headers, body = _ASGI_ANSWERS.get(scope["path"], _ASGI_NOT_FOUND)
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
