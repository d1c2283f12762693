"""``kettle.ml.batched`` on its own: gathering, release policy, errors, timeouts, shut-down.

Gathering is proven by event ordering (a batch held open by an ``Event`` while others
queue), not by timing; the few timing checks have bounds a loaded machine meets.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kettle.ml import (
    Batcher,
    BatcherClosed,
    BatchSizeMismatch,
    BatchTimeout,
    QueueFull,
    batched,
)

WAIT = 10.0  # seconds a test waits for something that should happen at once


class Recorder:
    """A batch function that records each batch and can be held open by a test."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Semaphore(0)
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.started.release()
        assert self.gate.wait(WAIT)
        return [item * 10 for item in items]

    def hold(self) -> None:
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def wait_started(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.started.acquire(timeout=WAIT), "the batch did not start"


def wait_for_queue(batcher: Batcher, length: int) -> None:
    deadline = time.monotonic() + WAIT
    while batcher.queue_length < length:
        assert time.monotonic() < deadline, f"queue stuck at {batcher.queue_length}"
        time.sleep(0.001)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_each_thread_gets_its_own_answer(recorder):
    predict = batched(max_batch_size=16)(recorder)

    def client(worker: int) -> list[tuple[int, int]]:
        return [(n, predict(n)) for n in range(worker * 1000, worker * 1000 + 50)]

    with ThreadPoolExecutor(24) as pool:
        answers = [pair for chunk in pool.map(client, range(24)) for pair in chunk]
    predict.close()
    assert len(answers) == 24 * 50
    assert all(result == n * 10 for n, result in answers)
    assert max(len(batch) for batch in recorder.batches) <= 16
    assert sum(len(batch) for batch in recorder.batches) == 24 * 50


def test_each_task_gets_its_own_answer(recorder):
    predict = batched(max_batch_size=8)(recorder)

    async def client(worker: int) -> list[tuple[int, int]]:
        return [(n, await predict(n)) for n in range(worker * 1000, worker * 1000 + 30)]

    async def main() -> list[tuple[int, int]]:
        chunks = await asyncio.gather(*(client(w) for w in range(40)))
        return [pair for chunk in chunks for pair in chunk]

    answers = asyncio.run(main())
    predict.close()
    assert len(answers) == 40 * 30
    assert all(result == n * 10 for n, result in answers)
    # 40 tasks against one worker: batches must have formed
    assert max(len(batch) for batch in recorder.batches) > 1
    assert max(len(batch) for batch in recorder.batches) <= 8


def test_threads_and_tasks_share_one_batcher(recorder):
    predict = batched(max_batch_size=32)(recorder)
    recorder.hold()
    first = threading.Thread(target=predict, args=(0,))
    first.start()
    recorder.wait_started()
    results: dict[int, int] = {}

    def thread_call(n: int) -> None:
        results[n] = predict(n)

    async def tasks() -> None:
        async def one(n: int) -> None:
            results[n] = await predict.acall(n)

        await asyncio.gather(*(one(n) for n in range(100, 105)))

    threads = [threading.Thread(target=thread_call, args=(n,)) for n in range(1, 6)]
    for thread in threads:
        thread.start()
    loop_thread = threading.Thread(target=asyncio.run, args=(tasks(),))
    loop_thread.start()
    wait_for_queue(predict, 10)
    recorder.release()
    for thread in [first, *threads, loop_thread]:
        thread.join(WAIT)
    predict.close()
    assert results == {n: n * 10 for n in [*range(1, 6), *range(100, 105)]}
    assert sorted(recorder.batches[1]) == [*range(1, 6), *range(100, 105)]


def test_arrivals_during_a_batch_form_the_next_batch(recorder):
    predict = batched(max_batch_size=32, max_wait_ms=0)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(predict, 0)
        recorder.wait_started()
        rest = [pool.submit(predict, n) for n in range(1, 8)]
        wait_for_queue(predict, 7)
        recorder.release()
        assert [f.result(WAIT) for f in [first, *rest]] == [n * 10 for n in range(8)]
    predict.close()
    assert recorder.batches[0] == [0]
    assert sorted(recorder.batches[1]) == list(range(1, 8))  # all seven, in one batch


def test_max_batch_size_splits_the_queue(recorder):
    predict = batched(max_batch_size=3, max_wait_ms=0)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(predict, 0)]
        recorder.wait_started()
        futures += [pool.submit(predict, n) for n in range(1, 8)]
        wait_for_queue(predict, 7)
        recorder.release()
        assert [f.result(WAIT) for f in futures] == [n * 10 for n in range(8)]
    predict.close()
    assert [len(batch) for batch in recorder.batches] == [1, 3, 3, 1]


