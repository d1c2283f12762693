"""Run every set-up against both models and write ``results.json``, ``results.md`` and a plot.

The server is pinned to CPU 0 and the load generator to CPU 1 (``taskset``); each cell
is a closed loop of ``c`` connections for ``--seconds`` after ``--warmup``. Whole run:
about 12 set-ups x (start-up + 4 cells), some 5 minutes with the defaults.

    python benchmarks/ml/run.py                      # everything
    python benchmarks/ml/run.py --quick              # 1 s cells, to check the harness
    python benchmarks/ml/run.py --only kettle-batched-granian-wsgi --models forest
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable
SERVER_CPU, CLIENT_CPU = "0", "1"


@dataclass(frozen=True)
class Setup:
    name: str
    label: str
    argv: list[str]  # "{port}" is replaced
    env: dict[str, str] = field(default_factory=dict)
    #: Paths the load generator alternates (a paired comparison in one server).
    paths: str = "/predict"
    #: Concurrency levels for this set-up (default: the run's).
    levels: str | None = None


def _gunicorn(app: str, threads: int) -> list[str]:
    return [PY, "-m", "gunicorn", "-k", "gthread", "-w", "1", "--threads", str(threads),
            "--bind", "127.0.0.1:{port}", "--chdir", str(HERE), "--log-level", "warning", app]


def _granian(interface: str, *extra: str) -> list[str]:
    return [PY, "-m", "granian", "--interface", interface, "--host", "127.0.0.1",
            "--port", "{port}", "--workers", "1", *extra, "--working-dir", str(HERE),
            "--log-level", "warning", "kettle_app:app"]


SETUPS = [
    Setup("flask-naive", "naive Flask (gunicorn gthread, 32 threads)",
          _gunicorn("flask_app:app", 32)),
    Setup("litserve", "LitServe (max_batch_size=32, batch_timeout=2 ms)",
          [PY, str(HERE / "litserve_app.py"), "{port}"]),
    Setup("kettle-unbatched", "kettle unbatched (granian WSGI, 64 threads)",
          _granian("wsgi", "--blocking-threads", "64"), {"BENCH_MODE": "unbatched"}),
    Setup("kettle-batched-granian-wsgi", "kettle @batched (granian WSGI, 64 threads)",
          _granian("wsgi", "--blocking-threads", "64"), {"BENCH_MODE": "batched"}),
    Setup("kettle-batched-nowait", "kettle @batched, max_wait_ms=0 (granian WSGI)",
          _granian("wsgi", "--blocking-threads", "64"),
          {"BENCH_MODE": "batched", "BENCH_MAX_WAIT_MS": "0"}),
    Setup("kettle-batched-granian-asgi", "kettle @batched, async view (granian ASGI)",
          _granian("asgi"), {"BENCH_MODE": "batched_async"}),
    Setup("kettle-batched-gunicorn", "kettle @batched (gunicorn gthread, 64 threads)",
          _gunicorn("kettle_app:app", 64), {"BENCH_MODE": "batched"}),
    Setup("kettle-paired", "kettle @batched and unbatched alternating (granian WSGI)",
          _granian("wsgi", "--blocking-threads", "64"), {"BENCH_MODE": "batched"},
          paths="/predict,/predict_direct", levels="1"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"server not ready on {port} after {timeout}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (it was started as its leader), then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_setup(setup: Setup, model: str, args: argparse.Namespace, log_dir: Path) -> list[dict]:
    port = free_port()
    stats = log_dir / f"{setup.name}-{model}.stats"
    env = {**os.environ, "BENCH_MODEL": model, "BENCH_STATS": str(stats),
           "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE), **setup.env}
    argv = ["taskset", "-c", SERVER_CPU, *(a.replace("{port}", str(port)) for a in setup.argv)]
    log = (log_dir / f"{setup.name}-{model}.log").open("wb")
    process = subprocess.Popen(argv, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        wait_ready(port, process)
        out = subprocess.run(
            ["taskset", "-c", CLIENT_CPU, PY, str(HERE / "loadgen.py"), "--port", str(port),
             "--model", model, "--concurrency", setup.levels or args.concurrency,
             "--paths", setup.paths, "--warmup", str(args.warmup),
             "--seconds", str(args.seconds), "--stats", str(stats),
             "--server-session", str(process.pid)],
            cwd=HERE, env=env, capture_output=True, text=True, check=True, timeout=600,
        ).stdout
    finally:
        stop(process)
        log.close()
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for row in rows:
        row.update(setup=setup.name, label=setup.label, model=model)
        print(f"{model:6} {setup.name:30} c={row['concurrency']:<3} {row['rps']:>9.1f}/s "
              f"p50 {row['p50_ms']:>8.2f} ms  p99 {row['p99_ms']:>8.2f} ms  "
              f"batch {row['mean_batch']}  cpu {row['server_cpu_us']} us  "
              f"wrong {row['wrong']}  errors {row['errors']}"
              + (f"  by path {row['by_path']}" if "by_path" in row else ""),
              flush=True)
    return rows


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="forest,mlp")
    parser.add_argument("--only", help="comma-separated set-up names")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--quick", action="store_true", help="1 s cells, 0.5 s warm-up")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.seconds = 0.5, 1.0
    chosen = set(args.only.split(",")) if args.only else None
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_average_before": load_average(), "cells": [],
        "settings": {"warmup_s": args.warmup, "seconds": args.seconds},
    }
    with tempfile.TemporaryDirectory(prefix="kettle-ml-bench-") as tmp:
        for model in args.models.split(","):
            for setup in SETUPS:
                if chosen is None or setup.name in chosen:
                    try:
                        results["cells"] += run_setup(setup, model, args, Path(tmp))
                    except (RuntimeError, subprocess.SubprocessError) as exc:
                        log = Path(tmp) / f"{setup.name}-{model}.log"
                        print(f"{setup.name} {model} FAILED: {exc}\n{log.read_text()[-2000:]}")
    results["load_average_after"] = load_average()
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}; load average before {results['load_average_before']}, "
          f"after {results['load_average_after']}")


if __name__ == "__main__":
    main()
