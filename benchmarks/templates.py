#!/usr/bin/env python
"""In-process template benchmark: a kettle view rendering a Jinja2 template, against a bare
WSGI / ASGI callable rendering the same template with Jinja2 directly (and Flask, for scale).

Two pages: ``/page`` (``benchmarks/templates/page.html``, extending ``base.html``) is a
20-row product table with escaping, a filter, a loop and inheritance, about 4 kB of HTML;
``/small`` (``small.html``) is three lines with three values, where a framework's own cost
per render shows most. Every callable renders them from the same context and must answer
the same bytes. The bare callables do what a hand-written app does per request:
``env.get_template(name).render(...)`` on a module-level environment (autoescape on, no
auto-reload), then the status and headers.

The request harness (fresh environ/scope per request, body checked, batches calibrated,
interleaved rounds, median) is ``inprocess.py``'s for WSGI and ``asgi_inprocess.py``'s for
ASGI, loaded from their files. The goal: kettle costs <= 1.1x the bare callable, per door.

    python benchmarks/templates.py            # full run (about a minute)
    python benchmarks/templates.py --quick    # ~10 s smoke run
    python benchmarks/templates.py --write    # ...and update benchmarks/README.md
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.util
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

HERE = Path(__file__).resolve().parent
FOLDER = HERE / "templates"
START_MARKER = "<!-- templates-results:start -->"
END_MARKER = "<!-- templates-results:end -->"
ASGI_MODULE = "kettle_benchmark_asgi_inprocess"
GOAL = 1.1

CONTEXT: dict[str, Any] = {
    "title": "Kettles & teapots",
    "user": {"name": "Ada <admin>"},
    "query": 'kettle & "tea"',
    "cart_size": 3,
    "footer": "© kettle — rendered by Jinja2",
    "products": [
        {"id": i, "name": f"Kettle <model {i}> & co", "price": 19.5 + i, "stock": i % 4}
        for i in range(20)
    ],
}


def _load_asgi_inprocess() -> ModuleType:
    module = sys.modules.get(ASGI_MODULE)
    if module is None:
        spec = importlib.util.spec_from_file_location(ASGI_MODULE, HERE / "asgi_inprocess.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[ASGI_MODULE] = module
        spec.loader.exec_module(module)
    return module


asgi_bench = _load_asgi_inprocess()
wsgi_bench: ModuleType = asgi_bench.inprocess
SCENARIOS = {
    "page": wsgi_bench.Scenario("page", "20-row page `GET /page`", "GET", "/page"),
    "small": wsgi_bench.Scenario("small", "small page `GET /small`", "GET", "/small"),
}
#: path -> template name
PAGES = {"/page": "page.html", "/small": "small.html"}


# -- the callables -----------------------------------------------------------------------------
def bare_environment(kettle_template: bool = False) -> jinja2.Environment:
    """Stock Jinja2; with ``kettle_template``, using kettle's ``Template`` (its faster render
    context) so that the comparison isolates what the framework itself costs."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDER),
        autoescape=jinja2.select_autoescape(["html"]),
        auto_reload=False,
    )
    if kettle_template:
        from kettle.templating import Template

        env.template_class = Template
    return env


def bare_wsgi(kettle_template: bool = False) -> Callable[..., Any]:
    env = bare_environment(kettle_template)
    headers = [("Content-Type", "text/html; charset=utf-8")]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = env.get_template(PAGES[environ["PATH_INFO"]]).render(CONTEXT).encode()
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


def bare_asgi(kettle_template: bool = False) -> Callable[..., Any]:
    env = bare_environment(kettle_template)
    content_type = (b"content-type", b"text/html; charset=utf-8")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                done = "startup" if message["type"] == "lifespan.startup" else "shutdown"
                await send({"type": f"lifespan.{done}.complete"})
                if done == "shutdown":
                    return
        body = env.get_template(PAGES[scope["path"]]).render(CONTEXT).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [
            content_type, (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})

    return app


def kettle_app() -> Any:
    from kettle import Kettle, render_template

    app = Kettle("template_bench", root_path=str(HERE))

    @app.get("/page")
    def page() -> str:
        return render_template("page.html", **CONTEXT)

    @app.get("/small")
    def small() -> str:
        return render_template("small.html", **CONTEXT)

    return app


