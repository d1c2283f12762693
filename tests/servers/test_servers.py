"""``examples/realtime/app.py`` under every documented server, over real sockets on 127.0.0.1.

One server per configuration (``apps.live_server.server_configs``) serves all the tests of this
module; the lifecycle test starts its own, since it stops the server. Clients are
``http.client`` and, for WebSockets, ``websockets.sync.client``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apps.live_server import (
    HTTPClient,
    LiveServer,
    ServerConfig,
    multipart_body,
    request_allowing_early_answer,
    server_configs,
)
from websockets.exceptions import InvalidHandshake
from websockets.sync.client import connect

pytestmark = pytest.mark.server

MiB = 1024 * 1024
UPLOAD_SIZE = 10 * MiB
#: The body limit of the shared servers (``REALTIME_MAX_CONTENT_LENGTH``): above the upload,
#: below hypercorn's own 16 MiB WSGI buffer (which answers 400 itself), so 413s come from kettle.
TEST_MAX_CONTENT_LENGTH = 12 * MiB
CONFIG_NAMES = list(server_configs(Path(__file__).resolve().parents[2] / "examples" / "realtime"))


@pytest.fixture(scope="module", params=CONFIG_NAMES)
def live(
    request: pytest.FixtureRequest, serve_realtime: Any, realtime_configs: dict[str, ServerConfig]
) -> Iterator[tuple[ServerConfig, LiveServer]]:
    """One server per configuration, shared by all the tests of this module but one."""
    config = realtime_configs[str(request.param)]
    with serve_realtime(config, REALTIME_MAX_CONTENT_LENGTH=str(TEST_MAX_CONTENT_LENGTH)) as srv:
        yield config, srv


@pytest.fixture
def config(live: tuple[ServerConfig, LiveServer]) -> ServerConfig:
    return live[0]


@pytest.fixture
def server(live: tuple[ServerConfig, LiveServer]) -> LiveServer:
    return live[1]


@pytest.fixture
def client(server: LiveServer) -> HTTPClient:
    return server.client()


@pytest.fixture(scope="session")
def upload_content() -> bytes:
    return os.urandom(UPLOAD_SIZE)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pieces(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes in ``size`` pieces, never built in memory as a whole."""
    block = b"k" * size
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield block if n == size else block[:n]
        sent += n


# -- routes, hooks, error handlers ---------------------------------------------------------
def test_sync_and_async_views_run_the_hooks(client: HTTPClient) -> None:
    for path, text in [("/", "Hello from kettle (sync)"), ("/async", "Hello from kettle (async)")]:
        response = client.get(path, headers={"X-Trace": "t-1"})
        assert response.status_code == 200, response.content
        assert response.text == text
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["X-Served-By"] == "kettle"  # async after_request
        assert response.headers["X-Trace"] == "t-1"  # set by the async before_request


def test_view_arguments_and_json(client: HTTPClient) -> None:
    response = client.get("/square/12")
    assert response.status_code == 200
    assert response.json == {"square": 144}


