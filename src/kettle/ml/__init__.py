"""Serving models: micro-batching, model lifecycle, health checks and metrics.

``from kettle.ml import batched, model, add_health_routes`` — see docs/ml-serving.md.
Metrics live in ``kettle.ml.metrics`` (needs the ``metrics`` extra).
"""

from __future__ import annotations

from .batching import (
    Batcher,
    BatcherClosed,
    BatchSizeMismatch,
    BatchTimeout,
    QueueFull,
    batched,
)
from .health import add_health_routes
from .lifecycle import Model, Models, ModelUnavailable, model, models

__all__ = [
    "BatchSizeMismatch",
    "BatchTimeout",
    "Batcher",
    "BatcherClosed",
    "Model",
    "ModelUnavailable",
    "Models",
    "QueueFull",
    "add_health_routes",
    "batched",
    "model",
    "models",
]
