"""What both modes of the development server share: limits, head checks, the request log.

h11 parses HTTP/1.1, but it is lenient where a server in front of an app should not be:
it unfolds obsolete line folding, accepts bare LF line endings, a ``Content-Length``
beside ``Transfer-Encoding``, and answers unknown transfer codings with 501. The raw head
is checked here before h11 sees it, and the parsed headers after, so such requests are
refused with 400 as gunicorn refuses them.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import h11

from ..errors import HTTP_STATUS_PHRASES

#: The request log (one line per request) and the server's own messages.
logger = logging.getLogger("kettle.serving")

SERVER_SOFTWARE = "kettle-devserver"


@dataclass(frozen=True)
class ServerLimits:
    """Per-connection limits; read from the app's ``DEV_SERVER_*`` config keys."""

    #: Seconds a client has to send a whole request head (or to start the next request).
    header_timeout: float = 10.0
    #: Seconds a request body may stay silent before the connection is dropped.
    body_timeout: float = 30.0
    #: Bytes of request line plus headers; more is a 431.
    max_header_size: int = 16 * 1024
    #: Header fields per request; more is a 431.
    max_header_count: int = 100

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ServerLimits:
        return cls(
            header_timeout=float(config.get("DEV_SERVER_HEADER_TIMEOUT", cls.header_timeout)),
            body_timeout=float(config.get("DEV_SERVER_BODY_TIMEOUT", cls.body_timeout)),
            max_header_size=int(config.get("DEV_SERVER_MAX_HEADER_SIZE", cls.max_header_size)),
            max_header_count=int(
                config.get("DEV_SERVER_MAX_HEADER_COUNT", cls.max_header_count)
            ),
        )


