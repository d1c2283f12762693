"""Serving a request Flask's way, through the app's overridable methods.

The doors send a request here instead of their fast path when the app's class overrides
one of ``app_dispatch.OVERRIDABLE`` (known at freeze) or while a request signal has a
receiver (``signals.state``): the doors check this only when ``app._ready`` is false, so
apps that need neither pay nothing. The sequence is Flask's ``wsgi_app``: push a
``RequestContext`` (``appcontext_pushed``), ``full_dispatch_request()``,
``handle_exception()`` on failure, then ``pop`` with the error unless
``should_ignore_error`` says otherwise. Under ASGI the body is read on the loop first,
then the whole sequence runs in the app's thread pool, as sync views do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .app_dispatch import server_loop
from .asgi import (
    _NO_BODY_METHODS,
    ClientDisconnected,
    _BodyStream,
    _declares_body,
    read_body,
    request_from_scope,
    scope_request_class,
    send_response,
)
from .concurrency import run_sync
from .ctx import RequestContext
from .errors import HTTPException
from .headerlimits import count_environ_headers, refuse_too_many_headers
from .wsgi import _send

if TYPE_CHECKING:
    from .app import Kettle
    from .response import Response
    from .types import Receive, Scope, Send, StartResponse, WSGIEnvironment


def serve(app: Kettle, ctx: RequestContext, preserve: Any) -> Response:
    """Push ``ctx``, dispatch, and pop it (or hand it to the test client's ``preserve``)."""
    error: BaseException | None = None
    ctx._open_session_on_push = False  # opened when first used, as on the fast path
    try:
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as exc:
            error = exc
            response = app.handle_exception(exc)
        return response
    except BaseException as exc:
        error = exc
        raise
    finally:
        if preserve is not None:
            ctx.deactivate()
            preserve(ctx)
        else:
            if error is not None and app.should_ignore_error(error):
                error = ctx.error = None
            ctx.pop(error)


def wsgi_request(
    app: Kettle, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    ctx = app.request_context(environ)
    request = ctx.request
    assert request is not None
    if len(environ) > app._header_gate and request._refused is None:  # as the fast path: 431
        count_environ_headers(app, request)
        if request._refused is not None:
            ctx.match_request()
    response = serve(app, ctx, environ.get("kettle.preserve_context"))
    return _send(app, request, response, environ, start_response)


async def asgi_request(app: Kettle, scope: Scope, receive: Receive, send: Send) -> None:
    request = request_from_scope(scope, app._limits, cls=scope_request_class(app.request_class))
    if len(scope["headers"]) > app._header_gate:  # too many headers: 431, as the fast path
        refuse_too_many_headers(request, app._limits)
    if app._proxy_fix is not None:
        from .proxies import apply_proxy_fix

        apply_proxy_fix(request, app._proxy_fix)
    ctx = RequestContext(app, request)
    ctx.match_request()
    plan = ctx.plan
    assert plan is not None
    stream: _BodyStream | None = None
    if plan.stream_body:
        stream = _BodyStream(receive, asyncio.get_running_loop())
        request.set_stream(stream)
    elif request.method not in _NO_BODY_METHODS or _declares_body(scope["headers"]):
        try:
            await read_body(request, receive)
        except ClientDisconnected:
            request.close()
            return
        except HTTPException as exc:  # a routing error found first wins, as under WSGI
            request.routing_exception = request.routing_exception or exc
    token = server_loop.set(asyncio.get_running_loop())  # async views run on this loop
    try:
        preserve = scope.get("kettle.preserve_context")
        response = await run_sync(app, serve, (app, ctx, preserve), None)
    finally:
        server_loop.reset(token)
    if stream is not None and stream.disconnected:  # gone mid-body: nobody to answer
        response.close()
        return
    await send_response(app, request, response, send, scope)
