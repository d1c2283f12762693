"""HTTP errors: the ``HTTPException`` family, ``abort`` and build/usage errors.

The family is table-driven: each class is a status code, a name and a default
description. An ``HTTPException`` knows how to render itself as HTML (escaped)
or JSON, so an error needs no template, app or request context to answer.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn

from .context import _cv_context

if TYPE_CHECKING:
    from .response import Response

HTTP_STATUS_PHRASES: dict[int, str] = {
    100: "Continue", 101: "Switching Protocols", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
    416: "Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a teapot",
    421: "Misdirected Request", 422: "Unprocessable Content", 423: "Locked",
    424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required",
    428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
    507: "Insufficient Storage", 511: "Network Authentication Required",
}


class HTTPException(Exception):
    """An HTTP error that becomes a response: raise it (or ``abort``) from anywhere in a view."""

    code: int = 500
    description: str = "An error occurred."
    #: A ready response that answers this error instead of its page.
    response: Response | None = None

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__(description)
        if description is not None:
            self.description = description
        if response is not None:  # else the class's None: ``abort(404)`` stores nothing
            self.response = response

    @property
    def name(self) -> str:
        """The status phrase, e.g. ``"Not Found"``."""
        return HTTP_STATUS_PHRASES.get(self.code, "Unknown Error")

    def get_headers(self) -> list[tuple[str, str]]:
        """Extra headers this error adds to its response (``Allow``, ``Location``...)."""
        return []

    def get_body(self) -> str:
        """The HTML error page; every part of it is escaped."""
        name = html.escape(self.name)
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {name}</title>\n"
            f"<h1>{name}</h1>\n<p>{html.escape(self.description)}</p>\n"
        )

    def get_json(self) -> dict[str, Any]:
        """The JSON body given to clients that prefer JSON."""
        return {"code": self.code, "name": self.name, "description": self.description}

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code}: {self.name}'>"


class BadRequest(HTTPException):
    code = 400
    description = "The browser (or proxy) sent a request that this server could not understand."


class BadRequestKeyError(BadRequest, KeyError):
    """A missing key in ``request.form``/``request.args``: a 400 that names the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"The request is missing the field {key!r}.")
        self.key = key

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class SecurityError(BadRequest):
    """A request rejected for safety: an untrusted ``Host``, for example."""


class Unauthorized(HTTPException):
    code = 401
    description = "The server could not verify that you are authorized to access this URL."

    def __init__(
        self, description: str | None = None, www_authenticate: str | None = None
    ) -> None:
        super().__init__(description)
        self.www_authenticate = www_authenticate

    def get_headers(self) -> list[tuple[str, str]]:
        if self.www_authenticate:
            return [("WWW-Authenticate", self.www_authenticate)]
        return []


class Forbidden(HTTPException):
    code = 403
    description = "You don't have the permission to access the requested resource."


class NotFound(HTTPException):
    code = 404
    description = "The requested URL was not found on the server."


class MethodNotAllowed(HTTPException):
    code = 405
    description = "The method is not allowed for the requested URL."

    def __init__(
        self, valid_methods: Iterable[str] | None = None, description: str | None = None
    ) -> None:
        super().__init__(description)
        self.valid_methods = sorted(valid_methods or ())

    def get_headers(self) -> list[tuple[str, str]]:
        return [("Allow", ", ".join(self.valid_methods))] if self.valid_methods else []


class NotAcceptable(HTTPException):
    code = 406
    description = "The resource cannot be given in a form the client accepts."


class RequestTimeout(HTTPException):
    code = 408
    description = "The server closed the connection waiting for the request."


class Conflict(HTTPException):
    code = 409
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    code = 410
    description = "The requested URL is no longer available on this server."


class LengthRequired(HTTPException):
    code = 411
    description = "A request with this method requires a valid Content-Length header."


class PreconditionFailed(HTTPException):
    code = 412
    description = "The precondition on the request for the URL failed."


class RequestEntityTooLarge(HTTPException):
    code = 413
    description = "The data value transmitted exceeds the capacity limit."


class URITooLong(HTTPException):
    code = 414
    description = "The length of the requested URL exceeds the capacity limit."


class UnsupportedMediaType(HTTPException):
    code = 415
    description = "The server does not support the media type transmitted in the request."


