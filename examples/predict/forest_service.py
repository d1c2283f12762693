"""Digits classifier as a service: a random forest behind ``/predict``, batched with kettle.ml.

Run it (see README.md):  granian --interface asgi --blocking-threads 1 forest_service:app
                    or:  gunicorn -k gthread --threads 32 forest_service:app

The forest is trained at start-up on the digits set that ships inside scikit-learn,
so the example needs no download; a real service would load a saved model instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from digit_rows import parse_rows
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

from kettle import Kettle, request
from kettle.ml import add_health_routes, batched, model


def train_forest() -> RandomForestClassifier:
    """The issue's model: 100 trees on load_digits(), deterministic (random_state=0)."""
    digits = load_digits()
    forest = RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)
    return forest.fit(digits.data, digits.target)


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
