"""Prometheus metrics at ``/metrics``: requests, latency, in-flight, and every batcher.

``kettle.ml.metrics.install(app)`` needs the optional ``prometheus-client``
(``pip install 'kettle[metrics]'``). It adds request hooks and a ``/metrics``
route to that app only: an app that does not install it pays nothing.

Under a pre-forking server (gunicorn) each worker process counts its own requests;
set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before the server starts and
``/metrics`` then adds up the files every worker writes there (prometheus-client's
multiprocess mode; docs/ml-serving.md shows the gunicorn hook that cleans up after a
dead worker).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..context import g, request
from ..response import Response
from . import batching

if TYPE_CHECKING:
    from ..app import Kettle
    from .batching import Batcher

#: Latency buckets (seconds): from a fast JSON answer to a slow batch.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
QUEUE_WAIT_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
)
#: A request no route matched is counted under this route label, so URLs never become labels.
UNMATCHED = "<unmatched>"
_START = "_kettle_metrics_start"
F = TypeVar("F", bound=Callable[..., Any])


def _inline(func: F) -> F:
    """Mark a hook that never blocks: the ASGI door calls it on the loop, without a thread hop."""
    func.kettle_inline = True  # type: ignore[attr-defined]
    return func


def _prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "kettle.ml.metrics needs prometheus-client: pip install 'kettle[metrics]'"
        ) from exc
    return prometheus_client


class Metrics:
    """The metric families of one app, and the observer that feeds the batcher ones."""

    def __init__(self, registry: Any, namespace: str = "kettle") -> None:
        prom = _prometheus()
        self.registry = registry
        self.requests = prom.Counter(
            "requests", "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"], namespace=namespace, registry=registry,
        )
        self.latency = prom.Histogram(
            "request_duration_seconds", "Time from the first hook to the response, by route.",
            ["route", "method"], namespace=namespace, registry=registry, buckets=LATENCY_BUCKETS,
        )
        self.in_flight = prom.Gauge(
            "requests_in_progress", "Requests being handled now.",
            namespace=namespace, registry=registry, multiprocess_mode="livesum",
        )
        self.batch_size = prom.Histogram(
            "batch_size", "Items per batch the model ran.", ["batcher"],
            namespace=namespace, registry=registry, buckets=BATCH_SIZE_BUCKETS,
        )
        self.queue_wait = prom.Histogram(
            "batch_queue_wait_seconds", "Time an item waited in the queue before its batch ran.",
            ["batcher"], namespace=namespace, registry=registry, buckets=QUEUE_WAIT_BUCKETS,
        )
        self.queue_length = prom.Gauge(
            "batch_queue_length", "Items waiting for a batch.", ["batcher"],
            namespace=namespace, registry=registry, multiprocess_mode="livesum",
        )
        self.rejected = prom.Counter(
            "batch_rejected", "Items refused because the queue was full.", ["batcher"],
            namespace=namespace, registry=registry,
        )

    # -- BatchObserver ---------------------------------------------------------
    def on_batch(self, batcher: Batcher[Any, Any], size: int, waits: list[float]) -> None:
        self.batch_size.labels(batcher.name).observe(size)
        wait = self.queue_wait.labels(batcher.name)
        for seconds in waits:
            wait.observe(seconds)

    def on_queue(self, batcher: Batcher[Any, Any], length: int) -> None:
        self.queue_length.labels(batcher.name).set(length)

    def on_reject(self, batcher: Batcher[Any, Any]) -> None:
        self.rejected.labels(batcher.name).inc()

    # -- request hooks ---------------------------------------------------------
    @_inline
    def before_request(self) -> None:
        setattr(g, _START, time.perf_counter())
        self.in_flight.inc()

    @_inline
    def after_request(self, response: Response) -> Response:
        start = getattr(g, _START, None)
        if start is not None:
            rule = request.url_rule
            route = rule.rule if rule is not None else UNMATCHED
            method = request.method
            self.latency.labels(route, method).observe(time.perf_counter() - start)
            self.requests.labels(route, method, str(response.status_code)).inc()
        return response

    @_inline
    def teardown_request(self, exc: BaseException | None) -> None:
        if getattr(g, _START, None) is not None:
            self.in_flight.dec()

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format: this process's registry, or every worker's files."""
        prom = _prometheus()
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = prom.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return prom.generate_latest(registry), prom.CONTENT_TYPE_LATEST


def install(
    app: Kettle, path: str = "/metrics", registry: Any = None, namespace: str = "kettle"
) -> Metrics:
    """Count ``app``'s requests and every batcher's batches; serve them at ``path``.

    ``registry`` defaults to a new ``CollectorRegistry`` of this app (pass
    ``prometheus_client.REGISTRY`` to share the process's default one).
    """
    prom = _prometheus()
    metrics = Metrics(registry if registry is not None else prom.CollectorRegistry(), namespace)
    app.extensions["kettle.metrics"] = metrics
    app.before_request(metrics.before_request)
    app.after_request(metrics.after_request)
    app.teardown_request(metrics.teardown_request)
    batching.observe_all(metrics)

    def metrics_view() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    app.add_url_rule(path, "kettle_metrics", metrics_view)
    return metrics
