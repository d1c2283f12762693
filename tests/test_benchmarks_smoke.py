"""The benchmark apps answer correctly (every framework, every scenario, both doors), so a
benchmark run can never report speed for a wrong answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    path = ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_wsgi_benchmark_scenario_answers_correctly() -> None:
    for peer in ("falcon", "bottle", "flask"):
        pytest.importorskip(peer)
    _load("inprocess").check()


def test_every_asgi_benchmark_scenario_answers_correctly() -> None:
    for peer in ("starlette", "blacksheep", "litestar", "fastapi", "falcon"):
        pytest.importorskip(peer)
    _load("asgi_inprocess").check()


def test_session_benchmark_answers_correctly() -> None:
    pytest.importorskip("flask")
    _load("sessions").check_all()
