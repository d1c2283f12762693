"""Running the pipeline's steps synchronously: the WSGI door's driver.

A step's result that is a coroutine (an ``async def`` view, hook or handler) is
run to completion on an event loop owned by the current thread, created on
first use and reused after, so async views work under any WSGI server.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Coroutine, Generator
from types import CoroutineType
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on this thread's event loop; the current contextvars go with it."""
    runner: asyncio.Runner | None = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = asyncio.Runner()
    # A Runner's default context is the one copied when it started: the first request's.
    return runner.run(coro, context=contextvars.copy_context())


def call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
    """Call a user function, finishing it here if it turned out to be a coroutine."""
    value = func(*args, **kwargs) if kwargs else func(*args)
    if value.__class__ is CoroutineType:
        value = run_coroutine(value)
    return value


def drive(steps: Generator[Any, Any, T]) -> T:
    """Run a pipeline generator to its end, calling each step it yields."""
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            if error is None:
                func, args, kwargs = steps.send(value)
            else:
                pending, error = error, None
                func, args, kwargs = steps.throw(pending)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            value = call(func, args, kwargs)
        except Exception as exc:
            error, value = exc, None
