"""The worker threads of sync views under ASGI (``app.sync_handoff``): shut down and used again."""

from __future__ import annotations

import asyncio

from kettle import Kettle


def test_a_job_handed_over_right_after_a_shutdown_is_run() -> None:
    # The workers of the shutdown are still idle, waiting for their ``None``, when the next
    # job arrives: it must start a worker of its own, not queue behind the ``None``s (the
    # test client's lifespan shutdown at interpreter exit once waited here for ever).
    handoff = Kettle(__name__).sync_handoff

    async def scenario() -> list[int]:
        answers = []
        for round_ in range(50):
            answers.append(await handoff.run(lambda r=round_: r))
            handoff.shutdown()
            answers.append(await asyncio.wait_for(handoff.run(lambda r=round_: -r), 5))
        return answers

    answers = asyncio.run(scenario())
    assert answers == [value for r in range(50) for value in (r, -r)]


def test_after_a_shutdown_the_pool_still_holds_at_most_its_size() -> None:
    app = Kettle(__name__)
    app.config["SYNC_THREADS"] = 2
    handoff = app.sync_handoff
    seen: set[str] = set()

    def where() -> str:
        import threading
        import time

        time.sleep(0.01)
        return threading.current_thread().name

    async def scenario() -> None:
        for _ in range(3):
            seen.update(await asyncio.gather(*(handoff.run(where) for _ in range(6))))
            handoff.shutdown()

    asyncio.run(scenario())
    assert seen and all(name.startswith("kettle-sync-") for name in seen)
    assert {name.rsplit("-", 1)[1] for name in seen} <= {"1", "2"}
