"""The benchmark apps answer correctly (every framework, every scenario), so a benchmark
run can never report speed for a wrong answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_scenario_answers_correctly() -> None:
    pytest.importorskip("falcon")
    pytest.importorskip("bottle")
    pytest.importorskip("flask")
    path = ROOT / "benchmarks" / "inprocess.py"
    spec = importlib.util.spec_from_file_location("bench_inprocess", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.check()
