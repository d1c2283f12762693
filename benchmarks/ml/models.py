"""The two models of the benchmark, built exactly as the examples build them.

``load(name)`` returns ``(model, predict)`` where ``predict(matrix) -> list[int]``.
Training is seeded and single-threaded, so the load generator builds the same model
and checks every answer against the label it computes locally for that row.
``record_batch(n)`` counts batches in a small file (``BENCH_STATS``) that the runner
reads, so each set-up's mean batch size is measured the same way, LitServe's too.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for folder in ("predict", "predict_torch"):
    path = str(ROOT / "examples" / folder)
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ.setdefault("OMP_NUM_THREADS", "1")


def load(name: str) -> tuple[Any, Callable[[Any], list[int]]]:
    if name == "forest":
        from forest_model import train_forest

        forest = train_forest()
        return forest, lambda matrix: forest.predict(matrix).tolist()
    if name == "mlp":
        from mlp_model import classify, train_mlp

        mlp = train_mlp()
        return mlp, lambda matrix: classify(mlp, matrix).tolist()
    raise ValueError(f"unknown model {name!r}")


class BatchStats:
    """Batches and rows so far, written with one pwrite per batch (about 1 µs)."""

    def __init__(self, path: str | None) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path else None
        self.batches = 0
        self.rows = 0

    def record(self, rows: int) -> None:
        self.batches += 1
        self.rows += rows
        if self.fd is not None:
            os.pwrite(self.fd, struct.pack("<qq", self.batches, self.rows), 0)


def read_stats(path: str) -> tuple[int, int]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return 0, 0
    return struct.unpack("<qq", data[:16]) if len(data) >= 16 else (0, 0)


_stats: BatchStats | None = None


def record_batch(rows: int) -> None:
    global _stats
    if _stats is None:
        _stats = BatchStats(os.environ.get("BENCH_STATS"))
    _stats.record(rows)
