"""``make run`` from a fresh clone: a served page in under 60 s (with a warm pip cache),
installing only what running needs. The clone is of the repository's committed HEAD."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest
from apps.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 60.0

pytestmark = [
    pytest.mark.make_run,
    pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                       reason="needs git and make"),
]


def _get(port: int, path: str) -> tuple[int, bytes] | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End ``make`` and everything it started: its own process group, by its PID."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # reloader children left behind, if any


def test_fresh_clone_to_served_page(tmp_path: Path) -> None:
    clone = tmp_path / "kettle"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    base_python = getattr(sys, "_base_executable", sys.executable)
    log = tmp_path / "make-run.log"
    started = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=60)
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}", f"PYTHON={base_python}"], cwd=clone, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        answer = None
        while time.monotonic() - started < BUDGET + 30 and process.poll() is None:
            answer = _get(port, "/")
            if answer is not None:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert answer == (200, b"Hello, Flask!"), log.read_text(errors="replace")
        assert elapsed < BUDGET, f"clone to served page took {elapsed:.1f}s"
        assert _get(port, "/api/status") == (200, b'{"status":"running"}')
    finally:
        _stop(process)
    venv_python = clone / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [str(venv_python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=60,
    ).stdout.lower()
    assert "kettle==" in installed
    for extra in ("pytest", "gunicorn", "mypy", "flask", "ruff"):  # test and bench extras
        assert f"\n{extra}==" not in f"\n{installed}", f"make run installed {extra}"
    print(f"fresh clone to served page: {elapsed:.1f}s")
    # No production server in that venv: kettle serve says which extra to install.
    serve = subprocess.run(
        [str(clone / ".venv" / "bin" / "kettle"), "--app", "examples/hello/app.py", "serve"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=60,
    )
    assert serve.returncode == 2
    assert "No production server is installed" in serve.stderr
    assert "pip install 'kettle[servers]'" in serve.stderr
