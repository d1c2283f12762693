"""THE request pipeline, written once for both doors.

The pipeline is a generator: every user callable (preprocessor, hook, view,
error handler, teardown function) is *yielded* to the door as ``(func, args,
kwargs)``, and the door sends the result back in. The WSGI door calls it (and
runs coroutines on a per-thread loop); the ASGI door awaits it or runs it in a
thread. So routing, hooks and error handling exist in one copy, transport-free.

Routes without hooks skip the generator entirely (``RoutePlan.fast``): the door
calls the view and ``make_response`` directly and only falls back here on error.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

from .coercion import plain_error
from .concurrency import is_async_callable
from .errors import BadRequest, HTTPException, InternalServerError, NotFound, RequestRedirect
from .plain import PlainAnswer, PlainMemo, plain_answer, plain_response, plain_tuple
from .response import Response

if TYPE_CHECKING:
    from .app import Kettle
    from .context import Context
    from .request import Request

Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any] | None]
Steps = Generator[Call, Any, Any]


class RoutePlan:
    """What one route runs, resolved once at start-up from the app's and blueprints' hooks."""

    __slots__ = (
        "after", "before", "endpoint", "error_handlers", "fast", "inline", "needs_teardown",
        "plain_memo", "preprocessors", "scopes", "stream_body", "teardown", "view",
        "view_is_async",
    )

    def __init__(self, app: Kettle, endpoint: str | None, view: Callable[..., Any] | None) -> None:
        self.endpoint = endpoint
        self.view = view
        blueprint = endpoint.rpartition(".")[0] if endpoint and "." in endpoint else ""
        parts = blueprint.split(".") if blueprint else []
        # Innermost blueprint first, the app (None) last: the order error handlers are searched.
        self.scopes: tuple[str | None, ...] = (
            *(".".join(parts[:i]) for i in range(len(parts), 0, -1)),
            None,
        )
        outer_first = tuple(reversed(self.scopes))
        self.preprocessors = tuple(
            f for scope in outer_first for f in app.url_value_preprocessors.get(scope, ())
        )
        self.before = tuple(
            f for scope in outer_first for f in app.before_request_funcs.get(scope, ())
        )
        self.after = tuple(
            f for scope in self.scopes for f in reversed(app.after_request_funcs.get(scope, ()))
        )
        self.teardown = tuple(
            f for scope in self.scopes for f in reversed(app.teardown_request_funcs.get(scope, ()))
        )
        self.fast = not (self.preprocessors or self.before or self.after) and view is not None
        #: Whether ending the request runs any function: plans are built once registration
        #: is over, so the app's ``teardown_appcontext`` list is final here.
        self.needs_teardown = bool(self.teardown or app.teardown_appcontext_funcs)
        self.view_is_async = view is not None and is_async_callable(view)
        options = app.view_options.get(endpoint, {}) if endpoint else {}
        #: ASGI: call this sync view on the event loop (it is known not to block): the
        #: route's ``inline=``, else the app's ``SYNC_VIEWS_INLINE``.
        self.inline: bool = bool(
            options.get("inline", app.config.get("SYNC_VIEWS_INLINE", False))
        )
        #: ASGI: don't read the body before the view; it reads ``request.iter_body()``.
        self.stream_body: bool = bool(options.get("stream", False))
        #: ``plain.py``'s memo of this view's last tuple headers and their checked head.
        self.plain_memo: PlainMemo | None = None
        #: ``error_shortcut``'s memo: (HTTP error class, code) -> its handler, or ``None``.
        self.error_handlers: dict[tuple[type[HTTPException], int], Any] = {}


def pipeline(
    app: Kettle, ctx: Context, plan: RoutePlan, view_error: Exception | None = None
) -> Steps:
    """Hooks, view, error handlers and response processing for one request."""
    try:
        if view_error is None:
            try:
                rv = yield from _preprocess_and_view(app, ctx, plan)
            except Exception as exc:
                rv = yield from handle_user_exception(app, ctx, plan, exc)
                release_frames(exc)
        else:
            rv = yield from handle_user_exception(app, ctx, plan, view_error)
            release_frames(view_error)
        response = app.make_response(rv)
        response = yield from process_response(app, ctx, plan, response)
    except Exception as exc:
        response = yield from handle_exception(app, ctx, plan, exc)
    return response


def release_view_frames(exc: BaseException) -> None:
    """``release_frames`` for an error a door caught from the view it called: the door's
    own frame comes first in the traceback and is still running, so it is skipped (clearing
    it would raise, and catch, a ``RuntimeError``). ``traceback.clear_frames`` inlined."""
    tb = exc.__traceback__
    if tb is not None:
        tb = tb.tb_next
        while tb is not None:
            try:  # noqa: SIM105 - ``contextlib.suppress`` costs a call per frame
                tb.tb_frame.clear()
            except RuntimeError:  # still running (an old error raised again)
                pass
            tb = tb.tb_next


def release_frames(exc: BaseException) -> None:
    """Drop the local variables of the frames an answered exception went through.

    Its traceback holds those frames, and they hold the request (and perhaps its 60 MiB
    body): a cycle only the garbage collector would free, much later.
    """
    traceback.clear_frames(exc.__traceback__)


def preprocess(app: Kettle, ctx: Context, plan: RoutePlan) -> Steps:
    """URL value preprocessors, then ``before_request`` hooks: the first value one returns."""
    request = ctx.request
    assert request is not None
    for func in plan.preprocessors:
        yield func, (request.endpoint, request.view_args), None
    for func in plan.before:
        rv = yield func, (), None
        if rv is not None:
            return rv
    return None


def _preprocess_and_view(app: Kettle, ctx: Context, plan: RoutePlan) -> Steps:
    request = ctx.request
    assert request is not None
    if plan.preprocessors or plan.before:
        rv = yield from preprocess(app, ctx, plan)
        if rv is not None:
            return rv
    if request.routing_exception is not None:
        raise request.routing_exception
    rule = request.url_rule
    if request.method == "OPTIONS" and rule is not None and rule.provide_automatic_options:
        return app.make_default_options_response()
    assert plan.view is not None, f"no view is bound to endpoint {plan.endpoint!r}"
    args = (ctx.websocket,) if ctx.websocket is not None else ()
    return (yield plan.view, args, request.view_args)


def plain_body(app: Kettle, ctx: Context, rv: Any) -> PlainAnswer | None:
    """``(status, body, headers, ASGI headers, HTML)`` when a fast-path view's value needs no
    ``Response`` (``plain.py``: a str, bytes, dict or list, alone or in a tuple) and nothing
    runs after the view. The doors then write it directly; anything else (``None`` here)
    goes through ``finish_fast``."""
    if ctx.session is not None or ctx._after_request or not app._plain_make_response:
        return None
    cls = rv.__class__
    if cls is tuple:  # the commonest shapes past a bare value: one call less
        return plain_tuple(app, rv, ctx.plan)
    if cls is Response:  # a view's own (``make_response``, ``redirect``)
        return plain_response(rv, ctx.plan)
    if isinstance(rv, HTTPException):  # abort(404) or a 404 with no handler: the page itself
        return plain_error(rv, ctx.request)
    return plain_answer(app, rv, ctx.plan)


def finish_fast(app: Kettle, ctx: Context, plan: RoutePlan, rv: Any) -> Response | Steps:
    """After a fast-path view returned: the response, or the steps still to run.

    Most requests end here with a plain ``Response`` and never build a generator; the
    session save, ``after_this_request`` functions or a failed coercion (a 500) return the
    steps for the door to drive.
    """
    try:
        cls = rv.__class__
        if cls is str and app._plain_make_response:
            response = app.response_class.html(rv)
        elif cls is dict and app._plain_make_response:
            response = app.json.response_for(rv)
        else:
            response = app.make_response(rv)
    except Exception as exc:
        return handle_exception(app, ctx, plan, exc)
    if ctx.session is None and not ctx._after_request:
        return response
    return _process_or_fail(app, ctx, plan, response)


def _process_or_fail(app: Kettle, ctx: Context, plan: RoutePlan, response: Response) -> Steps:
    try:
        return (yield from process_response(app, ctx, plan, response))
    except Exception as exc:
        return (yield from handle_exception(app, ctx, plan, exc))


def routing_error_shortcut(app: Kettle, ctx: Context, plan: RoutePlan) -> HTTPException | None:
    """The routing error that is its own answer (no hook or error handler would see it),
    or ``None`` when the pipeline must answer it."""
    exc = ctx.request.routing_exception  # type: ignore[union-attr]
    if (
        not isinstance(exc, HTTPException)  # a converter's own failure: a 500, logged
        or plan.before or plan.preprocessors or plan.after or ctx.session is not None
        or (app.error_handler_spec and find_error_handler(app, exc, plan.scopes) is not None)
    ):
        return None
    return exc


def ready_not_found(app: Kettle) -> PlainAnswer | None:
    """The app's 404 page for a path no rule takes, made once at start-up: only when no
    code of the app's would see that 404 (no ``before_request``/``after_request`` hook, URL
    value preprocessor, teardown function or handler for it) and responses are made as
    kettle makes them; the page is then the same bytes on every miss. ``None`` otherwise:
    each miss goes through ``routing_error_shortcut`` or the pipeline, as any routing error.
    """
    plan = app._unmatched_plan
    assert plan is not None
    if (
        plan.before or plan.preprocessors or plan.after or plan.needs_teardown
        or not app._plain_make_response
    ):
        return None
    error = NotFound()
    if find_error_handler(app, error, plan.scopes) is not None:
        return None
    return plain_error(error, None)


def missed(
    app: Kettle, request: Request, error: Exception | None, needs_error: bool
) -> RoutePlan:
    """The plan of a request the doors' ``route`` found no rule for (``error``: ``None`` for
    a plain 404, else the 405 or slash redirect, or a converter's own failure).

    The app's ready 404 page answers it when there is one and no earlier error (a bad
    ``Content-Length``) is waiting: no ``NotFound`` is made then. ``needs_error``: the door
    says the error must exist (the client's ``Accept`` names JSON, and
    ``coercion._wants_json`` picks the page; the test client keeps the context to look at).
    Else the routing error is the request's, answered as any. ``request.view_args`` is
    ``None`` after (a door unpacks ``route``'s answer into it). The WSGI door writes out the
    ready-page case with ``_needs_error``'s tests (two calls less): change the two together.
    """
    request.view_args = None
    if (
        error is None and app._not_found_page is not None and not needs_error
        and request.routing_exception is None
    ):
        return app._not_found_plan
    return app._no_route(request, error)


def process_response(app: Kettle, ctx: Context, plan: RoutePlan, response: Response) -> Steps:
    """``after_this_request`` functions, ``after_request`` hooks, then the session is saved."""
    for func in ctx.pop_after_request_functions():
        result = yield func, (response,), None
        if result is not None:
            response = result
    for func in plan.after:
        result = yield func, (response,), None
        if result is not None:
            response = result
    session = ctx.session
    if session is not None and not app.session_interface.is_null_session(session):
        yield app.session_interface.save_session, (app, session, response), None
    return response


def _itself(error: HTTPException) -> HTTPException:
    """An HTTP error no handler takes is its own answer (its error page)."""
    return error


def error_shortcut(
    app: Kettle, plan: RoutePlan, exc: Exception
) -> Callable[[HTTPException], Any] | None:
    """How a fast-path view's HTTP error (``abort(404)``) is answered without the pipeline:
    its registered handler, or ``_itself`` when there is none; the door calls it and finishes
    its value as a view's. ``None`` when only ``handle_user_exception`` can answer (another
    exception, a trapped error, a ready response, a redirect)."""
    if (
        not isinstance(exc, HTTPException)
        or exc.response is not None
        or exc.code < 400
        or isinstance(exc, RequestRedirect)
        # ``app.trap_http_exception(exc)``: an error that is no ``BadRequest`` is trapped by
        # ``TRAP_HTTP_EXCEPTIONS`` alone, read without the call (an app that overrides the
        # method takes ``full_door``, not this path).
        or (
            app.trap_http_exception(exc) if isinstance(exc, BadRequest)
            else app.config["TRAP_HTTP_EXCEPTIONS"]
        )
    ):
        return None
    key = (exc.__class__, exc.code)
    memo = plan.error_handlers
    handler = memo.get(key, _UNKNOWN)
    if handler is _UNKNOWN:  # handlers are all registered before the first request
        handler = find_error_handler(app, exc, plan.scopes)
        if len(memo) < _MEMO_SIZE:
            memo[key] = handler
    return handler or _itself


_UNKNOWN = object()
#: The most (class, code) pairs a plan remembers a handler for (``abort`` takes any code).
_MEMO_SIZE = 64


def find_error_handler(
    app: Kettle, exc: BaseException, scopes: tuple[str | None, ...]
) -> Callable[..., Any] | None:
    """The handler for ``exc``, as Flask finds it.

    Handlers for the status code come before handlers by class alone; within each, the
    innermost blueprint comes first and the app last; within a scope, the closest class
    in the exception's MRO wins.
    """
    code = exc.code if isinstance(exc, HTTPException) else None
    spec = app.error_handler_spec
    mro = type(exc).__mro__
    for c in (code, None) if code is not None else (None,):
        for scope in scopes:
            by_code = spec.get(scope)
            handlers = by_code.get(c) if by_code else None
            if not handlers:
                continue
            for cls in mro:
                handler = handlers.get(cls)
                if handler is not None:
                    return handler
    return None


def is_redirect(exc: HTTPException) -> bool:
    return isinstance(exc, RequestRedirect)


def handle_user_exception(app: Kettle, ctx: Context, plan: RoutePlan, exc: Exception) -> Steps:
    """An exception from a hook or view: its registered handler's result, or the error itself
    (HTTP errors ``app.trap_http_exception`` traps are handled as any other exception)."""
    if isinstance(exc, HTTPException):
        if exc.response is not None or isinstance(exc, RequestRedirect) or exc.code < 400:
            return exc
        if app.trap_http_exception(exc):
            handler = find_error_handler(app, exc, plan.scopes)
            if handler is None:
                raise exc
            return (yield handler, (exc,), None)
    handler = find_error_handler(app, exc, plan.scopes)
    if handler is None:
        if isinstance(exc, HTTPException):
            return exc
        raise exc
    return (yield handler, (exc,), None)


def handle_exception(app: Kettle, ctx: Context, plan: RoutePlan, exc: Exception) -> Steps:
    """An unhandled exception: propagate it (testing/debug), show the debug page (debug
    mode with ``DEBUG_PAGE``, loopback clients only) or answer a logged 500."""
    debug_page = app.debug and app.config["DEBUG_PAGE"]
    if app.propagate_exceptions and not debug_page:
        raise exc
    ctx.error = exc
    app.log_exception(exc)
    if debug_page:
        from .dev.debugpage import debug_response, may_show

        if may_show(app, ctx.request):
            try:
                response = debug_response(app, ctx.request, exc)  # type: ignore[arg-type]
            except Exception as page_error:  # never hide the error behind a broken page
                app.log_exception(page_error)
            else:
                release_frames(exc)
                return response
    release_frames(exc)
    server_error = InternalServerError(original_exception=exc)
    handler = find_error_handler(app, server_error, plan.scopes)
    rv: Any = server_error
    if handler is not None:
        try:
            rv = app.make_response((yield handler, (server_error,), None))
        except Exception as handler_error:  # a broken 500 handler still gets the plain 500
            app.log_exception(handler_error)
            rv = server_error
    response = app.make_response(rv)
    try:
        response = yield from process_response(app, ctx, plan, response)
    except Exception as hook_error:  # a broken after_request hook must not hide the 500
        app.log_exception(hook_error)
    return response


def teardown(app: Kettle, ctx: Context, plan: RoutePlan | None, exc: BaseException | None) -> Steps:
    """``teardown_request`` then ``teardown_appcontext`` functions; each runs even if one fails."""
    funcs = (*(plan.teardown if plan is not None else ()), *reversed(app.teardown_appcontext_funcs))
    return (yield from run_teardown(app, funcs, exc))


def run_teardown(
    app: Kettle, funcs: Iterable[Callable[..., Any]], exc: BaseException | None
) -> Steps:
    """Call each teardown function with ``exc``; one that fails is logged and the next runs."""
    for func in funcs:
        try:
            yield func, (exc,), None
        except Exception as error:
            app.log_exception(error)


def websocket_pipeline(app: Kettle, ctx: Context, plan: RoutePlan) -> Steps:
    """Hooks and the WebSocket view; an error response (to refuse the handshake) or ``None``."""
    from .websockets import WebSocketDisconnect

    try:
        try:
            rv = yield from _preprocess_and_view(app, ctx, plan)
        except WebSocketDisconnect:
            return None
        except Exception as exc:
            rv = yield from handle_user_exception(app, ctx, plan, exc)
        return None if rv is None else app.make_response(rv)
    except Exception as exc:
        return (yield from handle_exception(app, ctx, plan, exc))
