"""``@batched``: gather concurrent single-item calls into one call of a batch function.

A model that costs about the same for 1 row as for 32 wastes most of its capacity
when each request calls it alone. ``@batched`` turns ``f(list[In]) -> list[Out]``
into a callable over one input that many threads and asyncio tasks call at once;
their inputs are queued and a worker thread calls ``f`` with as many as are waiting.

Release policy (adaptive; see docs/ml-serving.md for the measurements):

* When the model is idle, whatever is queued runs **at once**: a lone request never
  waits for company (a lone *thread* even runs its item itself, with no hand-off).
* While a batch runs, arrivals gather; when the model frees, the next batch takes
  everything queued, up to ``max_batch_size``.
* The callers the last batch answered are expected back (clients in a closed loop),
  so the worker waits for them too, at most ``max_wait_ms`` past the moment the model
  freed. At low load the last batch held one item, so nothing ever waits;
  ``max_wait_ms=0`` turns the wait off entirely.

Waiting callers: a thread blocks on a lock; an asyncio task awaits a future of its
own loop. Items whose caller has gone (timed out, cancelled) are dropped before the
model runs. The queue is bounded: a full queue raises ``QueueFull``, a 503 with
``Retry-After`` when it reaches the view.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

from ..errors import ServiceUnavailable

In = TypeVar("In")
Out = TypeVar("Out")

BatchFunction = Callable[[list[In]], "Sequence[Out] | Awaitable[Sequence[Out]]"]

_get_running_loop = asyncio._get_running_loop


class Overloaded(ServiceUnavailable):
    """The batcher cannot take this item now: a 503 telling the client when to retry."""

    def __init__(self, description: str | None = None, retry_after: int = 1) -> None:
        super().__init__(description)
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        return [("Retry-After", str(self.retry_after))]


class QueueFull(Overloaded):
    """The batcher's queue holds ``max_queue`` items already (503, ``Retry-After``)."""

    description = "The model's queue is full; retry shortly."


class BatchTimeout(Overloaded):
    """The item waited ``timeout_ms`` without an answer (503, ``Retry-After``)."""

    description = "The model did not answer in time; retry shortly."


class BatcherClosed(Overloaded):
    """The batcher is shutting down and takes no more items (503, ``Retry-After``)."""

    description = "The model is shutting down."


class BatchSizeMismatch(RuntimeError):
    """The batch function returned a different number of results than it was given inputs."""


class BatchObserver(Protocol):
    """Receives a batcher's events (the metrics module implements it)."""

    def on_batch(self, batcher: Batcher[Any, Any], size: int, waits: list[float]) -> None:
        """A batch of ``size`` items starts; ``waits`` are their seconds in the queue."""

    def on_queue(self, batcher: Batcher[Any, Any], length: int) -> None:
        """The queue now holds ``length`` items."""

    def on_reject(self, batcher: Batcher[Any, Any]) -> None:
        """An item was refused because the queue was full."""


