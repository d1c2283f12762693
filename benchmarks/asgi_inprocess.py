#!/usr/bin/env python
"""In-process ASGI benchmark: kettle against Starlette, BlackSheep, Litestar, FastAPI and Falcon.

Each framework's ASGI app is called directly, as a server calls it: ``await app(scope,
receive, send)`` with a fresh copy of a uvicorn-like scope per request, a ``receive`` that
returns the one ``http.request`` message (then waits, as a connection with no more to say
does) and a ``send`` that collects the messages; the status and body of every response are
checked against the values that framework gave (and that were validated) at start-up.

All apps live on one event loop (an ``asyncio.Runner``) for the whole run: each app's ASGI
``lifespan`` is started once before its first request (BlackSheep's ``Application.start()``
runs there) and shut down at the end. A batch of N requests is one ``runner.run(batch(N))``.
The scenarios, batch calibration and interleaved-median method are ``inprocess.py``'s.

    python benchmarks/asgi_inprocess.py                 # full run (about 2.5 minutes)
    python benchmarks/asgi_inprocess.py --quick         # ~30 s smoke run
    python benchmarks/asgi_inprocess.py --write         # ...and update benchmarks/README.md
    python benchmarks/asgi_inprocess.py --profile --scenarios plaintext,post-json

``check()`` runs every scenario once per framework and raises ``AssertionError`` on a
wrong answer; tests load this file by path and call it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import gc
import importlib
import importlib.util
import json
import logging
import os
import pstats
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START_MARKER = "<!-- asgi-results:start -->"
END_MARKER = "<!-- asgi-results:end -->"

#: Framework key -> display name, in table order.
FRAMEWORKS: dict[str, str] = {
    "kettle": "kettle",
    "kettle-sync": "kettle (sync views)",
    "starlette": "Starlette",
    "blacksheep": "BlackSheep",
    "litestar": "Litestar",
    "fastapi": "FastAPI",
    "falcon": "Falcon (ASGI)",
    "fastapi-sync": "FastAPI (def endpoints)",
    "floor-inline": "floor: no thread",
    "floor-default": "floor: run_in_executor(None)",
    "floor-pool": "floor: run_in_executor(pool)",
    "floor-to-thread": "floor: asyncio.to_thread",
    "floor-queue": "floor: queue + call_soon_threadsafe (kettle's)",
}
#: Framework key -> module of ``benchmarks/apps_asgi``.
MODULES = {key: key.replace("-", "_") + "_app" for key in FRAMEWORKS}

#: What the lead's target compares kettle (async views) with: kettle >= each on every scenario.
TARGET_PEERS = ("blacksheep", "falcon", "starlette")
#: Kettle's goal against each: issue 17 asks 1.25x the faster of BlackSheep and Falcon.
TARGET_RATIOS = {"blacksheep": 1.25, "falcon": 1.25, "starlette": 1.0}
#: The typed scenarios' goal: kettle at this multiple of each peer's rate, or better.
TYPED_TARGETS = {"litestar": 1.5, "fastapi": 3.0}
TYPED_SCENARIOS = ("typed-query", "typed-post")

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]

#: ``benchmarks/apps_asgi`` and ``inprocess.py`` are loaded from their paths under these names,
#: so nothing here shadows, or is shadowed by, another ``apps`` package.
APPS_ASGI_PACKAGE = "kettle_benchmark_apps_asgi"
INPROCESS_MODULE = "kettle_benchmark_inprocess"


def _load_inprocess() -> ModuleType:
    module = sys.modules.get(INPROCESS_MODULE)
    if module is None:
        spec = importlib.util.spec_from_file_location(INPROCESS_MODULE, HERE / "inprocess.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[INPROCESS_MODULE] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[INPROCESS_MODULE]
            raise
    return module


def _apps_package() -> ModuleType:
    package = sys.modules.get(APPS_ASGI_PACKAGE)
    if package is None:
        folder = HERE / "apps_asgi"
        spec = importlib.util.spec_from_file_location(
            APPS_ASGI_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[APPS_ASGI_PACKAGE] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[APPS_ASGI_PACKAGE]
            raise
    return package


def _import_app_module(name: str) -> ModuleType:
    _apps_package()
    return importlib.import_module(f"{APPS_ASGI_PACKAGE}.{name}")


# The scenarios (and the batch method) are the WSGI benchmark's, shared, not copied.
inprocess = _load_inprocess()
Scenario = inprocess.Scenario
SCENARIOS: dict[str, Any] = inprocess.SCENARIOS
Cell = inprocess.Cell
calibrate = inprocess.calibrate

#: The headers of a curl-like client, as uvicorn puts them in the scope: lower-case names,
#: byte strings, in arrival order (the same client as ``inprocess.make_environ``).
CLIENT_HEADERS: list[tuple[bytes, bytes]] = [
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    (b"accept", b"*/*"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"accept-language", b"en-US,en;q=0.5"),
    (b"connection", b"keep-alive"),
]


def make_scope(scenario: Any) -> Scope:
    """The scope template of a scenario: what uvicorn hands an app for a curl-like client."""
    headers = list(CLIENT_HEADERS)
    if scenario.body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(scenario.body)).encode()),
        ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50412),
        "scheme": "http",
        "method": scenario.method,
        "root_path": "",
        "path": scenario.path,
        "raw_path": scenario.path.encode(),
        "query_string": scenario.query.encode(),
        "headers": headers,
        "state": {},
    }


class Receive:
    """``receive`` for one request: the whole body in one ``http.request`` message, then it
    waits (the client has nothing more to say and stays connected) for ever."""

    __slots__ = ("_message",)

    def __init__(self, body: bytes) -> None:
        self._message: Message | None = {"type": "http.request", "body": body, "more_body": False}

    async def __call__(self) -> Message:
        message = self._message
        if message is not None:
            self._message = None
            return message
        await asyncio.get_running_loop().create_future()  # never set
        raise AssertionError("unreachable")


# -- apps and their lifespans ----------------------------------------------------------------
class Lifespan:
    """The server's side of an app's ASGI ``lifespan`` scope: start-up now, shut-down later."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: Message) -> None:
        await self._outbox.put(message)

    async def _answer(self, expected: str) -> None:
        assert self._task is not None
        reply = asyncio.ensure_future(self._outbox.get())
        done, _ = await asyncio.wait({reply, self._task}, timeout=30,
                                     return_when=asyncio.FIRST_COMPLETED)
        if reply not in done:
            reply.cancel()
            if self._task in done:
                self._task.result()  # raises the app's error
            raise AssertionError(f"{self.name}: no answer to lifespan {expected!r}")
        message = reply.result()
        if message["type"] != f"lifespan.{expected}.complete":
            raise AssertionError(f"{self.name}: lifespan {expected}: {message!r}")

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": self.state}
        self._task = asyncio.ensure_future(self.app(scope, self._inbox.get, self._send))
        await self._inbox.put({"type": "lifespan.startup"})
        await self._answer("startup")

    async def shutdown(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._answer("shutdown")
        await self._task


class Harness:
    """One event loop for every app, each app's lifespan started before its first request.

    Litestar's start-up installs a root logging handler (its default ``logging_config``); the
    root logger is restored after every start-up so no framework's logging set-up taxes
    another's requests (BlackSheep logs each 404 at INFO, which would then be formatted).
    """

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        root = logging.getLogger()
        self._root_logging = (root.level, list(root.handlers))
        self._modules: dict[str, ModuleType] = {}
        self._apps: dict[tuple[str, str], tuple[ASGIApp, Lifespan]] = {}

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.runner.run(coro)  # type: ignore[arg-type]

    def module(self, framework: str) -> ModuleType:
        if framework not in FRAMEWORKS:
            known = ", ".join(FRAMEWORKS)
            raise ValueError(f"unknown framework {framework!r}; choose from {known}")
        module = self._modules.get(framework)
        if module is None:
            module = self._modules[framework] = _import_app_module(MODULES[framework])
        return module

    def app(self, framework: str, scenario: Any) -> tuple[ASGIApp, Lifespan]:
        """The framework's started app for ``scenario`` (made once, shared between scenarios)."""
        key = (framework, scenario.factory)
        entry = self._apps.get(key)
        if entry is None:
            app = getattr(self.module(framework), scenario.factory)()
            lifespan = Lifespan(app, FRAMEWORKS[framework])
            try:
                self.run(lifespan.startup())
            finally:
                self._restore_logging()
            entry = self._apps[key] = (app, lifespan)
        return entry

    def _restore_logging(self) -> None:
        root = logging.getLogger()
        level, handlers = self._root_logging
        root.setLevel(level)
        root.handlers[:] = handlers

    def close(self) -> None:
        try:
            for _, lifespan in self._apps.values():
                self.run(lifespan.shutdown())
        finally:
            self._apps.clear()
            self.runner.close()


# -- one request, checked --------------------------------------------------------------------
class Expected(NamedTuple):
    status: int
    body: bytes


async def call_once(
    app: ASGIApp, scenario: Any, state: dict[str, Any]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request as a server makes it: status, headers and the whole body."""
    scope = make_scope(scenario)
    scope["state"] = state.copy()
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, Receive(scenario.body or b""), send), timeout=10)
    assert sent and sent[0]["type"] == "http.response.start", f"bad first message {sent[:1]!r}"
    assert all(m["type"] == "http.response.body" for m in sent[1:]), f"bad messages {sent!r}"
    assert len(sent) >= 2 and not sent[-1].get("more_body", False), "the body never ended"
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], list(sent[0].get("headers", [])), body


def validate(harness: Harness, framework: str, scenario: Any) -> Expected:
    """Check one response semantically; return what every later response must equal bytewise."""
    app, lifespan = harness.app(framework, scenario)
    where = f"{FRAMEWORKS[framework]} {scenario.key} ({scenario.method} {scenario.path})"
    status, headers, body = harness.run(call_once(app, scenario, lifespan.state))
    head = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
    shown = body[:300]
    assert status == scenario.status, f"{where}: status {status!r}: {shown!r}"
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
    again = harness.run(call_once(app, scenario, lifespan.state))
    assert (again[0], again[2]) == (status, body), f"{where}: the response is not deterministic"
    return Expected(status, body)


def _check(
    harness: Harness, frameworks: Iterable[str], scenarios: Iterable[str]
) -> dict[tuple[str, str], Expected]:
    results: dict[tuple[str, str], Expected] = {}
    for framework in frameworks:
        for key in scenarios:
            if inprocess.serves(harness.module(framework), SCENARIOS[key]):
                results[(framework, key)] = validate(harness, framework, SCENARIOS[key])
    return results


def check(
    frameworks: Sequence[str] | None = None, scenarios: Sequence[str] | None = None
) -> dict[tuple[str, str], Expected]:
    """Run each scenario once (twice) per framework, asserting status, content type and body."""
    with Harness() as harness:
        return _check(harness, frameworks or list(FRAMEWORKS), scenarios or list(SCENARIOS))


# -- timed batches ---------------------------------------------------------------------------
class WrongResponse(AssertionError):
    pass


def make_runner(
    harness: Harness, app: ASGIApp, lifespan: Lifespan, scenario: Any, expected: Expected
) -> Callable[[int], float]:
    """``runner(n)``: the seconds ``n`` checked requests take. The same code for every app."""
    template = make_scope(scenario)
    payload = scenario.body or b""
    state = lifespan.state
    want_status, want_body = expected.status, expected.body
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    def fail(messages: list[Message]) -> WrongResponse:
        return WrongResponse(
            f"{scenario.key}: got {messages[:3]!r}, expected {want_status!r} {want_body[:200]!r}"
        )

    async def batch(n: int) -> float:
        copy, copy_state, perf, clear = template.copy, state.copy, time.perf_counter, sent.clear
        start = perf()
        for _ in range(n):
            clear()
            scope = copy()
            scope["state"] = copy_state()
            await app(scope, Receive(payload), send)
            if len(sent) == 2:
                body = sent[1].get("body", b"")
            else:
                body = b"".join(m.get("body", b"") for m in sent[1:])
            if body != want_body or sent[0].get("status") != want_status:
                raise fail(sent)
        return perf() - start

    def runner(n: int) -> float:
        return harness.run(batch(n))  # type: ignore[no-any-return]

    return runner


def run(
    harness: Harness,
    frameworks: Sequence[str],
    scenarios: Sequence[str],
    rounds: int,
    batch_time: float,
    log: Callable[[str], None] = print,
) -> dict[tuple[str, str], Any]:
    """Interleaved rounds; returns the batch times of every (scenario, framework)."""
    expected = _check(harness, frameworks, scenarios)
    runners: dict[tuple[str, str], Callable[[int], float]] = {}
    cells: dict[tuple[str, str], Any] = {}
    for key in scenarios:
        scenario = SCENARIOS[key]
        for fw in frameworks:
            if (fw, key) not in expected:
                continue
            app, lifespan = harness.app(fw, scenario)
            runner = make_runner(harness, app, lifespan, scenario, expected[(fw, key)])
            runners[(key, fw)] = runner
            cells[(key, fw)] = Cell(calibrate(runner, batch_time))
    inprocess.run_rounds(frameworks, scenarios, rounds, runners, cells, log)
    return cells


def harness_ceiling(harness: Harness, batch_time: float, rounds: int = 5) -> float:
    """Requests per second of the harness around a bare ASGI app answering a constant."""
    bare = _import_app_module("bare_app").asgi_app
    scenario = SCENARIOS["plaintext"]
    lifespan = Lifespan(bare, "bare ASGI")
    harness.run(lifespan.startup())
    runner = make_runner(harness, bare, lifespan, scenario, Expected(200, b"Hello, World!"))
    cell = Cell(calibrate(runner, batch_time))
    for _ in range(rounds):
        gc.collect()
        cell.times.append(runner(cell.n))
    harness.run(lifespan.shutdown())
    return cell.rate  # type: ignore[no-any-return]


class OtherLoad:
    """The CPU that processes other than this one used, on average, between ``__init__`` and
    ``cpus()``: ``/proc/stat``'s busy time of the whole machine (every container's processes,
    irq, softirq, steal) minus this process's own. ``None`` where there is no ``/proc/stat``."""

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [int(v) for v in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        me = resource.getrusage(resource.RUSAGE_SELF)
        return busy, me.ru_utime + me.ru_stime, time.monotonic()

    def cpus(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None or end[2] <= self._start[2]:
            return None
        busy, mine, wall = (b - a for a, b in zip(self._start, end, strict=True))
        return max(0.0, busy - mine) / wall


# -- report ----------------------------------------------------------------------------------
def environment_notes(harness: Harness, frameworks: Sequence[str]) -> list[str]:
    lines: list[str] = inprocess.environment_notes([])[:1]  # the machine line
    lines[0] = lines[0][:-1] + f"; asyncio event loop ({_loop_name(harness)})."
    versions = []
    for fw in frameworks:
        if fw == "kettle-sync" or fw == "fastapi-sync" or fw.startswith("floor"):
            continue
        text = f"{FRAMEWORKS[fw]} {harness.module(fw).VERSION}"
        if fw == "kettle":
            text += f" (msgspec {inprocess._version('msgspec')})"
        elif fw == "falcon":
            text = f"Falcon {harness.module(fw).VERSION} ({inprocess._falcon_build()})"
        elif fw == "fastapi":
            text += f" (pydantic {inprocess._version('pydantic')})"
        elif fw == "blacksheep":
            text += " (Cython-compiled)"
        versions.append(text)
    lines.append("Versions: " + ", ".join(versions) + ".")
    return lines


def _loop_name(harness: Harness) -> str:
    loop = harness.runner.get_loop()
    return f"{type(loop).__module__}.{type(loop).__name__}"


Cells = dict[tuple[str, str], Any]


def render_table(frameworks: Sequence[str], scenarios: Sequence[str], cells: Cells) -> str:
    ratio_to = [fw for fw in TARGET_PEERS if fw in frameworks and "kettle" in frameworks]
    header = ["Scenario", *(f"{FRAMEWORKS[fw]} req/s" for fw in frameworks)]
    header += [f"kettle/{FRAMEWORKS[fw]}" for fw in ratio_to]
    rows = [header, ["---", *("---:" for _ in header[1:])]]
    for key in scenarios:
        row = [SCENARIOS[key].title]
        row += [inprocess.rate_cell(cells, key, fw) for fw in frameworks]
        row += [inprocess.ratio_cell(cells, key, "kettle", fw) for fw in ratio_to]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def report(
    harness: Harness,
    frameworks: Sequence[str],
    scenarios: Sequence[str],
    cells: Cells,
    rounds: int,
    batch_time: float,
    ceiling: float | None,
    command: str,
    other_load: float | None = None,
) -> str:
    worst = max(cells, key=lambda k: cells[k].spread)
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = [
        *environment_notes(harness, frameworks),
        f"Method: one discarded warm-up round, then the median of {rounds} interleaved rounds "
        f"per cell, batches of ~{batch_time:g} s "
        f"(the largest interquartile spread of a cell's batch rates was "
        f"{cells[worst].spread:.1%}, {worst[0]} on {FRAMEWORKS[worst[1]]}).",
    ]
    if ceiling is not None:
        notes.append(
            f"Harness alone (a bare ASGI app sending a constant): {ceiling:,.0f} req/s, "
            "the ceiling of any cell above."
        )
    if other_load is not None:
        notes.append(
            f"Other load: processes other than the benchmark used {other_load:.2f} CPU on "
            "average during the run"
            + (" (the machine was not quiet: re-run)." if other_load > 0.5 else ".")
        )
    summary = target_summary(frameworks, scenarios, cells)
    if summary and all(peer in frameworks for peer in TARGET_PEERS):
        missed = [line.split(":")[0] for line in summary if ": MISS" in line]
        notes.append(
            "Target, kettle >= 1.25x BlackSheep and Falcon, >= Starlette, on every scenario "
            "each serves: "
            + (f"missed on {', '.join(missed)}." if missed else "met.")
        )
    notes.extend(typed_target_notes(frameworks, scenarios, cells))
    notes.extend(sync_view_notes(cells))
    notes.append(f"Run {today}: `{command}`.")
    return render_table(frameworks, scenarios, cells) + "\n\n" + "\n".join(
        f"- {line}" for line in notes
    )


def target_summary(frameworks: Sequence[str], scenarios: Sequence[str], cells: Cells) -> list[str]:
    """Where kettle stands: ``TARGET_RATIOS`` of each peer on every scenario it serves."""
    lines: list[str] = []
    if "kettle" not in frameworks:
        return lines
    for key in scenarios:
        kettle = cells[(key, "kettle")].rate
        parts = []
        missed = False
        for fw in TARGET_PEERS:
            if (key, fw) in cells:
                ratio = kettle / cells[(key, fw)].rate
                missed |= ratio < TARGET_RATIOS[fw]
                parts.append(f"{ratio:.2f}x {FRAMEWORKS[fw]}")
        lines.append(f"{key}: {'MISS' if missed else 'ok'} ({', '.join(parts)})")
    return lines


def sync_view_notes(cells: Cells, key: str = "plaintext") -> list[str]:
    """``def`` views under ASGI: kettle's extra cost over its ``async def`` figure against the
    cheapest thread hand-off of a bare app (goal: <= 1.25x), and FastAPI's ``def`` endpoints."""
    def us(fw: str) -> float | None:
        cell = cells.get((key, fw))
        return None if cell is None else 1e6 / cell.rate

    kettle, sync, bare = us("kettle"), us("kettle-sync"), us("floor-inline")
    hops = {
        fw: cost - bare for fw in FRAMEWORKS
        if fw.startswith("floor-") and fw != "floor-inline" and bare is not None
        and (cost := us(fw)) is not None
    }
    if kettle is None or sync is None or not hops:
        return []
    cheapest = min(hops, key=hops.__getitem__)
    extra = sync - kettle
    ratio = extra / hops[cheapest]
    listed = ", ".join(f"{FRAMEWORKS[fw].removeprefix('floor: ')} {hop:.1f} µs"
                       for fw, hop in hops.items())
    note = (f"`def` views under ASGI ({key}): kettle's thread hop costs {extra:.1f} µs over its "
            f"`async def` figure, {ratio:.2f}x the cheapest bare hand-off "
            f"({FRAMEWORKS[cheapest].removeprefix('floor: ')}, {hops[cheapest]:.1f} µs; "
            f"{listed}); goal <= 1.25x: {'met' if ratio <= 1.25 else 'MISSED'}.")
    fastapi = us("fastapi-sync")
    if fastapi is not None:
        note += f" FastAPI's `def` endpoints: {fastapi:.1f} µs a request, kettle's {sync:.1f} µs."
    return [note]


def typed_target_notes(
    frameworks: Sequence[str], scenarios: Sequence[str], cells: Cells
) -> list[str]:
    """Typed views against the peers that bind from types: >= 1.5x Litestar, >= 3x FastAPI."""
    notes: list[str] = []
    if "kettle" not in frameworks:
        return notes
    for key in (k for k in TYPED_SCENARIOS if k in scenarios):
        kettle = cells[(key, "kettle")].rate
        parts = []
        for fw, goal in TYPED_TARGETS.items():
            if fw in frameworks:
                ratio = kettle / cells[(key, fw)].rate
                parts.append(f"{ratio:.2f}x {FRAMEWORKS[fw]} (goal {goal}x: "
                             f"{'met' if ratio >= goal else 'MISSED'})")
        if parts:
            notes.append(f"Typed `{key}`, kettle: " + ", ".join(parts) + ".")
    return notes


# -- profiling -------------------------------------------------------------------------------
#: kettle functions whose cumulative time makes up a request, in pipeline order: (part, where).
KETTLE_PARTS: tuple[tuple[str, str, str], ...] = (
    ("the whole request (`asgi.handle`)", "kettle/asgi.py", "handle"),
    ("  `request_from_scope`", "kettle/asgi.py", "request_from_scope"),
    ("  `Context()`", "kettle/context.py", "__init__"),
    ("  `match_request` (routing)", "kettle/app.py", "match_request"),
    ("  `_declares_body`", "kettle/asgi.py", "_declares_body"),
    ("  `read_body`", "kettle/asgi.py", "read_body"),
    ("  `run_sync` (thread pool hop)", "kettle/concurrency.py", "run_sync"),
    ("  `drive_async` (pipeline generator)", "kettle/concurrency.py", "drive_async"),
    ("  `routing_error_shortcut`", "kettle/dispatch.py", "routing_error_shortcut"),
    ("  `finish_fast`", "kettle/dispatch.py", "finish_fast"),
    ("    `make_response`", "kettle/app.py", "make_response"),
    ("  `_finish` (context pop with teardown)", "kettle/asgi.py", "_finish"),
    ("  `encode_headers`", "kettle/asgi.py", "encode_headers"),
    ("  `send_response` (uncommon responses)", "kettle/asgi.py", "send_response"),
    ("    `wire_headers`", "kettle/response.py", "wire_headers"),
)


def profile(framework: str, key: str, requests: int, top: int = 20) -> str:
    """cProfile ``requests`` checked requests: kettle's parts, then the top functions (own time)."""
    scenario = SCENARIOS[key]
    with Harness() as harness:
        expected = validate(harness, framework, scenario)
        app, lifespan = harness.app(framework, scenario)
        runner = make_runner(harness, app, lifespan, scenario, expected)
        runner(500)
        walls = []
        for _ in range(5):  # unprofiled, for scale
            gc.collect()
            walls.append(runner(requests))
        bare = _import_app_module("bare_app").asgi_app
        bare_runner = make_runner(harness, bare, lifespan, SCENARIOS["plaintext"],
                                  Expected(200, b"Hello, World!"))
        bare_runner(500)
        bare_walls = []
        for _ in range(5):
            gc.collect()
            bare_walls.append(bare_runner(requests))
        profiler = cProfile.Profile()
        gc.collect()
        profiler.enable()
        runner(requests)
        profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values())
    per = 1e6 / requests
    lines = [
        f"### {FRAMEWORKS[framework]} {key}: {statistics.median(walls) * per:.2f} µs/request "
        f"unprofiled (the harness around a bare ASGI app: "
        f"{statistics.median(bare_walls) * per:.2f} µs), "
        f"{total * per:.2f} µs/request under cProfile ({requests} requests)",
        "",
    ]
    if framework.startswith("kettle"):
        lines += [
            "| part (cumulative, under cProfile) | µs/req | calls/req |",
            "| --- | ---: | ---: |",
        ]
        for label, file_suffix, name in KETTLE_PARTS:
            found = [
                (calls, ct) for (filename, _, fname), (_, calls, _, ct, _) in entries.items()
                if fname == name and filename.endswith(file_suffix)
            ]
            if name == "__init__":  # only Context.__init__ in context.py is meant
                found = found[:1]
            if found:
                calls, ct = max(found, key=lambda item: item[1])
                lines.append(f"| {label} | {ct * per:.2f} | {calls / requests:g} |")
        lines.append("")
    lines += [
        "| own µs/req | cum µs/req | calls/req | function |",
        "| ---: | ---: | ---: | --- |",
    ]
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_, calls, tt, ct, _) in ranked:
        where = inprocess._short(filename)
        label = f"{where}:{line} {name}" if line else f"{name}"
        lines.append(f"| {tt * per:.2f} | {ct * per:.2f} | {calls / requests:g} | `{label}` |")
    return "\n".join(lines)


# -- kettle's ASGI path by part, unprofiled ---------------------------------------------------
#: The parts of ``kettle.asgi.handle``'s HTTP path, in order.
BREAKDOWN_PARTS = (
    "harness: scope copy + `Receive` (no app)",
    "`request_from_scope` (Request over ASGIHeaders)",
    "`Context()` + `ContextVar.set`",
    "`match_request` (routing)",
    "the body check (`_declares_body`) + `read_body`",
    "the view (awaited, or `run_sync`: the thread hop) / the routing error's response",
    "`finish_fast` (`make_response`)",
    "leaving the context (`ContextVar.reset`, or `_finish` when there is teardown)",
    "response headers (encoded pairs) + 2 `send`s",
)


def breakdown(framework: str, key: str, requests: int, repeats: int = 7) -> str:
    """µs per request of each part of kettle's ASGI HTTP path, without a profiler's distortion.

    Stage k runs parts 0..k of a replica of ``kettle.asgi.handle``'s HTTP path (no hooks, a
    bytes body), made of the module's own functions; a part's cost is the difference between
    the medians of consecutive stages. The last row compares the replica with the real
    ``await app(...)``: the call chain and whatever the replica leaves out. Tied to kettle's
    internals: if they move, this says so instead of timing something else.
    """
    try:
        from kettle import asgi as door
        from kettle.concurrency import drive_async, run_sync
        from kettle.context import Context, _cv_context
        from kettle.dispatch import finish_fast, pipeline, routing_error_shortcut
        from kettle.response import Response, wire_headers

        from_scope, declares_body, read_body = (
            door.request_from_scope, door._declares_body, door.read_body
        )
        no_body_methods = door._NO_BODY_METHODS

        def has_body(request: Any) -> bool:
            return bool(
                request.method not in no_body_methods or declares_body(request._raw_headers)
            )
        finish, encode_headers, encoded = door._finish, door.encode_headers, door._encoded
        nosniff = door._NOSNIFF
    except (ImportError, AttributeError) as exc:
        return f"### breakdown unavailable: kettle's ASGI internals changed ({exc!r})"
    scenario = SCENARIOS[key]
    with Harness() as harness:
        expected = validate(harness, framework, scenario)
        app: Any = harness.app(framework, scenario)[0]
        template = make_scope(scenario)
        payload = scenario.body or b""
        sent: list[Message] = []

        async def send(message: Any) -> None:
            sent.append(message)

        async def stage(n: int, upto: int) -> float:
            copy, perf, limits = template.copy, time.perf_counter, app._limits
            start = perf()
            for _ in range(n):
                sent.clear()
                scope = copy()
                scope["state"] = {}
                receive = Receive(payload)
                if upto < 1:
                    continue
                request = from_scope(scope, limits)
                if upto < 2:
                    continue
                ctx = Context(app, request)
                ctx._token = token = _cv_context.set(ctx)
                if upto >= 3:
                    plan = ctx.plan = app.match_request(request)
                if upto >= 4 and has_body(request):
                    await read_body(request, receive)
                if upto >= 5:
                    if request.routing_exception is not None:
                        exc = routing_error_shortcut(app, ctx, plan)
                        rv = pipeline(app, ctx, plan) if exc is None else app.make_response(exc)
                        if not isinstance(rv, Response):
                            rv = await drive_async(app, rv)
                    elif plan.view_is_async:
                        rv = await plan.view(**request.view_args)  # type: ignore[arg-type]
                    else:
                        rv = await run_sync(app, plan.view, (), request.view_args)
                if upto >= 6:
                    response: Any = rv
                    if not isinstance(rv, Response):
                        response = finish_fast(app, ctx, plan, rv)
                    if not isinstance(response, Response):
                        response = await drive_async(app, response)
                if upto >= 7 and (plan.needs_teardown or ctx._holds):
                    await finish(app, ctx, plan, None, scope)
                else:
                    if upto >= 7 and (request._files or request._data is not None):
                        request.close()
                    _cv_context.reset(token)
                if upto >= 8:
                    body, items = response._body, response.headers._list
                    if len(items) == 1 and items[0][0] == "Content-Type":
                        headers = [encoded.get(items[0]) or encode_headers(items)[0],
                                   (b"content-length", str(len(body)).encode()), nosniff]
                    else:
                        headers = encode_headers(wire_headers(response))
                    await send({"type": "http.response.start", "status": response.status_code,
                                "headers": headers})
                    await send({"type": "http.response.body", "body": body})
            elapsed = perf() - start
            if upto >= 8 and (sent[0]["status"], sent[1]["body"]) != tuple(expected):
                raise WrongResponse(f"breakdown replica answered {sent[:2]!r}")
            return elapsed

        async def real(n: int) -> float:
            copy, perf = template.copy, time.perf_counter
            start = perf()
            for _ in range(n):
                sent.clear()
                scope = copy()
                scope["state"] = {}
                await app(scope, Receive(payload), send)
            return perf() - start

        stages = len(BREAKDOWN_PARTS)
        harness.run(real(500))
        try:
            for k in range(stages):
                harness.run(stage(200, k))
        except (AttributeError, TypeError, WrongResponse) as exc:
            return f"### breakdown unavailable: kettle's ASGI internals changed ({exc!r})"
        times: dict[int, list[float]] = {k: [] for k in range(-1, stages)}
        for _ in range(repeats):  # interleaved, like the main benchmark
            for k in range(-1, stages):
                gc.collect()
                times[k].append(harness.run(real(requests) if k < 0 else stage(requests, k)))
    per = 1e6 / requests
    med = {k: statistics.median(v) * per for k, v in times.items()}
    lines = [
        f"### {FRAMEWORKS[framework]} {key}: {med[-1]:.2f} µs/request for `await app(...)` "
        f"(median of {repeats} batches of {requests})",
        "",
        "| part | µs/req | share of the request |",
        "| --- | ---: | ---: |",
    ]
    previous = 0.0
    for k, label in enumerate(BREAKDOWN_PARTS):
        cost = med[k] - previous
        previous = med[k]
        lines.append(f"| {label} | {cost:.2f} | {cost / med[-1]:.0%} |")
    chain = med[-1] - med[stages - 1]
    lines.append(f"| `Kettle.__call__` -> `asgi.handle` and the rest (real minus replica) "
                 f"| {chain:.2f} | {chain / med[-1]:.0%} |")
    return "\n".join(lines)


# -- command line ----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (15)")
    parser.add_argument(
        "--batch-time", type=float, default=None, help="seconds per batch (0.12)"
    )
    parser.add_argument("--scenarios", help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--frameworks", help=f"comma-separated, from: {', '.join(FRAMEWORKS)}")
    parser.add_argument("--quick", action="store_true", help="a ~30 s smoke run")
    parser.add_argument("--write", action="store_true", help=f"write the table into {README}")
    parser.add_argument(
        "--profile", action="store_true",
        help="cProfile the chosen scenarios (default framework: kettle) instead of benchmarking",
    )
    parser.add_argument("--breakdown", action="store_true",
                        help="time kettle's ASGI path part by part, unprofiled (kettle only)")
    parser.add_argument("--requests", type=int, default=20000, help="requests to profile")
    parser.add_argument("--top", type=int, default=20, help="functions listed by --profile")
    args = parser.parse_args(argv)

    scenarios = inprocess._choices(args.scenarios, SCENARIOS, "scenarios")
    if args.profile or args.breakdown:
        frameworks = inprocess._choices(args.frameworks or "kettle", FRAMEWORKS, "frameworks")
        for fw in frameworks:
            for key in scenarios:
                if args.breakdown:
                    if not fw.startswith("kettle"):
                        raise SystemExit("--breakdown times kettle's own parts: kettle only")
                    print(breakdown(fw, key, args.requests // 4), end="\n\n")
                if args.profile:
                    print(profile(fw, key, args.requests, args.top), end="\n\n")
        return 0

    frameworks = inprocess._choices(args.frameworks, FRAMEWORKS, "frameworks")
    rounds = args.rounds or (3 if args.quick else 15)
    batch_time = args.batch_time or (0.02 if args.quick else 0.12)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with Harness() as harness:
        load = OtherLoad()
        cells = run(harness, frameworks, scenarios, rounds, batch_time, log)
        ceiling = harness_ceiling(harness, batch_time)
        other_load = load.cpus()
        command = "python benchmarks/asgi_inprocess.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        block = report(harness, frameworks, scenarios, cells, rounds, batch_time, ceiling,
                       command.strip(), other_load)
    print(block)
    if "kettle" in frameworks and set(TARGET_PEERS) & set(frameworks):
        print("\nTarget (kettle >= 1.25x BlackSheep and Falcon, >= Starlette):", file=sys.stderr)
        for line in target_summary(frameworks, scenarios, cells):
            print(f"  {line}", file=sys.stderr)
    if args.write:
        if args.quick:
            print("(not writing the README from a --quick run)", file=sys.stderr)
        else:
            inprocess.write_readme(block, README, (START_MARKER, END_MARKER))
            print(f"wrote {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
