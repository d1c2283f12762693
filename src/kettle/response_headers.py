"""The parts of ``Response`` Werkzeug's response has beyond a body, a status and headers:
typed header properties (``cache_control``, ``vary``, ``expires``...), entity tags and
``make_conditional``, and the WSGI plumbing (``get_wsgi_response``, ``from_app``...).

Properties read ``response.headers`` when accessed and write to it when assigned or, for
parsed values, when changed in place: constructing a response pays nothing for them.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from . import json as _json
from .datastructures import EnvironHeaders, Headers
from .header_auth import WWWAuthenticate
from .header_properties import (
    bool_header_property,
    date_header_property,
    header_property,
    int_header_property,
    list_header_property,
    parsed_header_property,
    seconds_header_property,
)
from .header_ranges import ContentRange
from .header_values import CallbackDict, ContentSecurityPolicy, ResponseCacheControl, _quote
from .http import (
    evaluate_preconditions,
    http_date,
    if_range_allows,
    parse_date,
    parse_etags,
    parse_options_header,
    parse_range_header,
    quote_etag,
    satisfiable_ranges,
    unquote_etag,
)

if TYPE_CHECKING:
    from .request import Request
    from .response import Response
    from .types import StartResponse, WSGIEnvironment

R = TypeVar("R", bound="ResponseHeaders")


def _content_range(raw: str | None, on_update: Callable[[Any], None] | None) -> ContentRange:
    return ContentRange.from_header(raw, on_update) or ContentRange(
        None, None, None, None, on_update
    )


def _www_authenticate(
    raw: str | None, on_update: Callable[[Any], None] | None
) -> WWWAuthenticate:
    parsed = WWWAuthenticate.from_header(raw, on_update)
    return parsed if parsed is not None else WWWAuthenticate("basic", on_update=on_update)


def _csp(name: str) -> property:
    return parsed_header_property(
        name, ContentSecurityPolicy.from_header,
        f"``{name}`` as directives (``csp.default_src = \"'self'\"``).",
    )


class ResponseStream:
    """``response.stream``: a write-only file whose writes append to the body."""

    mode = "wb+"
    encoding = "utf-8"

    def __init__(self, response: ResponseHeaders) -> None:
        self.response = response
        self.closed = False

    def write(self, value: str | bytes) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        data = value.encode() if isinstance(value, str) else bytes(value)
        self.response.set_data(self.response.get_data() + data)
        return len(data)

    def writelines(self, lines: Iterable[str | bytes]) -> None:
        for line in lines:
            self.write(line)

    def tell(self) -> int:
        return len(self.response.get_data())

    def flush(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


class ResponseHeaders:
    """Header properties and Werkzeug plumbing, mixed into ``Response``."""

    __slots__ = ()  # ``Response`` chooses its own (an instance dict only when one is needed)

    headers: Headers
    status_code: int
    response: Any
    _body: bytes | None
    get_data: Callable[..., Any]
    set_data: Callable[[str | bytes], None]
    iter_encoded: Callable[[], Any]
    aiter_encoded: Callable[[], Any]

    #: The module ``json`` and ``get_json`` use (Flask's ``json_module``).
    json_module: Any = _json
    #: Whether reading ``data`` of a streamed body buffers it (it always does in kettle).
    implicit_sequence_conversion = True
    #: Whether ``Location`` is made absolute: off, as in Werkzeug 2.1+ (RFC 9110 allows relative).
    autocorrect_location_header = False
    #: Whether ``make_conditional``/``freeze`` add ``Content-Length`` (the doors always do
    #: for a bytes body).
    automatically_set_content_length = True

    # -- header properties -----------------------------------------------------------------
    cache_control = parsed_header_property(
        "Cache-Control", ResponseCacheControl.from_header,
        "``Cache-Control`` directives; ``response.cache_control.max_age = 60`` writes it.",
    )
    vary = list_header_property("Vary")
    allow = list_header_property("Allow")
    content_language = list_header_property("Content-Language")
    content_location = header_property("Content-Location")
    content_encoding = header_property("Content-Encoding")
    content_md5 = header_property("Content-MD5")
    content_range = parsed_header_property(
        "Content-Range", _content_range, "``Content-Range`` as a ``ContentRange``."
    )
    accept_ranges = header_property("Accept-Ranges")
    age = seconds_header_property("Age")
    date = date_header_property("Date")
    expires = date_header_property("Expires")
    last_modified = date_header_property("Last-Modified")
    www_authenticate = parsed_header_property(
        "WWW-Authenticate", _www_authenticate,
        "The ``WWW-Authenticate`` challenge; ``response.www_authenticate.realm = 'x'`` sets it.",
    )
    content_security_policy = _csp("Content-Security-Policy")
    content_security_policy_report_only = _csp("Content-Security-Policy-Report-Only")
    cross_origin_embedder_policy = header_property("Cross-Origin-Embedder-Policy")
    cross_origin_opener_policy = header_property("Cross-Origin-Opener-Policy")
    access_control_allow_credentials = bool_header_property("Access-Control-Allow-Credentials")
    access_control_allow_headers = list_header_property("Access-Control-Allow-Headers")
    access_control_allow_methods = list_header_property("Access-Control-Allow-Methods")
    access_control_allow_origin = header_property("Access-Control-Allow-Origin")
    access_control_expose_headers = list_header_property("Access-Control-Expose-Headers")
    access_control_max_age = int_header_property("Access-Control-Max-Age")

    @property
    def retry_after(self) -> datetime | None:
        """``Retry-After`` as a datetime (seconds are counted from now); assign seconds or
        a datetime."""
        raw = self.headers.get("Retry-After")
        if raw is not None and raw.strip().isdigit():
            return datetime.now(UTC) + timedelta(seconds=int(raw.strip()[:18]))
        return parse_date(raw)

    @retry_after.setter
    def retry_after(self, value: datetime | int | timedelta | None) -> None:
        if value is None:
            self.headers.remove("Retry-After")
        elif isinstance(value, datetime):
            self.headers.set("Retry-After", http_date(value))
        else:
            seconds = value.total_seconds() if isinstance(value, timedelta) else value
            self.headers.set("Retry-After", str(int(seconds)))

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The ``Content-Type`` parameters (``{"charset": "utf-8"}``); changes write back."""
        mimetype, params = parse_options_header(self.headers.get("Content-Type"))

        def write(new: dict[str, str]) -> None:
            extra = "".join(f"; {k}={_quote(v)}" for k, v in new.items())
            self.headers.set("Content-Type", f"{mimetype}{extra}")

        return CallbackDict(params, write)

    # -- entity tags and conditional responses -----------------------------------------------
    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header (quoted here)."""
        self.headers.set("ETag", quote_etag(etag, weak))

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(tag, is_weak)`` of the ``ETag`` header, or ``(None, None)``."""
        raw = self.headers.get("ETag")
        return unquote_etag(raw) if raw else (None, None)

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ``ETag`` from a SHA-1 of the body, unless one is set (or ``overwrite``)."""
        if overwrite or "ETag" not in self.headers:
            self.set_etag(hashlib.sha1(self.get_data()).hexdigest(), weak)

    def make_conditional(
        self: R,
        request_or_environ: Request | WSGIEnvironment,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> R:
        """Answer the request's preconditions and ``Range`` with this response, as Werkzeug.

        For ``GET``/``HEAD``: the status becomes 304 when ``If-None-Match``/
        ``If-Modified-Since`` say the client's copy is current, 412 when ``If-Match``/
        ``If-Unmodified-Since`` fail; with ``accept_ranges`` (``True`` is ``"bytes"``), a
        satisfiable ``Range`` over a bytes body gives a 206 (416 when none is satisfiable).
        Uses the same RFC 9110 logic as ``send_file``.
        """
        if isinstance(request_or_environ, dict):
            method = request_or_environ.get("REQUEST_METHOD", "GET")
            header = EnvironHeaders(request_or_environ).get
        else:
            method, header = request_or_environ.method, request_or_environ.headers.get
        if method not in ("GET", "HEAD"):
            return self
        if "Date" not in self.headers:
            self.headers.set("Date", http_date())
        etag, weak = self.get_etag()
        modified = parse_date(self.headers.get("Last-Modified"))
        seconds = int(modified.timestamp()) if modified is not None else None
        if weak and header("If-Match") is not None and not parse_etags(header("If-Match")).star_tag:
            self.status_code = 412  # a weak tag never passes the strong If-Match comparison
            return self
        partial = accept_ranges and self._process_range(
            header, accept_ranges, complete_length, etag, seconds
        )
        if not partial and self.status_code == 200:
            outcome = evaluate_preconditions(method, header, etag, seconds)
            if outcome is not None:
                self.status_code = outcome
        if self.automatically_set_content_length and "Content-Length" not in self.headers:
            length = self.calculate_content_length()
            if length is not None:
                self.headers.set("Content-Length", str(length))
        return self

    def _process_range(
        self,
        header: Callable[[str], str | None],
        accept_ranges: bool | str,
        complete_length: int | None,
        etag: str | None,
        modified: int | None,
    ) -> bool:
        """Turn a 200 with a bytes body into a 206 for a ``Range``; whether it did."""
        from .errors import RangeNotSatisfiable
        from .sending import DEFAULT_MAX_RANGES, _partial

        self.headers.set("Accept-Ranges", "bytes" if accept_ranges is True else accept_ranges)
        body = self._body
        if self.status_code != 200 or body is None:
            return False
        size = complete_length if complete_length is not None else len(body)
        specs = parse_range_header(header("Range"), DEFAULT_MAX_RANGES)
        if specs is None or size == 0 or not if_range_allows(header("If-Range"), etag, modified):
            return False
        if evaluate_preconditions("GET", header, etag, modified) is not None:
            return False  # a 304 or 412 answers first
        spans = satisfiable_ranges(specs, size)
        if not spans:
            raise RangeNotSatisfiable(length=size)
        self._body = None  # type: ignore[misc]  # a slot of Response, which mixes this in
        _partial(self, io.BytesIO(body), spans, size)  # type: ignore[arg-type]
        return True

    # -- body plumbing ------------------------------------------------------------------------
    def calculate_content_length(self) -> int | None:
        """The body's length when it is bytes; ``None`` for a streamed body."""
        return len(self._body) if self._body is not None else None

    @property
    def is_sequence(self) -> bool:
        """Whether the body is in memory (not a generator or file streamed as it is sent)."""
        return self._body is not None or isinstance(self.response, list | tuple)

    def make_sequence(self) -> None:
        """Buffer a streamed body in memory."""
        if self._body is None:
            self.get_data()

    def freeze(self) -> None:
        """Buffer the body and set ``Content-Length`` (before pickling or caching it)."""
        self.make_sequence()
        self.headers.set("Content-Length", str(len(self.get_data())))

    @property
    def stream(self) -> ResponseStream:
        """A file-like object whose ``write`` appends to the body."""
        return ResponseStream(self)

    # -- WSGI ---------------------------------------------------------------------------------
    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The headers as they are sent (``Content-Length``, ``nosniff``... added)."""
        from .response import wire_headers

        return Headers(wire_headers(self))  # type: ignore[arg-type]

    def get_app_iter(self, environ: WSGIEnvironment) -> Iterable[bytes]:
        """The body as a WSGI iterable; empty for ``HEAD`` and bodiless statuses."""
        if environ.get("REQUEST_METHOD") == "HEAD" or self.status_code in (204, 304):
            return ()
        if self._body is not None:
            return [self._body]
        if hasattr(self.response, "__aiter__"):
            from .concurrency import iterate_async

            return iterate_async(self.aiter_encoded())
        result: Iterable[bytes] = self.iter_encoded()
        return result

    def get_wsgi_response(
        self, environ: WSGIEnvironment
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """``(app_iter, status, headers)`` for a WSGI server."""
        from .response import status_line

        headers = self.get_wsgi_headers(environ)
        return self.get_app_iter(environ), status_line(self.status_code), list(headers)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        """A response is a WSGI application answering itself (Werkzeug's)."""
        app_iter, status, headers = self.get_wsgi_response(environ)
        start_response(status, headers)
        return app_iter

    @classmethod
    def from_app(
        cls, app: Callable[..., Any], environ: WSGIEnvironment, buffered: bool = False
    ) -> Response:
        """The response a WSGI application gives for ``environ``."""
        from .testing_environ import run_wsgi_app

        body, status, headers = run_wsgi_app(app, environ, buffered)
        return cls(body, status, headers)  # type: ignore[call-arg,return-value]

    @classmethod
    def force_type(
        cls, response: Any, environ: WSGIEnvironment | None = None
    ) -> Response:
        """``response`` as this class: a ``Response`` is re-classed, a WSGI application is
        called with ``environ`` (then required)."""
        from .response import Response

        if not isinstance(response, Response):
            if environ is None:
                raise TypeError(
                    "Converting a WSGI application into a response needs an environ."
                )
            response = cls.from_app(response, environ)
        response.__class__ = cls
        return response  # type: ignore[no-any-return]
