#!/usr/bin/env python
"""End-to-end benchmark over loopback: granian (one worker) serving each app, wrk loading it.

Each app runs in ONE granian worker pinned to CPU 0 (``taskset -c 0``); ``wrk`` runs pinned to
CPU 1 (``taskset -c 1 wrk -t1 -c32 -d5s --latency``; for the POST a Lua script sets the
method, the body and ``Content-Type``). Apps: kettle under ``--interface wsgi`` (the WSGI
benchmark's app, plain ``def`` views) and twice under ``--interface asgi``: ``async def``
views, and the WSGI app's plain ``def`` views; a bare WSGI and a bare ASGI callable answering
the same bytes (the physical limit of server + loopback + wrk), and Falcon (WSGI) and
Starlette (ASGI) for reference. The scenarios are ``inprocess.py``'s, served by the same app
factories (``create_app`` or ``create_shapes_app``: one server per app and factory); a peer
without the factory a scenario needs shows a dash.

Every server is started once and checked with one ``urllib`` request per scenario (status,
``Content-Type``, body) before any measurement and again after the last; wrk reporting an
answer of another status class than the scenario's (non-2xx; for the 404 page, anything but
4xx) or a socket error fails the run. Then ``--rounds`` interleaved rounds (the order of the
apps rotating) each run, per scenario and app, a 1 s warm-up and a measured wrk run; a cell is
the median req/s and the median p99 latency over the rounds; beside the share of the bare
callable's median req/s, the median (and range) of the per-round shares, each run divided by
the bare callable's of the same round. Every server started is stopped (its process group, by
id) on the way out, whatever happens.

    python benchmarks/e2e.py              # full run (about 11 minutes on a quiet machine)
    python benchmarks/e2e.py --quick      # ~2 min smoke run (never written)
    python benchmarks/e2e.py --check      # start every server, check every answer, no wrk
    python benchmarks/e2e.py --write      # full run, and update benchmarks/README.md
    python benchmarks/e2e.py --apps kettle-asgi,bare-asgi --scenarios plaintext,post-201
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
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START_MARKER = "<!-- e2e-results:start -->"
END_MARKER = "<!-- e2e-results:end -->"


def _load_inprocess() -> Any:
    """``inprocess.py``'s scenarios and report helpers, loaded from its path as
    ``asgi_inprocess`` does."""
    name = "kettle_benchmark_inprocess"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / "inprocess.py")
        assert spec is not None and spec.loader is not None
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


inprocess = _load_inprocess()

SERVER_CPU = "0"
CLIENT_CPU = "1"


class Target(NamedTuple):
    title: str
    interface: str  # granian --interface
    module: str  # the app module, relative to benchmarks/ (granian's --working-dir)
    bare: str  # the key of the bare callable of the same interface
    #: The module's app factories this target serves (granian --factory), or, for a bare app,
    #: the name of the one plain callable that serves every scenario.
    factories: tuple[str, ...] = ("create_app", "create_shapes_app")
    callable: str = ""


#: key -> what granian serves, in table order.
TARGETS: dict[str, Target] = {
    "bare-wsgi": Target("bare WSGI callable", "wsgi", "apps_asgi.bare_app", "bare-wsgi",
                        callable="wsgi_app"),
    "kettle-wsgi": Target("kettle", "wsgi", "apps.kettle_app", "bare-wsgi"),
    "falcon-wsgi": Target("Falcon", "wsgi", "apps.falcon_app", "bare-wsgi"),
    "bare-asgi": Target("bare ASGI callable", "asgi", "apps_asgi.bare_app", "bare-asgi",
                        callable="asgi_app"),
    "kettle-asgi": Target("kettle (async views)", "asgi", "apps_asgi.kettle_app", "bare-asgi"),
    "kettle-asgi-sync": Target("kettle (def views)", "asgi", "apps_asgi.kettle_sync_app",
                               "bare-asgi"),
    "starlette-asgi": Target("Starlette", "asgi", "apps_asgi.starlette_app", "bare-asgi",
                             factories=("create_app",)),
}
#: The ``def``-view app whose p99 is compared with the ``async def`` app's, and that app.
SYNC_PAIR = ("kettle-asgi-sync", "kettle-asgi")


class Scenario(NamedTuple):
    key: str
    method: str
    path: str
    body: bytes | None  # the request body (sent as application/json), if any
    status: int  # the status every answer must have
    content_type: str  # what the Content-Type must start with ("" for any)
    check: Callable[[bytes], bool]
    factory: str  # the app factory serving it (``Target.factories``)

    def lua(self) -> str | None:
        """The wrk script sending this scenario's request, if it is not a plain GET."""
        if self.body is None:
            return None
        body = self.body.decode("ascii")
        assert "]==]" not in body
        return (f'wrk.method = "{self.method}"\n'
                f"wrk.body = [==[{body}]==]\n"
                'wrk.headers["Content-Type"] = "application/json"\n')


