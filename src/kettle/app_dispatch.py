"""Flask's request methods on ``Kettle`` (``full_dispatch_request`` and the ones it calls),
each one overridable in a subclass.

kettle serves requests with the generator pipeline of ``dispatch.py`` (one copy for both
doors, and a fast path for routes without hooks). An app whose class overrides one of the
methods in ``OVERRIDABLE``, or any request while a request signal has a receiver, is
served by ``full_door.py`` instead, which calls these methods in Flask's order, so every
override and signal sees every request. The methods reuse the pipeline's pieces, driven
synchronously; they work inside any request context (``test_request_context`` too).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from functools import wraps
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from . import dispatch
from .concurrency import drive, is_async_callable, run_coroutine
from .context import Context, _sentinel, current_context, get_request_context
from .errors import BadRequest, BadRequestKeyError, HTTPException, InternalServerError
from .request import Request
from .signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from .signals import state as signal_state

if TYPE_CHECKING:
    from .app import Kettle
    from .blueprints import Blueprint
    from .response import Response

#: Methods whose override moves the app off the fast path onto ``full_door``.
OVERRIDABLE = (
    "dispatch_request", "full_dispatch_request", "finalize_request", "preprocess_request",
    "process_response", "handle_exception", "handle_user_exception", "handle_http_exception",
    "trap_http_exception", "should_ignore_error", "raise_routing_exception",
    "do_teardown_request", "do_teardown_appcontext", "ensure_sync", "async_to_sync",
    "request_context",
)


#: The ASGI server's event loop, while ``full_door`` runs a request in a worker thread.
server_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar(
    "kettle.server_loop", default=None
)


def _runs_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _await_here(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` to completion from sync code: on the ASGI server's loop from a worker
    thread of the full door, else on this thread's own loop."""
    loop = server_loop.get()
    if loop is not None and not _runs_on(loop):
        return asyncio.run_coroutine_threadsafe(coro, loop).result()
    return run_coroutine(coro)


