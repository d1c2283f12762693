"""Prometheus multiprocess mode under gunicorn: /metrics adds up every worker's counts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from apps.live_server import HTTPClient, serve_gunicorn

pytest.importorskip("prometheus_client")

APP = '''
import os
import time
from kettle import Kettle
from kettle.ml import batched
from kettle.ml import metrics

app = Kettle(__name__)
metrics.install(app)

@batched(name="double")
def double(items):
    return [2 * n for n in items]

@app.get("/double/<int:n>")
def view(n):
    time.sleep(0.05)  # a sync worker is busy meanwhile: the other worker accepts
    return {"pid": os.getpid(), "double": double(n)}
'''


@pytest.mark.server
def test_two_gunicorn_workers_report_one_total(tmp_path: Path):
    (tmp_path / "multi_app.py").write_text(APP)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    with serve_gunicorn(
        "multi_app:app", chdir=tmp_path, log=tmp_path / "gunicorn.log",
        args=["--workers", "2"],
        env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    ) as base_url:
        http = HTTPClient(base_url)

        def ask(n: int) -> int:
            body = http.get(f"/double/{n}").json
            assert body["double"] == 2 * n
            return int(body["pid"])

        with ThreadPoolExecutor(8) as pool:
            pids = set(pool.map(ask, range(40)))
        text = http.get("/metrics").text
    assert len(pids) == 2, "gunicorn gave every request to one worker"
    route = 'kettle_requests_total{method="GET",route="/double/<int:n>",status="200"} 40.0'
    assert route in text
    assert 'kettle_batch_size_count{batcher="double"} 40.0' in text
