"""The template benchmark's callables (bare Jinja2 WSGI/ASGI, kettle through both doors,
Flask) answer the same, correctly escaped page, so its ratios compare equal work."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_template_benchmark_callable_renders_the_same_page() -> None:
    pytest.importorskip("flask")
    spec = importlib.util.spec_from_file_location(
        "bench_templates", ROOT / "benchmarks" / "templates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages = module.check()
    assert set(pages) == {"page", "small"}
    assert pages["page"].count(b"<tr class=") == 20
    assert b"Kettle &lt;model 7&gt; &amp; co" in pages["page"]
