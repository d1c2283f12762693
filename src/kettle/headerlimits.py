"""Limits on the request's header fields: how many (``MAX_REQUEST_HEADERS``) and how long
one ``Name: value`` line may be (``MAX_REQUEST_HEADER_SIZE``), answered 431.

Most servers refuse oversized headers themselves (gunicorn: 100 fields of 8190 bytes), some
do not (granian, uvicorn with httptools), so the framework bounds them under every server
and both doors. What each check costs decides where it runs:

* the count, in the door before routing: ``len()`` of the ASGI header list, or of the WSGI
  environ as a gate (it bounds the count from above), the ``HTTP_*`` keys counted past it;
* the line length, when a header is read (``request.headers``, and all that reads it:
  cookies, the host, the content type...). Checking every line of every request is one
  pass over the environ, which measured +60 % per request on the WSGI door; a header that
  nothing reads costs nothing, and is not refused.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .errors import RequestHeaderFieldsTooLarge

if TYPE_CHECKING:
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
    """Past the door's gate: count the header fields; too many is the request's 431."""
    limit = limits.max_request_headers
    if limit is None:
        return
    environ = request.environ
    if environ is not None:
        count = sum(1 for key in environ if key[:5] == "HTTP_")
        count += sum(1 for key in _CGI_HEADERS if environ.get(key))
    else:  # an empty Content-Type/-Length is no header, as in an environ (CGI's "")
        count = sum(
            1 for name, value in request._raw_headers or () if value or name not in _EMPTY_IS_NONE
        )
    if count > limit:
        request._refused = RequestHeaderFieldsTooLarge(
            f"The request has more than {limit} header fields (MAX_REQUEST_HEADERS)."
        )
