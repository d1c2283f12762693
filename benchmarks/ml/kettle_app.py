"""kettle set-ups: ``BENCH_MODE`` = ``unbatched`` | ``batched`` (sync view) | ``batched_async``.

Every mode also serves ``/predict_direct`` (one model call, no batcher), so a paired run
can alternate the two in one process and compare them under the same conditions.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from models import load, record_batch

from kettle import Kettle, request
from kettle.ml import batched

MODEL = os.environ.get("BENCH_MODEL", "forest")
MODE = os.environ.get("BENCH_MODE", "batched")
MAX_WAIT_MS = float(os.environ.get("BENCH_MAX_WAIT_MS", "5"))

app = Kettle(__name__)
state: dict[str, Any] = {}


@app.on_startup
def load_model() -> None:
    state["model"], state["predict"] = load(MODEL)


@app.get("/ready")
def ready() -> str:
    return "ok"


def _row() -> np.ndarray:
    return np.asarray([request.get_json()["row"]], dtype=np.float64)


@app.post("/predict_direct")
def predict_direct() -> dict[str, Any]:
    record_batch(1)
    return {"label": state["predict"](_row())[0]}


if MODE == "unbatched":
    app.add_url_rule("/predict", "predict", predict_direct, methods=["POST"])
else:

    @batched(max_batch_size=32, max_wait_ms=MAX_WAIT_MS, name=MODEL)
    def predict_batch(rows: list[np.ndarray]) -> list[int]:
        record_batch(len(rows))
        return state["predict"](np.vstack(rows))  # type: ignore[no-any-return]

    app.on_shutdown(predict_batch.close)

    if MODE == "batched_async":

        @app.post("/predict")
        async def predict_async() -> dict[str, Any]:
            return {"label": await predict_batch(_row())}

    else:

        @app.post("/predict")
        def predict() -> dict[str, Any]:
            return {"label": predict_batch(_row())}
