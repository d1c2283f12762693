"""LitServe with batches of up to 32 (its inference worker is a separate process).

No ``from __future__ import annotations``: LitServe reads ``decode_request``'s annotation
at run time to build its endpoint.
"""

import os
import sys
from typing import Any

import litserve as ls
import numpy as np
from models import load, record_batch

MODEL = os.environ.get("BENCH_MODEL", "forest")


class DigitsAPI(ls.LitAPI):  # type: ignore[misc]
    def setup(self, device: str) -> None:
        self.model, self.predict_rows = load(MODEL)

    def decode_request(self, request: dict[str, Any]) -> list[float]:
        return request["row"]  # type: ignore[no-any-return]

    def batch(self, inputs: list[list[float]]) -> np.ndarray:
        return np.asarray(inputs, dtype=np.float64)

    def predict(self, matrix: np.ndarray) -> list[int]:
        record_batch(len(matrix))
        return self.predict_rows(matrix)

    def unbatch(self, output: list[int]) -> list[int]:
        return output

    def encode_response(self, label: int) -> dict[str, int]:
        return {"label": label}


if __name__ == "__main__":
    port = int(sys.argv[1])
    wait = float(os.environ.get("BENCH_LITSERVE_TIMEOUT", "0.002"))
    api = DigitsAPI(max_batch_size=32, batch_timeout=wait)
    server = ls.LitServer(api, accelerator="cpu", timeout=60, healthcheck_path="/ready")
    server.run(host="127.0.0.1", port=port, generate_client_file=False, log_level="warning")
