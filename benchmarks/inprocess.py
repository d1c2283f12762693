#!/usr/bin/env python
"""In-process WSGI benchmark: kettle against Falcon, Bottle and Flask.

Each framework's WSGI callable is called directly, as a server would call it: a fresh
environ per request (a copy of a realistic template, with a fresh ``wsgi.input`` for
POST), the response iterable consumed and ``close()``d, and the status line and body
checked against the values that framework gave (and that were validated) at start-up.

Timing: batches of N requests per (scenario, framework), N calibrated so a batch takes
about ``--batch-time`` seconds; ``--rounds`` rounds, each running one batch of every
framework in turn (the order rotating each round), ``gc.collect()`` between batches.
The result is the median batch's rate.

    python benchmarks/inprocess.py                  # full run (about 1.5 minutes)
    python benchmarks/inprocess.py --quick          # ~10 s smoke run
    python benchmarks/inprocess.py --write          # ...and update benchmarks/README.md
    python benchmarks/inprocess.py --profile --scenarios plaintext,post-json

``check()`` runs every scenario once per framework and raises ``AssertionError`` on a
wrong answer; tests load this file by path and call it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import importlib
import importlib.util
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START_MARKER = "<!-- results:start -->"
END_MARKER = "<!-- results:end -->"

#: Framework key -> display name, in table order.
FRAMEWORKS: dict[str, str] = {
    "kettle": "kettle",
    "falcon": "Falcon",
    "bottle": "Bottle",
    "flask": "Flask",
}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: ``benchmarks/apps`` is imported under this name, from its path: not as ``apps`` through
#: ``sys.path``, which would clash with any other top-level ``apps`` (``tests/apps`` is one).
APPS_PACKAGE = "kettle_benchmark_apps"


def _apps_package() -> ModuleType:
    package = sys.modules.get(APPS_PACKAGE)
    if package is None:
        folder = HERE / "apps"
        spec = importlib.util.spec_from_file_location(
            APPS_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[APPS_PACKAGE] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[APPS_PACKAGE]
            raise
    return package


def _import_app_module(name: str) -> ModuleType:
    _apps_package()
    return importlib.import_module(f"{APPS_PACKAGE}.{name}")


common = _import_app_module("common")


class Scenario(NamedTuple):
    key: str
    title: str
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    routing_app: bool = False
    status: int = 200
    json_body: Any = None  # the expected decoded JSON body
    text: str | None = None  # the expected text body
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers, as (WSGI key, value)
    shapes: bool = False  # served by the return-shape app (``create_shapes_app``)

    @property
    def factory(self) -> str:
        """The app module's function that makes the app serving this scenario."""
        if self.routing_app:
            return "create_routing_app"
        return "create_shapes_app" if self.shapes else "create_app"


ECHO_BODY = json.dumps(common.ECHO_PAYLOAD).encode()
ITEM_BODY = json.dumps(common.ITEM_PAYLOAD).encode()
BAD_ITEM_BODY = json.dumps(common.BAD_ITEM_PAYLOAD).encode()
_SHAPES_POST = "POST /shapes/items"

SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario("plaintext", "plaintext `GET /plaintext`", "GET", "/plaintext",
                 text=common.HELLO),
        Scenario("json", "JSON `GET /json`", "GET", "/json", json_body=common.JSON_MESSAGE),
        Scenario("path-param", "path parameter `GET /user/42`", "GET", "/user/42",
                 json_body={"id": 42}),
        Scenario("query", "query string `GET /search?q=kettle&limit=10`", "GET", "/search",
                 query="q=kettle&limit=10", json_body={"q": "kettle", "limit": 10}),
        Scenario("post-json", f"JSON POST `POST /echo` ({len(ECHO_BODY)} B)", "POST", "/echo",
                 body=ECHO_BODY, json_body=common.ECHO_PAYLOAD),
        Scenario("routing-150", f"150 routes `GET {common.ROUTING_PATH}`", "GET",
                 common.ROUTING_PATH, routing_app=True, text=common.ROUTING_BODY),
        Scenario("not-found", "404 `GET /no/such/page`", "GET", "/no/such/page", status=404),
        Scenario("typed-query", "typed query `GET /items?q=..&limit=10&tags=..&tags=..`", "GET",
                 "/items", query=common.TYPED_QUERY, json_body=common.TYPED_QUERY_RESULT),
        Scenario("typed-post", f"typed JSON POST `POST /items` ({len(ITEM_BODY)} B, validated)",
                 "POST", "/items", body=ITEM_BODY, json_body=common.ITEM_PAYLOAD),
        # Each return shape of a Flask view (``apps/shapes.py``), and what its peers write.
        Scenario("tuple-status", "`(text, 201)`", "GET", "/shapes/status", status=201,
                 text=common.HELLO, shapes=True),
        Scenario("tuple-headers", "`(text, {headers})`", "GET", "/shapes/headers",
                 text=common.HELLO, shapes=True),
        Scenario("tuple-status-headers", "`(text, 200, {Content-Type})`", "GET",
                 "/shapes/status-headers", text=common.HELLO, shapes=True),
        Scenario("tuple-headers-list", "`(text, 200, [(name, value), ...])`", "GET",
                 "/shapes/headers-list", text=common.HELLO, shapes=True),
        Scenario("response", "`Response(text, mimetype=...)`", "GET", "/shapes/response",
                 text=common.HELLO, shapes=True),
        Scenario("jsonify", "`jsonify(message=...)`", "GET", "/shapes/jsonify",
                 json_body=common.JSON_MESSAGE, shapes=True),
        Scenario("make-response", "`make_response(text)` + a header", "GET",
                 "/shapes/make-response", text=common.HELLO, shapes=True),
        Scenario("redirect", "`redirect(url)`", "GET", "/shapes/redirect", status=302,
                 shapes=True),
        Scenario("abort", "`abort(404)`, handler returns `(dict, 404)`", "GET", "/shapes/abort",
                 status=404, json_body=common.NOT_FOUND_ERROR, shapes=True),
        Scenario("bytes", "`bytes`", "GET", "/shapes/bytes", text=common.HELLO, shapes=True),
        Scenario("list", "`list` (JSON)", "GET", "/shapes/list", json_body=common.SHAPE_LIST,
                 shapes=True),
        Scenario("post-201", f"hand-validated `{_SHAPES_POST}` -> `(item, 201)`", "POST",
                 "/shapes/items", body=ITEM_BODY, status=201, json_body=common.ITEM_PAYLOAD,
                 shapes=True),
        Scenario("post-422", f"hand-validated `{_SHAPES_POST}` -> `({{error}}, 422)`", "POST",
                 "/shapes/items", body=BAD_ITEM_BODY, status=422,
                 json_body=common.BAD_ITEM_ERROR, shapes=True),
    )
}