def test_async_404_handler_answers_json(client: HTTPClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json == {"error": "not found"}
    assert response.headers["X-Served-By"] == "kettle"


def test_sync_value_error_handler_answers_400(client: HTTPClient) -> None:
    response = client.get("/square/abc")
    assert response.status_code == 400
    assert response.json["error"] == "bad value"
    assert response.headers["X-Served-By"] == "kettle"


def test_request_url_from_the_host_header(server: LiveServer, client: HTTPClient) -> None:
    response = client.get("/whoami?x=1")
    assert response.status_code == 200
    assert response.json == {
        "host": f"127.0.0.1:{server.port}",
        "url": f"http://127.0.0.1:{server.port}/whoami?x=1",
        "remote_addr": "127.0.0.1",
    }


def test_http_1_0_request_without_host_uses_the_server_address(server: LiveServer) -> None:
    """No ``Host`` header: ``request.host`` comes from the server's address (WSGI
    ``SERVER_NAME``/``SERVER_PORT``, ASGI ``scope["server"]``)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /whoami HTTP/1.0\r\n\r\n")
        received = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, content = received.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"200", received[:500]
    assert json.loads(content)["host"] == f"127.0.0.1:{server.port}"


# -- request bodies ------------------------------------------------------------------------
def test_json_post_is_echoed(client: HTTPClient) -> None:
    payload = {"name": "kettle", "nested": {"list": [1, 2.5, None, True]}, "text": "héllo ☕"}
    response = client.post("/echo", json=payload)
    assert response.status_code == 200, response.content
    assert response.json == {"echo": payload}


def test_10_mib_multipart_upload(client: HTTPClient, upload_content: bytes) -> None:
    body, content_type = multipart_body({"note": "big"}, {"file": ("big.bin", upload_content)})
    response = client.post("/upload", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.content[:500]
    assert response.json == {
        "filename": "big.bin",
        "bytes": UPLOAD_SIZE,
        "sha256": sha256(upload_content),
    }


def xfail_chunked_under_hypercorn_wsgi(
    request: pytest.FixtureRequest, config: ServerConfig
) -> None:
    """hypercorn's WSGI mode buffers the body into ``wsgi.input`` but sets neither
    ``CONTENT_LENGTH`` nor ``wsgi.input_terminated`` for a chunked request, so a PEP 3333
    app (kettle, as Werkzeug) must treat the body as empty."""
    if config.name.startswith("hypercorn") and config.door == "wsgi":
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="hypercorn WSGI mode: chunked body without CONTENT_LENGTH or "
                "wsgi.input_terminated reads as empty",
            )
        )


@pytest.mark.parametrize("path", ["/raw-upload", "/raw-upload-sync"])
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_streamed_request_body(
    request: pytest.FixtureRequest,
    config: ServerConfig,
    client: HTTPClient,
    upload_content: bytes,
    path: str,
    framing: str,
) -> None:
    """``stream=True`` routes count the body as it arrives (async ``iter_body`` / sync
    ``request.stream.read``), with a ``Content-Length`` or chunked."""
    chunked = framing == "chunked"
    if chunked:
        xfail_chunked_under_hypercorn_wsgi(request, config)
    data = (
        (upload_content[i : i + 65536] for i in range(0, UPLOAD_SIZE, 65536))
        if chunked
        else upload_content
    )
    response = client.post(path, data=data, chunked=chunked)
    assert response.status_code == 200, response.content[:500]
    assert response.json == {"bytes": UPLOAD_SIZE, "sha256": sha256(upload_content)}


TOO_MUCH = TEST_MAX_CONTENT_LENGTH + 1


@pytest.mark.parametrize("path", ["/echo", "/upload", "/raw-upload", "/raw-upload-sync"])
def test_body_over_the_limit_with_content_length_is_413(client: HTTPClient, path: str) -> None:
    body = b"x" * TOO_MUCH
    headers = {"Content-Type": "application/json"} if path == "/echo" else {}
    if path == "/upload":
        body, headers["Content-Type"] = multipart_body({}, {"file": ("f.bin", body)})
    response = request_allowing_early_answer(client, "POST", path, body, headers)
    assert response.status_code == 413, response.content[:500]
    assert b"MAX_CONTENT_LENGTH" in response.content


@pytest.mark.parametrize("path", ["/echo", "/raw-upload", "/raw-upload-sync"])
def test_chunked_body_over_the_limit_is_413(
    request: pytest.FixtureRequest, config: ServerConfig, client: HTTPClient, path: str
) -> None:
    xfail_chunked_under_hypercorn_wsgi(request, config)
    headers = {"Content-Type": "application/json"} if path == "/echo" else {}
    response = request_allowing_early_answer(
        client, "POST", path, pieces(TOO_MUCH), headers, chunked=True
    )
    assert response.status_code == 413, response.content[:500]
    assert b"MAX_CONTENT_LENGTH" in response.content


# -- streamed responses --------------------------------------------------------------------
Arrivals = list[tuple[float, bytes]]


def read_timed(client: HTTPClient, path: str) -> tuple[http.client.HTTPResponse, Arrivals]:
    """GET ``path`` and read the body piece by piece as it arrives: ``[(seconds, bytes)]``,
    the seconds counted from sending the request."""
    conn = client.connection()
    start = time.monotonic()
    conn.request("GET", path)
    response = conn.getresponse()
    arrivals: list[tuple[float, bytes]] = []
    try:
        while piece := response.read1(65536):
            arrivals.append((time.monotonic() - start, piece))
    finally:
        conn.close()
    return response, arrivals


@pytest.mark.parametrize("path", ["/stream", "/astream"])
def test_streamed_response_arrives_in_pieces(client: HTTPClient, path: str) -> None:
    """5 chunks 0.2 s apart (a sync and an async generator): not buffered by door or server."""
    response, arrivals = read_timed(client, path)
    assert response.status == 200
    assert response.getheader("Content-Length") is None
    assert b"".join(piece for _, piece in arrivals) == b"".join(
        f"chunk {i}\n".encode() for i in range(5)
    )
    # Buffered, everything would arrive at once, after the generator ended (0.8 s).
    assert len(arrivals) >= 3, arrivals
    assert arrivals[-1][0] - arrivals[0][0] >= 0.6, arrivals


def test_server_sent_events(client: HTTPClient) -> None:
    response, arrivals = read_timed(client, "/sse")
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    assert response.getheader("Cache-Control") == "no-cache"
    text = b"".join(piece for _, piece in arrivals).decode()
    events = [block for block in text.split("\n\n") if block.strip()]
    data = [
        json.loads(line.removeprefix("data: "))
        for block in events
        for line in block.splitlines()
        if line.startswith("data: ")
    ]
    assert data == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert arrivals[-1][0] - arrivals[0][0] >= 0.15, arrivals  # streamed, not buffered


# -- WebSockets ----------------------------------------------------------------------------
def test_websocket_echo(config: ServerConfig, server: LiveServer) -> None:
    if not config.websockets:
        pytest.skip(f"{config.name} serves the WSGI door, which has no WebSockets")
    with connect(f"ws://127.0.0.1:{server.port}/ws/echo", open_timeout=5) as ws:
        ws.send("hello ☕")
        assert ws.recv(timeout=5) == "hello ☕"
        ws.send(b"\x00\x01binary\xff")
        assert ws.recv(timeout=5) == b"\x00\x01binary\xff"
        ws.send("again")
        assert ws.recv(timeout=5) == "again"


def test_websocket_room(config: ServerConfig, server: LiveServer) -> None:
    if not config.websockets:
        pytest.skip(f"{config.name} serves the WSGI door, which has no WebSockets")
    with connect(f"ws://127.0.0.1:{server.port}/ws/room/kitchen", open_timeout=5) as ws:
        ws.send("the kettle is on")
        assert ws.recv(timeout=5) == "kitchen: the kettle is on"


def test_websocket_url_over_plain_http_is_404(client: HTTPClient) -> None:
    """A WebSocket route does not answer plain HTTP (under either door)."""
    response = client.get("/ws/echo")
    assert response.status_code == 404
    assert response.json == {"error": "not found"}


def test_websocket_handshake_is_refused_under_wsgi(
    config: ServerConfig, server: LiveServer
) -> None:
    if config.websockets:
        pytest.skip("served through the ASGI door")
    with (
        pytest.raises(InvalidHandshake),
        connect(f"ws://127.0.0.1:{server.port}/ws/echo", open_timeout=5),
    ):
        pass


# -- lifecycle -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_shutdown_hooks_run_on_sigterm(name: str, tmp_path: Path, serve_realtime: Any) -> None:
    """``on_startup`` runs before serving (ASGI lifespan) or before the first request (WSGI);
    ``on_shutdown`` when SIGTERM stops the server (lifespan, or atexit in the WSGI worker)."""
    record = tmp_path / "lifecycle.txt"
    with serve_realtime(name, REALTIME_LIFECYCLE_FILE=str(record)) as server:
        assert server.client().get("/").status_code == 200
        os.kill(server.pid, signal.SIGTERM)
        try:
            code = server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not exit within 15 s of SIGTERM:\n{server.log_text()}")
    lines = record.read_text().splitlines() if record.exists() else []
    events = [line.split()[0] for line in lines]
    assert events.count("startup") == 1, (lines, server.log_text())
    assert events.count("shutdown") == 1, (lines, code, server.log_text())
    (startup_pid,) = (line.split()[1] for line in lines if line.startswith("startup"))
    (shutdown_pid,) = (line.split()[1] for line in lines if line.startswith("shutdown"))
    assert startup_pid == shutdown_pid  # the serving (worker) process, once each
    assert events == ["startup", "shutdown"]
