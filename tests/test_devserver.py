"""The development server over real sockets, in both modes (threads/WSGI, asyncio/ASGI):
slow clients, bad framing (400), oversized heads (431), keep-alive, ``Expect: 100-continue``,
HEAD, the request log, the banner, signals and TLS."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from apps.live_server import (
    DEVSERVER_SCRIPT,
    LiveServer,
    free_port,
    serve_command,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.server

HEADER_TIMEOUT = 3.0
APP = """\
import os
from kettle import Kettle, request

app = Kettle(__name__)
app.config["DEV_SERVER_HEADER_TIMEOUT"] = float(os.environ.get("APP_HEADER_TIMEOUT", "10"))


@app.route("/")
def index():
    return "hello"


@app.route("/echo", methods=["POST"])
def echo():
    return request.get_data()


@app.route("/boom")
def boom():
    raise ValueError("bad <script>alert('x')</script> value")


if __name__ == "__main__":
    context = None
    if os.environ.get("APP_CERT"):
        context = (os.environ["APP_CERT"], os.environ["APP_KEY"])
    app.run(port=int(os.environ["APP_PORT"]), debug=os.environ.get("APP_DEBUG") == "1",
            use_reloader=False, ssl_context=context,
            threaded=os.environ.get("APP_THREADED") != "0")
