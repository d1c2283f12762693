"""The development server's WSGI mode: h11 on blocking sockets, a thread per connection.

Each connection reads its request head under a deadline (a client sending a byte a
second cannot hold a thread for long), its body with an idle timeout, and answers
each body chunk as the app yields it. One connection's slowness never delays another.
"""

from __future__ import annotations

import contextlib
import selectors
import signal
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from types import FrameType
from typing import Any

import h11

from .http11 import (
    SERVER_SOFTWARE,
    RequestParser,
    RequestRefused,
    ServerLimits,
    decoded_path,
    expects_continue,
    log_request,
    logger,
    refusal_bytes,
    split_target,
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
READ_SIZE = 64 * 1024
#: After answering a request whose body was not read, how long the rest may still arrive
#: before the connection closes (closing at once would reset it and lose the answer).
LINGER_SECONDS = 2.0
#: On stop, how long requests in progress may take to finish (short: a reload waits for it,
#: and an endless stream such as server-sent events would hold it to the end).
SHUTDOWN_GRACE_SECONDS = 1.0


class ConnectionClosed(Exception):
    """The client went away, or was too slow."""


class WSGIServer:
    """Accepts connections on ``sock`` and serves each on its own thread (or inline)."""

    def __init__(
        self,
        app: WSGIApp,
        sock: socket.socket,
        limits: ServerLimits,
        ssl_context: ssl.SSLContext | None = None,
        threaded: bool = True,
    ) -> None:
        self.app = app
        self.sock = sock
        self.limits = limits
        self.ssl_context = ssl_context
        self.threaded = threaded
        host, port = sock.getsockname()[:2]
        self.server_name, self.server_port = str(host), str(port)
        self.connections: set[_Connection] = set()
        self.stopping = False
        self._wake: socket.socket | None = None

    def serve_forever(self) -> None:
        """Accept until SIGINT or SIGTERM (or ``stop()``), then drain.

        The signals only set a flag (and wake the selector through a pipe): an exception
        raised between ``accept()`` and handing the socket to its thread would reset that
        client's connection, which a reloader restart would otherwise do now and then.
        """
        wake_read, wake_write = socket.socketpair()
        wake_read.setblocking(False)
        wake_write.setblocking(False)
        self._wake = wake_write
        restore = _on_stop_signals(self.stop, wake_write.fileno())
        selector = selectors.DefaultSelector()
        self.sock.setblocking(False)
        selector.register(self.sock, selectors.EVENT_READ)
        selector.register(wake_read, selectors.EVENT_READ)
        try:
            while not self.stopping:
                for key, _ in selector.select():
                    if key.fileobj is wake_read:
                        with contextlib.suppress(OSError):
                            wake_read.recv(512)
                    elif not self.stopping:
                        self._accept()
        finally:
            restore()
            selector.close()
            wake_read.close()
            wake_write.close()
            self.drain()

    def stop(self) -> None:
        """Ask the accept loop to stop (from a signal handler or another thread)."""
        self.stopping = True
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake.send(b"x")

    def _accept(self) -> None:
        try:
            client, address = self.sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        client.setblocking(True)
        if self.threaded:
            threading.Thread(
                target=self.handle, args=(client, address), daemon=True,
                name=f"kettle-conn-{address[1]}",
            ).start()
        else:
            self.handle(client, address)

    def drain(self) -> None:
        """Requests in progress finish (for a few seconds at most), idle keep-alive
        connections close: a reloader restart cuts no answer short."""
        self.stopping = True
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        # A new connection's request may be in flight: it is closed only if still silent then.
        quiet = time.monotonic() + 0.5
        while self.connections and time.monotonic() < deadline:
            for connection in list(self.connections):
                if connection.idle and (connection.served or time.monotonic() > quiet):
                    with contextlib.suppress(OSError):
                        connection.sock.shutdown(socket.SHUT_RDWR)
            time.sleep(0.02)

    def handle(self, client: socket.socket, address: Any) -> None:
        """Serve one connection until it closes; never raises."""
        try:
            if self.ssl_context is not None:
                client.settimeout(self.limits.header_timeout)
                client = self.ssl_context.wrap_socket(client, server_side=True)
            connection = _Connection(self, client, address)
            self.connections.add(connection)
            try:
                connection.serve()
            finally:
                self.connections.discard(connection)
        except (ConnectionClosed, OSError):
            pass
        except Exception:  # a bug of ours: log it, drop this connection only
            logger.exception("Error while serving a connection")
        finally:
            with contextlib.suppress(OSError):
                client.close()


def _on_stop_signals(stop: Callable[[], None], wake_fd: int) -> Callable[[], None]:
    """Make SIGINT and SIGTERM call ``stop``; returns what restores the previous handlers.
    Outside the main thread (a server run from a test's thread) signals are left alone."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: FrameType | None) -> None:
        stop()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT,
                                                                     signal.SIGTERM)}
    previous_wake = signal.set_wakeup_fd(wake_fd)

    def restore() -> None:
        signal.set_wakeup_fd(previous_wake)
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


class _Connection:
    """One client: requests one after another (keep-alive) until either side closes."""

    def __init__(self, server: WSGIServer, sock: socket.socket, address: Any) -> None:
        self.server = server
        self.sock = sock
        self.limits = server.limits
        self.address = address
        self.client = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else "-"
        self.parser = RequestParser(self.limits)
        self.h11 = self.parser.h11
        self.continue_pending = False
        self.response_started = False
        self.idle = True  # waiting for a request, nothing of it received yet
        self.served = 0  # requests answered on this connection

    # -- reading -------------------------------------------------------------
    def _recv(self, timeout: float) -> bytes:
        if timeout <= 0:
            raise ConnectionClosed()
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(READ_SIZE)
        except (TimeoutError, ssl.SSLError, OSError) as exc:
            raise ConnectionClosed() from exc

    def _read_request(self) -> h11.Request | None:
        """The next request head, checked; ``None`` when the client closed in between."""
        parser = self.parser
        deadline = time.monotonic() + self.limits.header_timeout
        while (request := parser.next_request()) is None:
            self.idle = not parser.buffer
            if self.idle and self.served and self.server.stopping:
                return None
            data = self._recv(deadline - time.monotonic())
            self.idle = False
            if not data:
                if parser.buffer:
                    raise RequestRefused(400, "The request head is incomplete.")
                return None
            parser.buffer += data
        return request

    def next_body_event(self) -> h11.Data | h11.EndOfMessage:
        """The next piece of the request body (sends ``100 Continue`` first if awaited)."""
        if self.continue_pending:
            self.continue_pending = False
            if not self.response_started:
                self._send(h11.InformationalResponse(status_code=100, headers=[]))
        try:
            while (event := self.parser.next_body_event()) is None:
                self.parser.receive_body_data(self._recv(self.limits.body_timeout))
        except ConnectionError as exc:
            raise ConnectionClosed() from exc
        return event

    # -- writing -------------------------------------------------------------
    def _send(self, event: Any) -> None:
        data = self.h11.send(event)
        if data:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise ConnectionClosed() from exc

    # -- serving -------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                request = self._read_request()
            except RequestRefused as refusal:
                with contextlib.suppress(OSError):
                    self.sock.sendall(refusal_bytes(refusal))
                logger.info('%s "<refused>" %d %s', self.client, refusal.status, refusal.reason)
                return
            if request is None:
                return
            self._serve_request(request)
            self.served += 1
            if self.h11.our_state is not h11.DONE or self.server.stopping:
                return
            if self.h11.their_state is not h11.DONE:
                self._linger()
                return
            self.h11.start_next_cycle()

    def _linger(self) -> None:
        """The answer is out but the body was not read: let the rest arrive, then close."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                if not self.sock.recv(READ_SIZE):
                    return

    def _serve_request(self, request: h11.Request) -> None:
        started = time.perf_counter()
        self.response_started = False
        self.continue_pending = expects_continue(request)
        environ = self._environ(request)
        state: dict[str, Any] = {"input": environ["wsgi.input"]}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and self.response_started:
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return write

        def write(data: bytes) -> None:
            self._start_response(request, state)
            if data and request.method != b"HEAD":
                self._send(h11.Data(data=data))

        status = 500
        try:
            result = self.server.app(environ, start_response)
            try:
                for chunk in result:
                    if chunk:
                        write(chunk)
                self._start_response(request, state)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            self._send(h11.EndOfMessage())
            status = int(state["status"].split(" ", 1)[0])
        except ConnectionClosed:
            status = 499  # nginx's "client closed request", for the log only
            raise
        except Exception:
            logger.exception("Error on request %s %s", request.method.decode(),
                             request.target.decode("latin-1"))
            if self.response_started:
                raise ConnectionClosed() from None  # the status is out: only closing tells
            self._send_plain_500()
        finally:
            log_request(self.client, request.method, request.target, status, started)

    def _start_response(self, request: h11.Request, state: dict[str, Any]) -> None:
        if self.response_started:
            return
        if "status" not in state:
            raise RuntimeError("The WSGI app did not call start_response.")
        self.response_started = True
        code, _, reason = state["status"].partition(" ")
        headers = [(name.encode("latin-1"), value.encode("latin-1"))
                   for name, value in state["headers"]]
        headers.append((b"Date", formatdate(usegmt=True).encode()))
        state["input"].settle()
        if self.h11.their_state is not h11.DONE:  # the body is not read: say we will close
            headers.append((b"Connection", b"close"))
        self._send(h11.Response(status_code=int(code), headers=headers, reason=reason.encode()))

    def _send_plain_500(self) -> None:
        body = b"Internal Server Error\n"
        self._send(h11.Response(status_code=500, headers=[
            (b"Content-Type", b"text/plain; charset=utf-8"),
            (b"Content-Length", str(len(body)).encode()), (b"Connection", b"close"),
        ]))
        self._send(h11.Data(data=body))
        self._send(h11.EndOfMessage())

    def _environ(self, request: h11.Request) -> dict[str, Any]:
        raw_path, query = split_target(request.target)
        server = self.server
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method.decode("ascii"),
            "SCRIPT_NAME": "",
            "PATH_INFO": decoded_path(raw_path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "RAW_URI": request.target.decode("latin-1"),
            "SERVER_NAME": server.server_name,
            "SERVER_PORT": server.server_port,
            "SERVER_PROTOCOL": "HTTP/" + request.http_version.decode(),
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "REMOTE_ADDR": self.address[0] if isinstance(self.address, tuple) else "",
            "REMOTE_PORT": str(self.address[1]) if isinstance(self.address, tuple) else "",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if server.ssl_context is not None else "http",
            "wsgi.input": _Input(self),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": server.threaded,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }
        for name, value in request.headers:
            if b"_" in name:  # X-Foo_Bar would collide with X-Foo-Bar: dropped, as gunicorn does
                continue
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            text = value.decode("latin-1")
            if key in environ:
                text = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + text
            environ[key] = text
        return environ


class _Input:
    """``wsgi.input``: reads the request body from the connection as the app asks."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self._pending = b""
        self._done = False

    def _fill(self) -> bool:
        if self._done or self._connection.h11.their_state is not h11.SEND_BODY:
            return False
        event = self._connection.next_body_event()
        if isinstance(event, h11.EndOfMessage):
            self._done = True
            return False
        self._pending += bytes(event.data)
        return True

    def settle(self) -> None:
        """Take what h11 already holds of the body without waiting for the socket, so a
        body read to its last byte counts as complete (and the connection stays open)."""
        h = self._connection.h11
        while not self._done and h.their_state is h11.SEND_BODY:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError:
                return
            if isinstance(event, h11.EndOfMessage):
                self._done = True
            elif isinstance(event, h11.Data):
                self._pending += bytes(event.data)
            else:
                return

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
            data, self._pending = self._pending, b""
            return data
        while len(self._pending) < size and self._fill():
            pass
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        while b"\n" not in self._pending and (
            size is None or size < 0 or len(self._pending) < size
        ) and self._fill():
            pass
        end = self._pending.find(b"\n") + 1 or len(self._pending)
        if size is not None and size >= 0:
            end = min(end, size)
        data, self._pending = self._pending[:end], self._pending[end:]
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> _Input:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line
