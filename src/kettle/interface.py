"""Which door of the app a server should use: WSGI or ASGI.

A ``def`` view costs a hop to the thread pool under ASGI, and an ``async def`` view needs an
event loop per worker thread under WSGI; WebSockets exist only under ASGI. So: WSGI when all
of the app's code is plain ``def``, ASGI as soon as something is ``async def`` or a WebSocket
route exists. ``kettle serve`` and the development server both ask ``choose_interface``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from .concurrency import is_async_callable

if TYPE_CHECKING:
    from .app import Kettle

Interface = Literal["wsgi", "asgi"]


def choose_interface(app: Kettle) -> tuple[Interface, str]:
    """``("wsgi" | "asgi", reason)``; the reason names the first route or function that
    decided it (``"async def view 'feed' (/feed)"``), or says that everything is sync."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint or ""
        if rule.websocket:
            return "asgi", f"WebSocket route {rule.rule!r} (endpoint {endpoint!r})"
        view = app.view_functions.get(endpoint)
        if view is not None and is_async_callable(view):
            return "asgi", f"async def view {endpoint!r} ({rule.rule})"
    for kind, func in _hooks_and_handlers(app):
        if is_async_callable(func):
            name = getattr(func, "__qualname__", repr(func))
            return "asgi", f"async def {kind} {name!r}"
    return "wsgi", "every view, hook and error handler is a plain def and there is no WebSocket"


def _hooks_and_handlers(app: Kettle) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The app's (and its blueprints') hooks and error handlers, with what each one is."""
    registries: list[tuple[str, dict[Any, list[Callable[..., Any]]]]] = [
        ("before_request hook", app.before_request_funcs),
        ("after_request hook", app.after_request_funcs),
        ("teardown_request hook", app.teardown_request_funcs),
    ]
    for kind, registry in registries:
        for funcs in registry.values():
            for func in funcs:
                yield kind, func
    for by_code in app.error_handler_spec.values():
        for handlers in by_code.values():
            for handler in handlers.values():
                yield "error handler", handler
