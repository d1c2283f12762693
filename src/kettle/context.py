"""Request and app contexts on ``contextvars``, and the ``request``/``g``/``current_app`` proxies.

One ``ContextVar`` holds the active :class:`Context`; a request pushes one
context that is both the app context and the request context, so a request
costs one ``ContextVar.set`` and one ``reset``. ``contextvars`` follow asyncio
tasks and ``copy_context()`` into threads, which is what both doors need.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_tearing_down,
)

if TYPE_CHECKING:
    from .app import Kettle
    from .dispatch import RoutePlan
    from .request import Request
    from .websockets import WebSocket

T = TypeVar("T")
_sentinel: Any = object()


class _AppGlobals:
    """``g``: a namespace for one request or app context (a plain attribute bag)."""

    if TYPE_CHECKING:  # any attribute may be set on g: tell type checkers so

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...
        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _sentinel) -> Any:
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return f"<kettle.g {self.__dict__!r}>"


class Context:
    """What is active now: the app, and the request when there is one.

    Everything but the app and the request starts as a class-level default, so pushing a
    context per request costs two assignments.
    """

    session: Any = None
    plan: RoutePlan | None = None
    websocket: WebSocket | None = None
    #: The unhandled exception that ended the request (behind a 500 answer, or raised by a
    #: streamed body), given to teardown functions.
    error: BaseException | None = None
    _g: _AppGlobals | None = None
    _token: Token[Context | None] | None = None
    _after_request: list[Callable[..., Any]] | None = None
    #: The flash messages this request took out of the session (``get_flashed_messages``).
    flashes: list[Any] | None = None
    #: Streams (``stream_with_context``) still using this context: while there are any,
    #: ``pop`` leaves the teardown to the last of them.
    _holds = 0
    _popped = False

    def __init__(self, app: Kettle, request: Request | None = None) -> None:
        self.app = app
        self.request = request

    def add_after_request_function(self, func: Callable[..., Any]) -> None:
        if self._after_request is None:
            self._after_request = []
        self._after_request.append(func)

    def pop_after_request_functions(self) -> list[Callable[..., Any]]:
        funcs, self._after_request = self._after_request or [], None
        return funcs

    @property
    def g(self) -> _AppGlobals:
        g = self._g
        if g is None:
            owner = self._app_owner
            g = self._g = owner.g if owner is not None else self.app.app_ctx_globals_class()
        return g

    #: A copy (``copy()``) shares its request with the original, which closes it.
    _shares_request = False

    def copy(self) -> Context:
        """A new request context for the same request and session (Flask's
        ``RequestContext.copy``), to push in another thread."""
        from .ctx import RequestContext

        ctx = RequestContext(self.app, self.request)
        ctx.session, ctx.plan, ctx._shares_request = self.session, self.plan, True
        return ctx

    def match_request(self) -> None:
        """Route this context's request again: its rule and view arguments, or the routing
        error the pipeline raises (Flask's ``RequestContext.match_request``)."""
        assert self.request is not None, "an app context has no request to match"
        app = self.app
        self.plan = app.match_request(self.request) if app._frozen else app._plan_unfrozen(
            self.request
        )

    #: Further pushes of this same context (Flask allows pushing one context twice).
    _nested: list[Token[Context | None]] | None = None
    #: The active context this one's ``g`` and app-context end belong to (a request context
    #: pushed inside an app context of the same app): set by ``push``.
    _app_owner: Context | None = None
    #: The request context an app context was pushed inside: its request stays visible.
    _request_owner: Context | None = None

    def push(self) -> None:
        """Make this context the active one (nesting is allowed, as in Flask).

        A request context pushed inside an app context of the same app shares its ``g``
        and leaves the app context's end to it; an app context pushed inside a request
        context keeps that request visible (``request``, ``session``), as Flask's two
        context variables do.
        """
        outer = _cv_context.get()
        token = _cv_context.set(self)
        if self._token is not None:
            if self._nested is None:
                self._nested = []
            self._nested.append(token)
            return
        self._token = token
        if outer is not None:
            if self.request is None and outer.request is not None:
                self.request = outer.request
                self._request_owner = outer._request_owner or outer
            elif self.request is not None and outer.app is self.app:
                self._app_owner = outer._app_owner or outer
        if self._app_owner is None and appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """End one ``push``: the last one runs the teardown functions (given ``exc``, else the
        error that ended the request, else the exception being handled now) and restores
        the context that was active before; ``AssertionError`` if another one is active."""
        if self._nested:
            active = _cv_context.get()
            _cv_context.reset(self._nested.pop())
            self._check_popped(active)
            return
        if exc is _sentinel:
            exc = self.error if self.error is not None else sys.exc_info()[1]
        elif exc is None:
            exc = self.error
        if self._holds:  # a streamed body still runs in this context: it tears down when it ends
            self.error, self._popped = exc, True
            self.deactivate()
            return
        active = _cv_context.get()
        ends_app = self._app_owner is None
        try:
            self._end(exc)
        finally:
            self.deactivate()
            if self._request_owner is not None or not ends_app:
                self._forget_owners()
        if active is not self:
            self._check_popped(active)
        if ends_app and appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def _check_popped(self, active: Context | None) -> None:
        if active is not self:
            raise AssertionError(f"Popped wrong context. ({active!r} instead of {self!r})")

    def _forget_owners(self) -> None:
        """Undo what ``push`` borrowed from the outer context, so this one can be pushed again."""
        if self._request_owner is not None:
            self.request = None
            self._request_owner = None
        if self._app_owner is not None:
            self._g = self._app_owner = None

    async def pop_async(self, exc: BaseException | None = None) -> None:
        """``pop`` for the ASGI door: async teardown functions are awaited on the loop."""
        if exc is None:
            exc = self.error
        if self._holds:
            self.error, self._popped = exc, True
            self.deactivate()
            return
        from .concurrency import drive_async
        from .dispatch import teardown

        try:
            if self.app.has_teardown(self.plan):
                await drive_async(self.app, teardown(self.app, self, self.plan, exc))
        finally:
            self.deactivate()
            if self.request is not None:
                self.request.close()

    def _end(self, exc: BaseException | None) -> None:
        """Flask's order: ``teardown_request`` functions, the request closed, then (when this
        context is also the app context) ``teardown_appcontext`` functions. The app's
        ``do_teardown_*`` methods are called only when they have something to do (functions,
        an override, a signal receiver): most requests end with the request closed."""
        app = self.app
        request = self.request
        if request is not None and self._request_owner is None:
            try:
                plan = self.plan
                if (
                    (plan is not None and plan.teardown) or app._overridden
                    or request_tearing_down.receivers
                ):
                    app.do_teardown_request(exc)
            finally:
                try:
                    if not self._shares_request:
                        request.close()
                finally:
                    self._end_app(exc)
        else:
            self._end_app(exc)

    def _end_app(self, exc: BaseException | None) -> None:
        app = self.app
        if self._app_owner is None and (
            app.teardown_appcontext_funcs or app._overridden or appcontext_tearing_down.receivers
        ):
            app.do_teardown_appcontext(exc)

    def hold(self) -> None:
        """Keep this context alive after ``pop`` until a matching ``release`` (streaming)."""
        self._holds += 1

    def release(self, exc: BaseException | None = None) -> None:
        """End one ``hold``; the last one runs the teardown that ``pop`` put off, if it did."""
        self._holds -= 1
        if exc is not None and self.error is None:
            self.error = exc
        if self._holds or not self._popped:
            return
        self._popped = False
        token = _cv_context.set(self)
        try:
            self._end(self.error)
        finally:
            _cv_context.reset(token)

    def deactivate(self) -> None:
        """Restore the previously active context without tearing this one down."""
        token, self._token = self._token, None
        if token is not None:
            _cv_context.reset(token)

    def __enter__(self) -> Context:
        self.push()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.pop(exc)


_cv_context: ContextVar[Context | None] = ContextVar("kettle.context", default=None)

_NO_APP = (
    "Working outside of application context: this needs an active app, "
    "e.g. inside a view or within 'with app.app_context():'."
)
_NO_REQUEST = (
    "Working outside of request context: this needs an active HTTP request, "
    "e.g. inside a view or within 'with app.test_request_context():'."
)


def get_context() -> Context:
    """The active context; ``RuntimeError`` outside an app context."""
    ctx = _cv_context.get()
    if ctx is None:
        raise RuntimeError(_NO_APP)
    return ctx


def current_context() -> Context | None:
    """The active context or ``None``."""
    return _cv_context.get()


def has_request_context() -> bool:
    ctx = _cv_context.get()
    return ctx is not None and ctx.request is not None


def has_app_context() -> bool:
    return _cv_context.get() is not None


def _get_request() -> Request:
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(_NO_REQUEST)
    return ctx.request


def _get_app() -> Kettle:
    ctx = _cv_context.get()
    if ctx is None:
        raise RuntimeError(_NO_APP)
    return ctx.app


def _get_g() -> _AppGlobals:
    return get_context().g


def get_request_context() -> Context:
    """The context that owns the active request (an app context pushed inside a request
    context borrows its request); ``RuntimeError`` outside a request."""
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(_NO_REQUEST)
    return ctx._request_owner or ctx


def _get_session() -> Any:
    ctx = get_request_context()
    return ctx.app.open_session_for(ctx)


_PROXY_OWN = frozenset({"_get_current_object", "_resolve", "_LocalProxy__wrapped_name"})


class LocalProxy(Generic[T]):
    """Forwards every operation to the object ``resolve()`` returns now (Flask's proxy idea)."""

    __slots__ = ("__wrapped_name", "_resolve")

    def __init__(self, resolve: Callable[[], T], name: str) -> None:
        object.__setattr__(self, "_resolve", resolve)
        object.__setattr__(self, "_LocalProxy__wrapped_name", name)

    def _get_current_object(self) -> T:
        """The real object behind the proxy (to pass it to another thread, for example)."""
        resolve: Callable[[], T] = object.__getattribute__(self, "_resolve")
        return resolve()

    def __getattribute__(self, name: str) -> Any:
        # Every attribute goes straight to the current object: ``request.args`` is one
        # resolver call and one getattr, not a failed lookup on the proxy first.
        if name in _PROXY_OWN:
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "_resolve")(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get_current_object(), name)

    def __repr__(self) -> str:
        try:
            return repr(self._get_current_object())
        except RuntimeError:
            name = object.__getattribute__(self, "_LocalProxy__wrapped_name")
            return f"<LocalProxy unbound {name}>"

    def __bool__(self) -> bool:
        try:
            return bool(self._get_current_object())
        except RuntimeError:
            return False

    def __contains__(self, item: Any) -> bool:
        return item in self._get_current_object()  # type: ignore[operator]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._get_current_object())  # type: ignore[call-overload,no-any-return]

    def __len__(self) -> int:
        return len(self._get_current_object())  # type: ignore[arg-type]

    def __getitem__(self, key: Any) -> Any:
        return self._get_current_object()[key]  # type: ignore[index]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._get_current_object()[key] = value  # type: ignore[index]

    def __delitem__(self, key: Any) -> None:
        del self._get_current_object()[key]  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        return bool(self._get_current_object() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._get_current_object() != other)

    __hash__ = None  # type: ignore[assignment]


class _RequestProxy(LocalProxy[Any]):
    """``request``, the proxy views read most: the active context's request is found inline,
    with no resolver call per attribute (``request.get_json()`` pays for one lookup)."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        ctx = _cv_context.get()
        if ctx is not None:
            found = ctx.request
            if found is not None:
                try:
                    return getattr(found, name)
                except AttributeError:  # perhaps one of the proxy's own names
                    if name not in _PROXY_OWN:
                        raise
        return LocalProxy.__getattribute__(self, name)  # its own names, or no request


if TYPE_CHECKING:
    from .app import Kettle as _App
    from .request import Request as _Request

    request: _Request
    current_app: _App
    g: _AppGlobals
    session: Any
else:
    request = _RequestProxy(_get_request, "request")
    current_app = LocalProxy(_get_app, "current_app")
    g = LocalProxy(_get_g, "g")
    session = LocalProxy(_get_session, "session")


class DoorContext(Context):
    """The context both doors push for a request: a ``Context`` built by ``DoorContext()``
    in one C call (``object.__init__``, as ``ScopeRequest``); the door assigns its fields."""

    __init__ = object.__init__
