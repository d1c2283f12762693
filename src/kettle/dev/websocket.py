"""WebSockets in the development server: the ASGI ``websocket`` scope over wsproto.

h11 parses the upgrade request; wsproto (pure Python, sans-IO, from h11's authors)
checks the handshake, writes the ``101`` and frames messages, including fragmentation,
masking, ping/pong and the closing handshake, which are easy to get subtly wrong by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    TextMessage,
)
from wsproto.utilities import RemoteProtocolError

from .http11 import RequestRefused, log_request, logger, refusal_bytes

if TYPE_CHECKING:
    from .asgi_server import _Connection

#: The largest message accepted from a client; a bigger one closes with 1009.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024


async def serve_websocket(connection: _Connection, request: h11.Request) -> None:
    """Run the app's WebSocket session for an upgrade ``request``."""
    ws = WSConnection(ConnectionType.SERVER)
    try:
        ws.initiate_upgrade_connection(list(request.headers), request.target)
        handshake = next(iter(ws.events()))
    except (RemoteProtocolError, StopIteration) as exc:
        refusal = RequestRefused(400, f"Bad WebSocket handshake: {exc}")
        await connection.write(refusal_bytes(refusal))
        return
    scope = connection.scope_base(request, "websocket")
    scope["subprotocols"] = list(getattr(handshake, "subprotocols", []))
    scope["extensions"] = {"websocket.http.response": {}}
    session = connection.websocket = _Session(connection, ws, request)
    await session.run(scope)


class _Session:
    """The app's ``receive``/``send`` for one WebSocket, and the reader feeding ``receive``."""

    def __init__(self, connection: _Connection, ws: WSConnection, request: h11.Request) -> None:
        self.connection = connection
        self.ws = ws
        self.request = request
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.accepted = False
        self.answered = False  # accepted, or refused with a response
        self.closed = False
        self.status = 500
        self.reader: asyncio.Task[None] | None = None

    async def run(self, scope: dict[str, Any]) -> None:
        started = time.perf_counter()
        await self.inbox.put({"type": "websocket.connect"})
        try:
            await self.connection.server.app(scope, self.receive, self.send)
        except Exception:
            logger.exception("Error in WebSocket %s", scope["path"])
        finally:
            await self._finish()
            log_request(self.connection.client, self.request.method, self.request.target,
                        self.status, started)

    async def _finish(self) -> None:
        with contextlib.suppress(Exception):
            if not self.answered:
                await self.send({"type": "websocket.close", "code": 1011})
            elif self.accepted and not self.closed:
                await self.send({"type": "websocket.close", "code": 1000})
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        ws = self.ws
        if kind == "websocket.accept":
            self.accepted = self.answered = True
            self.status = 101
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
            await self._write(ws.send(AcceptConnection(
                subprotocol=message.get("subprotocol"), extra_headers=headers)))
            self.reader = asyncio.create_task(self._read_frames())
        elif kind == "websocket.send":
            if not self.accepted or self.closed:
                raise RuntimeError("websocket.send before accept or after close")
            text = message.get("text")
            event = TextMessage(data=text) if text is not None else BytesMessage(
                data=message.get("bytes") or b"")
            await self._write(ws.send(event))
        elif kind == "websocket.close":
            if not self.answered:  # refused before the handshake: a plain 403
                self.answered = True
                self.status = 403
                await self._write(ws.send(RejectConnection(status_code=403)))
            elif ws.state is ConnectionState.OPEN:
                await self._write(ws.send(CloseConnection(
                    code=int(message.get("code", 1000)), reason=message.get("reason") or None)))
            self.closed = True
        elif kind == "websocket.http.response.start":
            self.answered = True
            self.status = int(message["status"])
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
            await self._write(ws.send(RejectConnection(
                status_code=self.status, headers=headers, has_body=True)))
        elif kind == "websocket.http.response.body":
            more = bool(message.get("more_body", False))
            await self._write(ws.send(RejectData(
                data=message.get("body", b""), body_finished=not more)))
            self.closed = not more

    async def _write(self, data: bytes) -> None:
        if data:
            await self.connection.write(data)

    async def _read_frames(self) -> None:
        """Feed frames to wsproto; whole messages go to the app's inbox."""
        connection, ws = self.connection, self.ws
        parts: list[Any] = []
        size = 0
        pending = bytes(connection.parser.buffer)
        connection.parser.buffer.clear()
        try:
            while True:
                data = pending or await connection.reader.read(65536)
                pending = b""
                ws.receive_data(data or None)
                for event in ws.events():
                    if isinstance(event, TextMessage | BytesMessage):
                        parts.append(event.data)
                        size += len(event.data)
                        if size > MAX_MESSAGE_SIZE:
                            await self._close_from_server(1009, "Message too big")
                            return
                        if event.message_finished:
                            key = "text" if isinstance(event, TextMessage) else "bytes"
                            joined = "".join(parts) if key == "text" else b"".join(parts)
                            parts, size = [], 0
                            await self.inbox.put({"type": "websocket.receive", key: joined})
                    elif isinstance(event, Ping):
                        await self._write(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        if ws.state is ConnectionState.REMOTE_CLOSING:
                            await self._write(ws.send(event.response()))
                        await self._disconnected(event.code)
                        return
                if not data:
                    await self._disconnected(1006)
                    return
        except (RemoteProtocolError, OSError):
            await self._disconnected(1006)

    async def go_away(self) -> None:
        """The server is stopping: close with 1001 and tell the app the client is gone."""
        if self.accepted and not self.closed and self.ws.state is ConnectionState.OPEN:
            await self._close_from_server(1001, "Server restarting")

    async def _close_from_server(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._write(self.ws.send(CloseConnection(code=code, reason=reason)))
        await self._disconnected(code)

    async def _disconnected(self, code: int) -> None:
        self.closed = True
        await self.inbox.put({"type": "websocket.disconnect", "code": code})
