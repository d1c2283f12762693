"""Digits classifier as a service: a random forest behind ``/predict``, batched with kettle.ml.

Run it (see README.md):  granian --interface wsgi --blocking-threads 32 forest_service:app
                    or:  gunicorn -k gthread --threads 32 forest_service:app

The forest is trained at start-up on the digits set that ships inside scikit-learn,
so the example needs no download; a real service would load a saved model instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from digit_rows import parse_rows
from forest_model import train_forest

from kettle import Kettle, request
from kettle.ml import add_health_routes, batched, model


def create_app(config: dict[str, Any] | None = None) -> Kettle:
    app = Kettle(__name__)
    app.config.update(PREDICT_MAX_ROWS=256, PREDICT_MAX_BATCH=32, PREDICT_METRICS=True)
    app.config.update(config or {})
    forest = model(app, "forest", train_forest)

    # One item is one request's matrix: the batch stacks them, predicts once, splits back.
    @batched(max_batch_size=app.config["PREDICT_MAX_BATCH"], name="forest")
    def predict_batch(matrices: list[np.ndarray]) -> list[np.ndarray]:
        labels = forest.get().predict(np.vstack(matrices))
        bounds = np.cumsum([len(m) for m in matrices])[:-1]
        return np.split(labels, bounds)

    app.on_shutdown(predict_batch.close)
    app.extensions["predict_batch"] = predict_batch

    @app.post("/predict")
    def predict() -> dict[str, Any]:
        rows, single = parse_rows(request.get_json(), app.config["PREDICT_MAX_ROWS"])
        labels = predict_batch(rows).tolist()
        return {"label": labels[0]} if single else {"labels": labels}

    add_health_routes(app)
    if app.config["PREDICT_METRICS"]:
        from kettle.ml import metrics

        metrics.install(app)
    return app


app = create_app()
