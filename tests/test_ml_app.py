"""``kettle.ml`` inside an app, through both doors: batched views, 503s, health and metrics."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kettle import Kettle, request
from kettle.ml import add_health_routes, batched, model
from kettle.ml import metrics as ml_metrics

WAIT = 10.0


class Gate:
    """A batch function (squares) that a test can hold open."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.open = threading.Event()
        self.open.set()
        self.started = threading.Semaphore(0)

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        self.started.release()
        assert self.open.wait(WAIT)
        return [n * n for n in items]


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def square(app: Kettle, gate: Gate):
    square = batched(max_batch_size=16, max_wait_ms=0, max_queue=4)(gate)
    app.on_shutdown(square.close)

    @app.get("/sync/<int:n>")
    def sync_view(n: int) -> dict[str, int]:
        return {"n": n, "square": square(n)}

    @app.get("/async/<int:n>")
    async def async_view(n: int) -> dict[str, int]:
        return {"n": n, "square": await square(n)}

    yield square
    square.close(drain=False)


def wait_queued(batcher, length: int) -> None:
    import time

    deadline = time.monotonic() + WAIT
    while batcher.queue_length < length:
        assert time.monotonic() < deadline
        time.sleep(0.001)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_concurrent_requests_each_get_their_own_answer(app, client, square, gate, kind):
    def fetch(n: int) -> tuple[int, dict]:
        response = client.get(f"/{kind}/{n}")
        assert response.status_code == 200
        return n, response.get_json()

    square.max_queue = 1024
    client.get("/sync/0")  # the app starts up before the concurrent requests
    gate.batches.clear()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(fetch, range(200)))
    assert answers == [(n, {"n": n, "square": n * n}) for n in range(200)]
    assert sum(len(batch) for batch in gate.batches) == 200


def test_rows_from_both_kinds_of_view_share_a_batch(app, client, square, gate):
    client.get("/sync/0")
    gate.batches.clear()
    gate.started.acquire()
    gate.open.clear()
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(client.get, "/sync/1")
        assert gate.started.acquire(timeout=WAIT)
        rest = [pool.submit(client.get, f"/{kind}/{n}") for kind, n in
                [("sync", 2), ("async", 3), ("sync", 4), ("async", 5)]]
        wait_queued(square, 4)
        gate.open.set()
        bodies = [f.result(WAIT).get_json() for f in [first, *rest]]
    assert [b["square"] for b in bodies] == [1, 4, 9, 16, 25]
    assert sorted(gate.batches[1]) == [2, 3, 4, 5]


def test_a_full_queue_answers_503_with_retry_after(app, client, square, gate):
    gate.open.clear()
    with ThreadPoolExecutor(8) as pool:
        running = pool.submit(client.get, "/sync/1")
        assert gate.started.acquire(timeout=WAIT)
        queued = [pool.submit(client.get, f"/sync/{n}") for n in range(2, 6)]
        wait_queued(square, 4)
        refused = client.get("/async/9")
        refused_sync = client.get("/sync/9")
        gate.open.set()
        assert all(f.result(WAIT).status_code == 200 for f in [running, *queued])
    for response in (refused, refused_sync):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert "queue is full" in response.text


def test_the_app_can_catch_queue_full(app, client, gate):
    from kettle.ml import QueueFull

    tiny = batched(max_queue=1, max_wait_ms=0)(gate)

    @app.errorhandler(QueueFull)
    def busy(exc: QueueFull):
        return {"error": "busy", "retry_after": exc.retry_after}, 429

    @app.get("/tiny/<int:n>")
    def tiny_view(n: int):
        return {"square": tiny(n)}

    gate.open.clear()
    with ThreadPoolExecutor(4) as pool:
        running = pool.submit(client.get, "/tiny/1")
        assert gate.started.acquire(timeout=WAIT)
        queued = pool.submit(client.get, "/tiny/2")
        wait_queued(tiny, 1)
        response = client.get("/tiny/3")
        gate.open.set()
        assert running.result(WAIT).get_json() == {"square": 1}
        assert queued.result(WAIT).get_json() == {"square": 4}
    tiny.close()
    assert response.status_code == 429
    assert response.get_json() == {"error": "busy", "retry_after": 1}


def test_a_timeout_answers_503(app, client, gate):
    slow = batched(timeout_ms=100)(gate)

    @app.get("/slow/<int:n>")
    async def slow_view(n: int):
        return {"square": await slow(n)}

    gate.open.clear()
    response = client.get("/slow/3")
    gate.open.set()
    slow.close()
    assert response.status_code == 503
    assert "did not answer in time" in response.text


def test_a_failing_batch_is_a_500_for_each_caller(app, client):
    app.config["TESTING"] = False  # answer errors as in production

    @batched
    def broken(items: list[int]) -> list[int]:
        raise RuntimeError("model exploded")

    @app.get("/broken/<int:n>")
    def broken_view(n: int):
        return {"square": broken(n)}

    response = client.get("/broken/2")
    broken.close()
    assert response.status_code == 500
    assert "model exploded" not in response.text  # no leaked details


# -- lifecycle and health ----------------------------------------------------------------


def test_healthz_and_readyz_after_start_up(app, client):
    forest = model(app, "forest", lambda: {"trees": 100})
    add_health_routes(app)

    @app.get("/trees")
    def trees():
        return {"trees": forest.get()["trees"]}

    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "models": {"forest": "ready"}}
    assert client.get("/trees").get_json() == {"trees": 100}


