"""Start-up and shut-down functions (``@app.on_startup`` / ``@app.on_shutdown``), once per process.

Under ASGI they run from the server's lifespan protocol; under WSGI (or an ASGI
server without lifespan) start-up runs before the first request and shut-down at
interpreter exit. Both run inside the app context, so ``current_app`` works;
a failing start-up function fails the start (the server refuses to start).
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import multiprocessing.util
import threading
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

from .concurrency import drive, drive_async

if TYPE_CHECKING:
    from .app import Kettle


def _at_exit(func: Callable[[Kettle], None], app: Kettle) -> None:
    """Run ``func(app)`` when the process ends: at interpreter exit, and also when a
    ``multiprocessing`` worker (granian's) ends with ``os._exit``, which skips ``atexit``."""
    atexit.register(func, app)
    if multiprocessing.parent_process() is not None:
        multiprocessing.util.Finalize(None, func, (app,), exitpriority=10)


def _steps(funcs: Iterable[Callable[..., Any]]) -> Generator[Any, Any, None]:
    for func in funcs:
        yield func, (), None


class Lifespan:
    """The app's start-up and shut-down functions and whether they have run."""

    def __init__(self) -> None:
        self.startup_funcs: list[Callable[..., Any]] = []
        self.shutdown_funcs: list[Callable[..., Any]] = []
        self.started = False
        self.stopped = False
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def start_sync(self, app: Kettle) -> None:
        """Run start-up functions once (WSGI: before the first request)."""
        with self._lock:
            if self.started:
                return
            if self.startup_funcs:
                with app.app_context():
                    drive(_steps(self.startup_funcs))
            self.started = True
            _at_exit(self.stop_sync, app)

    def stop_sync(self, app: Kettle) -> None:
        """Run shut-down functions once (WSGI: at interpreter exit)."""
        with self._lock:
            if not self.started or self.stopped:
                return
            self.stopped = True
            if self.shutdown_funcs:
                with app.app_context():
                    drive(_steps(reversed(self.shutdown_funcs)))

    async def start_async(self, app: Kettle, from_lifespan: bool) -> None:
        """Run start-up functions once on the event loop (ASGI)."""
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            if self.started:
                return
            if self.startup_funcs:
                with app.app_context():
                    await drive_async(app, _steps(self.startup_funcs))
            self.started = True
            if not from_lifespan:  # the server will not tell us when it stops
                _at_exit(self.stop_sync, app)

    async def stop_async(self, app: Kettle) -> None:
        """Run shut-down functions once (ASGI lifespan shutdown)."""
        if not self.started or self.stopped:
            return
        self.stopped = True
        if self.shutdown_funcs:
            with app.app_context():
                await drive_async(app, _steps(reversed(self.shutdown_funcs)))
