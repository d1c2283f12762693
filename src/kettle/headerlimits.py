"""Limits on the request's header fields: how many, and how long one line may be.

Most servers refuse oversized headers themselves (gunicorn: 100 fields of 8190 bytes), some
do not (granian), so the framework enforces the same bounds under every server and both
doors, answering 431. The checks are one pass over what the server already built (the
ASGI ``headers`` list, the WSGI environ), with ``len()`` as the first gate for the count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import RequestHeaderFieldsTooLarge

if TYPE_CHECKING:
    from .body import RequestLimits
    from .request import Request

#: The CGI keys of an environ that carry request headers without the ``HTTP_`` prefix.
_CGI_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _too_many(limit: int) -> RequestHeaderFieldsTooLarge:
    return RequestHeaderFieldsTooLarge(
        f"The request has more than {limit} header fields (MAX_REQUEST_HEADERS)."
    )


def _too_long(name: str, limit: int) -> RequestHeaderFieldsTooLarge:
    return RequestHeaderFieldsTooLarge(
        f"The request header field {name[:40]!r} is longer than {limit} bytes "
        "(MAX_REQUEST_HEADER_SIZE)."
    )


def scope_headers_error(
    headers: list[tuple[bytes, bytes]], max_count: int | None, max_size: int | None
) -> RequestHeaderFieldsTooLarge | None:
    """The 431 for an ASGI request's header pairs, or ``None`` when they are within limits."""
    if max_count is not None and len(headers) > max_count:
        return _too_many(max_count)
    if max_size is not None:
        longest = max_size - 2  # a line is "name: value"
        for name, value in headers:
            if len(name) + len(value) > longest:
                return _too_long(name.decode("latin-1"), max_size)
    return None


def environ_headers_error(
    environ: dict[str, Any], max_count: int | None, max_size: int | None
) -> RequestHeaderFieldsTooLarge | None:
    """The 431 for a WSGI environ's headers (``HTTP_*``, ``CONTENT_TYPE``, ``CONTENT_LENGTH``).

    ``len(environ)`` bounds the count from above, so the keys are counted only past it.
    A key ``HTTP_X_NAME`` is 3 characters longer than the line's ``X-Name: `` prefix, and
    ``CONTENT_TYPE`` 2 shorter than ``Content-Type: ``.
    """
    if max_count is not None and len(environ) > max_count:
        count = sum(1 for key in environ if key[:5] == "HTTP_")
        count += sum(1 for key in _CGI_HEADERS if key in environ)
        if count > max_count:
            return _too_many(max_count)
    if max_size is not None:
        longest = max_size - 2  # "Content-Type: value" is the key's length + 2
        for key, value in environ.items():
            if value.__class__ is str and len(key) + len(value) > longest:
                if key[:5] == "HTTP_" and len(key) + len(value) - 3 > max_size:
                    return _too_long(key[5:].replace("_", "-").title(), max_size)
                if key in _CGI_HEADERS:
                    return _too_long(key.replace("_", "-").title(), max_size)
    return None


def request_headers_error(
    request: Request, limits: RequestLimits
) -> RequestHeaderFieldsTooLarge | None:
    """The 431 for ``request`` as a door built it (environ or ASGI headers), else ``None``."""
    environ = request.environ
    if environ is not None:
        return environ_headers_error(
            environ, limits.max_request_headers, limits.max_request_header_size
        )
    raw = request._raw_headers
    if raw is not None:
        return scope_headers_error(raw, limits.max_request_headers, limits.max_request_header_size)
    return None