def kettle_async_app() -> Any:
    from kettle import Kettle, render_template

    app = Kettle("template_bench_async", root_path=str(HERE))

    @app.get("/page")
    async def page() -> str:
        return render_template("page.html", **CONTEXT)

    @app.get("/small")
    async def small() -> str:
        return render_template("small.html", **CONTEXT)

    return app


def flask_app() -> Any:
    from flask import Flask, render_template

    app = Flask("template_bench_flask", root_path=str(HERE))

    @app.get("/page")
    def page() -> str:
        return render_template("page.html", **CONTEXT)

    @app.get("/small")
    def small() -> str:
        return render_template("small.html", **CONTEXT)

    return app


#: key -> (door, display name, factory); the first of each door is its baseline.
CALLABLES: dict[str, tuple[str, str, Callable[[], Any]]] = {
    "bare-wsgi": ("wsgi", "bare WSGI + Jinja2", bare_wsgi),
    "bare-wsgi-kt": ("wsgi", "bare WSGI + Jinja2 with kettle's Template",
                     lambda: bare_wsgi(kettle_template=True)),
    "kettle-wsgi": ("wsgi", "kettle (WSGI)", kettle_app),
    "flask": ("wsgi", "Flask", flask_app),
    "bare-asgi": ("asgi", "bare ASGI + Jinja2", bare_asgi),
    "bare-asgi-kt": ("asgi", "bare ASGI + Jinja2 with kettle's Template",
                     lambda: bare_asgi(kettle_template=True)),
    "kettle-asgi": ("asgi", "kettle (ASGI, async view)", kettle_async_app),
}
#: Per door: the stock-Jinja2 baseline (the goal's), and the one isolating kettle's own cost.
BASELINE = {"wsgi": "bare-wsgi", "asgi": "bare-asgi"}
SAME_TEMPLATE = {"wsgi": "bare-wsgi-kt", "asgi": "bare-asgi-kt"}


