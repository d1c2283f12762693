"""The ASGI door (ASGI 3): ``http``, ``websocket`` and ``lifespan`` scopes.

Thin like the WSGI door: it turns the scope into a ``Request``, drives the
shared pipeline of ``dispatch.py`` with ``concurrency.drive_async`` (async
steps awaited, sync ones sent to the app's thread pool) and sends the
``Response`` back as ASGI messages.

Bodies are read before the view runs, bounded by ``MAX_CONTENT_LENGTH`` and
parsed as they arrive (forms into spooled files), so ``request.json`` and
``request.form`` stay plain attributes. Routes declared with ``stream=True``
skip that: the view reads ``request.iter_body()`` / ``request.stream`` itself.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .body import MAX_LENGTH_DIGITS, RequestLimits, short_body, too_large
from .concurrency import drive_async, is_async_callable, run_sync, start_sync
from .context import Context, DoorContext, _cv_context
from .dispatch import (
    RoutePlan,
    _itself,
    error_shortcut,
    finish_fast,
    handle_exception,
    missed,
    pipeline,
    plain_body,
    release_view_frames,
    routing_error_shortcut,
    websocket_pipeline,
)
from .errors import BadRequest, HTTPException
from .forms import FormParser
from .headerlimits import refuse_too_many_headers
from .http import parse_options_header
from .plain import (
    _HTML_ENCODED,
    _HTML_PAIRS,
    _PLAIN_STATUSES,
    plain_json,
    plain_response,
    plain_tuple,
)
from .request import Request
from .response import _HTML_HEADER, Response, is_html, wire_headers
from .websockets import WebSocket

if TYPE_CHECKING:
    from .app import Kettle
    from .types import Message, Receive, Scope, Send

T = TypeVar("T")

_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FILE_CHUNK = 64 * 1024


class ClientDisconnected(BadRequest):
    """The client went away while its request body was being read.

    A 400 (Werkzeug's ``ClientDisconnected`` is one too), so a ``stream=True`` view that
    meets it mid-``iter_body()`` is not logged as failing; nobody is left to answer.
    """

    description = "The client disconnected while sending the request body."


def _query_string(scope: Scope) -> str:
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return ""
    query = raw.decode("latin-1")
    return query if query.isascii() else raw.decode("utf-8", "replace")


def _scheme(scope: Scope) -> str:
    scheme: str | None = scope.get("scheme")
    return "http" if scheme is None else scheme


def _server(scope: Scope) -> tuple[str, int | None] | None:
    server: tuple[str, int | None] | None = scope.get("server")  # Request only unpacks it
    return server


def _client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


class _FromScope(Generic[T]):
    """A request attribute read from the ASGI scope when first asked for, then kept in the
    request like any attribute (which also lets it be set: ``ProxyFix``, tests).

    Most requests never ask for their scheme, server, client address or query, so building
    one assigns only what routing needs; a non-data descriptor costs nothing until read.
    """

    __slots__ = ("name", "read")

    def __init__(self, read: Callable[[Scope], T]) -> None:
        self.read = read
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, request: None, owner: type[Any]) -> _FromScope[T]: ...
    @overload
    def __get__(self, request: ScopeRequest, owner: type[Any]) -> T: ...
    def __get__(self, request: ScopeRequest | None, owner: type[Any]) -> T | _FromScope[T]:
        if request is None:
            return self
        value = request.__dict__[self.name] = self.read(request._scope)
        return value


class ScopeRequest(Request):
    """A ``Request`` built from an ASGI scope: what only some views read comes from the
    scope on first use (``_FromScope``).

    ``ScopeRequest()`` takes no arguments: ``object.__init__`` as the initializer makes the
    call one C slot, cheaper than ``Request.__new__(ScopeRequest)`` (a bound builtin called
    with an argument tuple) and than a Python ``__init__``; the door assigns the rest.
    """

    __init__ = object.__init__

    _scope: Scope
    query_string = _FromScope(_query_string)
    scheme = _FromScope(_scheme)
    server = _FromScope(_server)
    remote_addr = _FromScope(_client_host)


@functools.cache
def scope_request_class(request_class: type[Request]) -> type[ScopeRequest]:
    """An app's ``request_class`` built from a scope: the app's class first, so what it
    overrides wins, then ``ScopeRequest``'s readers for the rest (and its C ``__init__``)."""
    combined: type[Any] = ScopeRequest
    if request_class is not Request and not issubclass(request_class, ScopeRequest):
        name = request_class.__name__
        namespace = {"__qualname__": name, "__init__": object.__init__}
        combined = type(name, (request_class, ScopeRequest), namespace)
    elif request_class is not Request:
        combined = request_class
    return combined


def request_from_scope(
    scope: Scope,
    limits: RequestLimits,
    method: str | None = None,
    cls: type[ScopeRequest] = ScopeRequest,
) -> Request:
    """A ``Request`` from an ASGI ``http`` or ``websocket`` scope (``handle`` repeats these
    lines inline, a call less per request: change the two together)."""
    # Built without ``Request.__init__``: only what routing and the door need is assigned;
    # the class defaults and ``ScopeRequest``'s scope readers provide the rest.
    request: ScopeRequest = cls()
    request._scope = scope
    path: str = scope["path"]
    root_path: str | None = scope.get("root_path")
    if root_path:
        request.root_path = root_path
        if path.startswith(root_path):
            path = path[len(root_path) :] or "/"
    request.method = method or scope["method"]
    request.path = path
    request._raw_headers = scope["headers"]
    request.limits = limits
    request._refused = request.routing_exception = None
    return request


class _AnyValue:
    """Equal to any header value, so ``_ANY_LENGTH in headers`` finds a ``Content-Length``
    pair in C (a tuple compare per pair) instead of a Python loop over every pair."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]  # equal to everything: no hash


#: ``(b"content-length", <any value>)``: equal to any ``Content-Length`` pair given as a tuple.
_ANY_LENGTH = (b"content-length", _AnyValue())


def _declares_body(raw_headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a GET-like request says it has a body (rare, but then it is read as any other)."""
    for name, value in raw_headers:
        if name == b"content-length":
            return value not in (b"0", b"")  # empty: no length, as CONTENT_LENGTH="" in WSGI
    return False


def _needs_error(scope: Scope) -> bool:
    """Whether a 404 must be answered from its ``NotFound`` (``dispatch.missed``): the
    client's ``Accept`` names JSON, or the test client keeps the context."""
    if "kettle.preserve_context" in scope:
        return True
    for name, value in scope["headers"]:  # noqa: SIM110 - any() of a generator costs more
        if name == b"accept" and b"json" in value:
            return True
    return False


def _seed_mimetype(request: Request, raw_type: bytes) -> None:
    """Parse the ``Content-Type`` ``read_body`` found, so reading the body (``get_json``,
    ``form``) does not look the header up again. A value longer than a header line may be
    is left to the read that refuses it (431), as under WSGI: unread, it is no error."""
    max_line = request.limits.max_request_header_size
    if max_line is None or len(raw_type) + 14 <= max_line:  # "content-type: " and the value
        request._mimetype = parse_options_header(raw_type.decode("latin-1"))


async def read_body(request: Request, receive: Receive) -> None:
    """Receive the whole body before the view runs; forms are parsed chunk by chunk."""
    limit = request.limits.max_content_length
    raw_length = raw_type = None
    for name, value in request._raw_headers or ():
        if name == b"content-length":
            if raw_length is not None:  # as WSGI servers join them ("2,2"): not a length
                raise BadRequest("The request has more than one Content-Length header.")
            raw_length = value
        elif name == b"content-type" and raw_type is None:  # the first, as headers.get
            raw_type = value
    if not raw_length:  # absent or empty, as WSGI's CONTENT_LENGTH=""
        declared = None
    elif raw_length.isdigit() and len(raw_length) <= MAX_LENGTH_DIGITS:  # ASCII digits only
        declared = int(raw_length)
    else:
        declared = request.content_length  # refuses the value with a 400 that says why
    if limit is not None and declared is not None and declared > limit:
        raise too_large(limit)
    if raw_type is not None:
        _seed_mimetype(request, raw_type)
    if raw_type is not None and raw_type[:19].lower() == b"multipart/form-data":
        await _read_form(request, receive, limit, declared)
        return
    # Buffered: most bodies come in one message (a JSON POST); more are joined.
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnected()
    body: bytes = message.get("body", b"")
    if message.get("more_body", False):
        body = await _more_body(receive, body, limit)
    elif limit is not None and len(body) > limit:
        raise too_large(limit)
    if declared is not None and len(body) < declared:
        raise short_body()
    request.set_body(body)


async def _more_body(receive: Receive, first: bytes, limit: int | None) -> bytes:
    """The rest of a body sent in several messages, joined; ``MAX_CONTENT_LENGTH`` bounds
    what is kept as it arrives."""
    chunks = [first]
    seen = len(first)
    if limit is not None and seen > limit:
        raise too_large(limit)
    async for chunk in _body_chunks(receive):
        seen += len(chunk)
        if limit is not None and seen > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The non-empty bodies of the ``http.request`` messages still to come; a disconnect
    ends the request (``ClientDisconnected``)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk: bytes = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _read_form(
    request: Request, receive: Receive, limit: int | None, declared: int | None
) -> None:
    """A multipart body, parsed as it arrives into spooled files, never held whole."""
    parser: FormParser | None = None
    # A malformed form is refused when the view reads it (``request.form``), as under WSGI:
    # the same request gets the same answer through both doors.
    form_error: HTTPException | None = None
    try:
        parser = FormParser(
            request.content_type or "",
            max_form_memory_size=request.limits.max_form_memory_size,
            max_form_parts=request.limits.max_form_parts,
        )
    except HTTPException as exc:
        form_error = exc
    seen = 0
    try:
        async for chunk in _body_chunks(receive):
            seen += len(chunk)
            if limit is not None and seen > limit:
                raise too_large(limit)
            if parser is not None:
                try:
                    parser.feed(chunk)  # closes itself when it fails
                except HTTPException as exc:
                    form_error, parser = exc, None
        if declared is not None and seen < declared:
            raise short_body()
        if parser is not None:
            try:
                request.set_form(*parser.finish())
            except HTTPException as exc:
                form_error = exc
        if form_error is not None:
            request.set_form_error(form_error)
    except BaseException:
        if parser is not None:
            parser.close()
        raise


async def _call(receive: Receive) -> Message:
    return await receive()


class _BodyStream:
    """``request.stream`` for ``stream=True`` routes: pulls ``receive()`` as the view reads."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive = receive
        self._loop = loop
        self._buffer = b""
        self._done = False
        self.disconnected = False

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        if self._buffer:
            chunk, self._buffer = self._buffer, b""
            yield chunk
        while not self._done:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._done = self.disconnected = True
                raise ClientDisconnected()
            self._done = not message.get("more_body", False)
            chunk = message.get("body", b"")
            if chunk:
                yield chunk

    def read(self, size: int = -1) -> bytes:
        """Blocking read for sync views, which run in a worker thread, never on the loop."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError(
                "request.stream cannot be read synchronously on the event loop; use "
                "'async for chunk in request.iter_body()' in async views."
            )
        while not self._done and (size < 0 or len(self._buffer) < size):
            message = asyncio.run_coroutine_threadsafe(_call(self._receive), self._loop).result()
            if message["type"] == "http.disconnect":  # not an end: the body is cut short
                self._done = self.disconnected = True
                raise ClientDisconnected()
            self._done = not message.get("more_body", False)
            self._buffer += message.get("body", b"")
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


