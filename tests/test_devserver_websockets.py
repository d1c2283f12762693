"""WebSockets in the development server's ASGI mode, over real sockets: fragmented
messages, ping/pong, subprotocols, the closing handshake, refusals and the size limit."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from apps.live_server import DEVSERVER_SCRIPT, LiveServer, free_port, serve_command
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.server

APP = """\
from kettle import Kettle, Response

app = Kettle(__name__)


@app.route("/")
def index():
    return "hello"


@app.websocket("/echo")
async def echo(ws):
    await ws.accept(subprotocol="kettle.v1" if "kettle.v1" in ws.subprotocols else None)
    async for message in ws:
        if message == "close please":
            await ws.close(4001, "as you wish")
            return
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)


@app.websocket("/private")
async def private(ws):
    await ws.deny(Response("no entry", status=403))


@app.websocket("/fails")
async def fails(ws):
    await ws.accept()
    raise RuntimeError("the view failed")
"""


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder: Path = tmp_path_factory.mktemp("ws-app")
    (folder / "app.py").write_text(APP)
    return folder


def serve(folder: Path, name: str = "devserver-asgi") -> AbstractContextManager[LiveServer]:
    port = free_port()
    return serve_command(
        name,
        [sys.executable, "-c", DEVSERVER_SCRIPT, str(folder), "app:app", "asgi", str(port)],
        port=port, cwd=folder, log=folder / f"{name}.log",
    )


@pytest.fixture(scope="module")
def server(app_dir: Path) -> Iterator[LiveServer]:
    with serve(app_dir) as live:
        yield live


def url(server: LiveServer, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def test_fragmented_messages_are_joined(server: LiveServer) -> None:
    with connect(url(server, "/echo"), open_timeout=5) as ws:
        ws.send(["kett", "le ", "☕"])  # one text message in three frames
        assert ws.recv(timeout=5) == "kettle ☕"
        ws.send([b"\x00\x01", b"\x02"])
        assert ws.recv(timeout=5) == b"\x00\x01\x02"


def test_ping_is_answered(server: LiveServer) -> None:
    with connect(url(server, "/echo"), open_timeout=5) as ws:
        ws.ping(b"are you there").wait(timeout=5)


def test_subprotocol_is_agreed(server: LiveServer) -> None:
    with connect(url(server, "/echo"), subprotocols=["kettle.v1"], open_timeout=5) as ws:
        assert ws.subprotocol == "kettle.v1"


def test_server_close_code_and_reason_reach_the_client(server: LiveServer) -> None:
    with connect(url(server, "/echo"), open_timeout=5) as ws:
        ws.send("close please")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "as you wish")


def test_denied_handshake_answers_the_response(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(url(server, "/private"), open_timeout=5)
    assert refused.value.response.status_code == 403
    assert refused.value.response.body == b"no entry"


def test_unknown_websocket_url_is_refused(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(url(server, "/nowhere"), open_timeout=5)
    assert refused.value.response.status_code in (403, 404)


def test_failing_view_closes_with_1011(server: LiveServer) -> None:
    with connect(url(server, "/fails"), open_timeout=5) as ws, pytest.raises(ConnectionClosed) as c:
        ws.recv(timeout=5)
    assert c.value.rcvd is not None and c.value.rcvd.code == 1011


def test_oversized_message_closes_with_1009(server: LiveServer) -> None:
    with connect(url(server, "/echo"), open_timeout=5, max_size=None) as ws:
        ws.send(b"x" * (16 * 1024 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_plain_http_still_served_beside_websockets(server: LiveServer) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello"
    conn.close()


def test_stopping_closes_websockets_with_1001(app_dir: Path) -> None:
    """SIGTERM (a reload, Ctrl-C) says "going away" to open WebSockets and exits at once."""
    with serve(app_dir, "ws-stop") as live, connect(url(live, "/echo"), open_timeout=5) as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "hi"
        started = time.monotonic()
        live.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert live.process.wait(timeout=5) == 0
        assert time.monotonic() - started < 2.5
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
