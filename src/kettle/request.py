"""The incoming request: transport-free, lazy, ``__slots__``.

A door (WSGI or ASGI) fills in what the server already parsed — method, path,
query string, a header view, the body source — and everything else (arguments,
cookies, form, JSON, URLs) is computed on first access and cached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .body import (
    CHUNK_SIZE,
    MAX_LENGTH_DIGITS,
    BodyReader,
    BufferedBody,
    Readable,
    RequestLimits,
    disconnected,
    short_body,
    too_large,
)
from .context import _cv_context
from .cookies import parse_cookie_header
from .datastructures import ASGIHeaders, CombinedMultiDict, EnvironHeaders, Headers, MultiDict
from .errors import BadRequest, BadRequestKeyError, UnsupportedMediaType
from .forms import FileStorage, FormParser, _parse_pairs, is_form_mimetype, parse_query_string
from .http import MIMEAccept, parse_accept_header, parse_options_header
from .json.provider import DefaultJSONProvider
from .request_headers import RequestHeaders

if TYPE_CHECKING:
    from .routing import Rule

_DEFAULT_LIMITS = RequestLimits()
_json_decode = msgspec.json.decode
_unset: Any = object()
#: What URLs keep unquoted in a path (the WHATWG path-segment set, as Werkzeug).
_PATH_SAFE = "/!$&'()*+,:;=@"
_QUERY_SAFE = "/!$&'()*+,:;=@?%"
_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


_DEFAULT_LOADS = DefaultJSONProvider.loads
#: ``Content-Type: application/json`` as a header line counts against
#: ``MAX_REQUEST_HEADER_SIZE``: below this, the general path answers it.
_JSON_TYPE_LINE = len("Content-Type: application/json")
#: What ``isinstance`` checks decoded JSON against (a tuple: ``dict | list`` would build a
#: union object on every call).
_CONTAINERS = (dict, list)


class _Cookies(dict[str, str]):
    """``request.cookies``: a dict where a missing name is a 400 naming it, as in Flask."""

    __slots__ = ()

    def __missing__(self, key: str) -> str:
        raise BadRequestKeyError(key)


def _is_json_type(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _may_be_multipart(content_type: str | None) -> bool:
    """A cheap look before parsing: could this ``Content-Type`` be ``multipart/...``?"""
    return content_type is not None and content_type.lstrip(" \t")[:10].lower() == "multipart/"


class UserAgent(str):
    """The ``User-Agent`` header as a string; ``.string`` for Werkzeug compatibility."""

    @property
    def string(self) -> str:
        return str(self)


def _json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether decoded JSON nests deeper than ``limit`` (iterative: hostile input can't recurse)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, _CONTAINERS))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, _CONTAINERS))
    return False


def _nests_too_deep(data: bytes, value: Any, limit: int) -> bool:
    """Whether JSON ``value``, decoded from ``data``, nests deeper than ``limit``
    (``MAX_JSON_DEPTH``). Nesting deeper needs over ``limit`` opening brackets and as many
    closing ones: a shorter body, or one with fewer openers, is not walked. The openers are
    counted by what two ``replace`` remove (Argument Clinic calls, ~1k Ir less than two
    ``count``, which build an argument tuple on 3.11; a body without them is not copied).
    ``Request._plain_json`` writes these lines out (a call costs ~0.5k Ir): change both."""
    return (
        len(data) > 2 * limit + 1
        and isinstance(value, _CONTAINERS)
        and len(data) - len(data.replace(b"[", b"").replace(b"{", b"")) > limit
        and _json_depth_exceeds(value, limit)
    )


def _too_deep(limit: int) -> BadRequest:
    return BadRequest(
        f"Failed to decode JSON object: it nests deeper than {limit} levels (MAX_JSON_DEPTH)."
    )


class Request(RequestHeaders):
    """What the client asked for. Only the attributes a view touches are ever parsed.

    No ``__slots__``: lazily computed values start as class-level defaults, so building a
    request assigns only what the door knows (and extensions may set attributes, as on
    Flask's request).
    """

    _args: MultiDict | None = None
    _form: MultiDict | None = None
    _files: MultiDict | None = None
    _form_error: Exception | None = None
    _cookies: dict[str, str] | None = None
    _data: bytes | None = None
    _cached_json: Any = _unset
    _mimetype: tuple[str, dict[str, str]] | None = None
    _host: str | None = None
    _forwarded_host: str | None = None
    _stream: BodyReader | BufferedBody | Readable | None = None
    _content_length: Any = _unset
    _headers: Headers | EnvironHeaders | ASGIHeaders | None = None
    # What a door may leave unset (the ASGI door builds requests without ``__init__``).
    scheme = "http"
    server: tuple[str, int | None] | None = None
    root_path = ""
    remote_addr: str | None = None
    environ: dict[str, Any] | None = None
    #: ASGI: the scope's header pairs, wrapped in ``ASGIHeaders`` when first read.
    _raw_headers: list[tuple[bytes, bytes]] | None = None
    _input: Readable | bytes | None = None
    limits = _DEFAULT_LIMITS
    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None
    routing_exception: Exception | None = None
    #: Set by a door before routing (too many headers): answered before routing or hooks.
    _refused: Exception | None = None
    #: What ``user_agent`` returns: a class taking the header's string.
    user_agent_class: type[UserAgent] = UserAgent

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str = "",
        headers: Headers | EnvironHeaders | ASGIHeaders | None = None,
        scheme: str = "http",
        server: tuple[str, int | None] | None = None,
        root_path: str = "",
        remote_addr: str | None = None,
        body: Readable | bytes | None = None,
        limits: RequestLimits = _DEFAULT_LIMITS,
        environ: dict[str, Any] | None = None,
        content_length: int | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        if headers is not None:
            self._headers = headers
        self.scheme = scheme
        self.server = server
        self.root_path = root_path
        self.remote_addr = remote_addr
        if content_length is not None:
            self._content_length = content_length
        self.limits = limits
        self.environ = environ
        self._input = body

    # -- routing -------------------------------------------------------------
    @property
    def endpoint(self) -> str | None:
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the matched endpoint belongs to."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first (``["a.b", "a"]``)."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    # -- query, cookies, headers ---------------------------------------------
    @property
    def headers(self) -> Headers | EnvironHeaders | ASGIHeaders:
        """Case-insensitive request headers (under WSGI, read in place from the environ)."""
        headers = self._headers
        if headers is None:
            environ = self.environ
            if environ is not None:
                headers = EnvironHeaders(environ, self.limits.max_request_header_size)
            elif self._raw_headers is not None:
                headers = ASGIHeaders(self._raw_headers, self.limits.max_request_header_size)
            else:
                headers = Headers()
            self._headers = headers
        return headers

    @property
    def args(self) -> MultiDict:
        """The parsed query string; a missing key is a 400 naming it."""
        args = self._args
        if args is None:
            query = self.query_string
            # A door's text (WSGI's, decoded ASGI's) straight to the parser: one call less.
            args = _parse_pairs(query, "utf-8") if query and query.__class__ is str else (
                parse_query_string(query)
            )
            if self.parameter_storage_class is not MultiDict:
                args = self.parameter_storage_class(args.items(multi=True))
            self._args = args
        return args

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the client sent; ``cookies["missing"]`` is a 400, as ``form``."""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = _Cookies(parse_cookie_header(self.headers.get("Cookie", "")))
        return cookies

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int; ``None`` if absent or the body is chunked.

        A value that is not a plain decimal number is a 400: guessing a length is
        how request smuggling starts.
        """
        length: int | None = self._content_length
        if length is _unset:
            length = self._content_length = self._parse_content_length()
        return length

    def _parse_content_length(self) -> int | None:
        headers = self.headers
        value = headers.get("Content-Length")
        if not value:  # an empty value is no length (WSGI servers pass "" for "absent")
            return None
        coding = headers.get("Transfer-Encoding")
        if coding is not None and "chunked" in coding.lower():
            return None  # RFC 9112 6.3: Transfer-Encoding overrides Content-Length
        if not (value.isdigit() and value.isascii() and len(value) <= MAX_LENGTH_DIGITS):
            value = value.strip(" \t")
            if not (value.isdigit() and value.isascii() and len(value) <= MAX_LENGTH_DIGITS):
                raise BadRequest(
                    f"The Content-Length header is not a valid length: {value[:40]!r}."
                )
        return int(value)

    @property
    def content_type(self) -> str | None:
        return self._content_type()

    def _content_type(self) -> str | None:
        """``content_type`` for kettle's own reads: a method, as a property costs a call
        from C on every read (``get_json`` and the body readers read it per request)."""
        environ = self.environ
        if environ is not None and self._headers is None:  # WSGI: read in place, no wrapper
            value = environ.get("CONTENT_TYPE")
            if not value:
                return None
            limit = self.limits.max_request_header_size
            if limit is None or len(value) + 14 <= limit:  # "Content-Type: " and the value
                return value  # type: ignore[no-any-return]
        found: str | None = self.headers.get("Content-Type")
        return found

    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        parsed = self._mimetype
        if parsed is None:
            parsed = self._mimetype = parse_options_header(self._content_type() or "")
        return parsed

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased (``"application/json"``)."""
        return self._parsed_content_type()[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parsed_content_type()[1]

    @property
    def is_json(self) -> bool:
        """Whether the body is JSON: ``application/json`` or ``application/...+json``."""
        return _is_json_type((self._mimetype or self._parsed_content_type())[0])

    def _is_json(self) -> bool:
        """``is_json`` for kettle's own reads: the property's test without a call from C,
        unless a subclass overrides ``is_json`` (then that is asked, as Flask asks it)."""
        if self.__class__.is_json is not _IS_JSON:
            return bool(self.is_json)
        parsed = self._mimetype
        if parsed is None:
            if self._content_type() == "application/json":  # the commonest: nothing to parse
                return True
            parsed = self._parsed_content_type()
        return _is_json_type(parsed[0])

    @property
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header (``.string``); not parsed, as in Werkzeug 2.1+."""
        return self.user_agent_class(self.headers.get("User-Agent", ""))

    @property
    def accept_mimetypes(self) -> MIMEAccept:
        return parse_accept_header(self.headers.get("Accept"))

    @property
    def access_route(self) -> list[str]:
        """The client's address as a list (``X-Forwarded-For`` counts only through ``PROXY_FIX``).

        Unlike Werkzeug, the raw ``X-Forwarded-For`` list is not returned: any
        client can write it.
        """
        return [self.remote_addr] if self.remote_addr else []

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    # -- URLs ----------------------------------------------------------------
    def _environ_server(self) -> tuple[str, int | None]:
        environ = self.environ or {}
        port = str(environ.get("SERVER_PORT") or "")  # hypercorn passes an int
        return environ.get("SERVER_NAME", "localhost"), int(port) if port.isdigit() else None

    @property
    def host(self) -> str:
        """The ``Host`` the client asked for, without the scheme's default port.

        Checked against ``TRUSTED_HOSTS`` before views run.
        """
        host = self._host
        if host is None:
            host = self._host = self._without_default_port(self._checked_host())
        return host

    @host.setter
    def host(self, value: str) -> None:
        """Set by ``PROXY_FIX`` (``X-Forwarded-Host``): checked as the header is, when read."""
        self._host = None
        self._forwarded_host = value

    def _checked_host(self) -> str:
        """The client's host, parsed strictly (a 400 if malformed or sent twice); without a
        ``Host`` header (HTTP/1.0), the server's address. An empty ``Host`` counts as none:
        some servers (granian) pass a missing header as an empty one."""
        from .url_building import checked_host

        value = self._forwarded_host
        if value is not None:
            return checked_host(value)
        headers = self.headers
        value = headers.get("Host")
        if value:
            if self._raw_headers is not None and len(headers.getlist("Host")) > 1:
                raise BadRequest("The request has more than one Host header.")
            return checked_host(value)
        name, port = self.server or self._environ_server()
        if ":" in name:  # an IPv6 address
            name = f"[{name}]"
        return name if port is None else f"{name}:{port}"

    def _without_default_port(self, host: str) -> str:
        """``example.com:80`` is ``example.com`` over http, as Werkzeug's ``get_host``."""
        default_port = _DEFAULT_PORTS.get(self.scheme)
        if default_port is not None and host.endswith(default_port):
            return host[: -len(default_port)]
        return host

    @property
    def script_root(self) -> str:
        return self.root_path

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @property
    def url_root(self) -> str:
        """Scheme, host and the path the app is mounted at, ending in ``/``."""
        return f"{self.scheme}://{self.host}{quote(self.root_path, _PATH_SAFE)}/"

    root_url = url_root

    @property
    def base_url(self) -> str:
        """The URL without the query string (path percent-encoded)."""
        root = quote(self.root_path, _PATH_SAFE)
        return f"{self.scheme}://{self.host}{root}{quote(self.path, _PATH_SAFE)}"

    @property
    def url(self) -> str:
        """The full URL, percent-encoded (non-ASCII path and query characters as UTF-8)."""
        qs = self.query_string
        return f"{self.base_url}?{quote(qs, _QUERY_SAFE)}" if qs else self.base_url

    @property
    def full_path(self) -> str:
        """Path and query string, percent-encoded; always has the ``?``, as Flask's."""
        return f"{quote(self.path, _PATH_SAFE)}?{quote(self.query_string, _QUERY_SAFE)}"

    # -- body ----------------------------------------------------------------
    @property
    def stream(self) -> BodyReader | BufferedBody | Readable:
        """The raw body as a bounded stream; after reading it, ``form`` and ``data`` are empty."""
        stream = self._stream
        if stream is None:
            source = self._input
            if self._data is not None and source is not None:
                stream = BufferedBody(b"")  # get_data() read the body to its end
            elif source is None or isinstance(source, bytes):
                stream = BufferedBody(source or b"")
                limit = self.limits.max_content_length
                if limit is not None and source and len(source) > limit:
                    raise too_large(limit)
            else:
                stream = BodyReader(source, self.content_length, self.limits.max_content_length)
            self._stream = stream
        return stream

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """The whole body (bounded by ``MAX_CONTENT_LENGTH``), read once and cached.

        A multipart body is parsed into ``form`` and ``files`` (spooled, never held whole),
        so it reads as ``b""`` through both doors; other bodies, form-urlencoded included,
        are returned as sent, and a later ``form`` parses the cached bytes.
        """
        if parse_form_data or (
            self._form is None
            and (self._input is not None or self._form_error is not None)
            and self._is_multipart()
        ):
            self._load_form()
        data = self._body(cache)
        return data.decode("utf-8", "replace") if as_text else data

    def _is_multipart(self) -> bool:
        """Whether the body is ``multipart/form-data``: the parsed type when there is one,
        else a cheap look at the header before parsing it."""
        parsed = self._mimetype
        if parsed is None:
            if not _may_be_multipart(self._content_type()):
                return False
            parsed = self._parsed_content_type()
        return parsed[0] == "multipart/form-data"

    def _body(self, cache: bool = True) -> bytes:
        """The body's bytes, read once (``get_data`` without its form handling: ``get_json``
        reads a JSON body, which is never multipart, through this).

        A body whose door checked its ``Content-Length`` (the commonest, a JSON POST) is one
        read of the server's input, written out here: no ``BodyReader``, no further call.
        """
        data = self._data
        if data is not None:
            return data
        length = self._content_length
        source = self._input
        if cache and source.__class__ is bytes and self._stream is None:  # the ASGI door's
            limit = self.limits.max_content_length
            if limit is not None and len(source) > limit:
                raise too_large(limit)
            self._data = source
            return source
        if (
            cache and length.__class__ is int and self._stream is None
            and source is not None and not isinstance(source, bytes)
        ):
            limit = self.limits.max_content_length
            if limit is not None and length > limit:
                raise too_large(limit)
            try:
                data = source.read(length)
                if len(data) < length:  # a server may hand the body over in parts
                    data = self._read_rest(data, length)
            except (OSError, ValueError) as exc:
                raise disconnected() from exc
        else:
            data = self.stream.read()
        if cache:
            self._data = data
        return data

    @property
    def data(self) -> bytes:
        """The body as bytes; empty for form bodies, which go to ``form``/``files``."""
        if is_form_mimetype(self.mimetype) and self._data is None:
            self._load_form()
            return b""
        result: bytes = self.get_data()
        return result

    def _load_form(self) -> None:
        if self._form is not None:
            return
        if self._form_error is not None:  # the door's parse failed: refused now, when read
            raise self._form_error
        limits = self.limits
        parser = FormParser(
            self.content_type or "",
            max_form_memory_size=limits.max_form_memory_size,
            max_form_parts=limits.max_form_parts,
        )
        try:
            if self._data is not None:
                parser.feed(self._data)
            elif is_form_mimetype(self.mimetype):
                read = self.stream.read
                while chunk := read(CHUNK_SIZE):
                    parser.feed(chunk)
            self._form, self._files = parser.finish()
        except BaseException:
            parser.close()
            raise

    @property
    def form(self) -> MultiDict:
        """Fields of a urlencoded or multipart body; ``form["missing"]`` is a 400."""
        self._load_form()
        assert self._form is not None
        return self._form

    @property
    def files(self) -> MultiDict:
        """Uploaded files (``FileStorage``) of a multipart body."""
        self._load_form()
        assert self._files is not None
        return self._files

    @property
    def values(self) -> CombinedMultiDict:
        """Query arguments and form fields together (form only for non-GET requests)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    def set_form(self, form: MultiDict, files: MultiDict) -> None:
        """Install a body already parsed by the door (ASGI parses while receiving)."""
        self._form, self._files = form, files

    def set_form_error(self, error: Exception) -> None:
        """Install the door's failure to parse the form, raised when the form is read."""
        self._form_error = error

    def set_body(self, data: bytes) -> None:
        """Install a body the door already read (ASGI reads it before the view runs)."""
        self._input = data
        self._stream = None

    def set_stream(self, stream: Readable) -> None:
        """Install the door's live body stream, for views that read the body themselves.

        It is read through ``request.stream`` (or ``iter_body``), so ``MAX_CONTENT_LENGTH``
        and ``Content-Length`` still bound it.
        """
        self._input = stream
        self._stream = None

    async def iter_body(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk, as it arrives: ``async for chunk in request.iter_body()``."""
        if self._data is not None:
            if self._data:
                yield self._data
            return
        live = getattr(self._input, "iter_chunks", None) if self._stream is None else None
        if live is None:
            stream = self.stream
            while chunk := stream.read(CHUNK_SIZE):
                yield chunk
            return
        limit = self.limits.max_content_length  # the ASGI door's stream: awaited, bounded here
        length = self.content_length
        if limit is not None and length is not None and length > limit:
            raise too_large(limit)
        seen = 0
        async for chunk in live():
            seen += len(chunk)
            if limit is not None and seen > limit:
                raise too_large(limit)
            yield chunk

    def close(self) -> None:
        """Free what the body took: uploaded files' temporary storage and the buffered body.

        An error's traceback can keep the request alive until the garbage collector runs;
        dropping the body here keeps a 60 MiB upload from living on with it.
        """
        files = self._files
        if files:
            for _, storage in files.items(multi=True):
                if isinstance(storage, FileStorage):
                    storage.close()
        if self._data is not None or self._input is not None:
            self._data = self._input = self._stream = None
            self.__dict__.pop("_cached_json", None)

    # -- JSON ----------------------------------------------------------------
    @property
    def json(self) -> Any:
        """The body decoded as JSON; 415 if it is not JSON, 400 if it is malformed."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Decode the body strictly (no NaN, no trailing data, bounded nesting)."""
        cached = self._cached_json
        if cached is not _unset:
            return cached
        try:
            value = self._plain_json() if cache and type(self) is Request else _unset
            if value is _unset:  # not the commonest case: ask ``is_json`` and read the body
                if self._is_json():
                    data = self._body(cache)  # a JSON body is not multipart: no form to parse
                elif force:
                    data = self.get_data(cache)
                else:
                    return None if silent else self.on_json_loading_failed(None)
                value = self._decode_json(data)
        except BadRequest as exc:
            if silent:  # not cached: a later get_json() must still raise
                return None
            if exc.description.startswith("Failed to decode JSON"):
                return self.on_json_loading_failed(exc)
            raise  # the body itself was refused (too large): not a JSON error
        if cache:
            self._cached_json = value
        return value

    def _plain_json(self) -> Any:
        """The commonest JSON request, read and decoded in this one call: under WSGI, a
        ``Content-Type: application/json`` with a ``Content-Length`` the door checked, a
        body not yet read and kettle's own JSON provider. ``_unset`` sends ``get_json`` the
        general way (``_is_json``, ``_body``, ``_decode_json``), which decides every other
        case the same; a body that fails to decode is handed to ``_decode_json`` too, to
        report. (The read and the decoding are written out here: a call costs ~1k Ir.)"""
        environ = self.environ
        length = self._content_length
        if (
            environ is None or length.__class__ is not int or self._headers is not None
            or self._data is not None or self._stream is not None
            or environ.get("CONTENT_TYPE") != "application/json"
        ):
            return _unset
        limits = self.limits
        limit = limits.max_content_length
        header_limit = limits.max_request_header_size
        source = self._input
        if (
            (limit is not None and length > limit)
            or (header_limit is not None and header_limit < _JSON_TYPE_LINE)
            or source is None or source.__class__ is bytes
        ):
            return _unset
        try:
            data: bytes = source.read(length)  # type: ignore[union-attr]
            if len(data) < length:
                data = self._read_rest(data, length)
        except (OSError, ValueError) as exc:
            raise disconnected() from exc
        self._data = data
        ctx = _cv_context.get()
        if ctx is not None and type(ctx.app.json) is not DefaultJSONProvider:
            return self._decode_json(data)  # the app's own provider (or a subclass)
        try:
            value = _json_decode(data)
        except Exception:  # malformed: decoded again there, to raise the same 400 as ever
            return self._decode_json(data)
        depth = limits.max_json_depth
        if (  # ``_nests_too_deep``, written out (see its docstring)
            depth is not None
            and len(data) > 2 * depth + 1
            and isinstance(value, _CONTAINERS)
            and len(data) - len(data.replace(b"[", b"").replace(b"{", b"")) > depth
            and _json_depth_exceeds(value, depth)
        ):
            raise _too_deep(depth)
        return value

    def _read_rest(self, data: bytes, length: int) -> bytes:
        """The rest of a body a server hands over in parts (``short_body`` if it ends early)."""
        source = self._input
        while len(data) < length:
            more = source.read(length - len(data))  # type: ignore[union-attr]
            if not more:
                raise short_body()
            data += more
        return data

    def on_json_loading_failed(self, e: BaseException | None) -> Any:
        """Called when ``get_json`` cannot decode the body (``e``) or the body is not JSON
        (``e`` is ``None``); raises 400 or 415. Override to answer differently, as in Flask:
        what it returns is what ``get_json`` returns."""
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request Content-Type was "
                "not 'application/json'."
            )
        if isinstance(e, BadRequest):
            raise e
        raise BadRequest(f"Failed to decode JSON object: {e}")

    def _decode_json(self, data: bytes) -> Any:
        # As Flask, the active app's ``app.json.loads``, unless it is kettle's own: msgspec
        # directly.
        ctx = _cv_context.get()
        provider = ctx.app.json if ctx is not None else None
        try:
            if (
                provider is None or type(provider) is DefaultJSONProvider  # no attribute read
                or type(provider).loads is _DEFAULT_LOADS
            ):
                value = _json_decode(data)
            else:
                value = provider.loads(data)
        except msgspec.DecodeError as exc:
            raise BadRequest(f"Failed to decode JSON object: {exc}") from None
        except UnicodeDecodeError:  # msgspec checks UTF-8 only outside strings
            raise BadRequest("Failed to decode JSON object: it is not valid UTF-8.") from None
        except RecursionError:
            raise BadRequest("Failed to decode JSON object: it is nested too deeply.") from None
        except ValueError as exc:  # a custom provider's error (json.JSONDecodeError...)
            raise BadRequest(f"Failed to decode JSON object: {exc}") from None
        depth = self.limits.max_json_depth
        if depth is not None and _nests_too_deep(data, value, depth):
            raise _too_deep(depth)
        return value

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url!r}>"


_IS_JSON = Request.is_json