class RequestRefused(Exception):
    """A request the server answers itself, with ``status`` and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def find_head_end(buffer: bytes | bytearray, limits: ServerLimits) -> int:
    """The length of the request head at the start of ``buffer``, or -1 if it is not whole.

    The head ends at the first empty line, found with bare LFs too so that they are
    refused rather than waited on. A head longer than the limit is a 431 at once.
    """
    end = buffer.find(b"\n\r\n")
    bare = buffer.find(b"\n\n")
    if bare >= 0 and (end < 0 or bare < end):
        end, size = bare, 2
    else:
        size = 3
    if end < 0:
        if len(buffer) > limits.max_header_size:
            raise RequestRefused(431, "The request headers are too large.")
        return -1
    if end + size > limits.max_header_size:
        raise RequestRefused(431, "The request headers are too large.")
    return end + size


def check_raw_head(head: bytes, limits: ServerLimits) -> None:
    """Refuse line endings and folding that h11 would accept: bare LF, obs-fold."""
    if head.count(b"\n") != head.count(b"\r\n"):
        raise RequestRefused(400, "Bare LF line endings are not allowed; use CRLF.")
    lines = head.split(b"\r\n")[1:-2]  # the header lines, without the request line and the end
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            raise RequestRefused(400, "Obsolete line folding (obs-fold) is not allowed.")
    if len(lines) > limits.max_header_count:
        raise RequestRefused(431, f"More than {limits.max_header_count} request headers.")


def check_framing(request: h11.Request) -> None:
    """Refuse ambiguous body framing h11 lets through: ``Content-Length`` with
    ``Transfer-Encoding`` (a request-smuggling vector), or any coding but ``chunked``."""
    codings = [value for name, value in request.headers if name == b"transfer-encoding"]
    if not codings:
        return
    if any(name == b"content-length" for name, _ in request.headers):
        raise RequestRefused(400, "Content-Length and Transfer-Encoding must not both be sent.")
    if len(codings) != 1 or codings[0].strip().lower() != b"chunked":
        raise RequestRefused(400, "Only 'Transfer-Encoding: chunked' is supported.")


def refusal_from_h11(error: h11.RemoteProtocolError) -> RequestRefused:
    """A 400 for a request h11 could not parse (its 501 for unknown codings included)."""
    status = error.error_status_hint if error.error_status_hint in (414, 431) else 400
    return RequestRefused(status, f"Malformed request: {error}")


def refusal_bytes(refusal: RequestRefused) -> bytes:
    """The whole answer to a refused request: a short text body, then the connection closes."""
    body = f"{refusal.status} {HTTP_STATUS_PHRASES.get(refusal.status, 'Error')}: "
    body += f"{refusal.reason}\n"
    data = body.encode()
    return (
        f"HTTP/1.1 {refusal.status} {HTTP_STATUS_PHRASES.get(refusal.status, 'Error')}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + data


def split_target(target: bytes) -> tuple[bytes, bytes]:
    """``(raw path, query)`` of a request target; an absolute-form target keeps its path."""
    if not target.startswith(b"/"):
        if b"://" in target:  # absolute-form: http://host/path?query
            rest = target.split(b"://", 1)[1]
            slash = rest.find(b"/")
            target = rest[slash:] if slash >= 0 else b"/"
        elif target != b"*":
            raise RequestRefused(400, "The request target must be a path.")
    path, _, query = target.partition(b"?")
    return path, query


def decoded_path(raw_path: bytes) -> bytes:
    """The percent-decoded path bytes."""
    return unquote_to_bytes(raw_path) if b"%" in raw_path else raw_path


def is_websocket_upgrade(request: h11.Request) -> bool:
    for name, value in request.headers:
        if name == b"upgrade" and value.strip().lower() == b"websocket":
            return True
    return False


def expects_continue(request: h11.Request) -> bool:
    return any(
        name == b"expect" and value.strip().lower() == b"100-continue"
        for name, value in request.headers
    )


def log_request(
    client: str, method: bytes | str, target: bytes | str, status: int, started: float
) -> None:
    """One line per request: who, what, the status and how long it took."""
    if isinstance(method, bytes):
        method = method.decode("latin-1")
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info('%s "%s %s" %d %.1fms', client, method, target, status, elapsed_ms)


def configure_logging() -> None:
    """Send the request log to stderr when the app has not configured logging."""
    if logger.handlers or logging.getLogger().handlers:
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


class RequestParser:
    """The sans-IO half of a connection, shared by both modes: bytes in, checked request
    heads and body events out. Only a body's own bytes reach h11 (a ``Content-Length``
    body is cut at its length), so a pipelined next head waits here to be checked too."""

    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header_size)
        #: Received bytes not yet given to h11.
        self.buffer = bytearray()
        self._body_left: int | None = None

    def next_request(self) -> h11.Request | None:
        """The next request, checked, once its whole head is in ``buffer``; else ``None``."""
        buffer = self.buffer
        while buffer[:2] == b"\r\n":  # tolerated: a stray CRLF after a previous body
            del buffer[:2]
        end = find_head_end(buffer, self.limits)
        if end < 0:
            return None
        head = bytes(buffer[:end])
        del buffer[:end]
        check_raw_head(head, self.limits)
        try:
            self.h11.receive_data(head)
            event = self.h11.next_event()
        except h11.RemoteProtocolError as exc:
            raise refusal_from_h11(exc) from exc
        if not isinstance(event, h11.Request):
            raise RequestRefused(400, "The request head could not be parsed.")
        check_framing(event)
        self._body_left = None
        chunked = False
        for name, value in event.headers:
            if name == b"content-length":
                self._body_left = int(value)
            elif name == b"transfer-encoding":
                chunked = True
        if not chunked and not self._body_left:  # no body: the request's side is done now
            self.h11.next_event()
        return event

    def next_body_event(self) -> h11.Data | h11.EndOfMessage | None:
        """The next piece of the body from what was received; ``None``: receive more.

        Raises ``ConnectionError`` for a malformed body or a client that closed mid-way.
        """
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise ConnectionError(f"malformed request body: {exc}") from exc
            if isinstance(event, h11.Data | h11.EndOfMessage):
                return event
            if event is not h11.NEED_DATA:
                raise ConnectionError("the client closed the connection mid-body")
            if not self.buffer:
                return None
            size = len(self.buffer) if self._body_left is None else self._body_left
            chunk = bytes(self.buffer[:size])
            del self.buffer[:size]
            if self._body_left is not None:
                self._body_left -= len(chunk)
            self.h11.receive_data(chunk)

    def receive_body_data(self, data: bytes) -> None:
        """Bytes read while a body is expected; ``b""`` is the client closing."""
        if data:
            self.buffer += data
        else:
            self.h11.receive_data(b"")
