"""Serving models: micro-batching, model lifecycle, health checks and metrics.

``from kettle.ml import batched`` — see docs/ml-serving.md.
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

__all__ = [
    "BatchSizeMismatch",
    "BatchTimeout",
    "Batcher",
    "BatcherClosed",
    "QueueFull",
    "batched",
]