def _body_check(scenario: Any) -> Callable[[bytes], bool]:
    """What an answer's body must be: ``inprocess.py``'s expectation of the scenario (the
    decoded JSON, or the text), or for a 404 page (each framework's own) a mention of it."""
    if scenario.json_body is not None:
        return lambda body: bool(json.loads(body) == scenario.json_body)
    if scenario.text is not None:
        return lambda body: body == scenario.text.encode()
    assert scenario.status == 404, scenario.key
    return lambda body: b"not found" in body.lower()


def _scenario(key: str, content_type: str) -> Scenario:
    """``inprocess.py``'s scenario ``key`` (request, status, body), and the content type."""
    s = inprocess.SCENARIOS[key]
    assert not s.query and not s.headers and not s.routing_app, key
    return Scenario(key, s.method, s.path, s.body, s.status, content_type, _body_check(s),
                    s.factory)


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        _scenario("plaintext", "text/"),
        _scenario("json", "application/json"),
        _scenario("not-found", ""),  # each framework's own page: HTML, JSON or text
        _scenario("tuple-status-headers", "text/plain"),
        _scenario("post-201", "application/json"),
    )
}


def serves(app: str, scenario: Scenario) -> bool:
    target = TARGETS[app]
    return bool(target.callable) or scenario.factory in target.factories


#: What the issue asks of kettle under granian: this share of the bare callable's req/s.
TARGET_SHARE = 0.85
#: ... and at most this p99 for ``def`` views under ASGI, over the ``async def`` app's.
TARGET_P99_RATIO = 2.0
#: A measured run during which other processes used more than this many CPUs is disturbed.
DISTURBED = 0.10


def app_spec(target: Target, factory: str) -> str:
    """granian's APP argument for ``target``'s app serving ``factory``'s scenarios."""
    return f"{target.module}:{target.callable or factory}"


def granian_command(target: Target, factory: str, port: int) -> list[str]:
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
    if not target.callable:
        command.append("--factory")
    command.append(app_spec(target, factory))
    return command


