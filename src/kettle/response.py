"""The outgoing response, and the coercion of a view's return value into one.

A ``Response`` is transport-free: a status, ``Headers`` and either a bytes body
or an iterable streamed chunk by chunk. The doors turn it into server calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from html import escape
from operator import itemgetter
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec

from .cookies import dump_cookie
from .datastructures import Headers
from .errors import HTTP_STATUS_PHRASES
from .response_headers import ResponseHeaders

_STATUS_LINES: dict[int, str] = {
    code: f"{code} {phrase}" for code, phrase in HTTP_STATUS_PHRASES.items()
}
_TEXT_TYPES_WITH_CHARSET = frozenset(
    {"application/javascript", "application/xml", "application/ecmascript", "image/svg+xml"}
)


def encode_chunk(chunk: Any) -> bytes:
    """One chunk of a streamed body as bytes: ``str`` as UTF-8; anything else is an error.

    ``bytes(5)`` would be five NUL bytes, not ``"5"``: ints are refused, not converted.
    """
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, bytes | bytearray | memoryview):
        return bytes(chunk)
    raise TypeError(f"A streamed response must yield str or bytes, not {type(chunk).__name__}.")


def _max_cookie_size() -> int:
    """``MAX_COOKIE_SIZE`` of the active app (cookies over it warn: browsers drop them)."""
    from .context import current_context

    ctx = current_context()
    if ctx is None:
        return 4093
    return int(ctx.app.config.get("MAX_COOKIE_SIZE", 4093))


def status_line(code: int) -> str:
    """``"404 Not Found"`` for ``404``; unknown codes get ``"UNKNOWN"`` as Werkzeug does."""
    line = _STATUS_LINES.get(code)
    return line if line is not None else f"{code} UNKNOWN"


def content_type_for(mimetype: str, charset: str = "utf-8") -> str:
    """Add ``charset`` to text mimetypes, as browsers need it to decode them."""
    if (
        mimetype.startswith("text/") or mimetype in _TEXT_TYPES_WITH_CHARSET
        or mimetype.endswith("+xml")
    ) and "charset" not in mimetype:
        return f"{mimetype}; charset={charset}"
    return mimetype


#: Characters a Location header keeps as they are; the rest (non-ASCII, spaces) is percent-encoded.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"

_HTML_CONTENT_TYPE = "text/html; charset=utf-8"
_NOSNIFF = ("X-Content-Type-Options", "nosniff")


_content_types: dict[str, str] = {"text/html": _HTML_CONTENT_TYPE}
_HTML_HEADER = ("Content-Type", _HTML_CONTENT_TYPE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str) -> bool:
    """Whether a ``Content-Type`` value is a page a browser could render in a frame."""
    return content_type is _HTML_CONTENT_TYPE or content_type.lower().startswith(_HTML_TYPES)


def frame_options_header(value: str | None) -> tuple[str, str] | None:
    """The ``X-Frame-Options`` pair for config value ``value`` (checked once, at start-up)."""
    if not value:
        return None
    Headers().add("X-Frame-Options", value)  # refuses CR/LF
    return ("X-Frame-Options", value)


def _content_type_header(mimetype: str) -> str:
    """``content_type_for`` memoised: responses of the same mimetype share one checked value."""
    value = _content_types.get(mimetype)
    if value is None:
        value = content_type_for(mimetype)
        Headers().add("Content-Type", value)  # refuses CR/LF before the value is cached
        if len(_content_types) < 256:
            _content_types[mimetype] = value
    return value


def _content_type_head(mimetype: str | None) -> tuple[tuple[str, str], ...]:
    """The header pairs a response of ``mimetype`` starts with (``()`` for none): one shared
    tuple per mimetype, so a response holds it without building a list, and the plain path's
    head lookup finds its pair by identity."""
    head = _content_type_heads.get(mimetype)
    if head is None:
        head = (("Content-Type", _content_type_header(mimetype)),) if mimetype else ()
        if len(_content_type_heads) < 256:
            _content_type_heads[mimetype] = head
    return head


def _first_headers(
    response: Response,
    headers: Headers | Mapping[str, Any] | Iterable[tuple[str, Any]] | None,
    mimetype: str | None,
    content_type: str | None,
) -> Headers:
    """``Response.__init__``'s ``Headers`` when ``headers`` or ``content_type`` is given: the
    ``Content-Type`` comes from ``content_type``, else ``mimetype``, else the headers given,
    else the class's ``default_mimetype``."""
    if headers is None:
        made = Headers()
    elif isinstance(headers, Headers):
        made = headers
    else:
        made = Headers(headers)
    if content_type is None:
        if mimetype is None and "Content-Type" not in made:
            mimetype = response.default_mimetype
        if mimetype is not None:
            content_type = _content_type_header(mimetype)
    if content_type is not None:
        made.set("Content-Type", content_type)
    return made


