"""WebSocket connections for ``@app.websocket`` views (ASGI only).

The view receives the connection as its first argument::

    @app.websocket("/ws/<room>")
    async def chat(ws, room):
        await ws.accept()
        async for message in ws:
            await ws.send_text(f"{room}: {message}")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from .response import Response
    from .types import Message, Receive, Scope, Send


class WebSocketDisconnect(Exception):
    """The client closed the connection; ``code`` is its close code."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with code {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason


class WebSocket:
    """One WebSocket connection: accept, receive and send messages, close."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.accepted = False
        self.closed = False
        self._connected = False

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered."""
        return list(self.scope.get("subprotocols", []))

    async def accept(
        self, subprotocol: str | None = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Complete the handshake; call before sending or receiving."""
        if not self._connected:
            message = await self._receive()
            if message["type"] != "websocket.connect":
                raise RuntimeError(f"Expected 'websocket.connect', got {message['type']!r}.")
            self._connected = True
        reply: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            reply["headers"] = [(k.lower().encode(), v.encode()) for k, v in headers]
        await self._send(reply)
        self.accepted = True

    async def receive(self) -> Message:
        """The next raw ASGI message; raises ``WebSocketDisconnect`` when the client leaves."""
        if not self.accepted:
            raise RuntimeError("Call 'await ws.accept()' before receiving.")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.closed = True
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        return message

    async def receive_text(self) -> str:
        message = await self.receive()
        text = message.get("text")
        if text is None:
            raise TypeError("Expected a text message, got bytes.")
        return str(text)

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            raise TypeError("Expected a binary message, got text.")
        return bytes(data)

    async def receive_json(self) -> Any:
        """A text or binary message decoded as JSON."""
        message = await self.receive()
        payload = message.get("text")
        if payload is None:
            payload = message.get("bytes", b"")
        return msgspec.json.decode(payload)

    async def send_text(self, data: str) -> None:
        await self._send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any) -> None:
        await self._send({"type": "websocket.send", "text": msgspec.json.encode(data).decode()})

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before ``accept``, the server answers the handshake with 403)."""
        if self.closed:
            return
        self.closed = True
        await self._send({"type": "websocket.close", "code": code, "reason": reason})

    async def deny(self, response: Response) -> None:
        """Refuse the handshake: send ``response`` if the server can, else close (403)."""
        if "websocket.http.response" in self.scope.get("extensions", {}):
            from .response import wire_headers

            headers = [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in wire_headers(response)
            ]
            await self._send(
                {"type": "websocket.http.response.start", "status": response.status_code,
                 "headers": headers}
            )
            await self._send({"type": "websocket.http.response.body", "body": response.get_data()})
            self.closed = True
            return
        await self.close(1008)

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages (text or bytes) until the client disconnects."""
        while True:
            try:
                message = await self.receive()
            except WebSocketDisconnect:
                return
            text = message.get("text")
            yield text if text is not None else bytes(message.get("bytes") or b"")