def _inline_on_server_loop(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[bool, Any]:
    """Call an ``inline`` view or ``kettle_inline`` hook on the ASGI server's loop, as the
    fast path does, when the full door runs in a worker thread: ``(True, result)``; else
    ``(False, None)``."""
    loop = server_loop.get()
    if loop is None or _runs_on(loop):
        return False, None
    return True, asyncio.run_coroutine_threadsafe(_call_on_loop(func, args, kwargs), loop).result()


async def _call_on_loop(func: Callable[..., Any], args: tuple[Any, ...], kwargs: Any) -> Any:
    rv = func(*args, **kwargs)
    return await rv if rv.__class__ is CoroutineType else rv


def _plan(ctx: Context) -> dispatch.RoutePlan:
    plan = ctx.plan
    if plan is None:
        plan = ctx.plan = dispatch.RoutePlan(ctx.app, None, None)
    return plan


class AppDispatch:
    """The overridable request methods, mixed into ``Kettle``."""

    #: Whether the class overrides one of ``OVERRIDABLE`` (set at freeze).
    _overridden = False

    if TYPE_CHECKING:
        _frozen: bool
        blueprints: dict[str, Blueprint]
        teardown_appcontext_funcs: list[Callable[..., Any]]
        url_build_error_handlers: list[Callable[..., Any]]
        config: Any
        debug: bool
        request_class: type[Request]

        @property
        def propagate_exceptions(self) -> bool: ...
        logger: Any

        def make_response(self, rv: Any) -> Response: ...
        def log_exception(self, exc: BaseException) -> None: ...
        def make_default_options_response(self) -> Response: ...

    # -- running user functions ----------------------------------------------
    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` as a plain callable: ``async def`` functions go through ``async_to_sync``."""
        if is_async_callable(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Run ``func``'s coroutine to completion: on the server's event loop when called
        from a request the ASGI door handed to a worker thread, else on this thread's own
        loop (kettle's: no ``asgiref`` needed)."""

        @wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            return _await_here(func(*args, **kwargs))

        return run

    def _drive(self, steps: dispatch.Steps) -> Any:
        """Run pipeline steps here, each user function through ``ensure_sync`` (as Flask)."""
        return drive(steps, self._call_step)

    def _call_step(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None
    ) -> Any:
        if getattr(func, "kettle_inline", False):  # known not to block: on the loop
            done, rv = _inline_on_server_loop(func, args, kwargs or {})
            if done:
                return rv
        return self.ensure_sync(func)(*args, **(kwargs or {}))

    # -- the request, in Flask's order -----------------------------------------
    def full_dispatch_request(self) -> Response:
        """``request_started``, ``preprocess_request``, ``dispatch_request``, the error
        handlers on failure, then ``finalize_request``; in an active request context."""
        app: Kettle = self  # type: ignore[assignment]
        try:
            if request_started.receivers:
                request_started.send(app, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as exc:
            rv = self.handle_user_exception(exc)
        return self.finalize_request(rv)

    def preprocess_request(self) -> Any:
        """``url_value_preprocessor`` then ``before_request`` functions (app first, then the
        blueprints, outer to inner); the first non-``None`` return value ends the request."""
        ctx = get_request_context()
        return self._drive(dispatch.preprocess(ctx.app, ctx, _plan(ctx)))

    def dispatch_request(self) -> Any:
        """Call the view matched for the request; raise the routing error if none matched."""
        ctx = get_request_context()
        request = ctx.request
        assert request is not None
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = request.url_rule
        if request.method == "OPTIONS" and rule is not None and rule.provide_automatic_options:
            return self.make_default_options_response()
        plan = _plan(ctx)
        view = plan.view
        assert view is not None, f"no view is bound to endpoint {request.endpoint!r}"
        args = (ctx.websocket,) if ctx.websocket is not None else ()
        kwargs = request.view_args or {}
        if plan.inline:
            done, rv = _inline_on_server_loop(view, args, kwargs)
            if done:
                return rv
        rv = self.ensure_sync(view)(*args, **kwargs)
        if rv.__class__ is CoroutineType:  # a sync view that returned one (a MethodView
            rv = _await_here(rv)  # with async handlers): awaited, as the doors do
        return rv

    def raise_routing_exception(self, request: Request) -> Any:
        """Raise the error routing left on ``request`` (404, 405, a slash redirect)."""
        raise request.routing_exception  # type: ignore[misc]

    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Response:
        """``make_response``, ``process_response`` and ``request_finished``; after an error
        handler, a failure here is logged and the response stands."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def process_response(self, response: Response) -> Response:
        """``after_this_request`` functions, ``after_request`` hooks (inner blueprint first,
        the app last), then the session is saved."""
        ctx = get_request_context()
        steps = dispatch.process_response(ctx.app, ctx, _plan(ctx), response)
        return self._drive(steps)  # type: ignore[no-any-return]

    # -- errors ------------------------------------------------------------------
    def handle_user_exception(self, e: Exception) -> Any:
        """An exception from a hook or view: HTTP errors go to ``handle_http_exception``
        (unless trapped), others to their registered handler, else re-raised."""
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        ctx = get_request_context()
        handler = dispatch.find_error_handler(ctx.app, e, _plan(ctx).scopes)
        if handler is None:
            raise e
        return self.ensure_sync(handler)(e)

    def handle_http_exception(self, e: HTTPException) -> Any:
        """The registered handler's answer to an HTTP error, or the error itself (redirects,
        ready responses and codes below 400 are answers already)."""
        if e.response is not None or e.code < 400 or dispatch.is_redirect(e):
            return e
        ctx = get_request_context()
        handler = dispatch.find_error_handler(ctx.app, e, _plan(ctx).scopes)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP error is raised like any other exception instead of answered
        (``TRAP_HTTP_EXCEPTIONS``, ``TRAP_BAD_REQUEST_ERRORS``)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        return bool(trap_bad_request) and isinstance(e, BadRequest)

    def handle_exception(self, e: Exception) -> Response:
        """An unhandled exception: ``got_request_exception``, then propagated (testing,
        debug) or logged and answered by the 500 handler (or a plain 500)."""
        app: Kettle = self  # type: ignore[assignment]
        if got_request_exception.receivers:
            got_request_exception.send(app, _async_wrapper=self.ensure_sync, exception=e)
        ctx = get_request_context()
        if self.debug and self.config["DEBUG_PAGE"]:  # the pipeline's own: the debug page
            return self._drive(  # type: ignore[no-any-return]
                dispatch.handle_exception(app, ctx, _plan(ctx), e)
            )
        if self.propagate_exceptions:
            raise e
        ctx.error = e
        self.log_exception(e)
        dispatch.release_frames(e)
        server_error = InternalServerError(original_exception=e)
        handler = dispatch.find_error_handler(app, server_error, _plan(ctx).scopes)
        rv: Any = server_error
        if handler is not None:
            try:
                rv = self.make_response(self.ensure_sync(handler)(server_error))
            except Exception as handler_error:  # a broken 500 handler still gets the plain 500
                self.log_exception(handler_error)
                rv = server_error
        return self.finalize_request(rv, from_error_handler=True)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions are told ``None`` instead of ``error`` (never, here)."""
        return False

    # -- teardown ------------------------------------------------------------------
    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """The request's ``teardown_request`` functions (inner blueprint first), then
        ``request_tearing_down``; ``exc`` defaults to the exception being handled."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        ctx = current_context()
        if ctx is not None and ctx.plan is not None and ctx.plan.teardown:
            self._drive(dispatch.run_teardown(ctx.app, ctx.plan.teardown, exc))
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:
        """``teardown_appcontext`` functions (last registered first), then
        ``appcontext_tearing_down``."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        if self.teardown_appcontext_funcs:
            app: Kettle = self  # type: ignore[assignment]
            self._drive(dispatch.run_teardown(app, reversed(self.teardown_appcontext_funcs), exc))
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- URLs ----------------------------------------------------------------------
    def handle_url_build_error(
        self, error: Exception, endpoint: str, values: dict[str, Any]
    ) -> str:
        """``url_for`` failed: the first ``url_build_error_handlers`` answer that is not
        ``None``, else the error is raised."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except Exception as new_error:  # a handler may raise its own error
                error = new_error
                continue
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        raise error

    def iter_blueprints(self) -> Iterator[Blueprint]:
        """The registered blueprints, in registration order."""
        return iter(self.blueprints.values())

    def _full_pipeline(self) -> bool:
        """Whether requests take ``full_door``: an override, a connected request signal, or
        a ``request_class`` of the app's own (the fast doors build ``Request`` itself)."""
        return self._overridden or signal_state.active or self.request_class is not Request