async def handle(app: Kettle, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ASGI connection scope; HTTP is served inline, as the common case."""
    if scope["type"] != "http":
        return await _other_scope(app, scope, receive, send)
    if not app._asgi_ready:
        await _prepare(app)
        if app._full_pipeline():  # overridden app methods or signal receivers: Flask's path
            from .full_door import asgi_request

            app._asgi_ready = False
            return await asgi_request(app, scope, receive, send)
    # ``request_from_scope``, inline (a call less, ~560 Ir): change the two together
    request: ScopeRequest = ScopeRequest()
    request._scope = scope
    path: str = scope["path"]
    root_path: str | None = scope.get("root_path")
    if root_path:
        request.root_path = root_path
        if path.startswith(root_path):
            path = path[len(root_path) :] or "/"
    request.method = method = scope["method"]
    request.path = path
    request._raw_headers = headers = scope["headers"]
    request.limits = app._limits
    request._refused = request.routing_exception = None
    if len(headers) > app._header_gate:  # too many headers: 431
        refuse_too_many_headers(request, app._limits)
    if app._proxy_fix is not None:
        from .proxies import apply_proxy_fix

        apply_proxy_fix(request, app._proxy_fix)
    ctx = DoorContext()  # ``Context(app, request)`` without a Python ``__init__`` call
    ctx.app = app
    ctx.request = request
    ctx.session = ctx._after_request = None
    ctx._holds = 0
    token = ctx._token = _cv_context.set(ctx)
    plan: RoutePlan | None = None
    stream: _BodyStream | None = None
    has_body = False  # whether the request holds a body to free when it ends
    try:
        path_match = app._path_match
        if path_match is None or request._refused is not None:
            plan = app.match_request(request)
        else:  # ``match_request`` for the common app, where the path and method decide
            # (the same lines as wsgi.py's ``handle``: a shared helper costs a call, ~1.3k Ir)
            try:
                rule, request.view_args = path_match(request.path, method)
            except Exception as exc:  # a converter's own failure: a logged 500
                plan = missed(app, request, exc, True)
            else:
                if rule is not None:
                    request.url_rule = rule
                    plan = rule.target
                else:  # 404, 405, a slash redirect: ``view_args`` holds the error a moment
                    # (unpacked into the attribute: one store less per request that matches)
                    plan = missed(
                        app, request, request.view_args, _needs_error(scope)  # type: ignore[arg-type]
                    )
        ctx.plan = plan
        if plan.stream_body:
            stream = _BodyStream(receive, asyncio.get_running_loop())
            request.set_stream(stream)
            has_body = True
        elif method not in _NO_BODY_METHODS or (
            # A GET-like request: its pairs are searched in C for a Content-Length (~1k Ir
            # less than the loop, for six headers); pairs that are not tuples (the spec
            # allows any two-item iterable) go to the loop
            (_ANY_LENGTH in headers or (headers and headers[0].__class__ is not tuple))
            and _declares_body(headers)
        ):
            has_body = True
            try:
                await read_body(request, receive)
            except ClientDisconnected:
                await _finish(app, ctx, plan, None, scope)
                return None
            except HTTPException as exc:  # a routing error found first wins, as under WSGI
                if plan is app._not_found_plan:  # the 404 the ready page stood for
                    plan = ctx.plan = app._no_route(request, None)
                request.routing_exception = request.routing_exception or exc
        response: Any = None
        rv: Any
        if request.routing_exception is not None:  # a 404 page, written as a view's answer
            rv = routing_error_shortcut(app, ctx, plan)
            if rv is None:
                response = await drive_async(app, pipeline(app, ctx, plan))
        elif plan.fast and method != "OPTIONS":
            view: Any = plan.view
            view_args = request.view_args
            try:
                if plan.view_is_async:  # the common case under ASGI
                    rv = await (view(**view_args) if view_args else view())
                elif plan.inline:
                    rv = view(**view_args) if view_args else view()
                else:  # in a worker thread; ``run_sync`` without a coroutine of its own
                    rv = await start_sync(app, view, (), view_args)
                    if rv.__class__ is CoroutineType:  # a sync wrapper of an async view
                        rv = await rv
            except Exception as exc:
                rv, response = await _answer_view_error(app, ctx, plan, exc)
        elif plan is app._not_found_plan:  # the app's 404 page, made once (``missed``)
            response = app._not_found_page
        else:
            response = await drive_async(
                app, pipeline(app, ctx, plan), plan.view if plan.inline else None
            )
        if response is None:  # the value of a view (or of an error handler) to answer
            # A plain answer (no Response needed) when nothing runs after the view: the
            # commonest shapes dispatched here, one call less than ``plain_body``'s.
            cls = rv.__class__
            if ctx.session is not None or ctx._after_request or not app._plain_make_response:
                pass
            elif cls is str:
                response = 200, rv.encode(), _HTML_PAIRS, _HTML_ENCODED, True
            elif cls is tuple:  # a text body with the route's last literal headers:
                # ``plain_tuple``'s memo test, inline (a call less); anything else goes to it.
                # The headers must be of the memo's own class: no foreign ``__eq__`` decides.
                memo = plan.plain_memo
                if memo is not None and memo[0] is _HTML_HEADER:
                    size = len(rv)
                    if size == 2:
                        if (
                            rv[1].__class__ is memo[1].__class__ and memo[1] == rv[1]
                            and rv[0].__class__ is str
                        ):
                            response = 200, rv[0].encode(), memo[2], memo[3], memo[4]
                    elif (
                        size == 3
                        and rv[2].__class__ is memo[1].__class__ and memo[1] == rv[2]
                        and rv[0].__class__ is str
                        and rv[1].__class__ is int and rv[1] in _PLAIN_STATUSES
                    ):
                        response = rv[1], rv[0].encode(), memo[2], memo[3], memo[4]
                if response is None:
                    response = plain_tuple(app, rv, plan)
            elif cls is Response:  # the route's last head by identity: ``plain_response``'s
                # first test, inline (a call less); anything else goes to it
                memo = plan.plain_memo
                headers = rv._headers
                if (
                    memo is not None
                    and memo[1] is (rv._head if headers is None else headers._list)
                    and rv._on_close is None and rv._body is not None
                    and rv.status_code in _PLAIN_STATUSES
                ):
                    response = (
                        rv.status_code, rv._body, memo[2], memo[3],
                        memo[4] and not rv.allow_framing,
                    )
                else:
                    response = plain_response(rv, plan)
            elif cls is dict or cls is list:  # JSON: ``plain_body``'s way, two calls less
                response = plain_json(app, rv)
            elif cls is bytes:  # as a ``str``: Flask's default mimetype, text/html
                response = 200, rv, _HTML_PAIRS, _HTML_ENCODED, True
            else:
                response = plain_body(app, ctx, rv)
            if response is None:  # else the Response, and what runs after the view
                response = finish_fast(app, ctx, plan, rv)
                if not isinstance(response, Response):
                    response = await drive_async(app, response)
    except BaseException as exc:
        await _finish(app, ctx, plan, exc, scope)
        raise
    if stream is not None and stream.disconnected:  # gone mid-body, as in read_body: quietly
        await _finish(app, ctx, plan, None, scope)
        return None
    # As under WSGI, the context ends before the body is sent: a streamed body that needs
    # the request uses stream_with_context, which keeps the context until it ends.
    if plan.needs_teardown or ctx._holds or "kettle.preserve_context" in scope:
        await _finish(app, ctx, plan, None, scope)
    else:  # nothing to tear down: free the body (a GET without one has none) and leave
        if has_body:
            request.close()
        _cv_context.reset(token)
    if response.__class__ is tuple:  # plain_body's (status, body, headers, ASGI headers, HTML)
        code, body, _, head, html = response
        length = len(body)
        frame = app._frame_options
        if html and frame is not None:  # nosniff and the app's X-Frame-Options, as bytes
            memo = _frame_memo  # one read: another thread may replace it meanwhile
            tail = memo[1] if memo[0] is frame else _frame_tail(frame)
        else:
            tail = _NOSNIFF_TAIL
        plain_headers = [
            *head,
            _LENGTHS[length] if length < 4096 else (b"content-length", str(length).encode()),
            *tail,
        ]
        await send({"type": "http.response.start", "status": code, "headers": plain_headers})
        await send({
            "type": "http.response.body", "body": b"" if method == "HEAD" else body,
        })
        return None
    body = response._body
    code = response.status_code
    if body is not None and request.method != "HEAD" and code != 204 and code != 304:
        items = response.header_items()
        if len(items) == 1 and items[0][0] == "Content-Type":  # the common response
            length = len(body)
            headers = [
                _encoded.get(items[0]) or encode_headers(items)[0],
                _LENGTHS[length] if length < 4096 else (b"content-length", str(length).encode()),
                _NOSNIFF,
            ]
            frame_options = app._frame_options
            if (
                frame_options is not None and is_html(items[0][1])
                and not response.allow_framing
            ):
                headers.append(_frame_bytes(frame_options))
        else:
            headers = encode_headers(wire_headers(response, app._frame_options))
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if response._on_close is not None:
            await run_sync(app, response.close, (), None)
        return None
    await send_response(app, request, response, send, scope)
    return None


async def _answer_view_error(
    app: Kettle, ctx: Context, plan: RoutePlan, exc: Exception
) -> tuple[Any, Response | None]:
    """A fast-path view's exception: ``(value, None)`` when it is answered as the view's value
    (``abort(404)`` with no handler, or an ``async def`` handler's value, as the WSGI door
    does), else ``(None, the pipeline's Response)`` (a sync handler runs in the pool there)."""
    handler = error_shortcut(app, plan, exc)
    if handler is None or not (handler is _itself or is_async_callable(handler)):
        return None, await drive_async(app, pipeline(app, ctx, plan, exc))
    if handler is _itself:
        rv: Any = exc
    else:
        try:
            rv = await handler(exc)  # type: ignore[arg-type]  # an HTTPException: error_shortcut
        except Exception as failure:
            return None, await drive_async(app, handle_exception(app, ctx, plan, failure))
    release_view_frames(exc)  # its traceback holds the view's frame, and so the request
    return rv, None


async def _other_scope(app: Kettle, scope: Scope, receive: Receive, send: Send) -> None:
    kind = scope["type"]
    if kind == "websocket":
        await handle_websocket(app, scope, receive, send)
    elif kind == "lifespan":
        await handle_lifespan(app, receive, send)
    else:
        raise RuntimeError(f"Unsupported ASGI scope type {kind!r}.")


async def _prepare(app: Kettle) -> None:
    if not app._frozen:
        app.freeze()
    if not app._started:
        await app.startup_async()
    app._asgi_ready = True


_encoded: dict[tuple[str, str], tuple[bytes, bytes]] = {}


def encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """ASGI's byte pairs; the few values every response repeats are encoded once."""
    out = []
    for pair in headers:
        encoded = _encoded.get(pair)
        if encoded is None:
            name, value = pair
            encoded = (name.lower().encode("latin-1"), value.encode("latin-1"))
            if name in _CACHED_NAMES and len(_encoded) < 512:
                _encoded[pair] = encoded
        out.append(encoded)
    return out


_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _frame_bytes(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    """The app's ``X-Frame-Options`` pair as bytes, encoded once per value."""
    encoded = _encoded.get(pair)
    if encoded is None:
        encoded = _encoded[pair] = (b"x-frame-options", pair[1].encode("latin-1"))
    return encoded


def _frame_tail(pair: tuple[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    """What ends an HTML plain answer's headers: nosniff and the app's ``X-Frame-Options``,
    kept in ``_frame_memo`` for the next answer to find by identity."""
    global _frame_memo
    tail = (_NOSNIFF, _frame_bytes(pair))
    _frame_memo = (pair, tail)
    return tail


_NOSNIFF_TAIL = (_NOSNIFF,)
#: ``(the app's X-Frame-Options pair, the tail it gives)`` last built (every app's pair is
#: one object: ``frame_options_header``), read by identity: no tuple to hash per answer.
_frame_memo: tuple[Any, Any] = (None, None)
#: ``Content-Length`` pairs for the small bodies most responses have, encoded once.
_LENGTHS = [(b"content-length", str(n).encode()) for n in range(4096)]
_CACHED_NAMES = frozenset({"Content-Type", "X-Content-Type-Options", "Vary", "Cache-Control"})


async def _finish(
    app: Kettle, ctx: Context, plan: RoutePlan | None, error: BaseException | None, scope: Scope
) -> None:
    preserve = scope.get("kettle.preserve_context")
    if preserve is not None:
        ctx.deactivate()
        preserve(ctx)
    else:
        await ctx.pop_async(error)


async def send_response(
    app: Kettle, request: Request, response: Response, send: Send, scope: Scope | None = None
) -> None:
    """Send ``response`` as ``http.response.start`` and ``http.response.body`` messages (or
    ``http.response.pathsend`` for a file, where the server offers it)."""
    code = response.status_code
    headers = encode_headers(wire_headers(response, app._frame_options))
    await send({"type": "http.response.start", "status": code, "headers": headers})
    try:
        if request.method == "HEAD" or code in (204, 304):
            await send({"type": "http.response.body", "body": b""})
            return
        body = response._body
        if body is not None:
            await send({"type": "http.response.body", "body": body})
            return
        path = _file_path(response.response)
        if path is not None and scope and "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": path})  # the server sends it
            return
        await _send_stream(app, response, send)
    finally:
        if response._on_close is not None or hasattr(response.response, "close"):
            await run_sync(app, response.close, (), None)


def _file_path(source: Any) -> str | None:
    """The absolute path of a file body opened from disk at its start, else ``None``."""
    name = getattr(source, "name", None)
    if not isinstance(name, str) or not hasattr(source, "read"):
        return None
    try:
        if source.tell() != 0:
            return None
    except (OSError, ValueError):
        return None
    return os.path.abspath(name) if os.path.isfile(name) else None


async def _send_stream(app: Kettle, response: Response, send: Send) -> None:
    source: Any = response.response
    try:
        if hasattr(source, "read"):  # a file: read in blocks in the pool, not line by line
            while data := await run_sync(app, source.read, (FILE_CHUNK,), None):
                await send({"type": "http.response.body", "body": data, "more_body": True})
        elif hasattr(source, "__aiter__"):
            async for data in response.aiter_encoded():
                if data:
                    await send({"type": "http.response.body", "body": data, "more_body": True})
        else:
            iterator = response.iter_encoded()
            end = object()
            while True:
                data = await run_sync(app, next, (iterator, end), None)
                if data is end:
                    break
                await send({"type": "http.response.body", "body": data, "more_body": True})
    except Exception as exc:
        # The status went out: dropping the connection is the only honest signal left.
        app.log_exception(exc)
        raise
    await send({"type": "http.response.body", "body": b""})


async def handle_websocket(app: Kettle, scope: Scope, receive: Receive, send: Send) -> None:
    await _prepare(app)
    request = request_from_scope(
        scope, app._limits, method="GET", cls=scope_request_class(app.request_class)
    )
    if len(scope["headers"]) > app._header_gate:
        refuse_too_many_headers(request, app._limits)
    websocket = WebSocket(scope, receive, send)
    ctx = Context(app, request)
    ctx.websocket = websocket
    ctx._token = _cv_context.set(ctx)
    error: BaseException | None = None
    plan: RoutePlan | None = None
    try:
        plan = ctx.plan = app.match_request(request, websocket=True)
        response = await drive_async(app, websocket_pipeline(app, ctx, plan))
        if response is not None and not websocket.accepted:
            await websocket.deny(response)
        elif not websocket.closed:
            failed = response is not None and response.status_code >= 500
            await websocket.close(1011 if failed else 1000)  # 1011: internal error
    except BaseException as exc:
        error = exc
        raise
    finally:
        await _finish(app, ctx, plan, error, scope)


async def handle_lifespan(app: Kettle, receive: Receive, send: Send) -> None:
    """Run ``on_startup`` / ``on_shutdown`` functions when the server says so."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                if not app._frozen:
                    app.freeze()
                await app.startup_async(from_lifespan=True)
            except BaseException as exc:
                app.log_exception(exc)
                await send({"type": "lifespan.startup.failed", "message": _describe(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app.shutdown_async()
            except BaseException as exc:
                app.log_exception(exc)
                await send({"type": "lifespan.shutdown.failed", "message": _describe(exc)})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