"""


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("devserver-app")
    (folder / "app.py").write_text(APP)
    return folder


@pytest.fixture(scope="module", params=["wsgi", "asgi"])
def server(request: pytest.FixtureRequest, app_dir: Path) -> Iterator[LiveServer]:
    door = str(request.param)
    port = free_port()
    with serve_command(
        f"devserver-{door}",
        [sys.executable, "-c", DEVSERVER_SCRIPT, str(app_dir), "app:app", door, str(port)],
        port=port, cwd=app_dir, log=app_dir / f"{door}.log",
        env={"APP_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "PYTHONUNBUFFERED": "1"},
    ) as live:
        yield live


def raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a new connection and read until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response.split(b" ", 2)[1])


def get(port: int, path: str = "/", timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# -- bad framing and limits -------------------------------------------------------------------
BAD_FRAMING = {
    "two content-lengths": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
    b"Content-Length: 4\r\n\r\nabcd",
    "content-length with transfer-encoding": b"POST /echo HTTP/1.1\r\nHost: a\r\n"
    b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "obfuscated transfer-encoding xchunked": b"POST /echo HTTP/1.1\r\nHost: a\r\n"
    b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding chunked, identity": b"POST /echo HTTP/1.1\r\nHost: a\r\n"
    b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "two transfer-encoding headers": b"POST /echo HTTP/1.1\r\nHost: a\r\n"
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bare LF line endings": b"GET / HTTP/1.1\nHost: a\n\n",
    "bare LF in one header line": b"GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n",
    "space before the colon": b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "no Host in HTTP/1.1": b"GET / HTTP/1.1\r\n\r\n",
    "bad content-length": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
}


@pytest.mark.parametrize("case", list(BAD_FRAMING))
def test_bad_framing_is_refused_with_400(server: LiveServer, case: str) -> None:
    response = raw(server.port, BAD_FRAMING[case])
    assert status_of(response) == 400, response
    assert b"Connection: close" in response


def test_oversized_header_is_431(server: LiveServer) -> None:
    response = raw(server.port, b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 20_000 +
                   b"\r\n\r\n")
    assert status_of(response) == 431


def test_over_100_headers_is_431_and_100_is_fine(server: LiveServer) -> None:
    def head(count: int) -> bytes:
        lines = b"".join(b"X-H%d: v\r\n" % i for i in range(count - 2))
        return b"GET / HTTP/1.1\r\nHost: a\r\n" + lines + b"Connection: close\r\n\r\n"

    assert status_of(raw(server.port, head(100))) == 200
    assert status_of(raw(server.port, head(101))) == 431


# -- keep-alive, 100-continue, HEAD, chunked request bodies ------------------------------------
def test_keep_alive_serves_requests_on_one_connection(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        for _ in range(3):
            conn.request("GET", "/")
            response = conn.getresponse()
            assert response.read() == b"hello"
            assert response.getheader("Connection") is None
        conn.request("POST", "/echo", body=b"kettle", headers={"Content-Type": "text/plain"})
        assert conn.getresponse().read() == b"kettle"
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"hello"
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(server: LiveServer) -> None:
    response = raw(server.port, b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                   b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert response.count(b"HTTP/1.1 200 OK") == 2
    assert response.index(b"abc") < response.index(b"hello")


def test_expect_100_continue(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        sock.sendall(b"hello")
        rest = b"".join(iter(lambda: sock.recv(65536), b""))
    assert status_of(rest) == 200 and rest.endswith(b"hello")


def test_chunked_request_body(server: LiveServer) -> None:
    response = raw(server.port, b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   b"Connection: close\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n")
    assert status_of(response) == 200 and response.endswith(b"abcdefg")


def test_head_has_headers_and_no_body(server: LiveServer) -> None:
    response = raw(server.port, b"HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert status_of(response) == 200
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-length: 5" in head.lower() and body == b""


def test_each_request_is_logged(server: LiveServer) -> None:
    get(server.port, "/?logged=1")
    deadline = time.monotonic() + 3
    while '"GET /?logged=1" 200' not in server.log_text():
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.05)


# -- slow clients ------------------------------------------------------------------------------
def test_answers_while_16_slow_clients_hold_connections(server: LiveServer) -> None:
    """8 clients send their headers a byte a second, 8 their body; the server still answers
    others at once, and drops the slow-header clients after the header timeout."""
    slow_heads = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    slow_bodies = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    for sock in slow_bodies:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n")
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"s" * 100
    stop = threading.Event()

    def dribble() -> None:
        for i in range(10):
            for sock in slow_heads + slow_bodies:
                payload = head[i : i + 1] if sock in slow_heads else b"x"
                with suppress(OSError):
                    sock.sendall(payload)
            if stop.wait(1.0):
                return

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        timings = []
        while time.monotonic() - started < 2.5:
            t0 = time.monotonic()
            assert get(server.port) == (200, b"hello")
            timings.append(time.monotonic() - t0)
            time.sleep(0.05)
        assert len(timings) >= 5 and max(timings) < 2.0, timings  # stalled: >= 3 s each
        # the slow-header clients are dropped once the header deadline has passed
        for sock in slow_heads:
            sock.settimeout(HEADER_TIMEOUT + 3)
            with suppress(ConnectionResetError):  # closed with unread bytes: reset, a drop too
                assert sock.recv(100) == b"", "a slow head outlived the header timeout"
        assert time.monotonic() - started < HEADER_TIMEOUT + 3
        assert get(server.port) == (200, b"hello")
    finally:
        stop.set()
        thread.join()
        for sock in slow_heads + slow_bodies:
            sock.close()


# -- app.run(): banner, door choice, signals, TLS, the debug page -------------------------------
def start_app(app_dir: Path, name: str, **env: str) -> LiveServer:
    port = free_port()
    return start_server(
        name, [sys.executable, "app.py"], port=port, cwd=app_dir, log=app_dir / f"{name}.log",
        env={"APP_PORT": str(port), "PYTHONUNBUFFERED": "1", **env},
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_app_run_banner_and_clean_stop(app_dir: Path, signum: int) -> None:
    live = start_app(app_dir, f"banner-{signum}")
    try:
        assert get(live.port) == (200, b"hello")
        os.kill(live.pid, signum)
        assert live.process.wait(timeout=10) == 0, live.log_text()
    finally:
        stop_server(live)
    log = live.log_text()
    assert f"Running on http://127.0.0.1:{live.port}/" in log
    assert "development server" in log and "production" in log
    assert "through its WSGI door (every view, hook and error handler is a plain def" in log
    assert "Traceback" not in log


def test_unthreaded_mode_serves_one_connection_at_a_time(app_dir: Path) -> None:
    live = start_app(app_dir, "unthreaded", APP_THREADED="0")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=5)
        for _ in range(2):  # keep-alive on the one connection
            conn.request("GET", "/")
            assert conn.getresponse().read() == b"hello"
        conn.close()
        assert get(live.port) == (200, b"hello")
    finally:
        stop_server(live)


def test_debug_page_through_the_server(app_dir: Path) -> None:
    live = start_app(app_dir, "debug-page", APP_DEBUG="1")
    try:
        status, body = get(live.port, "/boom")
        assert status == 500
        assert b"bad &lt;script&gt;" in body and b"Local variables" in body
    finally:
        stop_server(live)
    assert "ValueError: bad" in live.log_text()  # and the traceback is in the log


def test_no_debug_page_when_debug_is_off(app_dir: Path) -> None:
    live = start_app(app_dir, "no-debug-page")
    try:
        status, body = get(live.port, "/boom")
    finally:
        stop_server(live)
    assert status == 500
    assert b"Traceback" not in body and b"ValueError" not in body and b".py" not in body
    assert "ValueError: bad" in live.log_text()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_with_a_cert_and_key(app_dir: Path, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=app_dir,
        env={**os.environ, "APP_PORT": str(port), "APP_CERT": str(cert), "APP_KEY": str(key)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    try:
        deadline = time.monotonic() + 15
        while True:
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=context)
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                assert (response.status, response.read()) == (200, b"hello")
                break
            except (OSError, http.client.HTTPException):
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
            finally:
                conn.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
