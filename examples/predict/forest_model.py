"""The model, as it left the notebook: a random forest on scikit-learn's bundled digits set.

Kept apart from the service so the benchmark and the tests can build the very same
model without importing (and creating) the web app.
"""

from __future__ import annotations

from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier


def train_forest() -> RandomForestClassifier:
    """The issue's model: 100 trees on load_digits(), deterministic (random_state=0)."""
    digits = load_digits()
    forest = RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)
    return forest.fit(digits.data, digits.target)
