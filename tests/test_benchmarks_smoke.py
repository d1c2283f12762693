"""The benchmark apps answer correctly (every framework, every scenario, both doors), so a
benchmark run can never report speed for a wrong answer."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

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


@pytest.mark.parametrize("door", ["wsgi", "asgi"])
def test_icount_serves_its_scenario_through_each_door(door: str) -> None:
    """What ``icount.py`` runs under callgrind (here without it): the requests it counts."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "icount.py"), "--serve", door, "kettle",
         "post-json", "-n", "20"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr


def test_session_benchmark_answers_correctly() -> None:
    pytest.importorskip("flask")
    _load("sessions").check_all()


def test_every_e2e_app_answers_every_scenario_under_granian() -> None:
    """Each end-to-end app (bare callables included: their POST parses and validates) answers
    each scenario it serves with the checked status, Content-Type and body, over a socket."""
    for peer in ("falcon", "starlette", "granian"):
        pytest.importorskip(peer)
    if shutil.which("taskset") is None:
        pytest.skip("taskset is not installed")
    e2e = _load("e2e")
    served = [(app, key) for app in e2e.TARGETS for key, scenario in e2e.SCENARIOS.items()
              if e2e.serves(app, scenario)]
    assert len(served) == len(e2e.TARGETS) * len(e2e.SCENARIOS) - 2  # Starlette: no shapes
    assert e2e.check() == len(served)


_WRK = """Running 1s test @ http://127.0.0.1:8000/no/such/page
  Latency Distribution
     99%    1.50ms
  1000 requests in 1.00s, 200.00KB read
{extra}Requests/sec:   1000.00
"""


@pytest.mark.parametrize(
    ("status", "extra", "error"),
    [
        (404, "  Non-2xx or 3xx responses: 1000\n", ""),
        (404, "  Non-2xx or 3xx responses: 999\n", "1 answers below 400, not 404"),
        (404, "", "1000 answers below 400, not 404"),
        (201, "", ""),
        (200, "  Non-2xx or 3xx responses: 3\n", "3 answers of 400 or above, not 200"),
        (200, "  Socket errors: connect 0, read 2, write 0, timeout 0\n", "socket errors:"),
    ],
)
def test_e2e_wrk_answers_must_have_the_scenarios_status_class(
    status: int, extra: str, error: str
) -> None:
    """A 404 scenario's run counts as clean only if every answer was 4xx; any other scenario's
    only if none was: wrong answers never pass as speed."""
    result = _load("e2e").parse_wrk(_WRK.format(extra=extra), status)
    assert (result.rps, result.p99_ms, result.requests) == (1000.0, 1.5, 1000)
    assert result.errors.startswith(error) and bool(result.errors) == bool(error)


def test_the_bare_callables_answer_kettles_bytes_in_every_e2e_scenario() -> None:
    """"vs bare" measures the framework's work only if the bare callable sends the very same
    response: status, header pairs (kettle's security headers included) and body."""
    import asyncio
    import io

    e2e = _load("e2e")
    asgi_bench = _load("asgi_inprocess")
    inprocess, bare = asgi_bench.inprocess, asgi_bench._import_app_module("bare_app")
    kettle_asgi = asgi_bench._import_app_module("kettle_app")
    kettle_wsgi = inprocess.framework_module("kettle")

    def wsgi(app: object, scenario: object) -> tuple[str, list[tuple[str, str]], bytes]:
        environ = inprocess.make_environ(scenario)
        environ["wsgi.input"] = io.BytesIO(scenario.body or b"")  # type: ignore[attr-defined]
        seen: list[tuple[str, list[tuple[str, str]]]] = []
        start = lambda status, headers, _=None: seen.append((status, headers))  # noqa: E731
        body = b"".join(app(environ, start))  # type: ignore[operator]
        return seen[0][0], seen[0][1], body

    for key in e2e.SCENARIOS:
        scenario = inprocess.SCENARIOS[key]
        kettle = getattr(kettle_wsgi, scenario.factory)()
        assert wsgi(kettle, scenario) == wsgi(bare.wsgi_app, scenario), key
        kettle = getattr(kettle_asgi, scenario.factory)()
        answers = [asyncio.run(asgi_bench.call_once(app, scenario, {}))
                   for app in (kettle, bare.asgi_app)]
        assert answers[0] == answers[1], key


def _e2e_cells(e2e: ModuleType, rates: dict[tuple[str, str], dict[int, float]]) -> Any:
    """Cells as ``e2e.run`` fills them: one wrk run per round, tagged with its round."""
    cells = {}
    for where, by_round in rates.items():
        cell = cells[where] = e2e.Cell()
        cell.runs = [e2e.WrkResult(rps, 1.0, int(rps), "", server_cpu=1.0, seconds=1.0,
                                   round=r) for r, rps in by_round.items()]
    return cells


def test_e2e_per_round_share_pairs_runs_of_the_same_round() -> None:
    """Kettle's req/s in round r is divided by the bare callable's in round r, and a round one
    of the two lacks is left out rather than paired with another round's run."""
    e2e = _load("e2e")
    cells = _e2e_cells(e2e, {
        ("json", "bare-wsgi"): {0: 100.0, 1: 200.0, 2: 50.0},
        ("json", "kettle-wsgi"): {0: 90.0, 2: 40.0},  # round 1 missing
    })
    assert e2e.round_shares(cells, "json", "kettle-wsgi", "bare-wsgi") == [0.9, 0.8]
    assert e2e.round_shares(cells, "json", "kettle-wsgi", "falcon-wsgi") == []
    assert e2e.spread_text("{:.0%}", [0.9, 0.8, 0.85]) == "85% (80-90%)"
    assert e2e.spread_text("{:.2f}x", [1.1, 1.0]) == "1.05x (1.00-1.10x)"
    assert e2e.spread_text("{:.0%}", [1.0, 1.0]) == "100%"


def test_e2e_goal_is_judged_on_the_ratio_of_medians_and_shows_the_per_round_median() -> None:
    """The machine's speed drifting between rounds pulls the ratio of medians below the goal
    while kettle kept 90% of the bare callable in two rounds of three: the line keeps the
    issue's verdict and states the per-round one beside it, in the table too."""
    e2e = _load("e2e")
    cells = _e2e_cells(e2e, {
        ("plaintext", "bare-wsgi"): {0: 100.0, 1: 200.0, 2: 110.0},
        ("plaintext", "kettle-wsgi"): {0: 90.0, 1: 180.0, 2: 80.0},
    })
    notes = e2e.target_notes(["bare-wsgi", "kettle-wsgi"], ["plaintext"], cells)
    assert notes[0] == (
        "Target, kettle (WSGI) >= 85% of the bare WSGI callable's req/s: missed on plaintext "
        "(plaintext 82% (per round: median 90%, 73-90%)); by the per-round median: met."
    )
    assert "per round" not in notes[1]  # the CPU check has no per-round figure
    table = e2e.render_table(["bare-wsgi", "kettle-wsgi"], ["plaintext"], cells)
    assert "| 82% | 90% (73-90%) |" in table.splitlines()[-1]
