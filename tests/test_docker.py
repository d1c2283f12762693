"""``examples/hello/Dockerfile``: built, started, and fetched over a socket when a Docker
daemon answers; skipped otherwise, saying precisely why (no docker, no daemon, or the base
image can be neither found locally nor pulled)."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from apps.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "examples" / "hello" / "Dockerfile"

pytestmark = [pytest.mark.docker, pytest.mark.server]


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def base_image() -> str:
    match = re.search(r"^FROM\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "the Dockerfile has no FROM line"
    return match.group(1)


@pytest.fixture(scope="module")
def docker_ready() -> None:
    """Skip, with the reason, unless docker can build the image here."""
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    try:
        info = _docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    except subprocess.TimeoutExpired:
        pytest.skip("the Docker daemon did not answer 'docker info' within 30 s")
    if info.returncode != 0:
        pytest.skip(f"the Docker daemon is not reachable: {_first_line(info.stderr)}")
    image = base_image()
    if _docker("image", "inspect", image).returncode != 0:
        try:
            pulled = _docker("pull", image, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.skip(f"pulling the base image {image} timed out (no registry access?)")
        if pulled.returncode != 0:
            pytest.skip(f"the base image {image} is not present and cannot be pulled: "
                        f"{_first_line(pulled.stderr)}")


@pytest.fixture(scope="module")
def hello_image(docker_ready: None) -> Iterator[str]:
    tag = f"kettle-hello-test:{uuid.uuid4().hex[:12]}"
    built = _docker("build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT), timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    try:
        yield tag
    finally:
        _docker("image", "rm", "-f", tag)


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


def test_the_image_serves_the_hello_app(hello_image: str) -> None:
    port = free_port()
    started = _docker("run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8000", hello_image)
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        deadline = time.monotonic() + 60
        answer = None
        while answer is None and time.monotonic() < deadline:
            answer = _get(port, "/")
            time.sleep(0.2)
        logs = _docker("logs", container).stderr
        assert answer == (200, b"Hello, Flask!"), logs
        assert _get(port, "/api/status") == (200, b'{"status":"running"}')
        assert " * Interface: WSGI: " in logs
        assert "-m granian --interface wsgi" in logs
    finally:
        _docker("rm", "-f", container)  # only the container this test started
