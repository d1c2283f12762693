"""The parts of ``Request`` that Werkzeug's request has beyond what views commonly use:
typed header properties (``if_none_match``, ``authorization``, ``cache_control``...),
the WSGI plumbing names (``input_stream``, ``is_multithread``...) and ``from_values`` /
``application``.

Every property is computed on access from ``request.headers``: a request that never
touches them pays nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from . import json as _json
from .datastructures import MultiDict
from .header_auth import Authorization
from .header_properties import (
    date_header_property,
    header_property,
    int_header_property,
    list_header_property,
    parsed_header_property,
)
from .header_ranges import IfRange, Range
from .header_values import (
    Accept,
    CharsetAccept,
    LanguageAccept,
    RequestCacheControl,
    parse_accept,
)
from .http import ETags, parse_etags

if TYPE_CHECKING:
    from .body import RequestLimits
    from .response import Response
    from .types import StartResponse, WSGIEnvironment

R = TypeVar("R", bound="RequestHeaders")


def _etags(raw: str | None, _: Any) -> ETags:
    return parse_etags(raw)


class RequestHeaders:
    """Header properties and Werkzeug plumbing, mixed into ``Request``."""

    headers: Any
    environ: dict[str, Any] | None
    limits: RequestLimits
    _input: Any

    #: The module ``get_json`` decodes with (Flask's ``json_module``).
    json_module: Any = _json
    #: The class of ``args`` (and of ``form``); a subclass may choose another ``MultiDict``.
    parameter_storage_class: type[MultiDict] = MultiDict
    dict_storage_class: type[MultiDict] = MultiDict
    list_storage_class: type[list[Any]] = list

    # -- content negotiation -------------------------------------------------------------
    @property
    def accept_charsets(self) -> Accept:
        """``Accept-Charset``: ``best_match``, ``quality``, ``"utf-8" in ...``."""
        return parse_accept(self.headers.get("Accept-Charset"), CharsetAccept)

    @property
    def accept_encodings(self) -> Accept:
        """``Accept-Encoding`` (``"gzip" in request.accept_encodings``)."""
        return parse_accept(self.headers.get("Accept-Encoding"))

    @property
    def accept_languages(self) -> Accept:
        """``Accept-Language``: ``best_match(["en", "de"])``; ``en`` accepts ``en-US``."""
        return parse_accept(self.headers.get("Accept-Language"), LanguageAccept)

    # -- CORS, origin, plain headers -------------------------------------------------------
    origin = header_property("Origin", read_only=True)
    referrer = header_property("Referer", "The ``Referer`` header.", read_only=True)
    content_encoding = header_property("Content-Encoding", read_only=True)
    content_md5 = header_property("Content-MD5", read_only=True)
    access_control_request_method = header_property(
        "Access-Control-Request-Method", read_only=True
    )
    access_control_request_headers = list_header_property(
        "Access-Control-Request-Headers", read_only=True
    )
    pragma = list_header_property("Pragma", read_only=True)
    date = date_header_property("Date", read_only=True)
    max_forwards = int_header_property("Max-Forwards", read_only=True)
    cache_control = parsed_header_property(
        "Cache-Control", RequestCacheControl.from_header,
        "The client's ``Cache-Control`` directives (``no_cache``, ``max_age``...).",
        read_only=True,
    )

    # -- conditional requests -------------------------------------------------------------
    if_match = parsed_header_property(
        "If-Match", _etags, "``If-Match`` as ``ETags`` (strong comparison).", read_only=True
    )
    if_none_match = parsed_header_property(
        "If-None-Match", _etags, "``If-None-Match`` as ``ETags`` (``contains_weak``).",
        read_only=True,
    )
    if_modified_since = date_header_property("If-Modified-Since", read_only=True)
    if_unmodified_since = date_header_property("If-Unmodified-Since", read_only=True)

    @property
    def if_range(self) -> IfRange:
        """``If-Range``: an ``IfRange`` with ``etag`` or ``date`` (both ``None`` if absent)."""
        return IfRange.from_header(self.headers.get("If-Range"))

    @property
    def range(self) -> Range | None:
        """``Range: bytes=...`` as a ``Range``; ``None`` when absent or malformed."""
        return Range.from_header(self.headers.get("Range"))

    @property
    def authorization(self) -> Authorization | None:
        """The ``Authorization`` header: Basic (``username``/``password``), Bearer
        (``token``) or parameters; ``None`` when absent or malformed."""
        return Authorization.from_header(self.headers.get("Authorization"))

    # -- WSGI plumbing -----------------------------------------------------------------------
    def _environ_flag(self, key: str) -> bool:
        return bool((self.environ or {}).get(key, False))

    @property
    def is_multithread(self) -> bool:
        """``wsgi.multithread`` (``False`` under ASGI)."""
        return self._environ_flag("wsgi.multithread")

    @property
    def is_multiprocess(self) -> bool:
        return self._environ_flag("wsgi.multiprocess")

    @property
    def is_run_once(self) -> bool:
        return self._environ_flag("wsgi.run_once")

    @property
    def remote_user(self) -> str | None:
        """``REMOTE_USER``, set by a server that authenticated the client (WSGI only)."""
        value: str | None = (self.environ or {}).get("REMOTE_USER")
        return value

    @property
    def input_stream(self) -> Any:
        """The raw body stream, unbounded by ``MAX_CONTENT_LENGTH``: prefer ``stream``."""
        if self.environ is not None and "wsgi.input" in self.environ:
            return self.environ["wsgi.input"]
        source = self._input
        return io.BytesIO(source or b"") if source is None or isinstance(source, bytes) else source

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the request has a body type to parse (a ``Content-Type`` was sent)."""
        return bool(self.headers.get("Content-Type"))

    @property
    def max_content_length(self) -> int | None:
        """``MAX_CONTENT_LENGTH`` for this request; assign before reading the body to change it."""
        return self.limits.max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self.limits = replace(self.limits, max_content_length=value)

    @property
    def max_form_memory_size(self) -> int | None:
        return self.limits.max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self.limits = replace(self.limits, max_form_memory_size=value)

    @property
    def max_form_parts(self) -> int | None:
        return self.limits.max_form_parts

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self.limits = replace(self.limits, max_form_parts=value)

    _trusted_hosts: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        """``TRUSTED_HOSTS`` of the app serving the request (checked before views run)."""
        if self._trusted_hosts is not None:
            return self._trusted_hosts
        from .context import current_context

        ctx = current_context()
        hosts = ctx.app.config.get("TRUSTED_HOSTS") if ctx is not None else None
        return list(hosts) if hosts else None

    @trusted_hosts.setter
    def trusted_hosts(self, value: list[str] | None) -> None:
        self._trusted_hosts = value

    # -- building requests ------------------------------------------------------------------
    @classmethod
    def from_values(cls: type[R], *args: Any, **kwargs: Any) -> R:
        """A request built from test-client arguments (``path``, ``method``, ``data``,
        ``json``, ``headers``, ``query_string``, ``base_url``...), as Werkzeug's."""
        from .testing_environ import BaseEnvironBuilder

        return BaseEnvironBuilder(*args, **kwargs).get_request(cls)  # type: ignore[arg-type,return-value]

    @classmethod
    def from_environ(cls: type[R], environ: WSGIEnvironment) -> R:
        """A request over a WSGI ``environ`` (read lazily, as the WSGI door does)."""
        from .body import RequestLimits
        from .wsgi import request_from_environ

        request = request_from_environ(environ, RequestLimits())
        request.__class__ = cls  # type: ignore[assignment]
        return request  # type: ignore[return-value]

    @classmethod
    def application(
        cls, f: Callable[[Any], Response]
    ) -> Callable[[WSGIEnvironment, StartResponse], Any]:
        """Turn ``f(request) -> Response`` into a WSGI application (Werkzeug's decorator);
        an ``HTTPException`` it raises becomes its error response."""
        from .errors import HTTPException
        from .response import Response

        def application(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
            request = cls.from_environ(environ)
            try:
                response = f(request)
            except HTTPException as exc:
                response = exc.response or Response(exc.get_body(), exc.code, exc.get_headers())
            return response(environ, start_response)

        application.__name__ = getattr(f, "__name__", "application")
        application.__doc__ = f.__doc__
        return application
