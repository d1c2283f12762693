"""examples/predict_torch: the torch MLP service (skipped where torch is not installed)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("prometheus_client")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "predict_torch"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from apps.live_server import free_port, serve_command, server_configs  # noqa: E402
from mlp_model import classify, train_mlp  # noqa: E402
from mlp_service import create_app  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

DIGITS = load_digits()


@pytest.fixture(scope="module")
def expected() -> list[int]:
    return [int(label) for label in classify(train_mlp(), DIGITS.data)]


@pytest.fixture(scope="module", params=["wsgi", "asgi"])
def client(request: pytest.FixtureRequest) -> Iterator:
    """One app (one training) per door, shared by the module's tests."""
    app = create_app({"TESTING": True})
    client = app.test_client(asgi=request.param == "asgi")
    client.get("/healthz")
    yield client
    client.close()


def test_rows_are_classified_as_the_local_model_does(client, expected):
    assert client.post("/predict", json={"row": DIGITS.data[5].tolist()}).get_json() == {
        "label": expected[5]
    }
    many = client.post("/predict", json={"rows": DIGITS.data[:100].tolist()}).get_json()
    assert many == {"labels": expected[:100]}
    assert sum(a == b for a, b in zip(expected, DIGITS.target, strict=True)) > 0.9 * len(expected)


def test_concurrent_callers(client, expected):
    def ask(index: int) -> tuple[int, int]:
        return index, client.post("/predict", json={"row": DIGITS.data[index].tolist()}).json[
            "label"
        ]

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(ask, range(200))) == [(i, expected[i]) for i in range(200)]


def test_bad_rows_are_422(client):
    assert client.post("/predict", json={"rows": [[0] * 63]}).status_code == 422


@pytest.mark.server
def test_over_a_real_socket_under_uvicorn(tmp_path, expected):
    port = free_port()
    config = server_configs(EXAMPLE, module="mlp_service")["uvicorn"]
    with serve_command(
        "uvicorn", config.command(port), port=port, cwd=EXAMPLE, log=tmp_path / "uvicorn.log",
        timeout=60.0,  # importing torch and training the model at start-up: ~10 s, more under load
    ) as server:
        http = server.client()
        assert http.get("/readyz").status_code == 200

        def ask(index: int) -> tuple[int, int]:
            response = http.post("/predict", json={"row": DIGITS.data[index].tolist()})
            return index, response.json["label"]

        with ThreadPoolExecutor(16) as pool:
            assert list(pool.map(ask, range(200))) == [(i, expected[i]) for i in range(200)]
        assert 'kettle_batch_size_count{batcher="mlp"}' in http.get("/metrics").text
