"""Digits classifier as a service: a random forest behind ``/predict``, batched with kettle.ml.

Run it (see README.md):  granian --interface asgi --blocking-threads 1 forest_service:app
                    or:  gunicorn -k gthread --threads 32 forest_service:app

The forest is trained at start-up on the digits set that ships inside scikit-learn,
so the example needs no download; a real service would load a saved model instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier

from kettle import Kettle, request
from kettle.errors import HTTPException
from kettle.ml import add_health_routes, batched, model

N_FEATURES = 64  # an 8x8 image, each pixel 0..16


class InvalidRows(HTTPException):
    """The body is JSON but not rows of numbers: 422 naming what is wrong."""

    code = 422


def train_forest() -> RandomForestClassifier:
    """The issue's model: 100 trees on load_digits(), deterministic (random_state=0)."""
    digits = load_digits()
    forest = RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)
    return forest.fit(digits.data, digits.target)


def parse_rows(body: Any, max_rows: int) -> tuple[np.ndarray, bool]:
    """``{"row": [...]}`` or ``{"rows": [[...], ...]}`` as a float matrix, and whether one row."""
    if not isinstance(body, dict) or ("row" in body) == ("rows" in body):
        raise InvalidRows('Send {"row": [64 numbers]} or {"rows": [[64 numbers], ...]}.')
    single = "row" in body
    rows = [body["row"]] if single else body["rows"]
    if not isinstance(rows, list) or not rows:
        raise InvalidRows('"rows" must be a non-empty list of rows.')
    if len(rows) > max_rows:
        raise InvalidRows(f"At most {max_rows} rows per request (PREDICT_MAX_ROWS).")
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != N_FEATURES or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in row
        ):
            raise InvalidRows(f"Row {index} must be a list of {N_FEATURES} finite numbers.")
    return np.asarray(rows, dtype=np.float64), single


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
