"""The ML benchmark's apps answer correctly (each kettle mode through both doors, and the
naive Flask app), so benchmarks/ml can never report speed for a wrong answer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("sklearn")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "ml"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

ROWS = range(0, 1797, 97)


def load_app(module: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location(f"bench_ml_{module}", BENCH / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.fixture(scope="module")
def digits_and_labels() -> tuple[list[list[float]], list[int]]:
    from models import load
    from sklearn.datasets import load_digits

    data = load_digits().data
    _, predict = load("forest")
    return data.tolist(), predict(data)


@pytest.mark.parametrize("mode", ["unbatched", "batched", "batched_async"])
def test_kettle_bench_app_answers_each_row(monkeypatch, door, mode, digits_and_labels):
    rows, labels = digits_and_labels
    app = load_app("kettle_app", monkeypatch, BENCH_MODEL="forest", BENCH_MODE=mode).app
    client = app.test_client(asgi=door == "asgi")
    try:
        for index in ROWS:
            response = client.post("/predict", json={"row": rows[index]})
            assert response.get_json() == {"label": labels[index]}
    finally:
        client.close()


def test_flask_bench_app_answers_each_row(monkeypatch, digits_and_labels):
    pytest.importorskip("flask")
    rows, labels = digits_and_labels
    client = load_app("flask_app", monkeypatch, BENCH_MODEL="forest").app.test_client()
    for index in ROWS:
        assert client.post("/predict", json={"row": rows[index]}).get_json() == {
            "label": labels[index]
        }
