"""While the app cannot start (a broken edit), the reloader answers with what went wrong.

The reloader's child writes its traceback to stderr; ``StderrTail`` copies that stream to
the terminal and keeps its last lines. ``FailurePage`` then answers every request on the
reloader's socket with those lines (to loopback clients; others get a bare 503), so the
browser shows the error instead of waiting, until the next change starts a new child.
"""

from __future__ import annotations

import collections
import contextlib
import html
import select
import socket
import sys
import threading
from typing import IO

from .debugpage import is_loopback

#: Lines of the child's stderr kept for the page.
TAIL_LINES = 60
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>The app failed to start // kettle</title>
<style>
body {{ margin:0; font:15px/1.5 system-ui,sans-serif; background:#f6f7f9; color:#1d2330; }}
header {{ background:#1d2330; color:#fff; padding:24px 40px; border-bottom:4px solid #c0392b; }}
h1 {{ margin:0; font-size:22px; }}
main {{ padding:20px 40px; }}
pre {{ background:#fff; border:1px solid #e3e6ec; border-radius:8px; padding:14px; overflow:auto;
  font:13px/1.5 ui-monospace,Menlo,Consolas,monospace; }}
</style></head><body>
<header><h1>The app failed to start (exit code {code})</h1></header>
<main><p>Fix the error below and save: the server restarts on the next change, and this
page (it reloads itself every 2 seconds) gives way to your app.</p>
<pre>{tail}</pre></main></body></html>
"""


class StderrTail:
    """Copies a child's stderr to ours, keeping the last lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stream = stream
        self._thread = threading.Thread(target=self._pump, daemon=True, name="kettle-stderr")
        self._thread.start()

    def _pump(self) -> None:
        out = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
        for line in iter(self._stream.readline, b""):
            if out is not None:
                with contextlib.suppress(OSError, ValueError):
                    out.write(line)
                    out.flush()
            self.lines.append(line.decode("utf-8", "replace"))

    def text(self) -> str:
        self._thread.join(timeout=1)  # the child has exited: let the last lines arrive
        return "".join(self.lines)


class FailurePage:
    """Answers each request with the child's error until ``stop()``."""

    def __init__(self, sock: socket.socket, code: int, tail: str) -> None:
        self.sock = sock
        self.body = PAGE.format(code=code, tail=html.escape(tail)).encode()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="kettle-failure")
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stopped.is_set():
            readable, _, _ = select.select([self.sock], [], [], 0.1)
            if not readable or self._stopped.is_set():
                continue
            try:
                client, address = self.sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                continue
            with contextlib.suppress(OSError), client:
                self._answer(client, address)

    def _answer(self, client: socket.socket, address: tuple[str, int]) -> None:
        client.setblocking(True)
        client.settimeout(2)
        received = b""
        while b"\r\n\r\n" not in received and len(received) < 65536:
            chunk = client.recv(65536)
            if not chunk:
                return
            received += chunk
        if is_loopback(address[0]):
            status, kind = b"500 Internal Server Error", b"text/html; charset=utf-8"
            body = self.body
        else:  # the traceback shows source lines: for this machine only, as the debug page
            status, kind = b"503 Service Unavailable", b"text/plain; charset=utf-8"
            body = b"503 Service Unavailable: the app is restarting.\n"
        client.sendall(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: " + kind
            + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body
        )
        client.shutdown(socket.SHUT_WR)