def wrk_command(port: int, scenario: Scenario, seconds: float, connections: int,
                script: Path | None) -> list[str]:
    command = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}",
               f"-d{seconds:g}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    return [*command, f"http://127.0.0.1:{port}{scenario.path}"]


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One granian process (its own process group, so its worker goes down with it) serving
    one app: ``app``'s target built by ``factory`` (the bare callable whatever the factory)."""

    def __init__(self, app: str, factory: str) -> None:
        self.app = app
        self.target = TARGETS[app]
        self.key = f"{app} {app_spec(self.target, factory).split(':')[1]}"
        self.port = free_port()
        self.command = granian_command(self.target, factory, self.port)
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
        """Until the app answers an HTTP request (any status: a shapes app has no ``/``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.key}: granian exited ({self.process.returncode}):\n"
                                   f"{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                fetch(self.port, "GET", "/", None, timeout=2)
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


#: (app, scenario key) -> the server answering that scenario for that app.
Running = dict[tuple[str, str], Server]


def unique(running: Running) -> list[Server]:
    """Each server once (a bare callable's serves every scenario), in start order."""
    return list(dict.fromkeys(running.values()))


@contextlib.contextmanager
def servers(apps: Sequence[str], scenarios: Sequence[str],
            log: Callable[[str], None]) -> Iterator[Running]:
    """Start a server per app and factory the scenarios need (all at once), wait for each, stop
    every one on the way out."""
    started: dict[tuple[str, str], Server] = {}
    running: Running = {}
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in previous:
        signal.signal(sig, interrupted)
    try:
        for app in apps:
            for key in scenarios:
                scenario = SCENARIOS[key]
                if not serves(app, scenario):
                    continue
                spec = (app, app_spec(TARGETS[app], scenario.factory))
                if spec not in started:
                    started[spec] = Server(app, scenario.factory)
                running[(app, key)] = started[spec]
        for server in started.values():
            server.wait_ready()
            log(f"  {server.key}: pid {server.process.pid}, port {server.port}, "
                f"CPUs {server.affinity()}")
        yield running
    finally:
        for server in started.values():
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- checks ----------------------------------------------------------------------------------
def fetch(port: int, method: str, path: str, body: bytes | None,
          timeout: float = 5.0) -> tuple[int, str, bytes]:
    """One request: the answer's status, ``Content-Type`` and body, whatever the status."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, method=method,
        headers={"Content-Type": "application/json"} if body is not None else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as answer:  # a 4xx or 5xx is an answer too
        with answer:
            return answer.code, answer.headers.get("Content-Type", ""), answer.read()


def verify(server: Server, scenario: Scenario) -> None:
    """One request, checked: the status, the content type and the body."""
    where = f"{server.key} {scenario.key}"
    status, ctype, body = fetch(server.port, scenario.method, scenario.path, scenario.body)
    if status != scenario.status:
        raise AssertionError(f"{where}: status {status}, not {scenario.status}: {body[:200]!r}")
    if not ctype.startswith(scenario.content_type):
        raise AssertionError(f"{where}: Content-Type {ctype!r}")
    if not scenario.check(body):
        raise AssertionError(f"{where}: body {body[:200]!r}")


def verify_all(running: Running) -> None:
    for (_, key), server in running.items():
        verify(server, SCENARIOS[key])


def check(apps: Sequence[str] | None = None, scenarios: Sequence[str] | None = None,
          log: Callable[[str], None] = lambda message: None) -> int:
    """Start each server, check each scenario's answer with urllib, stop it (no wrk); the
    number of answers checked."""
    with servers(list(apps or TARGETS), list(scenarios or SCENARIOS), log) as running:
        verify_all(running)
        return len(running)


# -- wrk -------------------------------------------------------------------------------------
class WrkResult(NamedTuple):
    rps: float
    p99_ms: float
    requests: int
    errors: str  # "" when every answer had the scenario's status class and no socket erred
    foreign: float = 0.0  # CPUs used by other processes during the run (see CpuWatch)
    server_cpu: float = 0.0  # CPU seconds the server (granian and its worker) used in the run
    seconds: float = 0.0  # the run's length (wrk's -d)
    round: int = 0  # the interleaved round it was measured in (pairs it with other apps')


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str, status: int = 200) -> WrkResult:
    """wrk's figures; an error for each answer whose status is not of ``status``'s kind (wrk
    counts the answers of status 400 and above: all of them for a 404 scenario, else none)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p99 and total):
        raise RuntimeError(f"unreadable wrk output:\n{output}")
    requests = int(total.group(1))
    errors = []
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    high = int(match.group(1)) if match else 0
    if status >= 400 and high != requests:
        errors.append(f"{requests - high} answers below 400, not {status}")
    elif status < 400 and high:
        errors.append(f"{high} answers of 400 or above, not {status}")
    sockets = re.search(r"Socket errors:(.*)", output)
    if sockets:
        errors.append(f"socket errors:{sockets.group(1)}")
    return WrkResult(float(rps.group(1)), _ms(p99.group(1)), requests, "; ".join(errors))


def run_wrk(port: int, scenario: Scenario, seconds: float, connections: int,
            script: Path | None) -> WrkResult:
    command = wrk_command(port, scenario, seconds, connections, script)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return parse_wrk(done.stdout, scenario.status)