def test_readyz_is_503_until_a_background_model_has_loaded(app, client):
    loaded = threading.Event()

    def slow_loader() -> str:
        assert loaded.wait(WAIT)
        return "weights"

    weights = model(app, "big", slow_loader, background=True)
    add_health_routes(app)

    @app.get("/use")
    def use():
        return weights.get()

    assert client.get("/healthz").status_code == 200  # alive while loading
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.get_json() == {"status": "not ready", "models": {"big": "loading"}}
    unavailable = client.get("/use")
    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"] == "1"
    loaded.set()
    for _ in range(1000):
        if weights.ready:
            break
        threading.Event().wait(0.01)
    assert client.get("/readyz").status_code == 200
    assert client.get("/use").text == "weights"


def test_a_model_that_fails_to_load_fails_readiness_and_is_logged(app, client, caplog):
    def broken_loader() -> None:
        raise FileNotFoundError("/models/forest.pkl")

    model(app, "forest", broken_loader)
    add_health_routes(app)
    with caplog.at_level(logging.ERROR):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "models": {"forest": "failed"}}
    assert "/models/forest.pkl" not in response.text  # the reason is logged, not answered
    assert "model 'forest' failed to load" in caplog.text
    assert "/models/forest.pkl" in caplog.text
    assert client.get("/healthz").status_code == 200


def test_models_are_freed_at_shutdown_and_readiness_ends(app):
    freed: list[str] = []
    model(app, "forest", lambda: "trees", unload=freed.append)
    add_health_routes(app)
    client = app.test_client(asgi=True)
    assert client.get("/readyz").status_code == 200
    client.close()  # lifespan shutdown
    assert freed == ["trees"]
    registry = app.extensions["kettle.ml"]
    assert registry.by_name["forest"].state == "unloaded"
    assert not registry.ready


def test_a_model_name_is_registered_once(app):
    model(app, "forest", lambda: 1)
    with pytest.raises(ValueError, match="already has a model named 'forest'"):
        model(app, "forest", lambda: 2)


# -- metrics -------------------------------------------------------------------------------


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_count_requests_by_route_method_and_status(app, client):
    ml_metrics.install(app)

    @app.route("/items/<int:n>", methods=["GET", "POST"])
    def item(n: int):
        if n == 0:
            return "no", 400
        return f"item {n} {request.method}"

    for path in ("/items/1", "/items/2", "/items/0", "/nowhere"):
        client.get(path)
    client.post("/items/3")
    samples = scrape(client)
    route = "/items/<int:n>"
    key = "kettle_requests_total"
    assert samples[(key, (("method", "GET"), ("route", route), ("status", "200")))] == 2
    assert samples[(key, (("method", "GET"), ("route", route), ("status", "400")))] == 1
    assert samples[(key, (("method", "POST"), ("route", route), ("status", "200")))] == 1
    assert samples[(key, (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] == 1
    latency = "kettle_request_duration_seconds_count"
    assert samples[(latency, (("method", "GET"), ("route", route)))] == 3
    # the scrape itself is in flight while it is answered
    assert samples[("kettle_requests_in_progress", ())] == 1
    assert scrape(client)[("kettle_requests_in_progress", ())] == 1


def test_metrics_follow_each_batcher(app, client, gate):
    ml_metrics.install(app)
    square = batched(max_batch_size=8, max_wait_ms=0, max_queue=2, name="square")(gate)

    @app.get("/sq/<int:n>")
    def sq(n: int):
        return {"square": square(n)}

    gate.open.clear()
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(client.get, "/sq/1")
        assert gate.started.acquire(timeout=WAIT)
        queued = [pool.submit(client.get, f"/sq/{n}") for n in (2, 3)]
        wait_queued(square, 2)
        during = scrape(client)
        refused = client.get("/sq/4")
        gate.open.set()
        assert [f.result(WAIT).get_json()["square"] for f in [first, *queued]] == [1, 4, 9]
    square.close()
    assert refused.status_code == 503
    label = (("batcher", "square"),)
    assert during[("kettle_batch_queue_length", label)] == 2
    samples = scrape(client)
    assert samples[("kettle_batch_size_count", label)] == 2  # batches [1] and [2, 3]
    assert samples[("kettle_batch_size_sum", label)] == 3
    assert samples[("kettle_batch_size_bucket", (("batcher", "square"), ("le", "1.0")))] == 1
    assert samples[("kettle_batch_queue_wait_seconds_count", label)] == 3
    assert samples[("kettle_batch_rejected_total", label)] == 1
    assert samples[("kettle_batch_queue_length", label)] == 0
    status_503 = (("method", "GET"), ("route", "/sq/<int:n>"), ("status", "503"))
    assert samples[("kettle_requests_total", status_503)] == 1


def test_apps_without_metrics_have_no_metrics_route(app, client):
    @app.get("/")
    def index():
        return "hi"

    assert client.get("/metrics").status_code == 404


def test_hooks_marked_inline_run_on_the_event_loop_under_asgi(app):
    """The metrics hooks are marked ``kettle_inline``: the ASGI door calls such a sync hook
    on the loop instead of hopping to the thread pool; unmarked hooks still hop."""
    on_loop: dict[str, bool] = {}

    def marked() -> None:
        on_loop["marked"] = asyncio._get_running_loop() is not None

    def unmarked() -> None:
        on_loop["unmarked"] = asyncio._get_running_loop() is not None

    marked.kettle_inline = True  # type: ignore[attr-defined]
    app.before_request(marked)
    app.before_request(unmarked)

    @app.get("/")
    def index():
        return "ok"

    client = app.test_client(asgi=True)
    assert client.get("/").text == "ok"
    client.close()
    assert on_loop == {"marked": True, "unmarked": False}
