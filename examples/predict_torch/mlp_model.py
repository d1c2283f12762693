"""The model, as it left the notebook: a small MLP (64 -> 512 -> 512 -> 10) on the digits set.

Kept apart from the service so the benchmark and the tests can build the very same
model (seeded training, one thread: identical weights) without creating the web app.
"""

from __future__ import annotations

from typing import Any

import torch
from sklearn.datasets import load_digits

torch.set_num_threads(1)  # one core per worker process; several workers scale out instead


def build_mlp() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(64, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )


def train_mlp(epochs: int = 40) -> torch.nn.Module:
    """Full-batch Adam on load_digits(), seeded: the same weights on every run."""
    torch.manual_seed(0)
    digits = load_digits()
    inputs = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    targets = torch.tensor(digits.target)
    mlp = build_mlp()
    optimiser = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(mlp(inputs), targets)
        loss.backward()
        optimiser.step()
    return mlp.eval()


def classify(mlp: torch.nn.Module, rows: Any) -> torch.Tensor:
    """Labels for a float matrix of raw pixel values (0..16)."""
    with torch.inference_mode():
        return mlp(torch.as_tensor(rows, dtype=torch.float32) / 16.0).argmax(dim=1)