def write_scripts(scenarios: Sequence[str], folder: Path) -> dict[str, Path]:
    """A wrk Lua script in ``folder`` for each scenario that needs one (a POST with a body)."""
    scripts = {}
    for key in scenarios:
        lua = SCENARIOS[key].lua()
        if lua is not None:
            scripts[key] = folder / f"{key}.lua"
            scripts[key].write_text(lua, encoding="ascii")
    return scripts


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
    def cpu_us(self) -> float:
        """The server's CPU time per answered request, in microseconds (median over runs).

        A run where the server waited (the client or the loopback the bottleneck) shows
        fewer req/s but not a higher cost per request; a machine that runs slower for a while
        (as this VM does, by up to 1.8x) raises both."""
        return statistics.median(r.server_cpu / r.requests * 1e6 for r in self.runs)

    @property
    def busy(self) -> float:
        """The lowest share of the run's wall time the server was on a CPU (1.0: saturated)."""
        return min(r.server_cpu / r.seconds for r in self.runs if r.seconds)

    def by_round(self) -> dict[int, float]:
        """req/s per round: what pairs this cell's runs with another app's of the same round."""
        return {r.round: r.rps for r in self.runs}

    @property
    def spread(self) -> float:
        rates = [r.rps for r in self.runs]
        return (max(rates) - min(rates)) / statistics.median(rates)


Cells = dict[tuple[str, str], Cell]