class _Item:
    """One caller's input and, later, its answer."""

    __slots__ = ("cancelled", "enqueued", "error", "future", "lock", "result", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.enqueued = time.monotonic()
        self.cancelled = False
        self.result: Any = None
        self.error: BaseException | None = None
        #: A sync caller waits on this lock (held until the answer is in).
        self.lock: threading.Lock | None = None
        #: An async caller awaits this future of its own loop.
        self.future: asyncio.Future[Any] | None = None


_live: weakref.WeakSet[Batcher[Any, Any]] = weakref.WeakSet()
#: Observers given to every batcher, including those made later (``metrics.install``);
#: held weakly, so an app that goes away takes its metrics with it.
_global_observers: weakref.WeakSet[BatchObserver] = weakref.WeakSet()


def observe_all(observer: BatchObserver) -> None:
    """Send every batcher's events, now and in future, to ``observer``."""
    _global_observers.add(observer)
    for batcher in list(_live):
        batcher.add_observer(observer)


def _reset_after_fork() -> None:
    for batcher in list(_live):
        batcher._reset()


os.register_at_fork(after_in_child=_reset_after_fork)


class Batcher(Generic[In, Out]):
    """A callable over one input that runs ``func`` over batches of concurrent inputs.

    ``batcher(x)`` blocks and returns the answer when called from a thread, and returns
    an awaitable when called on a running event loop (``await batcher(x)`` in an
    ``async def`` view). ``batcher.call(x)`` and ``await batcher.acall(x)`` say which
    explicitly (and are typed precisely).
    """

    def __init__(
        self,
        func: BatchFunction[In, Out],
        *,
        max_batch_size: int = 32,
        max_wait_ms: float = 5.0,
        max_queue: int = 1024,
        timeout_ms: float | None = 60_000.0,
        workers: int = 1,
        retry_after: int = 1,
        name: str | None = None,
        caller_runs: bool = True,
    ) -> None:
        if max_batch_size < 1 or max_queue < 1 or workers < 1:
            raise ValueError("max_batch_size, max_queue and workers must be at least 1.")
        if max_wait_ms < 0 or (timeout_ms is not None and timeout_ms <= 0):
            raise ValueError("max_wait_ms must be >= 0 and timeout_ms > 0 (or None).")
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000
        self.max_queue = max_queue
        self.timeout = None if timeout_ms is None else timeout_ms / 1000
        self.workers = workers
        self.retry_after = retry_after
        #: A thread that finds the model idle and nothing queued runs its item itself
        #: (no hand-off to the worker); never for async callers or async batch functions.
        self.caller_runs = caller_runs and not self.is_async
        self.name = name or getattr(func, "__qualname__", None) or repr(func)
        self.__doc__ = getattr(func, "__doc__", None)
        self.__wrapped__ = func
        self.closed = False
        self._observers: weakref.WeakSet[BatchObserver] = weakref.WeakSet(_global_observers)
        self._reset()
        _live.add(self)

    def _reset(self) -> None:
        """Fresh queue, lock and (lazily started) workers: at creation and in a forked child."""
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[_Item] = deque()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # workers waiting on the condition
        self._busy = 0  # batches running now, on workers or in callers (at most ``workers``)
        self._wake_at = 1  # queue length at which an enqueue wakes a waiting worker
        #: Callers the last batch answered, expected back soon (see ``_take``).
        self._expected = 0
        #: Items queued when the last batch ended (they arrived while it ran).
        self._backlog = 0
        #: The last wait for them ended short: the next batch does not wait.
        self._missed = False

    def add_observer(self, observer: BatchObserver) -> None:
        self._observers.add(observer)

    @property
    def queue_length(self) -> int:
        return len(self._queue)

    # -- callers ---------------------------------------------------------------
    def __call__(self, item: In) -> Any:
        """The answer for ``item`` (from a thread), or an awaitable of it (on an event loop)."""
        if _get_running_loop() is not None:
            return self.acall(item)
        return self.call(item)

    def call(self, item: In) -> Out:
        """Queue ``item`` and block this thread until its batch has run."""
        if _get_running_loop() is not None:
            raise RuntimeError(
                f"{self.name}.call() would block the event loop; use 'await {self.name}(x)' "
                "or 'await .acall(x)' in async code."
            )
        entry = _Item(item)
        if self.caller_runs and self._run_here(entry):
            if entry.error is not None:
                raise entry.error
            return entry.result  # type: ignore[no-any-return]
        entry.lock = lock = threading.Lock()
        lock.acquire()
        self._submit(entry)
        if not lock.acquire(timeout=-1 if self.timeout is None else self.timeout):
            entry.cancelled = True
            raise BatchTimeout(retry_after=self.retry_after)
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[no-any-return]

    async def acall(self, item: In) -> Out:
        """Queue ``item`` and await its batch; cancelling the task drops the item."""
        loop = asyncio.get_running_loop()
        entry = _Item(item)
        entry.future = future = loop.create_future()
        self._submit(entry)
        timer = None
        if self.timeout is not None:
            timer = loop.call_later(self.timeout, _expire, future, self.retry_after)
        try:
            return await future  # type: ignore[no-any-return]
        except BaseException:  # timed out, cancelled (the client left) or failed
            entry.cancelled = True
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _submit(self, entry: _Item) -> None:
        cond = self._cond
        with cond:
            if self.closed:
                raise BatcherClosed(retry_after=self.retry_after)
            queue = self._queue
            if len(queue) >= self.max_queue:
                rejected = True
            else:
                rejected = False
                queue.append(entry)
                if not self._threads:
                    self._start_workers()
                elif self._idle and len(queue) >= self._wake_at:
                    cond.notify()
            length = len(queue)
        if self._observers:
            for observer in self._observers:
                if rejected:
                    observer.on_reject(self)
                else:
                    observer.on_queue(self, length)
        if rejected:
            raise QueueFull(retry_after=self.retry_after)

    def _run_here(self, entry: _Item) -> bool:
        """Run ``entry`` alone in this thread if the load is low: the model is idle, nothing
        is queued and the last batch held at most one item (so the worker would not wait).

        A lone caller then costs what calling the model costs: no hand-off to the worker
        and back. Arrivals meanwhile queue as while any batch runs, and the worker takes
        them when this run ends. Under load the worker keeps gathering as before.
        """
        cond = self._cond
        with cond:
            if self._queue or self._busy >= self.workers or self._expected > 1 or self.closed:
                return False
            self._busy += 1
        try:
            if self._observers:
                for observer in self._observers:
                    observer.on_batch(self, 1, [0.0])
            self._run([entry], None)
        finally:
            with cond:
                self._busy -= 1
                self._expected = 1
                self._backlog = len(self._queue)
                if self._queue:
                    if not self._threads:
                        self._start_workers()
                    cond.notify_all()
        return True

    def _start_workers(self) -> None:
        """Start the worker threads of this process (called under the lock, on first use)."""
        for index in range(self.workers):
            thread = threading.Thread(
                target=self._work, name=f"kettle-batch-{self.name}-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    # -- the worker ------------------------------------------------------------
    def _work(self) -> None:
        runner = asyncio.Runner() if self.is_async else None
        try:
            while True:
                batch = self._take()
                if batch is None:
                    return
                try:
                    self._run(batch, runner)
                finally:
                    if batch:
                        with self._cond:
                            self._busy -= 1
                            self._backlog = len(self._queue)
        finally:
            if runner is not None:
                runner.close()

    def _take(self) -> list[_Item] | None:
        """Wait for work and return the next batch (``None``: closed and drained).

        The callers the last batch answered will probably be back soon (a closed loop of
        clients, or steady traffic), so the worker expects them: it waits until the queue
        holds what was queued when the last batch ended plus that many, but at most
        ``max_wait`` past the moment it became free (or the oldest item arrived, if
        later). After a wait that ended short of its target the next batch does not wait
        at all, so traffic that does not come back pays ``max_wait`` at most every other
        batch, and a lone caller at low load never.
        """
        cond = self._cond
        queue = self._queue
        free_since = time.monotonic()
        with cond:
            while self._busy >= self.workers and not self.closed:  # a caller runs a batch
                cond.wait()  # not counted idle: the caller's run notifies when it ends
                free_since = time.monotonic()
            skip_wait = self._missed or self.max_wait == 0
            self._missed = False
            target = min(self.max_batch_size, self._expected + self._backlog)
            while True:
                _drop_gone(queue)
                if queue and self._busy >= self.workers:
                    cond.wait()  # a caller runs a batch; it notifies when it ends
                    free_since = time.monotonic()
                elif queue:
                    if len(queue) >= target or self.closed or skip_wait:
                        break
                    deadline = max(free_since, queue[0].enqueued) + self.max_wait
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._missed = True
                        break
                    self._wait(target, remaining)
                elif self.closed:
                    return None
                else:
                    self._wait(1, None)
            batch: list[_Item] = []
            while queue and len(batch) < self.max_batch_size:
                entry = queue.popleft()
                if not entry.cancelled:
                    batch.append(entry)
            length = len(queue)
            if batch:
                self._expected = len(batch)
                self._busy += 1
        if self._observers and batch:
            now = time.monotonic()
            waits = [now - entry.enqueued for entry in batch]
            for observer in self._observers:
                observer.on_batch(self, len(batch), waits)
                observer.on_queue(self, length)
        return batch

    def _wait(self, wake_at: int, timeout: float | None) -> None:
        self._idle += 1
        self._wake_at = wake_at
        try:
            self._cond.wait(timeout)
        finally:
            self._idle -= 1

    def _run(self, batch: list[_Item], runner: asyncio.Runner | None) -> None:
        if not batch:
            return
        inputs = [entry.value for entry in batch]
        try:
            outputs: Any = self.func(inputs)
            if runner is not None:
                outputs = runner.run(outputs)
            if not hasattr(outputs, "__len__") or not hasattr(outputs, "__getitem__"):
                raise BatchSizeMismatch(
                    f"The batch function {self.name} returned {type(outputs).__name__}; it "
                    "must return a sequence (a list, a tuple, an array) of one result per input."
                )
            if len(outputs) != len(inputs):
                raise BatchSizeMismatch(
                    f"The batch function {self.name} returned {len(outputs)} results for "
                    f"{len(inputs)} inputs; it must return one result per input, in order."
                )
        except Exception as exc:
            for entry in batch:
                entry.error = exc
        else:
            for entry, output in zip(batch, outputs, strict=True):
                entry.result = output
        _deliver(batch)

    # -- shutdown --------------------------------------------------------------
    def close(self, drain: bool = True, timeout: float | None = 30.0) -> None:
        """Refuse new items; finish the queued ones (``drain``) or fail them with
        ``BatcherClosed``; wait up to ``timeout`` seconds for the workers to end."""
        with self._cond:
            self.closed = True
            dropped: list[_Item] = []
            if not drain:
                dropped = [entry for entry in self._queue if not entry.cancelled]
                self._queue.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        for entry in dropped:
            entry.error = BatcherClosed(retry_after=self.retry_after)
        _deliver(dropped)
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def __repr__(self) -> str:
        return f"<Batcher {self.name} max_batch_size={self.max_batch_size}>"


def _drop_gone(queue: deque[_Item]) -> None:
    """Drop items at the head whose caller has gone, so they don't count towards a batch."""
    while queue and queue[0].cancelled:
        queue.popleft()


def _expire(future: asyncio.Future[Any], retry_after: int) -> None:
    if not future.done():
        future.set_exception(BatchTimeout(retry_after=retry_after))


def _deliver(batch: list[_Item]) -> None:
    """Wake each caller: release a thread's lock; settle futures once per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Item]] = {}
    for entry in batch:
        if entry.lock is not None:
            entry.lock.release()
        elif entry.future is not None:
            by_loop.setdefault(entry.future.get_loop(), []).append(entry)
    for loop, entries in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, entries)


def _settle(entries: list[_Item]) -> None:
    for entry in entries:
        future = entry.future
        assert future is not None
        if future.done():  # cancelled or timed out meanwhile
            continue
        if entry.error is not None:
            future.set_exception(entry.error)
        else:
            future.set_result(entry.result)


@overload
def batched(
    func: BatchFunction[In, Out],
    *,
    max_batch_size: int = ...,
    max_wait_ms: float = ...,
    max_queue: int = ...,
    timeout_ms: float | None = ...,
    workers: int = ...,
    retry_after: int = ...,
    name: str | None = ...,
    caller_runs: bool = ...,
) -> Batcher[In, Out]: ...


@overload
def batched(
    func: None = None,
    *,
    max_batch_size: int = ...,
    max_wait_ms: float = ...,
    max_queue: int = ...,
    timeout_ms: float | None = ...,
    workers: int = ...,
    retry_after: int = ...,
    name: str | None = ...,
    caller_runs: bool = ...,
) -> Callable[[BatchFunction[In, Out]], Batcher[In, Out]]: ...


def batched(
    func: BatchFunction[In, Out] | None = None,
    *,
    max_batch_size: int = 32,
    max_wait_ms: float = 5.0,
    max_queue: int = 1024,
    timeout_ms: float | None = 60_000.0,
    workers: int = 1,
    retry_after: int = 1,
    name: str | None = None,
    caller_runs: bool = True,
) -> Any:
    """Decorate ``f(list[In]) -> list[Out]`` (sync or async) into a ``Batcher[In, Out]``.

    Use as ``@batched`` or ``@batched(max_batch_size=64, ...)``. One batcher (and its
    worker threads) exists per process: under a multi-worker server each worker process
    batches its own requests.
    """

    def wrap(f: BatchFunction[In, Out]) -> Batcher[In, Out]:
        return Batcher(
            f, max_batch_size=max_batch_size, max_wait_ms=max_wait_ms, max_queue=max_queue,
            timeout_ms=timeout_ms, workers=workers, retry_after=retry_after, name=name,
            caller_runs=caller_runs,
        )

    return wrap if func is None else wrap(func)
