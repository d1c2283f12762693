"""The floor of a sync view under ASGI: a bare ASGI app that runs a no-op function in a
worker thread and sends its answer, with each way of handing work to a thread and back.

No framework can serve a ``def`` view under ASGI for less than the cheapest of these (bar
running it on the loop, ``inline``, which blocks the loop while it runs).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import HELLO

VERSION = "-"
ONLY = frozenset({"plaintext"})

_BODY = HELLO.encode()
_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]

Handoff = Callable[[Callable[[], Any]], Awaitable[Any]]


def noop() -> bytes:
    return _BODY


def make_app(handoff: Handoff | None) -> Callable[..., Awaitable[None]]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = noop() if handoff is None else await handoff(noop)
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": body})

    return app


def default_executor() -> Handoff:
    async def handoff(func: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, func)

    return handoff


def dedicated_pool() -> Handoff:
    pool = ThreadPoolExecutor(40)

    async def handoff(func: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, func)

    return handoff


def to_thread() -> Handoff:
    return functools.partial(asyncio.to_thread)


def queue_handoff() -> Handoff:
    """kettle's own hand-off (``kettle.concurrency.ThreadHandoff``), outside kettle."""
    from kettle.concurrency import ThreadHandoff

    return ThreadHandoff(40).run