def test_a_lone_call_never_waits_for_company(recorder):
    # A max_wait of a minute: any waiting at all would show as a hang.
    predict = batched(max_wait_ms=60_000)(recorder)
    start = time.monotonic()
    assert predict(4) == 40
    assert predict(5) == 50
    assert time.monotonic() - start < WAIT / 2
    predict.close()
    assert recorder.batches == [[4], [5]]


def test_callers_that_do_not_come_back_cost_at_most_max_wait(recorder):
    predict = batched(max_batch_size=32, max_wait_ms=300)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(predict, 0)
        recorder.wait_started()
        rest = [pool.submit(predict, n) for n in range(1, 6)]
        wait_for_queue(predict, 5)
        released = time.monotonic()
        recorder.release()
        assert first.result(WAIT) == 0
        # The worker expects the first caller back and waits for it, but only max_wait.
        assert [f.result(WAIT) for f in rest] == [10, 20, 30, 40, 50]
        waited = time.monotonic() - released
    assert 0.25 <= waited < 0.3 + WAIT / 2
    assert [sorted(batch) for batch in recorder.batches] == [[0], [1, 2, 3, 4, 5]]
    # After a wait that came up short the next batch does not wait: a minute-long
    # max_wait would show as a hang here.
    predict.max_wait = 60.0
    assert predict(99) == 990
    predict.close()


def test_a_returning_caller_joins_the_waiting_batch(recorder):
    """Clients in a closed loop: the caller the last batch answered comes straight back,
    and the queued items wait for it (max_wait is a minute: only its arrival ends the
    wait), so one batch holds them all instead of two half batches."""
    predict = batched(max_batch_size=32, max_wait_ms=60_000)(recorder)
    recorder.hold()

    def loop_client() -> list[int]:
        return [predict(0), predict(100)]

    with ThreadPoolExecutor(8) as pool:
        looping = pool.submit(loop_client)
        recorder.wait_started()
        rest = [pool.submit(predict, n) for n in (1, 2, 3)]
        wait_for_queue(predict, 3)
        recorder.release()
        assert looping.result(WAIT) == [0, 1000]
        assert [f.result(WAIT) for f in rest] == [10, 20, 30]
    predict.close()
    assert [sorted(batch) for batch in recorder.batches] == [[0], [1, 2, 3, 100]]


def test_a_lone_thread_runs_the_model_itself_and_others_queue_behind_it():
    threads: list[tuple[list[int], str]] = []
    gate = threading.Event()

    @batched(max_batch_size=8, max_wait_ms=0)
    def where(items: list[int]) -> list[int]:
        threads.append((items, threading.current_thread().name))
        if items == [1]:
            assert gate.wait(WAIT)
        return items

    def caller() -> int:
        return where(1)

    lone = threading.Thread(target=caller, name="lone-caller")
    lone.start()
    while not threads:
        time.sleep(0.001)
    with ThreadPoolExecutor(4) as pool:
        queued = [pool.submit(where, n) for n in (2, 3)]
        wait_for_queue(where, 2)
        gate.set()
        assert [f.result(WAIT) for f in queued] == [2, 3]
    lone.join(WAIT)
    where.close()
    assert threads[0] == ([1], "lone-caller")  # no hand-off at low load
    assert sorted(threads[1][0]) == [2, 3]
    assert threads[1][1].startswith("kettle-batch-")  # the queue went to the worker


