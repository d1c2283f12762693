"""Digits classifier as a service: a small torch MLP (64 -> 512 -> 512 -> 10) on the CPU.

Run it (see README.md):  granian --interface asgi mlp_service:app

The view is ``async def``: a waiting request is a suspended task, not a thread, so any
concurrency gathers into batches (the fastest set-up in benchmarks/ml).

A model this small costs ~35 µs per call, so the web framework is most of the cost:
batching saves the per-call overhead of torch, and kettle's request path is short.
The same /predict contract as examples/predict (one row or many), the same 422s.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import torch
from mlp_model import classify, train_mlp

from kettle import Kettle, request
from kettle.ml import add_health_routes, batched, model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "predict"))
from digit_rows import parse_rows


def create_app(config: dict[str, Any] | None = None) -> Kettle:
    app = Kettle(__name__)
    app.config.update(PREDICT_MAX_ROWS=256, PREDICT_MAX_BATCH=32, PREDICT_METRICS=True)
    app.config.update(config or {})
    mlp = model(app, "mlp", train_mlp)

    @batched(max_batch_size=app.config["PREDICT_MAX_BATCH"], name="mlp")
    def predict_batch(matrices: list[Any]) -> list[list[int]]:
        labels = classify(mlp.get(), torch.cat([torch.as_tensor(m) for m in matrices])).tolist()
        out, start = [], 0
        for matrix in matrices:
            out.append(labels[start:start + len(matrix)])
            start += len(matrix)
        return out

    app.on_shutdown(predict_batch.close)

    @app.post("/predict")
    async def predict() -> dict[str, Any]:
        rows, single = parse_rows(request.get_json(), app.config["PREDICT_MAX_ROWS"])
        labels = await predict_batch(rows)
        return {"label": labels[0]} if single else {"labels": labels}

    add_health_routes(app)
    if app.config["PREDICT_METRICS"]:
        from kettle.ml import metrics

        metrics.install(app)
    return app


app = create_app()
