#!/usr/bin/env python
"""End-to-end benchmark over loopback: granian (one worker) serving each app, wrk loading it.

Each app runs in ONE granian worker pinned to CPU 0 (``taskset -c 0``); ``wrk`` runs pinned to
CPU 1 (``taskset -c 1 wrk -t1 -c32 -d5s --latency``). Apps: kettle under ``--interface wsgi``
(the WSGI benchmark's app, plain ``def`` views) and under ``--interface asgi`` (``async def``
views), a bare WSGI and a bare ASGI callable answering the same bytes (the physical limit of
server + loopback + wrk), and Falcon (WSGI) and Starlette (ASGI) for reference.

Every server is started once and checked with one ``urllib`` request per scenario (status,
``Content-Type``, body) before any measurement and again after the last; wrk reporting a
non-2xx answer or a socket error fails the run. Then ``--rounds`` interleaved rounds (the
order of the apps rotating) each run, per scenario and app, a 1 s wrk warm-up and a measured
wrk run; a cell is the median req/s and the median p99 latency over the rounds. Every server
started is stopped (its process group, by id) on the way out, whatever happens.

    python benchmarks/e2e.py              # full run (about 3.7 minutes)
    python benchmarks/e2e.py --quick      # ~40 s smoke run (never written)
    python benchmarks/e2e.py --write      # ...and update benchmarks/README.md
    python benchmarks/e2e.py --apps kettle-asgi,bare-asgi --scenarios plaintext
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START_MARKER = "<!-- e2e-results:start -->"
END_MARKER = "<!-- e2e-results:end -->"


def _load_inprocess() -> Any:
    """``inprocess.py``'s report helpers, loaded from its path as ``asgi_inprocess`` does."""
    name = "kettle_benchmark_inprocess"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / "inprocess.py")
        assert spec is not None and spec.loader is not None
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


inprocess = _load_inprocess()
HELLO = "Hello, World!"

SERVER_CPU = "0"
CLIENT_CPU = "1"


class Target(NamedTuple):
    title: str
    interface: str  # granian --interface
    app: str  # granian's APP argument, relative to benchmarks/ (--working-dir)
    factory: bool  # the APP is a factory (granian --factory)
    bare: str  # the key of the bare callable of the same interface


#: key -> what granian serves, in table order.
TARGETS: dict[str, Target] = {
    "bare-wsgi": Target("bare WSGI callable", "wsgi", "apps_asgi.bare_app:wsgi_app", False,
                        "bare-wsgi"),
    "kettle-wsgi": Target("kettle", "wsgi", "apps.kettle_app:create_app", True, "bare-wsgi"),
    "falcon-wsgi": Target("Falcon", "wsgi", "apps.falcon_app:create_app", True, "bare-wsgi"),
    "bare-asgi": Target("bare ASGI callable", "asgi", "apps_asgi.bare_app:asgi_app", False,
                        "bare-asgi"),
    "kettle-asgi": Target("kettle (async views)", "asgi", "apps_asgi.kettle_app:create_app", True,
                          "bare-asgi"),
    "starlette-asgi": Target("Starlette", "asgi", "apps_asgi.starlette_app:create_app", True,
                             "bare-asgi"),
}


class Scenario(NamedTuple):
    key: str
    title: str
    path: str
    content_type: str  # what the Content-Type must start with
    check: Callable[[bytes], bool]


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario("plaintext", "plaintext `GET /plaintext`", "/plaintext", "text/",
                 lambda body: body == HELLO.encode()),
        Scenario("json", "JSON `GET /json`", "/json", "application/json",
                 lambda body: json.loads(body) == {"message": HELLO}),
    )
}

#: What the lead's target asks of kettle under granian: this share of the bare callable's req/s.
TARGET_SHARE = 0.80
#: A measured run during which other processes used more than this many CPUs is disturbed.
DISTURBED = 0.10


def granian_command(target: Target, port: int) -> list[str]:
    """The server command line: one worker, pinned to CPU 0, granian's defaults otherwise."""
    granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or "granian"
    command = [
        "taskset", "-c", SERVER_CPU, granian,
        "--interface", target.interface,
        "--workers", "1",
        "--host", "127.0.0.1", "--port", str(port),
        "--working-dir", str(HERE),
        "--log-level", "warning",
    ]
    if target.interface == "asgi":
        command += ["--blocking-threads", "1"]  # granian's default (and maximum) for ASGI
    if target.factory:
        command.append("--factory")
    command.append(target.app)
    return command


