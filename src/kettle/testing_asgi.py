"""The test client's ASGI side: drives ``app(scope, receive, send)`` as an ASGI server would.

The app runs on an event loop in a background thread owned by the client, so a
test written for the WSGI door runs unchanged through the ASGI door. Lifespan
start-up runs before the first request; ``client.close()`` runs shut-down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

if TYPE_CHECKING:
    from .app import Kettle
    from .types import Message

T = TypeVar("T")
BODY_CHUNK = 64 * 1024
TIMEOUT = 30.0


def scope_from_environ(environ: dict[str, Any], kind: str = "http") -> dict[str, Any]:
    """The ASGI scope a server would build for the request ``environ`` describes."""
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    raw_path = environ["PATH_INFO"].encode("latin-1")
    port = int(environ.get("SERVER_PORT") or 80)
    scheme = environ.get("wsgi.url_scheme", "http")
    if kind == "websocket":
        scheme = "wss" if scheme == "https" else "ws"
    return {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": scheme,
        "path": environ.get("SCRIPT_NAME", "") + raw_path.decode("utf-8", "replace"),
        "raw_path": raw_path,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": environ.get("SCRIPT_NAME", ""),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 50000),
        "server": (environ.get("SERVER_NAME", "localhost"), port),
        "state": {},
        "extensions": {},
    }


class ASGIRunner:
    """An event loop in a daemon thread, with the app's lifespan started on first use."""

    def __init__(self, app: Kettle) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._lifespan_in: asyncio.Queue[Message] | None = None
        self._lifespan_out: asyncio.Queue[Message] | None = None
        self._lifespan_task: asyncio.Future[Any] | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for it here (its exception is raised here)."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(TIMEOUT)

    async def _lifespan(self, kind: str) -> None:
        if self._lifespan_in is None:
            self._lifespan_in, self._lifespan_out = asyncio.Queue(), asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            self._lifespan_task = asyncio.ensure_future(
                self.app(scope, self._lifespan_in.get, self._lifespan_out.put)
            )
        assert self._lifespan_out is not None
        await self._lifespan_in.put({"type": f"lifespan.{kind}"})
        reply = await self._lifespan_out.get()
        if reply["type"].endswith(".failed"):
            raise RuntimeError(f"Lifespan {kind} failed: {reply.get('message', '')}")

    def start(self) -> None:
        """Send ``lifespan.startup`` (once) and wait for the app's answer."""
        if self._lifespan_in is None:
            self.run(self._lifespan("startup"))

    def close(self) -> None:
        """Send ``lifespan.shutdown`` if started, then stop the loop."""
        try:
            task = self._lifespan_task
            if self._lifespan_in is not None and task is not None and not task.done():
                self.run(self._lifespan("shutdown"))
        finally:
            if not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(5)
                if not self._thread.is_alive():
                    self.loop.close()

    def http(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """One HTTP request through the ASGI door: ``(status line, headers, body)``."""
        self.start()
        return self.run(self._http(environ))

    async def _http(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        from .response import status_line

        scope = scope_from_environ(environ)
        if "kettle.preserve_context" in environ:
            scope["kettle.preserve_context"] = environ["kettle.preserve_context"]
        body = environ["wsgi.input"].read()
        declared = environ.get("CONTENT_LENGTH")
        if declared and declared.isascii() and declared.isdigit() and len(declared) < 20:
            # servers frame by length
            body = body[: int(declared)]
        chunks = [body[i : i + BODY_CHUNK] for i in range(0, len(body), BODY_CHUNK)] or [b""]
        finished = asyncio.Event()
        sent: list[Message] = []

        async def receive() -> Message:
            if chunks:
                chunk = chunks.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        try:
            await self.app(scope, receive, send)
        finally:
            finished.set()
        start = next(m for m in sent if m["type"] == "http.response.start")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return status_line(start["status"]), headers, data


class WebSocketDenied(Exception):
    """The app refused the WebSocket handshake; ``status`` is the HTTP status it answered."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(f"WebSocket handshake refused with status {status}")
        self.status = status
        self.body = body


class WebSocketClosed(Exception):
    """The app closed the WebSocket; ``code`` and ``reason`` are what it sent."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"WebSocket closed by the app with code {code} {reason}".rstrip())
        self.code = code
        self.reason = reason


class WebSocketSession:
    """A client end of a WebSocket to the app: ``with client.websocket_connect("/ws") as ws:``."""

    def __init__(
        self, runner: ASGIRunner, environ: dict[str, Any], subprotocols: list[str]
    ) -> None:
        self._runner = runner
        self._from_app: queue.Queue[Message] = queue.Queue()
        self._to_app: asyncio.Queue[Message] | None = None
        scope = scope_from_environ(environ, "websocket")
        scope["subprotocols"] = subprotocols
        scope["extensions"] = {"websocket.http.response": {}}
        runner.start()
        self._task = asyncio.run_coroutine_threadsafe(self._serve(scope), runner.loop)
        first = self._next()
        if first["type"] == "websocket.http.response.start":
            body = self._next()
            raise WebSocketDenied(first["status"], body.get("body", b""))
        if first["type"] == "websocket.close":
            raise WebSocketDenied(403)
        self.accepted_subprotocol: str | None = first.get("subprotocol")

    async def _serve(self, scope: dict[str, Any]) -> None:
        self._to_app = asyncio.Queue()
        await self._to_app.put({"type": "websocket.connect"})

        async def send(message: Message) -> None:
            self._from_app.put(message)

        try:
            await self._runner.app(scope, self._to_app.get, send)
        except BaseException as exc:  # surface the app's failure to the waiting test
            self._from_app.put({"type": "kettle.error", "error": exc})
            raise
        finally:
            self._from_app.put({"type": "kettle.done"})

    def _next(self) -> Message:
        message = self._from_app.get(timeout=TIMEOUT)
        if message["type"] == "kettle.error":
            raise message["error"]
        if message["type"] == "kettle.done":
            raise WebSocketClosed(1006, "the app ended without closing")
        return message

    def _put(self, message: Message) -> None:
        assert self._to_app is not None
        self._runner.loop.call_soon_threadsafe(self._to_app.put_nowait, message)

    def send_text(self, data: str) -> None:
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any) -> None:
        self.send_text(msgspec.json.encode(data).decode())

    def receive(self) -> Message:
        """The app's next ``websocket.send``; ``WebSocketClosed`` if it closed instead."""
        message = self._next()
        if message["type"] == "websocket.close":
            raise WebSocketClosed(message.get("code", 1000), message.get("reason") or "")
        return message

    def receive_text(self) -> str:
        return str(self.receive()["text"])

    def receive_bytes(self) -> bytes:
        return bytes(self.receive()["bytes"])

    def receive_json(self) -> Any:
        message = self.receive()
        return msgspec.json.decode(message.get("text") or message.get("bytes") or b"")

    def close(self, code: int = 1000) -> None:
        """Disconnect and wait for the app's view to finish."""
        if not self._task.done():
            self._put({"type": "websocket.disconnect", "code": code})
            self._task.result(TIMEOUT)

    def __enter__(self) -> WebSocketSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