def test_caller_runs_off_keeps_the_model_on_its_worker_thread():
    names: list[str] = []

    @batched(caller_runs=False)
    def where(items: list[int]) -> list[int]:
        names.append(threading.current_thread().name)
        return items

    assert where(1) == 1
    where.close()
    assert names[0].startswith("kettle-batch-")


def test_async_batch_function_runs_on_the_worker_loop():
    seen_threads: set[str] = set()

    @batched(max_batch_size=4)
    async def upper(words: list[str]) -> list[str]:
        await asyncio.sleep(0)
        seen_threads.add(threading.current_thread().name)
        return [w.upper() for w in words]

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(upper, ["a", "b", "c", "d"])) == ["A", "B", "C", "D"]
    upper.close()
    assert len(seen_threads) == 1
    assert next(iter(seen_threads)).startswith("kettle-batch-")


def test_an_exception_fails_every_caller_of_its_batch(recorder):
    calls: list[list[int]] = []

    @batched(max_batch_size=8, max_wait_ms=0)
    def fragile(items: list[int]) -> list[int]:
        calls.append(items)
        if 13 in items:
            raise ValueError("unlucky batch")
        recorder(items)
        return [n * 10 for n in items]

    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        blocker = pool.submit(fragile, 1)
        recorder.wait_started()
        doomed = [pool.submit(fragile, n) for n in (12, 13, 14)]
        wait_for_queue(fragile, 3)
        recorder.release()
        assert blocker.result(WAIT) == 10
        for future in doomed:
            with pytest.raises(ValueError, match="unlucky batch"):
                future.result(WAIT)
        # the batcher keeps serving after a failed batch
        assert pool.submit(fragile, 2).result(WAIT) == 20
    fragile.close()


def test_a_wrong_number_of_results_is_a_clear_error():
    @batched
    def short(items: list[int]) -> list[int]:
        return items[:-1]

    with pytest.raises(BatchSizeMismatch, match="returned 0 results for 1 inputs"):
        short(1)
    short.close()


def test_a_result_that_is_not_a_sequence_is_a_clear_error():
    @batched
    def lazy(items: list[int]):
        return (n for n in items)

    with pytest.raises(BatchSizeMismatch, match="returned generator; it must return a sequence"):
        lazy(1)
    lazy.close()


def test_a_timed_out_caller_is_dropped_before_the_model_runs(recorder):
    predict = batched(max_batch_size=8, max_wait_ms=0, timeout_ms=200)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(4) as pool:
        blocker = pool.submit(predict, 1)
        recorder.wait_started()
        with pytest.raises(BatchTimeout) as caught:
            predict(2)  # queued behind the held batch; gives up after 200 ms
        assert caught.value.code == 503
        assert ("Retry-After", "1") in caught.value.get_headers()
        recorder.release()
        assert blocker.result(WAIT) == 10  # it ran the model in its own thread: no timeout
        assert predict(3) == 30
    predict.close()
    assert recorder.batches == [[1], [3]]


def test_a_cancelled_task_is_dropped_before_the_model_runs(recorder):
    predict = batched(max_batch_size=8, max_wait_ms=0)(recorder)
    recorder.hold()

    async def main() -> int:
        blocker = asyncio.ensure_future(predict.acall(1))
        await asyncio.get_running_loop().run_in_executor(None, recorder.wait_started)
        gone = asyncio.ensure_future(predict.acall(2))
        kept = asyncio.ensure_future(predict.acall(3))
        while predict.queue_length < 2:
            await asyncio.sleep(0.001)
        gone.cancel()  # the client disconnected
        with pytest.raises(asyncio.CancelledError):
            await gone
        recorder.release()
        assert await blocker == 10
        return await kept

    assert asyncio.run(main()) == 30
    predict.close()
    assert recorder.batches == [[1], [3]]