class Retries:
    """The runs disturbed by other load that may still be measured again, for a whole run."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def take(self) -> bool:
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


def measure(
    server: Server,
    scenario: Scenario,
    script: Path | None,
    wrk: tuple[float, float, int],
    watch: CpuWatch,
    retries: Retries,
    log: Callable[[str], None],
) -> WrkResult:
    """One cell's run: a warm-up, then the measured run, again while others disturb it (and
    retries are left); any wrong answer, or a dead server, stops the benchmark."""
    seconds, warmup, connections = wrk
    if warmup > 0:
        run_wrk(server.port, scenario, warmup, connections, script)
    while True:
        watch.start()
        ticks = _tree_ticks(server.process.pid)
        result = run_wrk(server.port, scenario, seconds, connections, script)
        result = result._replace(
            foreign=watch.foreign(), seconds=seconds,
            server_cpu=(_tree_ticks(server.process.pid) - ticks) / _TICK,
        )
        if result.errors:
            raise RuntimeError(f"{server.key} {scenario.key}: wrk saw {result.errors}")
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.key}: granian died:\n{server.output()}")
        log(f"{scenario.key:20} {server.app:16} {result.rps:>10,.0f} req/s  "
            f"p99 {result.p99_ms:6.2f} ms  server CPU "
            f"{result.server_cpu / result.requests * 1e6:6.1f} us/req  "
            f"other load {result.foreign:4.2f} CPU")
        if result.foreign <= DISTURBED or not retries.take():
            return result
        log(f"    other processes used {result.foreign:.2f} CPU: measuring again "
            f"(retry {retries.used}/{retries.limit})")


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
    retries = Retries(max_retries)
    with tempfile.TemporaryDirectory(prefix="kettle-e2e-") as folder, \
            servers(apps, scenarios, log) as running:
        scripts = write_scripts(scenarios, Path(folder))
        cells: Cells = {(key, app): Cell() for app, key in running}
        log(f"{len(unique(running))} granian servers up")
        verify_all(running)
        log(f"every server answers each of its {len(running)} (app, scenario) pairs correctly; "
            "measuring")
        watch = CpuWatch(unique(running))
        started = time.monotonic()
        for r in range(rounds):
            order = [*apps[r % len(apps):], *apps[: r % len(apps)]]

            def round_log(line: str, tag: str = f"round {r + 1}/{rounds}") -> None:
                log(f"  {tag} {line}  ({time.monotonic() - started:.0f} s)")

            for key in scenarios:
                for app in order:
                    if (app, key) not in running:
                        continue
                    cells[(key, app)].runs.append(measure(
                        running[(app, key)], SCENARIOS[key], scripts.get(key),
                        (seconds, warmup, connections), watch, retries,
                        round_log,
                    )._replace(round=r))
        verify_all(running)  # still right after the load
    return cells


# -- report ----------------------------------------------------------------------------------
def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()[:1]
    match = re.search(r"wrk (\S+)", first[0]) if first else None
    return match.group(1) if match else "?"


def share(cells: Cells, key: str, app: str, other: str) -> float | None:
    """``app``'s req/s over ``other``'s on scenario ``key``, if both were measured."""
    mine, theirs = cells.get((key, app)), cells.get((key, other))
    return mine.rps / theirs.rps if mine and theirs else None


def round_shares(cells: Cells, key: str, app: str, other: str) -> list[float]:
    """``app``'s req/s over ``other``'s in each round both were measured in, on scenario ``key``.

    The two runs of a round are seconds apart (a scenario's apps run one after the other), so
    the VM's own drift in speed, up to 1.8x over minutes, mostly cancels out of their ratio;
    it does not out of a ratio of medians taken over the whole run."""
    mine, theirs = cells.get((key, app)), cells.get((key, other))
    if not (mine and theirs):
        return []
    a, b = mine.by_round(), theirs.by_round()
    return [a[r] / b[r] for r in sorted(a.keys() & b.keys())]


def round_spread(shown: str, figures: Sequence[float]) -> tuple[str, str]:
    """The median of per-round figures and their min..max, written with ``shown``: ``("95%",
    "88-99%")``; the range is empty when every round shows the same."""
    low, high = shown.format(min(figures)), shown.format(max(figures))
    median = shown.format(statistics.median(figures))
    unit = high.lstrip("0123456789.,")
    return median, "" if low == high else f"{low.removesuffix(unit)}-{high}"


def spread_text(shown: str, figures: Sequence[float]) -> str:
    """A table cell: ``95% (88-99%)``, the median and the min..max of per-round figures."""
    median, span = round_spread(shown, figures)
    return f"{median} ({span})" if span else median


def cpu_share(cells: Cells, key: str, app: str, other: str) -> float | None:
    """``other``'s server CPU per request over ``app``'s: ``share`` measured in CPU time."""
    mine, theirs = cells.get((key, app)), cells.get((key, other))
    return theirs.cpu_us / mine.cpu_us if mine and theirs else None


def p99_ratio(cells: Cells, key: str, app: str, other: str) -> float | None:
    """``app``'s p99 over ``other``'s on scenario ``key``, if both were measured."""
    mine, theirs = cells.get((key, app)), cells.get((key, other))
    return mine.p99 / theirs.p99 if mine and theirs else None


def render_table(apps: Sequence[str], scenarios: Sequence[str], cells: Cells) -> str:
    """A row per scenario and app (grouped by scenario); a dash where the app does not serve
    the scenario."""
    rows = [["Scenario", "App", "granian `--interface`", "req/s", "p99", "vs bare",
             "vs bare per round", "server CPU/req", "vs bare (CPU)"],
            ["---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]]
    for key in scenarios:
        for app in apps:
            target = TARGETS[app]
            cell = cells.get((key, app))
            if cell is None:
                rows.append([f"`{key}`", target.title, target.interface, *"-" * 6])
                continue
            ratio = share(cells, key, app, target.bare)
            rounds = round_shares(cells, key, app, target.bare)
            cpu = cpu_share(cells, key, app, target.bare)
            rows.append([f"`{key}`", target.title, target.interface, f"{cell.rps:,.0f}",
                         f"{cell.p99:.2f} ms", "-" if ratio is None else f"{ratio:.0%}",
                         spread_text("{:.0%}", rounds) if rounds else "-",
                         f"{cell.cpu_us:.1f} us", "-" if cpu is None else f"{cpu:.0%}"])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _load_note(scenarios: Sequence[str], seconds: float, warmup: float,
               connections: int) -> str:
    paths = ", ".join(f"`{SCENARIOS[k].method} {SCENARIOS[k].path}`" for k in scenarios)
    posts = [k for k in scenarios if SCENARIOS[k].body is not None]
    script = (
        f"; the POST's `-s {posts[0]}.lua` sets `wrk.method`, `wrk.body` (the "
        f"{len(SCENARIOS[posts[0]].body or b'')}-byte order line) and `Content-Type: "
        "application/json`" if posts else ""
    )
    after = f"after a {warmup:g} s warm-up run" if warmup > 0 else "no warm-up run"
    return (f"Load: `taskset -c {CLIENT_CPU} wrk -t1 -c{connections} -d{seconds:g}s --latency "
            f"[-s SCRIPT] http://127.0.0.1:PORT/PATH` for {paths}, {after}{script}.")


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
    least_busy = min(cell.busy for cell in cells.values())
    versions = [f"granian {inprocess._version('granian')}", f"wrk {_wrk_version()}",
                f"kettle {inprocess._version('kettle')}"]
    if any(a.startswith("falcon") for a in apps):
        versions.append(f"Falcon {inprocess._version('falcon')}")
    if any(a.startswith("starlette") for a in apps):
        versions.append(f"Starlette {inprocess._version('starlette')}")
    example = TARGETS["kettle-asgi"] if "kettle-asgi" in apps else TARGETS[apps[0]]
    server = "granian " + " ".join(granian_command(example, "create_app", 8000)[4:]).replace(
        str(HERE), "benchmarks").replace("8000", "PORT")
    notes = [
        f"Machine: {inprocess._cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}; CPython {platform.python_version()}; "
        f"server on CPU {SERVER_CPU}, wrk on CPU {CLIENT_CPU} (`taskset`).",
        "Versions: " + ", ".join(versions) + ".",
        f"Server: `taskset -c {SERVER_CPU} {server}` (`create_shapes_app` for the return-shape "
        "scenarios; WSGI apps: no `--blocking-threads`, granian's default; asyncio event loop).",
        _load_note(scenarios, seconds, warmup, connections),
        f"Method: median req/s and median p99 over {rounds} interleaved round"
        f"{'s' if rounds != 1 else ''} (largest spread "
        f"of a cell's req/s, max-min over median: {cells[worst].spread:.1%}, {worst[0]} on "
        f"{TARGETS[worst[1]].title} {TARGETS[worst[1]].interface}); \"vs bare\" is req/s over "
        "the bare callable's under the same interface; \"vs bare per round\" is the median, over "
        "the rounds, of the app's req/s over the bare callable's in the same round (seconds "
        "apart, so the VM's own drift in speed between rounds mostly cancels out), and in "
        "brackets the lowest and highest round.",
        "\"server CPU/req\": the CPU time granian's process (its threads and worker) used in a "
        "run over the requests answered, median over the rounds; \"vs bare (CPU)\" is the bare "
        "callable's over the app's. It tells a server that waited (the least busy kept run had "
        f"it on a CPU {least_busy:.0%} of its time) from one that did more work; when the "
        "machine itself runs slower for a while, it rises with 1/req/s.",
    ]
    foreign = max(cell.foreign for cell in cells.values())
    disturbed = sum(r.foreign > DISTURBED for cell in cells.values() for r in cell.runs)
    notes.append(
        f"Other load: processes other than granian, wrk and the script used at most "
        f"{foreign:.2f} CPU during a kept run"
        + (f" ({disturbed} kept runs above {DISTURBED:g} CPU: re-run on a quieter machine)."
           if disturbed else f" (runs above {DISTURBED:g} CPU are measured again).")
    )
    notes += target_notes(apps, scenarios, cells)
    notes.append(f"Run {today}: `{command}`.")
    return render_table(apps, scenarios, cells) + "\n\n" + "\n".join(f"- {n}" for n in notes)


class Goal(NamedTuple):
    """One of the issue's end-to-end targets, checked per scenario."""

    title: str
    app: str
    other: str
    figure: Callable[[Cells, str, str, str], float | None]  # share() or p99_ratio()
    met: Callable[[float], bool]
    shown: str  # how a figure is written, e.g. "{:.0%}"
    #: The same figure per round (``round_shares``), shown beside it, if the goal has one.
    per_round: Callable[[Cells, str, str, str], list[float]] | None = None


GOALS = (
    Goal(f"kettle (WSGI) >= {TARGET_SHARE:.0%} of the bare WSGI callable's req/s",
         "kettle-wsgi", "bare-wsgi", share, lambda f: f >= TARGET_SHARE, "{:.0%}",
         round_shares),
    Goal("kettle (WSGI) ahead of Falcon, req/s", "kettle-wsgi", "falcon-wsgi", share,
         lambda f: f > 1.0, "{:.2f}x", round_shares),
    Goal(f"kettle (WSGI) >= {TARGET_SHARE:.0%} of the bare WSGI callable, by server CPU per "
         "request (a check on the req/s figure)",
         "kettle-wsgi", "bare-wsgi", cpu_share, lambda f: f >= TARGET_SHARE, "{:.0%}"),
    Goal(f"kettle (ASGI, async views) >= {TARGET_SHARE:.0%} of the bare ASGI callable's req/s",
         "kettle-asgi", "bare-asgi", share, lambda f: f >= TARGET_SHARE, "{:.0%}",
         round_shares),
    Goal(f"p99 of `def` views under ASGI over `async def` views' (kettle), <= "
         f"{TARGET_P99_RATIO:g}x", *SYNC_PAIR, p99_ratio, lambda f: f <= TARGET_P99_RATIO,
         "{:.2f}x"),
)


class GoalFigure(NamedTuple):
    """A goal's figure on one scenario, whether it meets the goal, and the figure per round."""

    key: str
    figure: float
    met: bool
    rounds: list[float]  # empty if the goal has no per-round figure


def goal_figures(goal: Goal, scenarios: Sequence[str], cells: Cells) -> list[GoalFigure]:
    """The goal's figure for each scenario both of its apps were measured on."""
    figures = []
    for key in scenarios:
        figure = goal.figure(cells, key, goal.app, goal.other)
        if figure is not None:
            rounds = goal.per_round(cells, key, goal.app, goal.other) if goal.per_round else []
            figures.append(GoalFigure(key, figure, goal.met(figure), rounds))
    return figures


def verdict(missed: Sequence[str]) -> str:
    return f"missed on {', '.join(missed)}" if missed else "met"


def goal_figure_text(goal: Goal, figure: GoalFigure) -> str:
    """``plaintext 96%``, or with the per-round figure ``plaintext 96% (per round: median 95%,
    88-99%)``."""
    text = f"{figure.key} {goal.shown.format(figure.figure)}"
    if not figure.rounds:
        return text
    median, span = round_spread(goal.shown, figure.rounds)
    return f"{text} (per round: median {median}{', ' + span if span else ''})"


def target_notes(apps: Sequence[str], scenarios: Sequence[str], cells: Cells) -> list[str]:
    """A notes line per goal: its figure on each scenario, and whether it is met (judged on the
    ratio of the medians, as the issue states it; then on the per-round median, if shown)."""
    notes = []
    for goal in GOALS:
        figures = goal_figures(goal, scenarios, cells)
        if not figures:
            continue
        missed = [f.key for f in figures if not f.met]
        listed = ", ".join(goal_figure_text(goal, f) for f in figures)
        line = f"Target, {goal.title}: {verdict(missed)} ({listed})"
        with_rounds = [f for f in figures if f.rounds]
        if with_rounds:
            by_round = [f.key for f in with_rounds if not goal.met(statistics.median(f.rounds))]
            line += f"; by the per-round median: {verdict(by_round)}"
        notes.append(line + ".")
    return notes


# -- command line ----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--apps", help=f"comma-separated, from: {', '.join(TARGETS)}")
    parser.add_argument("--scenarios", help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (3)")
    parser.add_argument("--duration", type=int, default=None,
                        help="whole seconds per wrk run (5)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="whole seconds of warm-up, 0 for none (1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--max-retries", type=int, default=3,
                        help="re-measure at most this many runs disturbed by other load (3; "
                             "0 keeps every run, for a smoke test on a busy machine)")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s runs")
    parser.add_argument("--check", action="store_true",
                        help="only start the servers and check every answer (no wrk)")
    parser.add_argument("--write", action="store_true", help=f"write the table into {README}")
    args = parser.parse_args(argv)

    apps = inprocess._choices(args.apps, list(TARGETS), "apps")
    scenarios = inprocess._choices(args.scenarios, list(SCENARIOS), "scenarios")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.check:
        checked = check(apps, scenarios, log)
        print(f"{checked} (app, scenario) answers checked: all correct")
        return 0
    for tool in ("taskset", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    if len(os.sched_getaffinity(0) & {int(SERVER_CPU), int(CLIENT_CPU)}) < 2:
        raise SystemExit(f"need CPUs {SERVER_CPU} and {CLIENT_CPU}")
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.duration or (2 if args.quick else 5)

    began = time.monotonic()
    cells = run(apps, scenarios, rounds, seconds, args.warmup, args.connections, log,
                args.max_retries)
    log(f"done in {time.monotonic() - began:.0f} s")
    command = "python benchmarks/e2e.py " + " ".join(argv if argv is not None else sys.argv[1:])
    block = report(apps, scenarios, cells, rounds, seconds, args.warmup, args.connections,
                   command.strip())
    print(block)
    if args.write:
        if args.quick:
            print("(not writing the README from a --quick run)", file=sys.stderr)
        else:
            inprocess.write_readme(block, README, (START_MARKER, END_MARKER))
            print(f"wrote {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
