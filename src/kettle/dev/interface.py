"""Which door serves an app: WSGI for plain ``def`` views, ASGI for ``async def`` or WebSockets.

A ``def`` view under ASGI costs a hop to a worker thread per request, and an ``async def``
view under WSGI runs on a per-thread event loop; WebSockets exist only under ASGI. So the
choice follows the app's views, once, after import. ``kettle serve`` and the development
server make the same choice through this one function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..concurrency import is_async_callable

if TYPE_CHECKING:
    from ..app import Kettle

Door = Literal["wsgi", "asgi"]


def choose_interface(app: Kettle) -> tuple[Door, str]:
    """``(door, reason)``: ``"asgi"`` when a view is ``async def`` or a WebSocket route
    exists, else ``"wsgi"``; the reason is a short phrase for the start-up banner."""
    for rule in app.url_map.iter_rules():
        if rule.websocket:
            return "asgi", f"the WebSocket route {rule.rule!r} needs it"
    for endpoint, view in app.view_functions.items():
        if is_async_callable(view):
            return "asgi", f"the view {endpoint!r} is async def"
    return "wsgi", "every view is a plain def"