class RangeNotSatisfiable(HTTPException):
    code = 416
    description = "The server cannot provide the requested range."

    def __init__(self, description: str | None = None, length: int | None = None) -> None:
        super().__init__(description)
        self.length = length

    def get_headers(self) -> list[tuple[str, str]]:
        """``Content-Range: bytes */<length>``: the size the client can ask ranges of."""
        return [("Content-Range", f"bytes */{self.length}")] if self.length is not None else []


class UnprocessableEntity(HTTPException):
    code = 422
    description = "The request was well-formed but could not be processed."


class TooManyRequests(HTTPException):
    code = 429
    description = "This user has exceeded an allotted request count."


class RequestHeaderFieldsTooLarge(HTTPException):
    code = 431
    description = "One or more header fields exceed the maximum size."


class InternalServerError(HTTPException):
    code = 500
    description = (
        "The server encountered an internal error and was unable to complete your request."
    )

    def __init__(
        self, description: str | None = None, original_exception: BaseException | None = None
    ) -> None:
        super().__init__(description)
        self.original_exception = original_exception


class NotImplementedHTTP(HTTPException):
    code = 501
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPException):
    code = 502
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(HTTPException):
    code = 503
    description = "The server is temporarily unable to service your request."


class GatewayTimeout(HTTPException):
    code = 504
    description = "The connection to an upstream server timed out."


class RequestRedirect(HTTPException):
    """Raised by the router when a URL needs its trailing slash: a 308 to ``new_url``."""

    code = 308
    description = "The URL has moved."

    def __init__(self, new_url: str) -> None:
        super().__init__(f"Redirecting to {new_url}.")
        self.new_url = new_url

    def get_headers(self) -> list[tuple[str, str]]:
        return [("Location", self.new_url)]


class BuildError(LookupError):
    """``url_for`` could not build a URL; the message says what was missing."""


class RoutingConflict(ValueError):
    """Two rules would match the same URLs for the same methods."""


#: Every HTTPException subclass above, by status code, for ``abort(code)``.
DEFAULT_EXCEPTIONS: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in (
        BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable,
        RequestTimeout, Conflict, Gone, LengthRequired, PreconditionFailed,
        RequestEntityTooLarge, URITooLong, UnsupportedMediaType, RangeNotSatisfiable,
        UnprocessableEntity, TooManyRequests, RequestHeaderFieldsTooLarge,
        InternalServerError, NotImplementedHTTP, BadGateway, ServiceUnavailable, GatewayTimeout,
    )
}


def exception_for(code: int, description: str | None = None) -> HTTPException:
    """An ``HTTPException`` instance for any status code, including codes with no class."""
    cls = DEFAULT_EXCEPTIONS.get(code)
    if cls is not None:
        return cls(description=description)
    if code not in HTTP_STATUS_PHRASES or code < 400:
        raise LookupError(f"no exception for status code {code}")
    exc = HTTPException(description)
    exc.code = code
    return exc


class Aborter:
    """``app.aborter`` (``app.aborter_class``): ``aborter(404)`` raises the HTTP error for a
    status code; ``mapping`` (code -> exception class) and ``extra`` change which."""

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(DEFAULT_EXCEPTIONS if mapping is None else mapping)
        if extra:
            self.mapping.update(extra)

    def __call__(self, code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
        if not isinstance(code, int):
            exc = HTTPException(response=code)
            exc.code = code.status_code
            raise exc
        cls = self.mapping.get(code)
        if cls is None:
            raise exception_for(code, *args)
        raise cls(*args, **kwargs)


def abort(status: int | Response, description: str | None = None) -> NoReturn:
    """Stop the request with an HTTP error (``abort(404)``) or a ready response; an app with
    its own ``aborter_class`` decides what is raised."""
    ctx = _cv_context.get()
    if ctx is not None and type(ctx.app).aborter_class is not Aborter:
        ctx.app.aborter(status, *(() if description is None else (description,)))
    if status.__class__ is int:  # ``exception_for``'s common case, without the call
        cls = DEFAULT_EXCEPTIONS.get(status)
        if cls is not None:
            raise cls() if description is None else cls(description=description)
    if isinstance(status, int):
        raise exception_for(status, description)
    exc = HTTPException(response=status)
    exc.code = status.status_code
    raise exc
