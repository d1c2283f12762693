"""ASGI lifespan events for the development server's ASGI mode (start-up, shutdown)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from .http11 import logger


class LifespanRunner:
    """Sends ``lifespan.startup`` before serving and ``lifespan.shutdown`` after.

    An app that does not speak lifespan (it raises or returns at once) is served anyway;
    a failed start-up stops the server with the app's message.
    """

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.supported = True

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        try:
            await self.app(scope, self.inbox.get, self.outbox.put)
        except Exception:
            if self.supported:
                logger.debug("The app does not support ASGI lifespan", exc_info=True)
        finally:
            self.supported = False
            await self.outbox.put({"type": "lifespan.ended"})

    async def startup(self) -> None:
        self.task = asyncio.create_task(self._main())
        await self.inbox.put({"type": "lifespan.startup"})
        reply = await self.outbox.get()
        if reply["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"The app failed to start: {reply.get('message', '')}")

    async def shutdown(self) -> None:
        if self.task is None or self.task.done() or not self.supported:
            return
        await self.inbox.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(asyncio.TimeoutError):
            reply = await asyncio.wait_for(self.outbox.get(), 10)
            if reply["type"] == "lifespan.shutdown.failed":
                logger.error("The app failed to shut down: %s", reply.get("message", ""))
