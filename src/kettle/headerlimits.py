"""Limits on the request's header fields: how many (``MAX_REQUEST_HEADERS``) and how long
one ``Name: value`` line may be (``MAX_REQUEST_HEADER_SIZE``), answered 431.

Most servers refuse oversized headers themselves (gunicorn: 100 fields of 8190 bytes), some
do not (granian, uvicorn with httptools), so the framework bounds them under every server
and both doors. What each check costs decides where it runs:

* the count, in the door before routing: ``len()`` of the ASGI header list, or of the WSGI
  environ as a gate (it bounds the count from above), the ``HTTP_*`` keys counted past it
  (where a server copies a big process environment into every environ, what it always
  sends besides headers is learned once: ``count_environ_headers``);
* the line length, when a header is read (``request.headers``, and all that reads it:
  cookies, the host, the content type...). Checking every line of every request is one
  pass over the environ, which measured +60 % per request on the WSGI door; a header that
  nothing reads costs nothing, and is not refused.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from .errors import RequestHeaderFieldsTooLarge

if TYPE_CHECKING:
    from .app import Kettle
    from .body import RequestLimits
    from .request import Request

#: The CGI keys of an environ that carry request headers without the ``HTTP_`` prefix.
_CGI_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")
_EMPTY_IS_NONE = (b"content-type", b"content-length")


def check_line_length(name: str, value: str | bytes, max_line: int) -> None:
    """Raise the 431 when ``Name: value`` is longer than ``max_line`` bytes."""
    if len(name) + len(value) + 2 > max_line:
        raise RequestHeaderFieldsTooLarge(
            f"The request header field {name[:40]!r} is longer than {max_line} bytes "
            "(MAX_REQUEST_HEADER_SIZE)."
        )


def header_gate(limits: RequestLimits) -> int:
    """What the doors compare ``len(environ)`` / ``len(scope["headers"])`` with: at or below
    it, the request cannot have too many headers (an environ holds its headers and more)."""
    limit = limits.max_request_headers
    return sys.maxsize if limit is None else limit


def refuse_too_many_headers(request: Request, limits: RequestLimits) -> None:
    """Past the ASGI door's gate: count the header fields; too many is the request's 431
    (an environ's are counted by ``count_environ_headers``)."""
    limit = limits.max_request_headers
    if limit is None:
        return
    count = sum(  # an empty Content-Type/-Length is no header, as in an environ (CGI's "")
        1 for name, value in request._raw_headers or () if value or name not in _EMPTY_IS_NONE
    )
    if count > limit:
        _refuse(request, limit)


def _refuse(request: Request, limit: int) -> None:
    request._refused = RequestHeaderFieldsTooLarge(
        f"The request has more than {limit} header fields (MAX_REQUEST_HEADERS)."
    )


def _http_keys(environ: dict[str, Any]) -> int:
    return sum(1 for key in environ if key[:5] == "HTTP_")


#: Keys a server may send on some requests only (``HTTPS``, ``REMOTE_USER``, an empty
#: ``CONTENT_TYPE``...): a learned floor leaves room for this many going missing.
_SOMETIMES_SENT = 16
_MAX_SERVERS = 8
_learning = threading.Lock()


def count_environ_headers(app: Kettle, request: Request) -> None:
    """The WSGI door past its gate (``len(environ)`` over ``MAX_REQUEST_HEADERS``): count
    the headers, 431 when too many, unless this server's floor already answers.

    Some servers copy the process environment into every environ (granian, wsgiref), so in
    a container with a hundred variables every request passes the gate, and counting is a
    pass over ~150 keys (~5 µs). An environ's header count is at most ``len(environ)`` less
    its other keys, and those are the server's (a client adds only ``HTTP_*`` keys and the
    two CGI headers): with the fewest others seen from this server (``SERVER_SOFTWARE``,
    set by the server), less ``_SOMETIMES_SENT``, as its floor, an environ no longer than
    ``limit + floor`` cannot hold more than ``limit`` headers."""
    limit = app._limits.max_request_headers
    environ = request.environ
    if limit is None or environ is None:
        return
    size = len(environ)
    server = environ.get("SERVER_SOFTWARE")
    floor = app._environ_floors.get(server)
    if floor is not None and size <= limit + floor:
        return
    http = _http_keys(environ)
    cgi = [environ[key] for key in _CGI_HEADERS if key in environ]
    if http + sum(1 for value in cgi if value) > limit:
        _refuse(request, limit)
        return
    others = max(0, size - http - len(cgi) - _SOMETIMES_SENT)
    floors = app._environ_floors
    with _learning:  # two requests learning at once must not leave the larger floor
        known = floors.get(server)
        if known is not None or len(floors) < _MAX_SERVERS:
            floors[server] = others if known is None else min(known, others)
