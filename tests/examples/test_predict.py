"""examples/predict: the random-forest service, in-process through both doors and under gunicorn."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("prometheus_client")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "predict"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from apps.live_server import HTTPClient, serve_gunicorn  # noqa: E402
from forest_model import train_forest  # noqa: E402
from forest_service import create_app  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

DIGITS = load_digits()


@pytest.fixture(scope="module")
def expected() -> list[int]:
    """The labels the same (deterministic) forest gives locally, row by row."""
    return [int(label) for label in train_forest().predict(DIGITS.data)]


@pytest.fixture
def client(door: str) -> Iterator:
    app = create_app({"TESTING": True})
    client = app.test_client(asgi=door == "asgi")
    client.get("/healthz")  # start up (and train) before any concurrent request
    yield client
    client.close()


def test_one_row_and_many_rows(client, expected):
    one = client.post("/predict", json={"row": DIGITS.data[7].tolist()})
    assert one.status_code == 200
    assert one.get_json() == {"label": expected[7]}
    many = client.post("/predict", json={"rows": DIGITS.data[:20].tolist()})
    assert many.get_json() == {"labels": expected[:20]}


def test_concurrent_callers_get_their_own_rows_labels(client, expected):
    def ask(index: int) -> tuple[int, int]:
        response = client.post("/predict", json={"row": DIGITS.data[index].tolist()})
        return index, response.get_json()["label"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(300)))
    assert answers == [(i, expected[i]) for i in range(300)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"row": [1, 2, 3]}, "Row 0 must be a list of 64 finite numbers."),
        ({"rows": [[0] * 64, ["x"] * 64]}, "Row 1 must be a list of 64 finite numbers."),
        ({"rows": []}, "non-empty list"),
        ({"row": [0] * 64, "rows": []}, 'Send {"row"'),
        ([1, 2], 'Send {"row"'),
        ({"rows": [[0] * 64] * 257}, "At most 256 rows"),
        ({"row": [True] * 64}, "Row 0 must be"),
    ],
)
def test_bad_rows_are_a_422_that_says_why(client, body, message):
    response = client.post("/predict", json=body, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert message in response.get_json()["description"]


def test_not_json_is_a_4xx(client):
    assert client.post("/predict", data="row=1").status_code == 415
    bad = client.post("/predict", data="{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400


def test_health_and_metrics(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json() == {"status": "ready", "models": {"forest": "ready"}}
    client.post("/predict", json={"row": DIGITS.data[0].tolist()})
    text = client.get("/metrics").text
    assert 'kettle_batch_size_count{batcher="forest"} 1.0' in text
    assert 'kettle_requests_total{method="POST",route="/predict",status="200"} 1.0' in text


@pytest.fixture(scope="module")
def forest_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("forest-gunicorn")
    with serve_gunicorn(
        "forest_service:app", chdir=EXAMPLE, log=tmp / "gunicorn.log",
        args=["-k", "gthread", "--threads", "16"],
    ) as base_url:
        yield base_url


@pytest.mark.server
def test_over_a_real_socket_under_gunicorn(forest_server, expected):
    http = HTTPClient(forest_server)
    assert http.get("/readyz").status_code == 200

    def ask(index: int) -> tuple[int, int]:
        response = http.post("/predict", json={"row": DIGITS.data[index].tolist()})
        assert response.status_code == 200
        return index, response.json["label"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(200)))
    assert answers == [(i, expected[i]) for i in range(200)]
    batch_sizes = [
        line for line in http.get("/metrics").text.splitlines()
        if line.startswith('kettle_batch_size_count{batcher="forest"}')
    ]
    assert batch_sizes  # the batcher ran in the worker process
    assert http.post("/predict", json={"row": [1]}).status_code == 422
