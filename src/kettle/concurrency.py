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
import queue
import threading
import weakref
from collections.abc import AsyncIterable, Callable, Coroutine, Generator, Iterator
from types import CoroutineType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .app import Kettle

T = TypeVar("T")

_Future = asyncio.Future
_running_loop = asyncio.get_running_loop
_copy_context = contextvars.copy_context

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


class _Workers:
    """What the worker threads share: the job queue and their counts. Not the hand-off
    itself, so an app that is dropped lets its hand-off go, and its workers end."""

    __slots__ = ("idle", "jobs", "lock", "started")

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0
        self.started = 0


class ThreadHandoff:
    """Runs sync callables in up to ``size`` worker threads and hands each result back to the
    awaiting event loop: one ``SimpleQueue.put`` out, one ``call_soon_threadsafe`` back.

    ``loop.run_in_executor`` does the same through a ``concurrent.futures.Future`` chained to
    an asyncio one (two futures, two locks, a callback hop): measured here, this hand-off costs
    less (``benchmarks/asgi_inprocess.py``, the ``floor-*`` columns). Workers start on demand,
    one per job waiting while fewer than ``size`` exist, as daemon threads; they end when the
    hand-off is shut down or garbage-collected (its app dropped), as an executor's do.
    """

    def __init__(self, size: int, name: str = "kettle-sync") -> None:
        self.size = size
        self.name = name
        self._state = state = _Workers()
        self._jobs = state.jobs
        weakref.finalize(self, _stop_workers, state)

    def run(self, func: Callable[[], T]) -> asyncio.Future[T]:
        """``await handoff.run(func)``: ``func()``'s result, computed in a worker thread."""
        return self.call(None, func, (), None)

    def call(
        self,
        context: contextvars.Context | None,
        func: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
    ) -> asyncio.Future[T]:
        """``func(*args, **kwargs)`` in a worker thread, inside ``context`` if given: the
        arguments travel in the job itself, with no ``partial`` objects to build."""
        loop = _running_loop()
        # ``loop.create_future()`` is two Python calls on asyncio's loop; the C future
        # takes the loop directly (it is what ``create_future`` returns there).
        future: asyncio.Future[T] = _Future(loop=loop)
        self._jobs.put((context, func, args, kwargs, future, loop))
        state = self._state
        if state.idle <= 0 and state.started < self.size:
            self._start_worker()
        return future

    def _start_worker(self) -> None:
        state = self._state
        with state.lock:
            if state.started >= self.size:
                return
            state.started += 1
            number = state.started
        thread = threading.Thread(
            target=_work, args=(state,), name=f"{self.name}-{number}", daemon=True
        )
        thread.start()

    def shutdown(self) -> None:
        """Let every worker end once the jobs before this call are done."""
        _stop_workers(self._state)


def _stop_workers(state: _Workers) -> None:
    """End every worker started so far: a ``None`` each, queued after the jobs waiting.

    They stop counting as idle now, not when each takes its ``None``: a job handed over
    meanwhile would otherwise see an idle worker, start none, and wait behind the ``None``s
    for ever (the test client's lifespan shutdown at interpreter exit did, under load)."""
    with state.lock:
        count, state.started = state.started, 0
        state.idle -= count
    for _ in range(count):
        state.jobs.put(None)


def _work(state: _Workers) -> None:
    jobs, lock = state.jobs, state.lock
    while True:
        with lock:
            state.idle += 1
        job = jobs.get()
        if job is None:  # ``_stop_workers`` has already taken this worker out of ``idle``
            return
        with lock:
            state.idle -= 1
        _run_job(*job)
        job = None  # an idle worker must not keep a request alive


def _run_job(
    context: contextvars.Context | None,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None,
    future: asyncio.Future[Any],
    loop: asyncio.AbstractEventLoop,
) -> None:
    try:
        if context is None:
            result = func(*args, **kwargs) if kwargs else func(*args)
        elif kwargs:
            result = context.run(func, *args, **kwargs)
        else:
            result = context.run(func, *args)
    except BaseException as exc:  # handed to the awaiting task, raised there
        loop.call_soon_threadsafe(_set_exception, future, exc)
    else:
        loop.call_soon_threadsafe(_set_result, future, result)


def _set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():  # the awaiting task may have been cancelled
        future.set_result(value)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def start_sync(
    app: Kettle, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None
) -> asyncio.Future[Any]:
    """Start a sync callable in the app's worker threads with the current contextvars: the
    future of its value (which may be a coroutine: see ``run_sync``)."""
    handoff = app._sync_handoff or app.sync_handoff  # the property makes it on first use
    return handoff.call(_copy_context(), func, args, kwargs)


async def run_sync(
    app: Kettle, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None
) -> Any:
    """Run a sync callable in the app's worker threads with the current contextvars, so the
    event loop never blocks; a coroutine it returns (a sync wrapper around an async
    function) is awaited here."""
    value = await start_sync(app, func, args, kwargs)
    if value.__class__ is CoroutineType:
        value = await value
    return value


async def drive_async(
    app: Kettle, steps: Generator[Any, Any, T], inline: Any = None
) -> T:
    """Run a pipeline generator to its end: async steps awaited, sync ones in the worker
    threads, except ``inline`` (a sync view declared not to block), called on the loop."""
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
            elif func is inline or getattr(func, "kettle_inline", False):  # no thread hop
                value = func(*args, **kwargs) if kwargs else func(*args)
            else:
                value = await run_sync(app, func, args, kwargs)
        except Exception as exc:
            error, value = exc, None
