"""Running the pipeline's steps: the WSGI door's driver and the ASGI door's.

Under WSGI a step's result that is a coroutine (an ``async def`` view, hook or
handler) is run to completion on an event loop owned by the current thread,
created on first use and reused after, so async views work under any WSGI server.
Under ASGI async steps are awaited and sync ones run in the app's bounded thread
pool with the current contextvars, so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncIterable, Coroutine, Generator, Iterator
from types import CoroutineType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .app import Kettle

T = TypeVar("T")

_local = threading.local()


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on this thread's event loop; the current contextvars go with it."""
    runner: asyncio.Runner | None = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = asyncio.Runner()
    # A Runner's default context is the one copied when it started: the first request's.
    return runner.run(coro, context=contextvars.copy_context())


def iterate_async(iterable: AsyncIterable[T]) -> Iterator[T]:
    """Iterate an async iterable (an async generator body) from sync code, under WSGI."""
    iterator = iterable.__aiter__()

    async def step() -> T:
        return await iterator.__anext__()

    try:
        while True:
            try:
                yield run_coroutine(step())
            except StopAsyncIteration:
                return
    finally:
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            run_coroutine(closer())


def call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
    """Call a user function, finishing it here if it turned out to be a coroutine."""
    value = func(*args, **kwargs) if kwargs else func(*args)
    if value.__class__ is CoroutineType:
        value = run_coroutine(value)
    return value


def drive(steps: Generator[Any, Any, T], call: Any = call) -> T:
    """Run a pipeline generator to its end, calling each step it yields (with ``call``)."""
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


# -- the ASGI door's side ------------------------------------------------------

_is_async_cache: dict[Any, bool] = {}


def is_async_callable(func: Any) -> bool:
    """Whether calling ``func`` gives a coroutine (cached: checked for every pipeline step)."""
    try:
        return _is_async_cache[func]
    except (KeyError, TypeError):
        pass
    target = func
    while isinstance(target, functools.partial):
        target = target.func
    result = inspect.iscoroutinefunction(target) or (
        not inspect.isroutine(target) and inspect.iscoroutinefunction(type(target).__call__)
    )
    with contextlib.suppress(TypeError):  # unhashable callables are simply not cached
        _is_async_cache[func] = result
    return result


async def run_sync(
    app: Kettle, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None
) -> Any:
    """Run a sync callable in the app's thread pool with the current contextvars, so the event
    loop never blocks; a coroutine it returns is awaited here."""
    loop = asyncio.get_running_loop()
    target = functools.partial(func, *args, **kwargs) if kwargs else functools.partial(func, *args)
    value = await loop.run_in_executor(app.thread_pool, contextvars.copy_context().run, target)
    if value.__class__ is CoroutineType:
        value = await value
    return value


async def drive_async(app: Kettle, steps: Generator[Any, Any, T]) -> T:
    """Run a pipeline generator to its end: async steps awaited, sync ones in the thread pool."""
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
            if is_async_callable(func):
                value = await (func(*args, **kwargs) if kwargs else func(*args))
            else:
                value = await run_sync(app, func, args, kwargs)
        except Exception as exc:
            error, value = exc, None