def make_environ(scenario: Scenario) -> dict[str, Any]:
    """The environ template of a scenario: what gunicorn hands an app for a curl-like client."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scenario.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scenario.path,
        "QUERY_STRING": scenario.query,
        "RAW_URI": scenario.path + (f"?{scenario.query}" if scenario.query else ""),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "kettle-inprocess-bench",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50412",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "HTTP_ACCEPT": "*/*",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
        "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.5",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    environ.update(scenario.headers)
    if scenario.body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(scenario.body))
    return environ


# -- apps ----------------------------------------------------------------------------------
_modules: dict[str, ModuleType] = {}
_apps: dict[tuple[str, str], WSGIApp] = {}


def framework_module(framework: str) -> ModuleType:
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORKS)}")
    module = _modules.get(framework)
    if module is None:
        module = _modules[framework] = _import_app_module(f"{framework}_app")
    return module


def serves(module: ModuleType, scenario: Scenario) -> bool:
    """Whether an app module serves ``scenario``: it has the scenario's app factory, and its
    ``ONLY`` set (if any) names the scenario (the return shapes are kettle's and its
    nearest peers'; a floor app serves one or two scenarios)."""
    only = getattr(module, "ONLY", None)
    return hasattr(module, scenario.factory) and (only is None or scenario.key in only)


def supports(framework: str, key: str) -> bool:
    return serves(framework_module(framework), SCENARIOS[key])


def get_app(framework: str, scenario: Scenario) -> WSGIApp:
    """The framework's app for ``scenario`` (made once, shared between scenarios)."""
    key = (framework, scenario.factory)
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = getattr(framework_module(framework), scenario.factory)()
    return app


# -- one request, checked --------------------------------------------------------------------
class Expected(NamedTuple):
    status: str
    body: bytes


def call_once(app: WSGIApp, scenario: Scenario) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request as a server makes it: status line, headers and the whole body."""
    environ = make_environ(scenario)
    if scenario.body is not None:
        environ["wsgi.input"] = io.BytesIO(scenario.body)
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen[:] = [status, headers]
        return _write

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    assert seen, "the app returned without calling start_response"
    return seen[0], seen[1], body


def _write(data: bytes) -> None:  # the legacy write() callable start_response returns
    pass


def validate(framework: str, scenario: Scenario) -> Expected:
    """Check one response semantically; return what every later response must equal bytewise."""
    app = get_app(framework, scenario)
    where = f"{FRAMEWORKS[framework]} {scenario.key} ({scenario.method} {scenario.path})"
    status, headers, body = call_once(app, scenario)
    head = {name.lower(): value for name, value in headers}
    shown = body[:300]
    assert status.split(" ", 1)[0] == str(scenario.status), f"{where}: status {status!r}: {shown!r}"
    if "content-length" in head:
        assert int(head["content-length"]) == len(body), f"{where}: Content-Length mismatch"
    if scenario.json_body is not None:
        ctype = head.get("content-type", "")
        assert ctype.startswith("application/json"), f"{where}: Content-Type {ctype!r}"
        assert json.loads(body) == scenario.json_body, f"{where}: body {shown!r}"
    if scenario.text is not None:
        ctype = head.get("content-type", "")
        assert ctype.startswith("text/"), f"{where}: Content-Type {ctype!r}"
        assert body == scenario.text.encode(), f"{where}: body {shown!r}"
    if scenario.status >= 400:
        assert body, f"{where}: empty error body"
    again = call_once(app, scenario)
    assert (again[0], again[2]) == (status, body), f"{where}: the response is not deterministic"
    return Expected(status, body)


def check(
    frameworks: Sequence[str] | None = None, scenarios: Sequence[str] | None = None
) -> dict[tuple[str, str], Expected]:
    """Run each scenario once (twice) per framework, asserting status, content type and body."""
    results: dict[tuple[str, str], Expected] = {}
    for framework in frameworks or FRAMEWORKS:
        for key in scenarios or SCENARIOS:
            if supports(framework, key):
                results[(framework, key)] = validate(framework, SCENARIOS[key])
    return results


# -- timed batches ---------------------------------------------------------------------------
class WrongResponse(AssertionError):
    pass


def make_runner(
    app: WSGIApp, scenario: Scenario, expected: Expected
) -> Callable[[int], float]:
    """``runner(n)``: the seconds ``n`` checked requests take. The same code for every app."""
    template = make_environ(scenario)
    payload = scenario.body
    want_status, want_body = expected.status, expected.body
    state: list[Any] = [None]

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        state[0] = status
        return _write

    def fail(status: Any, body: bytes) -> WrongResponse:
        return WrongResponse(
            f"{scenario.key}: got {status!r} {body[:200]!r}, "
            f"expected {want_status!r} {want_body[:200]!r}"
        )

    if payload is None:

        def runner(n: int) -> float:
            copy, join, perf = template.copy, b"".join, time.perf_counter
            start = perf()
            for _ in range(n):
                state[0] = None
                iterable = app(copy(), start_response)
                try:
                    body = join(iterable)
                finally:
                    if hasattr(iterable, "close"):
                        iterable.close()
                if body != want_body or state[0] != want_status:
                    raise fail(state[0], body)
            return perf() - start

    else:

        def runner(n: int) -> float:
            copy, join, perf, stream = template.copy, b"".join, time.perf_counter, io.BytesIO
            start = perf()
            for _ in range(n):
                state[0] = None
                environ = copy()
                environ["wsgi.input"] = stream(payload)
                iterable = app(environ, start_response)
                try:
                    body = join(iterable)
                finally:
                    if hasattr(iterable, "close"):
                        iterable.close()
                if body != want_body or state[0] != want_status:
                    raise fail(state[0], body)
            return perf() - start

    return runner


def calibrate(runner: Callable[[int], float], batch_time: float) -> int:
    """The batch size that takes about ``batch_time`` seconds (this also warms the app up)."""
    runner(50)
    n = 20
    while True:
        gc.collect()
        elapsed = runner(n)
        if elapsed >= batch_time / 4:
            return max(10, round(n * batch_time / elapsed))
        n *= 2 if elapsed >= batch_time / 40 else 8


class Cell:
    """The batch size and the batch times of one (scenario, framework)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.times: list[float] = []

    @property
    def rate(self) -> float:
        return self.n / statistics.median(self.times)

    @property
    def spread(self) -> float:
        """Interquartile range of the batch rates over their median."""
        rates = sorted(self.n / t for t in self.times)
        if len(rates) < 4:
            return (rates[-1] - rates[0]) / statistics.median(rates)
        q1, _, q3 = statistics.quantiles(rates, n=4)
        return (q3 - q1) / statistics.median(rates)


def null_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The harness's own cost: an app that answers without looking at the request."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]


def run(
    frameworks: Sequence[str],
    scenarios: Sequence[str],
    rounds: int,
    batch_time: float,
    log: Callable[[str], None] = print,
) -> dict[tuple[str, str], Cell]:
    """Interleaved rounds; returns the batch times of every (scenario, framework)."""
    expected = check(frameworks, scenarios)
    runners: dict[tuple[str, str], Callable[[int], float]] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for key in scenarios:
        scenario = SCENARIOS[key]
        for fw in frameworks:
            if (fw, key) not in expected:
                continue
            runner = make_runner(get_app(fw, scenario), scenario, expected[(fw, key)])
            runners[(key, fw)] = runner
            cells[(key, fw)] = Cell(calibrate(runner, batch_time))
    run_rounds(frameworks, scenarios, rounds, runners, cells, log)
    return cells


def run_rounds(
    frameworks: Sequence[str],
    scenarios: Sequence[str],
    rounds: int,
    runners: dict[tuple[str, str], Callable[[int], float]],
    cells: dict[tuple[str, str], Any],
    log: Callable[[str], None],
) -> None:
    """One discarded warm-up round, then ``rounds`` interleaved ones, each framework first in
    turn. The warm-up is there because a run's first cells came out low for every framework
    (the scenario measured first, plaintext, most of all), whichever order they ran in."""
    log(f"calibrated {len(cells)} cells; one warm-up round, then {rounds} rounds")
    started = time.perf_counter()
    for r in range(-1, rounds):
        for key in scenarios:
            shift = max(r, 0) % len(frameworks)
            for fw in [*frameworks[shift:], *frameworks[:shift]]:
                cell = cells.get((key, fw))
                if cell is None:
                    continue
                gc.collect()
                elapsed = runners[(key, fw)](cell.n)
                if r >= 0:
                    cell.times.append(elapsed)
        log(f"  round {r + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)"
            if r >= 0 else f"  warm-up round done ({time.perf_counter() - started:.0f} s)")


def harness_ceiling(batch_time: float, rounds: int = 5) -> float:
    """Requests per second of the harness around an app that does nothing."""
    scenario = SCENARIOS["plaintext"]
    runner = make_runner(null_app, scenario, Expected("200 OK", b"Hello, World!"))
    cell = Cell(calibrate(runner, batch_time))
    for _ in range(rounds):
        gc.collect()
        cell.times.append(runner(cell.n))
    return cell.rate


# -- report ----------------------------------------------------------------------------------
def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _falcon_build() -> str:
    import falcon

    folder = Path(falcon.__file__).parent
    compiled = sorted(
        str(p.relative_to(folder)).split(".")[0]
        for p in (*folder.rglob("*.so"), *folder.rglob("*.pyd"))
    )
    if not compiled:
        return "pure Python"
    return f"Python, with Cython-compiled {', '.join(compiled)}"


def environment_notes(frameworks: Sequence[str]) -> list[str]:
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    impl = platform.python_implementation()
    lines = [
        f"Machine: {_cpu_model()}, nproc {usable} (of {cpus}), {platform.system()} "
        f"{platform.release()} {platform.machine()}; {impl} {platform.python_version()}.",
    ]
    versions = []
    for fw in frameworks:
        module = framework_module(fw)
        text = f"{FRAMEWORKS[fw]} {module.VERSION}"
        if fw == "kettle":
            text += f" (msgspec {_version('msgspec')})"
        elif fw == "falcon":
            text += f" ({_falcon_build()})"
        versions.append(text)
    lines.append("Versions: " + ", ".join(versions) + ".")
    return lines


Cells = dict[tuple[str, str], Cell]


def render_table(frameworks: Sequence[str], scenarios: Sequence[str], cells: Cells) -> str:
    ratio_to = [fw for fw in ("falcon", "flask") if fw in frameworks and "kettle" in frameworks]
    header = ["Scenario", *(f"{FRAMEWORKS[fw]} req/s" for fw in frameworks)]
    header += [f"kettle/{FRAMEWORKS[fw]}" for fw in ratio_to]
    rows = [header, ["---", *("---:" for _ in header[1:])]]
    for key in scenarios:
        row = [SCENARIOS[key].title]
        row += [rate_cell(cells, key, fw) for fw in frameworks]
        row += [ratio_cell(cells, key, "kettle", fw) for fw in ratio_to]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def rate_cell(cells: Cells, key: str, framework: str) -> str:
    """A table cell: req/s, or a dash where the framework does not serve the scenario."""
    cell = cells.get((key, framework))
    return "-" if cell is None else f"{cell.rate:,.0f}"


def ratio_cell(cells: Cells, key: str, framework: str, peer: str) -> str:
    mine, theirs = cells.get((key, framework)), cells.get((key, peer))
    return "-" if mine is None or theirs is None else f"{mine.rate / theirs.rate:.2f}x"


def report(
    frameworks: Sequence[str],
    scenarios: Sequence[str],
    cells: dict[tuple[str, str], Cell],
    rounds: int,
    batch_time: float,
    ceiling: float | None,
    command: str,
) -> str:
    worst = max(cells, key=lambda k: cells[k].spread)
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = [
        *environment_notes(frameworks),
        f"Method: one discarded warm-up round, then the median of {rounds} interleaved rounds "
        f"per cell, batches of ~{batch_time:g} s "
        f"(the largest interquartile spread of a cell's batch rates was "
        f"{cells[worst].spread:.1%}, {worst[0]} on {FRAMEWORKS[worst[1]]}).",
    ]
    if ceiling is not None:
        notes.append(
            f"Harness alone (a WSGI app returning a constant): {ceiling:,.0f} req/s, "
            "the ceiling of any cell above."
        )
    notes.append(f"Run {today}: `{command}`.")
    return render_table(frameworks, scenarios, cells) + "\n\n" + "\n".join(
        f"- {line}" for line in notes
    )


def target_summary(frameworks: Sequence[str], scenarios: Sequence[str], cells: Cells) -> list[str]:
    """Where kettle stands against the goal (issue 17): >= 1.25x Falcon, >= 10x Flask."""
    lines = []
    for key in scenarios:
        if "kettle" not in frameworks:
            break
        kettle = cells[(key, "kettle")].rate
        misses = []
        if (key, "falcon") in cells and kettle < 1.25 * cells[(key, "falcon")].rate:
            misses.append(f"{kettle / cells[(key, 'falcon')].rate:.2f}x Falcon (< 1.25x)")
        if (key, "flask") in cells and kettle < 10 * cells[(key, "flask")].rate:
            misses.append(f"{kettle / cells[(key, 'flask')].rate:.2f}x Flask (< 10x)")
        lines.append(f"{key}: {'MISS ' + ', '.join(misses) if misses else 'ok'}")
    return lines


def write_readme(
    block: str, path: Path = README, markers: tuple[str, str] = (START_MARKER, END_MARKER)
) -> None:
    """Put ``block`` between ``markers`` in ``path`` (each benchmark owns one marker pair)."""
    start_marker, end_marker = markers
    text = path.read_text(encoding="utf-8")
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise SystemExit(f"{path} lacks the {start_marker} ... {end_marker} markers")
    new = text[: start + len(start_marker)] + "\n" + block + "\n" + text[end:]
    path.write_text(new, encoding="utf-8")


# -- profiling -------------------------------------------------------------------------------
def profile(framework: str, key: str, requests: int, top: int = 20) -> str:
    """cProfile ``requests`` checked requests; the top functions by own time, per request."""
    scenario = SCENARIOS[key]
    expected = validate(framework, scenario)
    runner = make_runner(get_app(framework, scenario), scenario, expected)
    runner(200)
    wall = runner(requests)  # unprofiled, for scale
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    runner(requests)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values())
    lines = [
        f"### {FRAMEWORKS[framework]} {key}: {wall / requests * 1e6:.2f} µs/request unprofiled, "
        f"{total / requests * 1e6:.2f} µs/request under cProfile ({requests} requests)",
        "",
        "| own µs/req | cum µs/req | calls/req | function |",
        "| ---: | ---: | ---: | --- |",
    ]
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_, calls, tt, ct, _) in ranked:
        where = _short(filename)
        label = f"{where}:{line} {name}" if line else f"{name}"
        lines.append(
            f"| {tt / requests * 1e6:.2f} | {ct / requests * 1e6:.2f} | "
            f"{calls / requests:g} | `{label}` |"
        )
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/benchmarks/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# -- command line ----------------------------------------------------------------------------
def _choices(value: str | None, known: Iterable[str], what: str) -> list[str]:
    known = list(known)
    if not value:
        return known
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(known)})")
    return [k for k in known if k in chosen]  # table order


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (15)")
    parser.add_argument(
        "--batch-time", type=float, default=None, help="seconds per batch (0.12)"
    )
    parser.add_argument("--scenarios", help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--frameworks", help=f"comma-separated, from: {', '.join(FRAMEWORKS)}")
    parser.add_argument("--quick", action="store_true", help="a ~10 s smoke run")
    parser.add_argument("--write", action="store_true", help=f"write the table into {README}")
    parser.add_argument(
        "--profile", action="store_true",
        help="cProfile the chosen scenarios (default framework: kettle) instead of benchmarking",
    )
    parser.add_argument("--requests", type=int, default=20000, help="requests to profile")
    args = parser.parse_args(argv)

    scenarios = _choices(args.scenarios, SCENARIOS, "scenarios")
    if args.profile:
        frameworks = _choices(args.frameworks or "kettle", FRAMEWORKS, "frameworks")
        for fw in frameworks:
            for key in scenarios:
                print(profile(fw, key, args.requests), end="\n\n")
        return 0

    frameworks = _choices(args.frameworks, FRAMEWORKS, "frameworks")
    rounds = args.rounds or (3 if args.quick else 15)
    batch_time = args.batch_time or (0.02 if args.quick else 0.12)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    cells = run(frameworks, scenarios, rounds, batch_time, log)
    ceiling = harness_ceiling(batch_time)
    command = "python benchmarks/inprocess.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    block = report(frameworks, scenarios, cells, rounds, batch_time, ceiling, command.strip())
    print(block)
    if "kettle" in frameworks and ({"falcon", "flask"} & set(frameworks)):
        print("\nTarget (kettle >= 1.25x Falcon and >= 10x Flask):", file=sys.stderr)
        for line in target_summary(frameworks, scenarios, cells):
            print(f"  {line}", file=sys.stderr)
    if args.write:
        if args.quick:
            print("(not writing the README from a --quick run)", file=sys.stderr)
        else:
            write_readme(block)
            print(f"wrote {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