def test_an_async_timeout_answers_503():
    gate = threading.Event()

    @batched(timeout_ms=100)
    def stuck(items: list[int]) -> list[int]:
        gate.wait(WAIT)
        return items

    async def main() -> None:
        with pytest.raises(BatchTimeout):
            await stuck(1)

    asyncio.run(main())
    gate.set()
    stuck.close()


def test_a_full_queue_refuses_with_queue_full(recorder):
    predict = batched(max_batch_size=2, max_wait_ms=0, max_queue=3, retry_after=7)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        blocker = pool.submit(predict, 0)
        recorder.wait_started()
        queued = [pool.submit(predict, n) for n in (1, 2, 3)]
        wait_for_queue(predict, 3)
        with pytest.raises(QueueFull) as caught:
            predict(4)
        assert caught.value.code == 503
        assert caught.value.get_headers() == [("Retry-After", "7")]
        recorder.release()
        assert [f.result(WAIT) for f in [blocker, *queued]] == [0, 10, 20, 30]
    assert predict(5) == 50  # room again
    predict.close()


def test_close_drains_pending_items(recorder):
    predict = batched(max_batch_size=2, max_wait_ms=0)(recorder)
    recorder.hold()
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(predict, 0)]
        recorder.wait_started()
        futures += [pool.submit(predict, n) for n in (1, 2, 3)]
        wait_for_queue(predict, 3)
        closer = pool.submit(predict.close)
        while not predict.closed:
            time.sleep(0.001)
        with pytest.raises(BatcherClosed):
            predict(9)
        recorder.release()
        closer.result(WAIT)
        assert [f.result(WAIT) for f in futures] == [0, 10, 20, 30]


def test_close_without_draining_fails_pending_items(recorder):
    predict = batched(max_batch_size=2, max_wait_ms=0)(recorder)
    recorder.hold()

    async def waiter() -> None:
        with pytest.raises(BatcherClosed):
            await predict(5)

    with ThreadPoolExecutor(8) as pool:
        running = pool.submit(predict, 0)
        recorder.wait_started()
        pending = [pool.submit(predict, n) for n in (1, 2)]
        async_pending = pool.submit(asyncio.run, waiter())
        wait_for_queue(predict, 3)
        closer = pool.submit(predict.close, drain=False)
        for future in pending:
            with pytest.raises(BatcherClosed):
                future.result(WAIT)
        async_pending.result(WAIT)
        recorder.release()
        assert running.result(WAIT) == 0  # the batch already running finishes
        closer.result(WAIT)
    assert recorder.batches == [[0]]


def test_call_refuses_to_block_an_event_loop(recorder):
    predict = batched(recorder)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="would block the event loop"):
            predict.call(1)
        assert await predict(2) == 20  # on a loop, calling gives an awaitable

    asyncio.run(main())
    predict.close()


def test_workers_run_batches_side_by_side():
    both_running = threading.Barrier(2, timeout=WAIT)

    @batched(max_batch_size=1, workers=2)
    def pair(items: list[int]) -> list[int]:
        both_running.wait()  # only passes if two batches run at once
        return items

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(pair, [1, 2])) == [1, 2]
    pair.close()


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        batched(max_batch_size=0)(lambda xs: xs)
    with pytest.raises(ValueError):
        batched(max_wait_ms=-1)(lambda xs: xs)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_worker(recorder):
    predict = batched(recorder)
    assert predict(1) == 10  # the parent's worker thread now exists
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no threads came along; the batcher must start its own
        try:
            os.write(write_end, str(predict(2)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 100)
    os.waitpid(pid, 0)
    os.close(read_end)
    assert answer == b"20"
    assert predict(3) == 30
    predict.close()
