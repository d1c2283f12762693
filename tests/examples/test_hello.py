"""The seed article's samples run on kettle: through the test client and as ``python app.py``."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello" / "app.py"


def load_hello():
    spec = importlib.util.spec_from_file_location("hello_app", HELLO)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def test_seed_import_line_is_the_only_change() -> None:
    source = HELLO.read_text()
    assert "from kettle import Kettle as Flask" in source
    assert "app = Flask(__name__)" in source


def test_seed_routes_through_test_client() -> None:
    client = load_hello().test_client()
    assert client.get("/").text == "Hello, Flask!"
    assert client.get("/about").text == "About Page"
    response = client.get("/api/status")
    assert response.json == {"status": "running"}
    assert response.mimetype == "application/json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.server
def test_python_app_py_serves_on_a_real_socket(tmp_path: Path) -> None:
    """``python app.py`` starts a server; we move its port off 5000 so parallel runs don't clash."""
    port = _free_port()
    script = tmp_path / "app.py"
    script.write_text(HELLO.read_text())
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORT": str(port)}
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert body == b"Hello, Flask!"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/about", timeout=5) as r:
            assert r.read() == b"About Page"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5) as r:
            assert json.loads(r.read()) == {"status": "running"}
            assert r.headers["Content-Type"] == "application/json"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
