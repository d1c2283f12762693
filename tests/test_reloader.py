"""``python app.py`` with ``app.run(debug=True)``: the reloader restarts the server on edits.

Each test starts the app in its own session on a free port of 127.0.0.1, edits its files,
and talks to it over sockets; the session's process group is ended at the end, and the
test checks that no child outlives it.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from apps.live_server import child_pids, free_port

pytestmark = pytest.mark.server

RELOADERS = ["stat"]
try:
    import watchfiles  # noqa: F401

    RELOADERS.append("watchfiles")
except ImportError:  # pragma: no cover - the test extra has it
    pass

APP = """\
import os
from kettle import Kettle

app = Kettle(__name__)
{extra}

@app.route("/")
def index():
    return {message!r}

if __name__ == "__main__":
    app.run(port=int(os.environ["APP_PORT"]), debug=True,
            reloader_type=os.environ["APP_RELOADER"], extra_files=["settings.txt"],
            exclude_patterns=["*/scratch.py"])
"""


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str = "/", timeout: float = 2.0) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def wait_for(self, text: str, timeout: float) -> float:
        """Seconds until ``GET /`` answers ``text``; fails with the log after ``timeout``."""
        start = time.monotonic()
        last: object = None
        while time.monotonic() - start < timeout:
            assert self.process.poll() is None, self.log.read_text()
            try:
                status, body = self.get(timeout=0.5)
                last = (status, body)
                if body == text:
                    return time.monotonic() - start
            except (OSError, http.client.HTTPException) as exc:
                last = exc
            time.sleep(0.05)
        pytest.fail(f"no {text!r} within {timeout}s (last: {last!r}):\n{self.log.read_text()}")


def write_app(folder: Path, message: str, extra: str = "") -> None:
    path = folder / "app.py"
    path.write_text(APP.format(message=message, extra=extra))


@contextmanager
def run_app(folder: Path, reloader: str) -> Iterator[Running]:
    port = free_port()
    log = folder / "server.log"
    env = {**os.environ, "APP_PORT": str(port), "APP_RELOADER": reloader,
           "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("KETTLE_RUN_FROM_CLI", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=folder, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    running = Running(process, port, log)
    children: list[int] = []
    try:
        yield running
        children = child_pids(process.pid)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for pid in children:  # the serving child ended with its parent: no orphan
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), pid


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "Z"
    return stat[stat.rindex(")") + 2]


def edit(path: Path, text: str) -> None:
    """Write ``text`` and make sure the modification time moves forward."""
    before = path.stat().st_mtime if path.exists() else 0
    path.write_text(text)
    if path.stat().st_mtime <= before:  # a coarse clock: push it past the old time
        os.utime(path, (before + 1, before + 1))


@pytest.mark.parametrize("reloader", RELOADERS)
def test_edit_serves_new_code_within_3_seconds(tmp_path: Path, reloader: str) -> None:
    write_app(tmp_path, "version 1")
    with run_app(tmp_path, reloader) as app:
        app.wait_for("version 1", timeout=15)
        time.sleep(0.3)  # a watcher's first scan
        edit(tmp_path / "app.py", APP.format(message="version 2", extra=""))
        assert app.wait_for("version 2", timeout=3) < 3
    log = app.log.read_text()
    assert f"Restarting with {reloader}" in log
    assert "Detected change in app.py, reloading" in log


@pytest.mark.parametrize("reloader", RELOADERS)
def test_syntax_error_then_fix_recovers_by_itself(tmp_path: Path, reloader: str) -> None:
    write_app(tmp_path, "version 1")
    with run_app(tmp_path, reloader) as app:
        app.wait_for("version 1", timeout=15)
        time.sleep(0.3)
        edit(tmp_path / "app.py", APP.format(message="broken", extra="def oops(:\n    pass"))
        deadline = time.monotonic() + 10
        while "SyntaxError" not in app.log.read_text():
            assert time.monotonic() < deadline, app.log.read_text()
            time.sleep(0.1)
        assert app.process.poll() is None  # the reloader is still there, watching
        status, body = app.get()  # and the browser shows the error instead of waiting
        assert status == 500
        assert "The app failed to start" in body and "SyntaxError" in body
        assert "def oops(:" in body  # the traceback's source line, escaped
        time.sleep(0.3)
        edit(tmp_path / "app.py", APP.format(message="version 3", extra=""))
        assert app.wait_for("version 3", timeout=3) < 3
    assert "fix the error above" in app.log.read_text()


def test_a_new_module_and_extra_files_are_watched(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text("MESSAGE = 'from views 1'\n")
    (tmp_path / "settings.txt").write_text("a\n")
    extra = "import views\n\n@app.route('/views')\ndef from_views():\n    return views.MESSAGE\n"
    write_app(tmp_path, "index", extra=extra)
    with run_app(tmp_path, "stat") as app:
        app.wait_for("index", timeout=15)
        time.sleep(0.3)
        edit(tmp_path / "views.py", "MESSAGE = 'from views 2'\n")
        deadline = time.monotonic() + 3
        while app.get("/views")[1] != "from views 2":
            assert time.monotonic() < deadline, app.log.read_text()
            time.sleep(0.1)
        edit(tmp_path / "settings.txt", "b\n")
        deadline = time.monotonic() + 5
        while "Detected change in settings.txt" not in app.log.read_text():
            assert time.monotonic() < deadline, app.log.read_text()
            time.sleep(0.1)
        app.wait_for("index", timeout=5)


def test_an_endless_stream_does_not_hold_a_restart(tmp_path: Path) -> None:
    stream = ("import time\n\n@app.route('/stream')\ndef stream():\n"
              "    def ticks():\n        while True:\n            yield 'tick\\n'\n"
              "            time.sleep(0.1)\n    return ticks()\n")
    write_app(tmp_path, "version 1", extra=stream)
    with run_app(tmp_path, "stat") as app:
        app.wait_for("version 1", timeout=15)
        with socket.create_connection(("127.0.0.1", app.port), timeout=5) as sock:
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
            received = b""
            while b"tick" not in received:  # the head may come before the first chunk
                data = sock.recv(65536)
                assert data, received
                received += data
            time.sleep(0.3)
            edit(tmp_path / "app.py", APP.format(message="version 2", extra=stream))
            assert app.wait_for("version 2", timeout=3) < 3


def test_excluded_files_do_not_restart(tmp_path: Path) -> None:
    (tmp_path / "scratch.py").write_text("x = 1\n")  # beside app.py: watched, but excluded
    write_app(tmp_path, "version 1")
    with run_app(tmp_path, "stat") as app:
        app.wait_for("version 1", timeout=15)
        time.sleep(0.3)
        edit(tmp_path / "scratch.py", "x = 2\n")
        time.sleep(2.5)  # two scans
        assert "Detected change" not in app.log.read_text()
        edit(tmp_path / "app.py", APP.format(message="version 2", extra=""))
        app.wait_for("version 2", timeout=3)


def test_port_stays_bound_across_restarts(tmp_path: Path) -> None:
    """Requests sent while the child restarts wait in the backlog: none is refused."""
    write_app(tmp_path, "version 1")
    with run_app(tmp_path, "stat") as app:
        app.wait_for("version 1", timeout=15)
        time.sleep(0.3)
        edit(tmp_path / "app.py", APP.format(message="version 2", extra=""))
        seen = set()
        deadline = time.monotonic() + 6
        while "version 2" not in seen and time.monotonic() < deadline:
            status, body = app.get(timeout=5)  # never ConnectionRefusedError
            assert status == 200
            seen.add(body)
        assert "version 2" in seen, app.log.read_text()


def test_sigterm_ends_the_reloader_and_its_child(tmp_path: Path) -> None:
    write_app(tmp_path, "version 1")
    with run_app(tmp_path, "stat") as app:
        app.wait_for("version 1", timeout=15)
        (child,) = child_pids(app.process.pid)
        app.process.send_signal(signal.SIGTERM)  # to the parent only
        assert app.process.wait(timeout=10) is not None
        time.sleep(0.2)
        assert not Path(f"/proc/{child}").exists() or _state(child) == "Z"


def test_kettle_run_from_cli_makes_app_run_return() -> None:
    code = textwrap.dedent("""
        import os
        os.environ["KETTLE_RUN_FROM_CLI"] = "true"
        from kettle import Kettle
        Kettle("x").run(port=1)
        print("returned")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert out.stdout.strip() == b"returned", out.stderr
    assert b"Ignoring a call to 'app.run()'" in out.stderr