# -- checking and timing -------------------------------------------------------------------
class Bench:
    """Each callable built once, its ASGI lifespan started; one runner per callable."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.harness = asgi_bench.Harness()
        self.keys = list(keys)
        self.apps: dict[str, Any] = {}
        self.lifespans: dict[str, Any] = {}
        for key in self.keys:
            door, name, factory = CALLABLES[key]
            app = self.apps[key] = factory()
            if door == "asgi":
                lifespan = self.lifespans[key] = asgi_bench.Lifespan(app, name)
                self.harness.run(lifespan.startup())

    def close(self) -> None:
        for lifespan in self.lifespans.values():
            self.harness.run(lifespan.shutdown())
        self.harness.close()

    def call(self, key: str, scenario: Any) -> tuple[int, dict[str, str], bytes]:
        app = self.apps[key]
        if CALLABLES[key][0] == "wsgi":
            status, headers, body = wsgi_bench.call_once(app, scenario)
            return int(status.split()[0]), {k.lower(): v for k, v in headers}, body
        code, raw, body = self.harness.run(
            asgi_bench.call_once(app, scenario, self.lifespans[key].state)
        )
        return code, {k.decode().lower(): v.decode() for k, v in raw}, body

    def check(self, scenario: Any) -> bytes:
        """Every callable answers 200, HTML, and the same bytes; returns that body."""
        bodies = {}
        for key in self.keys:
            code, headers, body = self.call(key, scenario)
            assert code == 200, f"{key}: status {code}: {body[:300]!r}"
            assert headers["content-type"].startswith("text/html"), f"{key}: {headers}"
            assert int(headers["content-length"]) == len(body), f"{key}: Content-Length"
            bodies[key] = body
        first = next(iter(bodies.values()))
        assert b"Ada &lt;admin&gt;" in first and b"<admin>" not in first, first[:500]
        for key, body in bodies.items():
            assert body == first, f"{key} renders differently:\n{body.decode()}"
        return first

    def runner(self, key: str, scenario: Any, body: bytes) -> Callable[[int], float]:
        app = self.apps[key]
        if CALLABLES[key][0] == "wsgi":
            expected = wsgi_bench.Expected("200 OK", body)
            return wsgi_bench.make_runner(app, scenario, expected)  # type: ignore[no-any-return]
        return asgi_bench.make_runner(  # type: ignore[no-any-return]
            self.harness, app, self.lifespans[key], scenario, asgi_bench.Expected(200, body)
        )


def check(keys: Sequence[str] | None = None) -> dict[str, bytes]:
    """Build every callable and check they answer the same pages (tests call this)."""
    bench = Bench(keys or list(CALLABLES))
    try:
        return {name: bench.check(scenario) for name, scenario in SCENARIOS.items()}
    finally:
        bench.close()


Cells = dict[tuple[str, str], Any]


def run(keys: Sequence[str], scenarios: Sequence[str], rounds: int, batch_time: float) -> Cells:
    """Interleaved rounds over every (scenario, callable); their batch times."""
    bench = Bench(keys)
    try:
        runners = {}
        for name in scenarios:
            body = bench.check(SCENARIOS[name])
            for key in keys:
                runners[(name, key)] = bench.runner(key, SCENARIOS[name], body)
        cells = {
            cell: wsgi_bench.Cell(wsgi_bench.calibrate(runner, batch_time))
            for cell, runner in runners.items()
        }
        started = time.perf_counter()
        for r in range(rounds):
            for name in scenarios:
                for key in [*keys[r % len(keys):], *keys[: r % len(keys)]]:
                    gc.collect()
                    cells[(name, key)].times.append(runners[(name, key)](cells[(name, key)].n))
            print(f"  round {r + 1}/{rounds} ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
        return cells
    finally:
        bench.close()


def report(
    keys: Sequence[str], scenarios: Sequence[str], cells: Cells, rounds: int, command: str
) -> str:
    rows = ["| Page | Callable | req/s | µs/request | cost vs bare Jinja2 | "
            "cost vs bare with kettle's Template |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]

    def ratio(name: str, key: str, base_key: str) -> str:
        base = cells.get((name, base_key))
        if key == base_key:
            return "1"
        return "-" if base is None else f"{base.rate / cells[(name, key)].rate:.3f}x"

    for name in scenarios:
        for key in keys:
            door, label, _ = CALLABLES[key]
            rate = cells[(name, key)].rate
            rows.append(
                f"| `{SCENARIOS[name].path}` | {label} | {rate:,.0f} | {1e6 / rate:.1f} | "
                f"{ratio(name, key, BASELINE[door])} | {ratio(name, key, SAME_TEMPLATE[door])} |"
            )
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = [
        "",
        f"Median of {rounds} interleaved rounds; each ratio compares callables of the same "
        f"door. Goal: kettle <= {GOAL}x the bare callable of its door.",
        f"Run {when} on {wsgi_bench._cpu_model()} (Python {platform.python_version()}, "
        f"Jinja2 {jinja2.__version__}): `{command}`",
    ]
    return "\n".join(rows + notes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (15)")
    parser.add_argument("--batch-time", type=float, default=None, help="seconds per batch (0.12)")
    parser.add_argument("--callables", help=f"comma-separated, from: {', '.join(CALLABLES)}")
    parser.add_argument("--quick", action="store_true", help="a ~10 s smoke run")
    parser.add_argument("--write", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.callables.split(",")] if args.callables else list(CALLABLES)
    unknown = [k for k in keys if k not in CALLABLES]
    if unknown:
        raise SystemExit(f"unknown callables: {', '.join(unknown)}")
    rounds = args.rounds or (3 if args.quick else 15)
    batch_time = args.batch_time or (0.02 if args.quick else 0.12)
    scenarios = list(SCENARIOS)
    cells = run(keys, scenarios, rounds, batch_time)
    command = "python benchmarks/templates.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    block = report(keys, scenarios, cells, rounds, command.strip())
    print(block)
    if args.write and not args.quick:
        wsgi_bench.write_readme(block, markers=(START_MARKER, END_MARKER))
        print(f"wrote {wsgi_bench.README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
