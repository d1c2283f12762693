"""The development server's ASGI mode: h11 on asyncio streams, one task per connection.

Used for apps with ``async def`` views or WebSocket routes. The request head has a
deadline and the body an idle timeout, so slow clients only cost a suspended task.
WebSocket upgrades are handed to ``websocket.py`` (wsproto frames the messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import ssl
import time
from email.utils import formatdate
from typing import Any

import h11

from ..errors import HTTP_STATUS_PHRASES
from .http11 import (
    RequestParser,
    RequestRefused,
    ServerLimits,
    decoded_path,
    expects_continue,
    is_websocket_upgrade,
    log_request,
    logger,
    refusal_bytes,
    split_target,
)
from .lifespan import LifespanRunner

ASGIApp = Any
READ_SIZE = 64 * 1024
LINGER_SECONDS = 2.0
#: On stop, how long requests in progress may take to finish (short: a reload waits for it,
#: and an endless stream such as server-sent events would hold it to the end).
SHUTDOWN_GRACE_SECONDS = 1.0


class ClientGone(OSError):
    """Raised by ``send`` once the client has gone: a streaming view stops there."""


class ASGIServer:
    """Serves ``app`` on ``sock`` until SIGINT or SIGTERM; lifespan events around it."""

    def __init__(
        self,
        app: ASGIApp,
        sock: socket.socket,
        limits: ServerLimits,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.app = app
        self.sock = sock
        self.limits = limits
        self.ssl_context = ssl_context
        host, port = sock.getsockname()[:2]
        self.server_address = (str(host), int(port))
        self.connections: dict[asyncio.Task[None], _Connection] = {}
        self.state: dict[str, Any] = {}
        self.stopping = False

    def run(self) -> None:
        asyncio.run(self.serve())

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not main
                loop.add_signal_handler(signum, stop.set)
        lifespan = LifespanRunner(self.app, self.state)
        await lifespan.startup()
        server = await asyncio.start_server(
            self._on_connection, sock=self.sock, ssl=self.ssl_context,
            ssl_handshake_timeout=self.limits.header_timeout if self.ssl_context else None,
        )
        try:
            await stop.wait()
        finally:
            server.close()
            await self.drain()
            await lifespan.shutdown()

    async def drain(self) -> None:
        """Requests in progress finish (for a few seconds at most); idle connections close."""
        self.stopping = True
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        # A new connection's request may be in flight: it is closed only if still silent then.
        quiet = time.monotonic() + 0.5
        for connection in list(self.connections.values()):
            if connection.websocket is not None:  # 1001: going away
                await connection.websocket.go_away()
        while self.connections and time.monotonic() < deadline:
            for task, connection in list(self.connections.items()):
                if connection.idle and (connection.served or time.monotonic() > quiet):
                    task.cancel()
            await asyncio.sleep(0.02)
        for task in list(self.connections):
            task.cancel()
        if self.connections:
            await asyncio.wait(list(self.connections), timeout=1)

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        connection = _Connection(self, reader, writer)
        self.connections[task] = connection
        try:
            await connection.serve()
        except (ConnectionError, OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:  # stopping: this connection was idle or too slow
            pass
        except Exception:
            logger.exception("Error while serving a connection")
        finally:
            self.connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)


class _Connection:
    """One client connection: HTTP requests in turn, or one WebSocket after an upgrade."""

    def __init__(
        self, server: ASGIServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.limits = server.limits
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer: tuple[str, int] | None = (str(peer[0]), int(peer[1])) if peer else None
        self.client = f"{peer[0]}:{peer[1]}" if peer else "-"
        self.parser = RequestParser(self.limits)
        self.h11 = self.parser.h11
        self.gone = False
        self.idle = True  # waiting for a request, nothing of it received yet
        #: The WebSocket session after an upgrade (closed with 1001 when the server stops).
        self.websocket: Any = None
        self.served = 0  # requests answered on this connection

    async def _recv(self, timeout: float) -> bytes:
        if timeout <= 0:
            raise TimeoutError()
        return await asyncio.wait_for(self.reader.read(READ_SIZE), timeout)

    async def write(self, data: bytes) -> None:
        if self.gone:
            raise ClientGone("the client has gone")
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            self.gone = True
            raise ClientGone("the client has gone") from exc

    async def send_event(self, event: Any) -> None:
        data = self.h11.send(event)
        if data:
            await self.write(data)

    async def serve(self) -> None:
        while True:
            try:
                request = await self._read_request()
            except RequestRefused as refusal:
                with contextlib.suppress(OSError):
                    await self.write(refusal_bytes(refusal))
                logger.info('%s "<refused>" %d %s', self.client, refusal.status, refusal.reason)
                return
            if request is None:
                return
            if is_websocket_upgrade(request):
                from .websocket import serve_websocket

                await serve_websocket(self, request)
                return
            await _HTTPCycle(self, request).run()
            self.served += 1
            if self.h11.our_state is not h11.DONE or self.server.stopping:
                return
            if self.h11.their_state is not h11.DONE:
                await self._linger()
                return
            self.h11.start_next_cycle()

    async def _read_request(self) -> h11.Request | None:
        """The next request head, checked; ``None`` when the client closed in between."""
        parser = self.parser
        deadline = time.monotonic() + self.limits.header_timeout
        while (request := parser.next_request()) is None:
            self.idle = not parser.buffer
            if self.idle and self.served and self.server.stopping:
                return None
            data = await self._recv(deadline - time.monotonic())
            self.idle = False
            if not data:
                if parser.buffer:
                    raise RequestRefused(400, "The request head is incomplete.")
                return None
            parser.buffer += data
        return request

    async def next_body_event(self) -> h11.Data | h11.EndOfMessage:
        """The next piece of the request body; ``ConnectionError`` if it cannot come."""
        while (event := self.parser.next_body_event()) is None:
            self.parser.receive_body_data(await self._recv(self.limits.body_timeout))
        return event

    async def _linger(self) -> None:
        with contextlib.suppress(Exception):
            if self.writer.can_write_eof():
                self.writer.write_eof()
            deadline = time.monotonic() + LINGER_SECONDS
            while await self._recv(deadline - time.monotonic()):
                pass

    def scope_base(self, request: h11.Request, kind: str) -> dict[str, Any]:
        raw_path, query = split_target(request.target)
        secure = self.server.ssl_context is not None
        return {
            "type": kind,
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": request.http_version.decode(),
            "scheme": ("wss" if secure else "ws") if kind == "websocket" else (
                "https" if secure else "http"),
            "path": decoded_path(raw_path).decode("utf-8", "replace"),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(name, value) for name, value in request.headers],
            "client": self.peer,
            "server": self.server.server_address,
            "state": dict(self.server.state),
        }


class _HTTPCycle:
    """One HTTP request and its response, as the ASGI app's ``receive``/``send`` see them."""

    def __init__(self, connection: _Connection, request: h11.Request) -> None:
        self.connection = connection
        self.request = request
        self.continue_pending = expects_continue(request)
        self.started = False
        self.complete = False
        self.status = 500
        self.finished = asyncio.Event()

    async def run(self) -> None:
        started = time.perf_counter()
        scope = self.connection.scope_base(self.request, "http")
        scope["method"] = self.request.method.decode("ascii")
        try:
            await self.connection.server.app(scope, self.receive, self.send)
        except ClientGone:
            self.status = 499
        except Exception:
            logger.exception("Error on request %s %s", scope["method"],
                             self.request.target.decode("latin-1"))
            if self.started:
                self.connection.gone = True
            else:
                await self._plain_500()
        else:
            if not self.complete:
                if self.started:  # the app ended mid-body: only closing tells the client
                    self.connection.gone = True
                else:
                    logger.error("The ASGI app returned without a response.")
                    await self._plain_500()
        finally:
            self.finished.set()
            log_request(self.connection.client, self.request.method, self.request.target,
                        self.status, started)

    async def receive(self) -> dict[str, Any]:
        connection = self.connection
        if self.complete or connection.gone or connection.h11.their_state is not h11.SEND_BODY:
            await self.finished.wait()  # nothing more to read: wait for the end
            return {"type": "http.disconnect"}
        if self.continue_pending:
            self.continue_pending = False
            if not self.started:
                await connection.send_event(h11.InformationalResponse(status_code=100, headers=[]))
        try:
            event = await connection.next_body_event()
        except (ConnectionError, OSError, TimeoutError):
            connection.gone = True
            return {"type": "http.disconnect"}
        if isinstance(event, h11.EndOfMessage):
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": bytes(event.data), "more_body": True}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        connection = self.connection
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            self.status = int(message["status"])
            headers = [(bytes(name), bytes(value)) for name, value in message.get("headers", ())]
            headers.append((b"date", formatdate(usegmt=True).encode()))
            if connection.h11.their_state is not h11.DONE:
                headers.append((b"connection", b"close"))
            reason = HTTP_STATUS_PHRASES.get(self.status, "").encode()
            await connection.send_event(
                h11.Response(status_code=self.status, headers=headers, reason=reason)
            )
        elif kind == "http.response.body":
            if not self.started or self.complete:
                raise RuntimeError("http.response.body sent out of order")
            body = message.get("body", b"")
            if body and self.request.method != b"HEAD":
                await connection.send_event(h11.Data(data=body))
            if not message.get("more_body", False):
                self.complete = True
                await connection.send_event(h11.EndOfMessage())
                self.finished.set()

    async def _plain_500(self) -> None:
        body = b"Internal Server Error\n"
        self.status = 500
        with contextlib.suppress(Exception):
            await self.connection.send_event(h11.Response(status_code=500, headers=[
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
            ]))
            await self.connection.send_event(h11.Data(data=body))
            await self.connection.send_event(h11.EndOfMessage())