_content_type_heads: dict[str | None, tuple[tuple[str, str], ...]] = {
    "text/html": (_HTML_HEADER,), None: (), "": (),
}
_HTML_HEAD = _content_type_heads["text/html"]
_new = object.__new__
R = TypeVar("R", bound="Response")


def built(cls: type[R], body: bytes, head: tuple[tuple[str, str], ...]) -> R:
    """A 200 ``cls`` of ``body`` whose headers are ``head``, pairs already checked and shared
    (built once per mimetype or redirect target), without ``__init__``'s argument handling."""
    response = _new(cls)
    response._body = body
    response._head = head
    response._headers = None
    response._on_close = None
    response.status_code = 200
    return response


class Response(ResponseHeaders):
    """An HTTP response: ``Response(body, status, headers, mimetype=, content_type=)``.

    Building one is the cost a view that returns it pays on every request, so it is kept to
    five slot stores: the body, the status, ``_headers = None``, ``_on_close = None`` (the
    doors read it for every response) and ``_head``, a shared tuple of checked header pairs
    (its ``Content-Type``). The ``Headers`` object is made over it the first time
    ``headers`` is read (copied on its first write); the doors read ``_head`` directly
    while it has not been. Rarely set attributes live on the class as defaults (and in
    ``__dict__`` once set, which is also where extensions' own attributes go).
    """

    __slots__ = (
        "__dict__", "__weakref__", "_body", "_head", "_headers", "_on_close", "status_code"
    )

    default_status = 200
    default_mimetype: str | None = "text/html"
    direct_passthrough = False
    #: ``True`` drops the app's ``X-Frame-Options`` from this response (to allow framing).
    allow_framing = False
    response: Iterable[Any] | AsyncIterable[Any] | None = None

    def __init__(
        self,
        response: str | bytes | Iterable[Any] | AsyncIterable[Any] | None = None,
        status: int | str | None = None,
        headers: Headers | dict[str, Any] | Iterable[tuple[str, Any]] | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        cls = response.__class__
        if cls is str:
            self._body: bytes | None = response.encode()  # type: ignore[union-attr]
        elif cls is bytes:
            self._body = response  # type: ignore[assignment]
        else:
            self._set_first_body(response)
        self._headers: Headers | None = None
        #: ``call_on_close`` functions: a slot (set by every constructor), as the doors read
        #: it for every response: a class default would be an unspecialised lookup (~200).
        self._on_close: list[Callable[[], Any]] | None = None
        if headers is None and content_type is None:  # the common case: a shared head
            if mimetype is None:
                mimetype = self.default_mimetype
            try:
                self._head: tuple[tuple[str, str], ...] = _content_type_heads[mimetype]
            except KeyError:
                self._head = _content_type_head(mimetype)
        else:
            self._head = ()
            self._headers = _first_headers(self, headers, mimetype, content_type)
        if status is None:
            self.status_code: int = self.default_status
        elif status.__class__ is int:
            self.status_code = status
        else:
            self.status = status
        if direct_passthrough:
            self.direct_passthrough = True

    def _set_first_body(self, response: Any) -> None:
        """``__init__``'s body other than ``str`` or ``bytes``: none, a buffer, or an iterable
        (streamed)."""
        if response is None:
            self._body = b""
        elif isinstance(response, str):
            self._body = response.encode()
        elif isinstance(response, bytes | bytearray | memoryview):
            self._body = bytes(response)
        else:
            self._body = None
            self.response = response

    @classmethod
    def html(cls, body: str) -> Response:
        """A ``text/html`` response of ``body``: what a view's ``str`` becomes."""
        return built(cls, body.encode(), _HTML_HEAD)

    @classmethod
    def direct(cls, body: bytes, content_type: tuple[str, str]) -> Response:
        """A 200 response of ``body`` with one ready ``Content-Type`` header, built without
        the argument handling of ``__init__``: the commonest responses (JSON) take it.
        ``built``'s lines, written out: ``jsonify`` saves a call."""
        response: Response = _new(cls)
        response._body = body
        response._head = (content_type,)
        response._headers = None
        response._on_close = None
        response.status_code = 200
        return response

    # -- headers, made when first read -----------------------------------------
    @property
    def headers(self) -> Headers:
        """The response's ``Headers``; changes to it are what is sent."""
        headers = self._headers
        if headers is None:
            headers = self._headers = _new(Headers)
            headers._list = self._head  # shared, immutable: ``Headers`` copies it when written
        return headers

    @headers.setter
    def headers(self, value: Headers | Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        self._headers = value if isinstance(value, Headers) else Headers(value)

    def header_items(self) -> list[tuple[str, str]] | tuple[tuple[str, str], ...]:
        """The header pairs to send, without making ``headers`` (read-only: a tuple while
        the headers were never touched)."""
        headers = self._headers
        return self._head if headers is None else headers._list

    # -- status --------------------------------------------------------------
    @property
    def status(self) -> str:
        """The status line, ``"200 OK"``; assign an int or a string."""
        return status_line(self.status_code)

    @status.setter
    def status(self, value: int | str) -> None:
        if isinstance(value, int):
            self.status_code = int(value)  # int(): HTTPStatus members become plain ints
            return
        if not isinstance(value, str):
            raise TypeError(f"A status must be an int or a string, not {type(value).__name__}.")
        code, _, _ = value.strip().partition(" ")
        try:
            self.status_code = int(code)
        except ValueError:
            raise ValueError(f"Invalid status {value!r}: it must start with a number.") from None

    # -- body ----------------------------------------------------------------
    @property
    def is_streamed(self) -> bool:
        """Whether the body is an iterable produced while it is sent."""
        return self._body is None

    def get_data(self, as_text: bool = False) -> Any:
        """The whole body; a streamed body is consumed and kept."""
        body = self._body
        if body is None:
            body = self._body = b"".join(self.iter_encoded())
            self._drop_iterable()
        return body.decode() if as_text else body

    def set_data(self, value: str | bytes) -> None:
        """Replace the body; ``Content-Length`` follows."""
        self._body = value.encode() if isinstance(value, str) else bytes(value)
        self._drop_iterable()
        if "Content-Length" in self.headers:
            self.headers.set("Content-Length", str(len(self._body)))

    data = property(get_data, set_data, doc="The body as bytes.")

    def _drop_iterable(self) -> None:
        """Forget a streamed body that was read or replaced, closing it (a file's fd now,
        not whenever the garbage collector gets to it)."""
        closer = getattr(self.response, "close", None)
        self.response = None
        if closer is not None:
            closer()

    @property
    def text(self) -> str:
        result: str = self.get_data(as_text=True)
        return result

    @property
    def json(self) -> Any:
        """The body decoded as JSON (for tests); ``None`` when it is not JSON."""
        if not self.is_json:
            return None
        return msgspec.json.decode(self.get_data())

    def get_json(self) -> Any:
        return self.json

    def iter_encoded(self) -> Iterator[bytes]:
        """The body as bytes chunks; ``str`` chunks of a generator are encoded as UTF-8."""
        if self._body is not None:
            yield self._body
            return
        for chunk in self.response or ():  # type: ignore[union-attr]
            yield chunk if chunk.__class__ is bytes else encode_chunk(chunk)

    async def aiter_encoded(self) -> AsyncIterator[bytes]:
        """The body as bytes chunks when it is an async iterable (``async def`` generator)."""
        if self._body is not None:
            yield self._body
            return
        async for chunk in self.response:  # type: ignore[union-attr]
            yield chunk if chunk.__class__ is bytes else encode_chunk(chunk)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is not None:
            try:
                return int(value)
            except ValueError:
                return None
        return len(self._body) if self._body is not None else None

    # -- headers -------------------------------------------------------------
    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("Content-Type")
        return value

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        ct = self.content_type
        return ct.split(";", 1)[0].strip().lower() if ct else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers.set("Content-Type", content_type_for(value))

    @property
    def is_json(self) -> bool:
        mt = self.mimetype or ""
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def max_cookie_size(self) -> int:
        """``MAX_COOKIE_SIZE`` of the active app (4093 outside one); bigger cookies warn."""
        return _max_cookie_size()

    @property
    def location(self) -> str | None:
        value: str | None = self.headers.get("Location")
        return value

    @location.setter
    def location(self, value: str) -> None:
        self.headers.set("Location", value)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header; values that could inject a header are refused."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key, value, max_age=max_age, expires=expires, path=path, domain=domain,
                secure=secure, httponly=httponly, samesite=samesite, partitioned=partitioned,
                max_size=self.max_cookie_size,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie in the browser (same path and domain as it was set with)."""
        self.set_cookie(
            key, expires=0, max_age=0, path=path, domain=domain, secure=secure,
            httponly=httponly, samesite=samesite, partitioned=partitioned,
        )

    # -- lifetime ------------------------------------------------------------
    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` once the server has sent the response (or given up on it)."""
        if self._on_close is None:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body iterable and run ``call_on_close`` functions."""
        closer = getattr(self.response, "close", None)
        if closer is not None:
            closer()
        for func in self._on_close or ():
            func()

    def __repr__(self) -> str:
        size = f"{len(self._body)} bytes" if self._body is not None else "streamed"
        return f"<{type(self).__name__} {size} [{self.status}]>"


def wire_headers(
    response: Response, frame_options: tuple[str, str] | None = None
) -> list[tuple[str, str]]:
    """The header list a door sends for ``response``: its headers, completed (a new list;
    ``response.headers`` is left as the app made it).

    A 204 or 304 loses its content headers (RFC 9110 6.4.1), a bytes body gets its
    ``Content-Length``, and every response gets ``X-Content-Type-Options: nosniff``
    unless the app set that header itself. An HTML response also gets the app's
    ``frame_options`` header unless it set its own or ``allow_framing``.
    """
    body = response._body
    code = response.status_code
    items = response.header_items()
    if (
        len(items) == 1 and body is not None and items[0][0] == "Content-Type"
        and code != 204 and code != 304
    ):  # the common case: one Content-Type header, a bytes body
        pair = items[0]
        wire = [pair, ("Content-Length", str(len(body))), _NOSNIFF]
        if frame_options is not None and is_html(pair[1]) and not response.allow_framing:
            wire.append(frame_options)
        return wire
    if code == 204 or code == 304:
        wire = [item for item in items if item[0].lower() not in _CONTENT_NAMES]
    else:
        wire = list(items)
    names = tuple(map(_first, wire))
    facts = _name_facts.get(names)
    if facts is None:
        facts = _facts_of(names)
    has_length, has_nosniff, has_frame_options, content_type_at = facts
    if body is not None and not has_length and code != 204 and code != 304:
        wire.append(("Content-Length", str(len(body))))
    if not has_nosniff:
        wire.append(_NOSNIFF)
    if (
        frame_options is not None and content_type_at >= 0 and not has_frame_options
        and not response.allow_framing and is_html(wire[content_type_at][1])
    ):
        wire.append(frame_options)
    return wire


_first = itemgetter(0)
_CONTENT_NAMES = ("content-type", "content-length")
#: header names of a response -> what ``wire_headers`` asks of them (bounded; names repeat).
_name_facts: dict[tuple[str, ...], tuple[bool, bool, bool, int]] = {}


def _facts_of(names: tuple[str, ...]) -> tuple[bool, bool, bool, int]:
    """Whether ``names`` hold Content-Length, X-Content-Type-Options, X-Frame-Options, and
    the index of the first Content-Type (-1 without one), case-insensitively."""
    lowered = [name.lower() for name in names]
    facts = (
        "content-length" in lowered,
        "x-content-type-options" in lowered,
        "x-frame-options" in lowered,
        lowered.index("content-type") if "content-type" in lowered else -1,
    )
    if len(_name_facts) < 512:
        _name_facts[names] = facts
    return facts


_REDIRECT_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
    "<p>You should be redirected automatically to the target URL: "
    '<a href="{0}">{0}</a>. If not, click the link.\n'
)


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response to ``location`` (``code`` 301, 302, 303, 307 or 308)."""
    cls = Response or _Response
    try:
        page = _redirect_pages[location]  # a subscript: ~100 less than ``get``'s call
    except KeyError:
        # ``quote`` leaves no control character: the Location value needs no further check.
        target = quote(location, safe=_URL_SAFE)
        pairs = (_HTML_HEADER, ("Location", target))
        page = _REDIRECT_PAGE.format(escape(location)).encode(), pairs
        if len(_redirect_pages) < 512:  # the same few targets, mostly: built once each
            _redirect_pages[location] = page
    body, head = page  # the same tuple each time: the plain path's memo matches it by identity
    if cls is _Response or (
        cls.__init__ is _Response.__init__ and cls.direct.__func__ is _DIRECT  # type: ignore[attr-defined]
        and cls.default_mimetype == "text/html"
    ):
        response = _new(cls)  # ``built``'s lines, written out: a call less
        response._body = body
        response._head = head
        response._headers = None
        response._on_close = None
        if code.__class__ is int:
            response.status_code = code
        else:
            response.status = code
        return response
    response = cls(body.decode(), code, mimetype="text/html")
    response.headers.set("Location", head[1][1])
    return response


_redirect_pages: dict[str, tuple[bytes, tuple[tuple[str, str], ...]]] = {}
_Response = Response
_DIRECT = Response.direct.__func__  # type: ignore[attr-defined]
