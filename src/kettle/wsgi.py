"""The WSGI door (PEP 3333): environ in, ``Request``; ``Response`` out, ``start_response``.

Thin on purpose: everything between is the shared pipeline in ``dispatch.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import CoroutineType
from typing import TYPE_CHECKING

from . import plain as plain_module
from .body import MAX_LENGTH_DIGITS, RequestLimits, too_large
from .concurrency import drive, iterate_async, run_coroutine
from .context import DoorContext, _cv_context
from .dispatch import (
    RoutePlan,
    error_shortcut,
    finish_fast,
    handle_exception,
    missed,
    pipeline,
    plain_body,
    release_view_frames,
    routing_error_shortcut,
)
from .errors import HTTPException
from .headerlimits import count_environ_headers
from .plain import (
    _HTML_ENCODED,
    _HTML_PAIRS,
    _PLAIN_STATUSES,
    plain_json,
    plain_response,
    plain_tuple,
)
from .request import Request
from .response import _STATUS_LINES, Response, status_line, wire_headers

if TYPE_CHECKING:
    from .app import Kettle
    from .types import StartResponse, WSGIEnvironment

FILE_BLOCK_SIZE = 64 * 1024
NOSNIFF = ("X-Content-Type-Options", "nosniff")
#: A bodiless answer (HEAD, 204, 304): one empty chunk, not none, since hypercorn's WSGI
#: adapter sends the status and headers with the first chunk (an empty iterable was its 500).
_NO_BODY = (b"",)
#: The largest read body left to die with its request when the view answered without an
#: error (freeing it costs more than a small body weighs). After a handled error, or over
#: this size, ``request.close()`` frees it: an error's traceback (or a view's own reference
#: cycle through its frame) keeps the request alive until the collector runs, and a 60 MiB
#: body with it (``tests/servers/test_memory.py``).
KEEP_BODY = 64 * 1024
#: ``Content-Length`` pairs for the small bodies most plain answers have, built once.
_LENGTHS = [("Content-Length", str(n)) for n in range(4096)]


def request_from_environ(
    environ: WSGIEnvironment, limits: RequestLimits, cls: type[Request] = Request
) -> Request:
    """A ``Request`` over ``environ``; headers are read in place, nothing else is parsed.

    Built without ``__init__``: only what differs from the class defaults is assigned. The
    keys every server sets are read by subscript (a ``get`` call costs more); an environ
    without one of them takes ``_optional_keys``. ``handle`` repeats these lines inline (a
    call less per request): change the two together.
    """
    request = cls.__new__(cls)
    try:
        path = environ["PATH_INFO"] or "/"
        query = environ["QUERY_STRING"]
        scheme = environ["wsgi.url_scheme"]
        root_path = environ["SCRIPT_NAME"]
        remote_addr = environ["REMOTE_ADDR"]
    except KeyError:
        path, query, scheme, root_path, remote_addr = _optional_keys(environ)
    if not path.isascii():  # PEP 3333 hands us the raw bytes as latin-1
        path = path.encode("latin-1").decode("utf-8", "replace")
    request.method = environ["REQUEST_METHOD"]
    request.path = path
    if not query.isascii():
        query = query.encode("latin-1").decode("utf-8", "replace")
    request.query_string = query
    request.environ = environ
    request.limits = limits
    if "CONTENT_LENGTH" in environ or "HTTP_TRANSFER_ENCODING" in environ:
        body_from_environ(request, environ, limits)
    if scheme is not None and scheme != "http":
        request.scheme = scheme
    if root_path:
        request.root_path = root_path
    request.remote_addr = remote_addr
    return request


def body_from_environ(request: Request, environ: WSGIEnvironment, limits: RequestLimits) -> None:
    """The body's source and its checked length, for an environ that declares one: with a
    ``Content-Length`` or a ``Transfer-Encoding`` (the caller's test)."""
    if "HTTP_TRANSFER_ENCODING" in environ:
        _body_source(request, environ, limits)
    else:  # so a Content-Length: ``_body_source``'s commonest case, written out
        length = environ["CONTENT_LENGTH"]
        if length and length.isdigit() and length.isascii() and len(length) <= MAX_LENGTH_DIGITS:
            request._input = environ["wsgi.input"]
            size = int(length)
            limit = limits.max_content_length
            if limit is not None and size > limit:
                _check_length(request)
            else:
                request._content_length = size
        elif length:
            _body_source(request, environ, limits)


def _optional_keys(
    environ: WSGIEnvironment,
) -> tuple[str, str, str | None, str | None, str | None]:
    """``PATH_INFO``, ``QUERY_STRING``, ``wsgi.url_scheme``, ``SCRIPT_NAME`` and
    ``REMOTE_ADDR`` from an environ that lacks some of them (PEP 3333 allows it)."""
    get = environ.get
    return (
        get("PATH_INFO") or "/", get("QUERY_STRING") or "", get("wsgi.url_scheme"),
        get("SCRIPT_NAME"), get("REMOTE_ADDR"),
    )


def _body_source(request: Request, environ: WSGIEnvironment, limits: RequestLimits) -> None:
    """The body's source and its checked ``Content-Length``: a malformed or too-large length
    is refused up front (400, 413), as the ASGI door does."""
    length = environ.get("CONTENT_LENGTH")
    if not (
        length
        or (
            "HTTP_TRANSFER_ENCODING" in environ
            and environ.get("wsgi.input_terminated")
            and "chunked" in environ["HTTP_TRANSFER_ENCODING"].lower()
        )
    ):
        return
    request._input = environ["wsgi.input"]
    if length:
        limit = limits.max_content_length
        if not (length.isdigit() and length.isascii() and len(length) <= MAX_LENGTH_DIGITS):
            _check_length(request)
        else:
            size = int(length)
            if limit is not None and size > limit:
                _check_length(request)
            elif "HTTP_TRANSFER_ENCODING" not in environ:  # else chunked may override it
                request._content_length = size


def _check_length(request: Request) -> None:
    """A ``Content-Length`` that is not a length (400) or over ``MAX_CONTENT_LENGTH`` (413),
    found before the view as under ASGI, which reads the body first; routing errors still
    come first, as there."""
    try:
        length = request.content_length  # None under Transfer-Encoding: chunked
        limit = request.limits.max_content_length
        if length is not None and limit is not None and length > limit:
            raise too_large(limit)
    except HTTPException as exc:
        request.routing_exception = exc


def handle(app: Kettle, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Serve one WSGI request."""
    if not app._ready:
        if not isinstance(environ, dict):  # granian's default interface is RSGI
            raise TypeError(
                "kettle apps speak WSGI and ASGI; this server called the app another way. "
                "With granian, pass '--interface wsgi' or '--interface asgi'."
            )
        app.freeze()
        app.startup()
        if app._full_pipeline():  # overridden app methods or signal receivers: Flask's path
            from .full_door import wsgi_request

            return wsgi_request(app, environ, start_response)
        app._ready = True
    # ``request_from_environ``, inline (a call less, ~470 Ir): change the two together
    request = Request.__new__(Request)
    try:
        path = environ["PATH_INFO"] or "/"
        query = environ["QUERY_STRING"]
        scheme = environ["wsgi.url_scheme"]
        root_path = environ["SCRIPT_NAME"]
        remote_addr = environ["REMOTE_ADDR"]
    except KeyError:
        path, query, scheme, root_path, remote_addr = _optional_keys(environ)
    if not path.isascii():  # PEP 3333 hands us the raw bytes as latin-1
        path = path.encode("latin-1").decode("utf-8", "replace")
    request.method = environ["REQUEST_METHOD"]
    request.path = path
    if not query.isascii():
        query = query.encode("latin-1").decode("utf-8", "replace")
    request.query_string = query
    request.environ = environ
    limits = request.limits = app._limits
    if "CONTENT_LENGTH" in environ or "HTTP_TRANSFER_ENCODING" in environ:
        body_from_environ(request, environ, limits)
    if scheme is not None and scheme != "http":
        request.scheme = scheme
    if root_path:
        request.root_path = root_path
    request.remote_addr = remote_addr
    if len(environ) > app._header_gate:  # perhaps too many headers: count them (431)
        count_environ_headers(app, request)
    if app._proxy_fix is not None:
        from .proxies import apply_proxy_fix

        apply_proxy_fix(request, app._proxy_fix)
    ctx = DoorContext()  # ``Context(app, request)`` in one C call, as the ASGI door's
    ctx.app = app
    ctx.request = request
    ctx.session = ctx._after_request = None  # instance attributes: cheaper reads later
    ctx._holds = 0
    ctx._token = _cv_context.set(ctx)
    error: BaseException | None = None
    plan: RoutePlan | None = None
    clean = False  # the view answered and no error was handled: see KEEP_BODY
    try:
        path_match = app._path_match
        if path_match is None or request._refused is not None:
            plan = app.match_request(request)
        else:  # ``match_request`` for the common app, where the path and method decide
            # (the same lines as asgi.py's ``handle``: a shared helper costs a call, ~1.3k Ir)
            try:
                rule, request.view_args = path_match(request.path, request.method)
            except Exception as exc:  # a converter's own failure: a logged 500
                plan = missed(app, request, exc, True)
            else:
                if rule is not None:
                    request.url_rule = rule
                    plan = rule.target
                else:  # 404, 405, a slash redirect: ``view_args`` holds the error a moment
                    # (unpacked into the attribute: one store less per request that matches)
                    missing = request.view_args
                    request.view_args = None
                    if (  # ``missed``'s ready 404 page, written out (two calls less): change
                        # the two together
                        missing is None and app._not_found_page is not None
                        and request.routing_exception is None
                        and "json" not in environ.get("HTTP_ACCEPT", "")
                        and "kettle.preserve_context" not in environ
                    ):
                        plan = app._not_found_plan
                    else:
                        plan = missed(
                            app, request, missing, _needs_error(environ)  # type: ignore[arg-type]
                        )
        ctx.plan = plan
        if request.routing_exception is not None:
            rv = routing_error_shortcut(app, ctx, plan)  # a 404 page, written as a view's answer
            if rv is None:
                return _send(app, request, drive(pipeline(app, ctx, plan)), environ, start_response)
            plain = plain_body(app, ctx, rv)
        elif plan.fast and request.method != "OPTIONS":
            try:
                rv = plan.view(**request.view_args)  # type: ignore[misc,arg-type]
                if rv.__class__ is CoroutineType:
                    rv = run_coroutine(rv)
                clean = True
            except Exception as exc:
                handler = error_shortcut(app, plan, exc)
                if handler is None:
                    response = drive(pipeline(app, ctx, plan, exc))
                    return _send(app, request, response, environ, start_response)
                try:  # abort(404): its handler's value is finished as a view's
                    rv = handler(exc)  # type: ignore[arg-type]
                    if rv.__class__ is CoroutineType:
                        rv = run_coroutine(rv)
                except Exception as failure:
                    response = drive(handle_exception(app, ctx, plan, failure))
                    return _send(app, request, response, environ, start_response)
                release_view_frames(exc)
            # ``plain_body``'s commonest shapes, a call or two less (the lines of asgi.py's)
            cls = rv.__class__
            if ctx.session is not None or ctx._after_request or not app._plain_make_response:
                plain = None
            elif cls is str:
                plain = 200, rv.encode(), _HTML_PAIRS, _HTML_ENCODED, True
            elif cls is tuple:
                plain = plain_tuple(app, rv, plan)
            elif cls is Response:  # the route's last head by identity, else plain_response
                memo = plan.plain_memo
                headers = rv._headers
                if (
                    memo is not None
                    and memo[1] is (rv._head if headers is None else headers._list)
                    and rv._on_close is None and rv._body is not None
                    and rv.status_code in _PLAIN_STATUSES
                ):
                    plain = (
                        rv.status_code, rv._body, memo[2], memo[3],
                        memo[4] and not rv.allow_framing,
                    )
                else:
                    plain = plain_response(rv, plan)
            elif cls is dict or cls is list:  # JSON: ``plain_json``, written out (a call less)
                frozen = app.json._frozen
                last = plain_module._last_json  # the last JSON head (read once: it is replaced)
                if frozen is None or frozen[2] is not last[0]:  # not encoded directly, a new head
                    plain = plain_json(app, rv)
                else:
                    try:
                        plain = 200, frozen[0](rv), last[1], last[2], last[3]
                    except Exception:  # not encodable: the ordinary path answers it (a 500)
                        plain = None
            else:
                plain = plain_body(app, ctx, rv)
        elif plan is app._not_found_plan:  # the app's 404 page, made once (``missed``)
            plain = app._not_found_page
        else:
            return _send(app, request, drive(pipeline(app, ctx, plan)), environ, start_response)
        if plain is not None:  # the commonest answers: written without a Response
            code, body, head, _, html = plain
            size = len(body)
            length = _LENGTHS[size] if size < 4096 else ("Content-Length", str(size))
            headers = [*head, length, NOSNIFF]
            if html and app._frame_options is not None:
                headers.append(app._frame_options)
            start_response(_STATUS_LINES[code], headers)
            return _NO_BODY if request.method == "HEAD" else [body]
        response = finish_fast(app, ctx, plan, rv)
        if not isinstance(response, Response):  # perhaps a failed coercion, handled
            clean = False
            response = drive(response)
        return _send(app, request, response, environ, start_response)
    except BaseException as exc:
        error = exc
        clean = False
        raise
    finally:
        if "kettle.preserve_context" in environ:  # the test client keeps the context
            ctx.deactivate()
            environ["kettle.preserve_context"](ctx)
        elif plan is None or plan.needs_teardown or ctx._holds or request._files:
            ctx.pop(error)
        else:  # nothing to tear down: leave the context, as under ASGI
            # No local for the body: a handled error's traceback keeps this frame alive.
            if request._data is not None and (not clean or len(request._data) > KEEP_BODY):
                request.close()  # see KEEP_BODY
            _cv_context.reset(ctx._token)


def _needs_error(environ: WSGIEnvironment) -> bool:
    """Whether a 404 must be answered from its ``NotFound`` (``dispatch.missed``): the
    client's ``Accept`` names JSON, or the test client keeps the context to look at.
    ``handle`` repeats these tests in its ready-404 lines: change the two together."""
    return "json" in environ.get("HTTP_ACCEPT", "") or "kettle.preserve_context" in environ


def _send(
    app: Kettle,
    request: Request,
    response: Response,
    environ: WSGIEnvironment,
    start_response: StartResponse,
) -> Iterable[bytes]:
    code = response.status_code
    start_response(
        _STATUS_LINES.get(code) or status_line(code), wire_headers(response, app._frame_options)
    )
    body = response._body
    if request.method == "HEAD" or code in (204, 304):
        response.close()
        return _NO_BODY
    if body is not None:
        if response._on_close is None:
            return [body]
        return _ClosingIterator([body], response, app)
    source = response.response
    if hasattr(source, "read"):  # a file: the server's zero-copy wrapper, else in blocks
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None and response._on_close is None:
            return file_wrapper(source, FILE_BLOCK_SIZE)  # type: ignore[no-any-return]
        blocks = iter(lambda: source.read(FILE_BLOCK_SIZE), b"")  # type: ignore[union-attr]
        return _ClosingIterator(blocks, response, app)
    if hasattr(source, "__aiter__"):  # an async generator body, run on this thread's loop
        return _ClosingIterator(iterate_async(response.aiter_encoded()), response, app)
    return _ClosingIterator(response.iter_encoded(), response, app)


class _ClosingIterator:
    """A streamed body: logs a generator's failure and closes the response when the server does."""

    __slots__ = ("_app", "_iterator", "_response")

    def __init__(self, iterable: Iterable[bytes], response: Response, app: Kettle) -> None:
        self._iterator: Iterator[bytes] = iter(iterable)
        self._response = response
        self._app = app

    def __iter__(self) -> _ClosingIterator:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            raise
        except Exception as exc:
            # The status line has gone out: the only honest signal left is to drop the
            # connection, which the server does when we re-raise. Log it first, in full.
            self._app.log_exception(exc)
            raise

    def close(self) -> None:
        self._response.close()
