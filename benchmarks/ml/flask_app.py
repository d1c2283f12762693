"""Naive Flask: one model call per request, as the seed's readers would write it."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from flask import Flask, request
from models import load, record_batch

app = Flask(__name__)
model, predict_rows = load(os.environ.get("BENCH_MODEL", "forest"))


@app.get("/ready")
def ready() -> str:
    return "ok"


@app.post("/predict")
def predict() -> dict[str, Any]:
    row = np.asarray([request.get_json()["row"]], dtype=np.float64)
    record_batch(1)
    return {"label": predict_rows(row)[0]}