def wrk_command(port: int, path: str, seconds: float, connections: int) -> list[str]:
    return [
        "taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
        "--latency", f"http://127.0.0.1:{port}{path}",
    ]


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One granian process (its own process group, so its worker goes down with it)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.target = TARGETS[key]
        self.port = free_port()
        self.command = granian_command(self.target, self.port)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRANIAN_")}
        self.process = subprocess.Popen(
            self.command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=HERE,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.key}: granian exited ({self.process.returncode}):\n"
                                   f"{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                fetch(self.port, "/plaintext", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.key}: granian did not answer in {timeout:g} s:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM the process group (granian and its worker), SIGKILL it if it lingers."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a worker left behind, if any
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def affinity(self) -> str:
        """The CPUs the granian processes may run on (the worker inherits the pinning)."""
        pids = [self.process.pid]
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        return ",".join(sorted({str(sorted(os.sched_getaffinity(pid))) for pid in pids}))


@contextlib.contextmanager
def servers(keys: Sequence[str], log: Callable[[str], None]) -> Iterator[dict[str, Server]]:
    """Start a server per key (all at once), wait for each, stop every one on the way out."""
    started: dict[str, Server] = {}
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in previous:
        signal.signal(sig, interrupted)
    try:
        for key in keys:
            started[key] = Server(key)
        for server in started.values():
            server.wait_ready()
            log(f"  {server.key}: pid {server.process.pid}, port {server.port}, "
                f"CPUs {server.affinity()}")
        yield started
    finally:
        for server in started.values():
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- checks ----------------------------------------------------------------------------------
def fetch(port: int, path: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def verify(server: Server, scenario: Scenario) -> None:
    """One request, checked: status 200, the content type and the body."""
    where = f"{server.key} {scenario.key}"
    status, ctype, body = fetch(server.port, scenario.path)
    assert status == 200, f"{where}: status {status}"
    assert ctype.startswith(scenario.content_type), f"{where}: Content-Type {ctype!r}"
    assert scenario.check(body), f"{where}: body {body[:200]!r}"


def check(apps: Sequence[str] | None = None, scenarios: Sequence[str] | None = None) -> None:
    """Start each server, check each scenario's answer with urllib, stop it (no wrk)."""
    with servers(list(apps or TARGETS), lambda message: None) as running:
        for server in running.values():
            for key in scenarios or SCENARIOS:
                verify(server, SCENARIOS[key])


# -- wrk -------------------------------------------------------------------------------------
class WrkResult(NamedTuple):
    rps: float
    p99_ms: float
    requests: int
    errors: str  # "" when wrk saw only 2xx answers and no socket errors
    foreign: float = 0.0  # CPUs used by other processes during the run (see CpuWatch)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p99 and total):
        raise RuntimeError(f"unreadable wrk output:\n{output}")
    errors = []
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors.append(f"{non2xx.group(1)} non-2xx answers")
    sockets = re.search(r"Socket errors:(.*)", output)
    if sockets:
        errors.append(f"socket errors:{sockets.group(1)}")
    return WrkResult(float(rps.group(1)), _ms(p99.group(1)), int(total.group(1)), "; ".join(errors))


def run_wrk(port: int, path: str, seconds: float, connections: int) -> WrkResult:
    command = wrk_command(port, path, seconds, connections)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return parse_wrk(done.stdout)


# -- other load on the machine ---------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_ticks() -> int:
    """Busy ticks of the whole machine, every process in every container: user, nice, system,
    irq and softirq (loopback TCP runs there, and a task is charged for it too) and steal (a
    neighbour VM's turn on our CPUs)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return user + nice + system + irq + softirq + steal


def _tree_ticks(pid: int) -> int:
    """utime + stime of ``pid`` and its descendants (a granian and its worker)."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(int(child) for child in children)
    return total


class CpuWatch:
    """How much CPU processes other than the benchmark's used while it ran.

    Loopback results are only worth something on a quiet machine, and on a shared VM the
    neighbours' processes may not even be visible to ``ps``: ``/proc/stat`` counts them all.
    Foreign CPU = the machine's busy time minus the servers', wrk's and this process's.
    """

    def __init__(self, servers: Sequence[Server]) -> None:
        self.pids = [server.process.pid for server in servers]

    def _ours(self) -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        me = resource.getrusage(resource.RUSAGE_SELF)
        ticks = sum(_tree_ticks(pid) for pid in self.pids)
        return ticks / _TICK + children.ru_utime + children.ru_stime + me.ru_utime + me.ru_stime

    def start(self) -> None:
        self._busy, self._ours0, self._wall = _busy_ticks(), self._ours(), time.monotonic()

    def foreign(self) -> float:
        """Average CPUs used by others since ``start()`` (0.25 = a quarter of one CPU)."""
        busy = (_busy_ticks() - self._busy) / _TICK
        wall = time.monotonic() - self._wall
        return max(0.0, busy - (self._ours() - self._ours0)) / wall if wall > 0 else 0.0


# -- the run ---------------------------------------------------------------------------------
class Cell:
    def __init__(self) -> None:
        self.runs: list[WrkResult] = []

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    @property
    def p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def foreign(self) -> float:
        return max(r.foreign for r in self.runs)

    @property
    def spread(self) -> float:
        rates = [r.rps for r in self.runs]
        return (max(rates) - min(rates)) / statistics.median(rates)


Cells = dict[tuple[str, str], Cell]


def run(
    apps: Sequence[str],
    scenarios: Sequence[str],
    rounds: int,
    seconds: float,
    warmup: float,
    connections: int,
    log: Callable[[str], None],
    max_retries: int = 3,
) -> Cells:
    """Interleaved rounds; a run disturbed by other load (more than ``DISTURBED`` of a CPU used
    by other processes) is measured again, at most ``max_retries`` times in all."""
    cells: Cells = {(key, app): Cell() for key in scenarios for app in apps}
    retries = 0
    log(f"starting {len(apps)} granian servers")
    with servers(apps, log) as running:
        for server in running.values():
            for key in scenarios:
                verify(server, SCENARIOS[key])
        log("every server answers correctly; measuring")
        watch = CpuWatch(list(running.values()))
        started = time.monotonic()
        for r in range(rounds):
            order = [*apps[r % len(apps):], *apps[: r % len(apps)]]
            for key in scenarios:
                path = SCENARIOS[key].path
                for app in order:
                    server = running[app]
                    if warmup > 0:
                        run_wrk(server.port, path, warmup, connections)
                    while True:
                        watch.start()
                        result = run_wrk(server.port, path, seconds, connections)
                        result = result._replace(foreign=watch.foreign())
                        if result.errors:
                            raise RuntimeError(f"{app} {key}: wrk saw {result.errors}")
                        if server.process.poll() is not None:
                            raise RuntimeError(f"{app}: granian died:\n{server.output()}")
                        log(f"  round {r + 1}/{rounds} {key:9} {app:15} "
                            f"{result.rps:>10,.0f} req/s  p99 {result.p99_ms:6.2f} ms  "
                            f"other load {result.foreign:4.2f} CPU  "
                            f"({time.monotonic() - started:.0f} s)")
                        if result.foreign <= DISTURBED or retries >= max_retries:
                            break
                        retries += 1
                        log(f"    other processes used {result.foreign:.2f} CPU: measuring again "
                            f"(retry {retries}/{max_retries})")
                    cells[(key, app)].runs.append(result)
        for server in running.values():  # still right after the load
            for key in scenarios:
                verify(server, SCENARIOS[key])
    return cells


# -- report ----------------------------------------------------------------------------------
def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()[:1]
    match = re.search(r"wrk (\S+)", first[0]) if first else None
    return match.group(1) if match else "?"


def render_table(apps: Sequence[str], scenarios: Sequence[str], cells: Cells) -> str:
    header = ["App", "granian `--interface`"]
    for key in scenarios:
        name = "JSON" if key == "json" else key
        header += [f"{name} req/s", f"{name} p99", f"{name} vs bare"]
    rows = [header, ["---", "---", *("---:" for _ in header[2:])]]
    for app in apps:
        target = TARGETS[app]
        row = [target.title, target.interface]
        for key in scenarios:
            cell = cells[(key, app)]
            bare = cells.get((key, target.bare))
            share = f"{cell.rps / bare.rps:.0%}" if bare is not None and bare.runs else "-"
            row += [f"{cell.rps:,.0f}", f"{cell.p99:.2f} ms", share]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def report(
    apps: Sequence[str],
    scenarios: Sequence[str],
    cells: Cells,
    rounds: int,
    seconds: float,
    warmup: float,
    connections: int,
    command: str,
) -> str:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    worst = max(cells, key=lambda k: cells[k].spread)
    versions = [f"granian {inprocess._version('granian')}", f"wrk {_wrk_version()}",
                f"kettle {inprocess._version('kettle')}"]
    if any(a.startswith("falcon") for a in apps):
        versions.append(f"Falcon {inprocess._version('falcon')}")
    if any(a.startswith("starlette") for a in apps):
        versions.append(f"Starlette {inprocess._version('starlette')}")
    example = TARGETS["kettle-asgi"] if "kettle-asgi" in apps else TARGETS[apps[0]]
    server = "granian " + " ".join(granian_command(example, 8000)[4:]).replace(
        str(HERE), "benchmarks").replace("8000", "PORT")
    notes = [
        f"Machine: {inprocess._cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}; CPython {platform.python_version()}; "
        f"server on CPU {SERVER_CPU}, wrk on CPU {CLIENT_CPU} (`taskset`).",
        "Versions: " + ", ".join(versions) + ".",
        f"Server: `taskset -c {SERVER_CPU} {server}` "
        "(WSGI apps: no `--blocking-threads`, granian's default; asyncio event loop).",
        f"Load: `taskset -c {CLIENT_CPU} wrk -t1 -c{connections} -d{seconds:g}s --latency "
        f"http://127.0.0.1:PORT/plaintext` (and `/json`), after a {warmup:g} s warm-up run.",
        f"Method: median req/s and median p99 over {rounds} interleaved rounds (largest spread "
        f"of a cell's req/s, max-min over median: {cells[worst].spread:.1%}, {worst[0]} on "
        f"{TARGETS[worst[1]].title} {TARGETS[worst[1]].interface}); \"vs bare\" is req/s over "
        "the bare callable's under the same interface.",
    ]
    foreign = max(cell.foreign for cell in cells.values())
    disturbed = sum(r.foreign > DISTURBED for cell in cells.values() for r in cell.runs)
    notes.append(
        f"Other load: processes other than granian, wrk and the script used at most "
        f"{foreign:.2f} CPU during a kept run"
        + (f" ({disturbed} kept runs above {DISTURBED:g} CPU: re-run on a quieter machine)."
           if disturbed else f" (runs above {DISTURBED:g} CPU are measured again).")
    )
    summary = target_summary(apps, scenarios, cells)
    if summary:
        missed = [line.split(":")[0] for line in summary if ": MISS" in line]
        notes.append(
            f"Target, kettle >= {TARGET_SHARE:.0%} of the bare callable's req/s: "
            + (f"missed by {', '.join(missed)}." if missed else "met.")
        )
    notes.append(f"Run {today}: `{command}`.")
    return render_table(apps, scenarios, cells) + "\n\n" + "\n".join(f"- {n}" for n in notes)


def target_summary(apps: Sequence[str], scenarios: Sequence[str], cells: Cells) -> list[str]:
    lines = []
    for app in ("kettle-wsgi", "kettle-asgi"):
        bare = TARGETS[app].bare
        if app not in apps or bare not in apps:
            continue
        for key in scenarios:
            share = cells[(key, app)].rps / cells[(key, bare)].rps
            verdict = "ok" if share >= TARGET_SHARE else "MISS"
            lines.append(f"{app} {key}: {verdict} ({share:.0%} of {bare})")
    return lines


# -- command line ----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--apps", help=f"comma-separated, from: {', '.join(TARGETS)}")
    parser.add_argument("--scenarios", help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (3)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk run (5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up (1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--max-retries", type=int, default=3,
                        help="re-measure at most this many runs disturbed by other load (3)")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s runs")
    parser.add_argument("--write", action="store_true", help=f"write the table into {README}")
    args = parser.parse_args(argv)

    for tool in ("taskset", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    if len(os.sched_getaffinity(0) & {int(SERVER_CPU), int(CLIENT_CPU)}) < 2:
        raise SystemExit(f"need CPUs {SERVER_CPU} and {CLIENT_CPU}")
    apps = inprocess._choices(args.apps, list(TARGETS), "apps")
    scenarios = inprocess._choices(args.scenarios, list(SCENARIOS), "scenarios")
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.duration or (2.0 if args.quick else 5.0)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    began = time.monotonic()
    cells = run(apps, scenarios, rounds, seconds, args.warmup, args.connections, log,
                args.max_retries)
    log(f"done in {time.monotonic() - began:.0f} s")
    command = "python benchmarks/e2e.py " + " ".join(argv if argv is not None else sys.argv[1:])
    block = report(apps, scenarios, cells, rounds, seconds, args.warmup, args.connections,
                   command.strip())
    print(block)
    summary = target_summary(apps, scenarios, cells)
    if summary:
        print(f"\nTarget (kettle >= {TARGET_SHARE:.0%} of the bare callable):", file=sys.stderr)
        for line in summary:
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
