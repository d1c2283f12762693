"""Request bodies: a bounded reader over the server's input, and the limits that bound it.

``MAX_CONTENT_LENGTH`` is enforced while reading, so a chunked body with no
``Content-Length`` is refused with a 413 as soon as it crosses the limit, and a
truncated body is never handed to a parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import BadRequest, RequestEntityTooLarge

CHUNK_SIZE = 64 * 1024
#: The most digits a ``Content-Length`` may have (19 digits is over an exabyte): a longer
#: value is a 400, never a conversion (Python refuses ints over 4,300 digits).
MAX_LENGTH_DIGITS = 19


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """The request limits of one app (body, headers), read once from its config when it
    starts serving."""

    max_content_length: int | None = 16 * 1024 * 1024
    max_form_memory_size: int | None = 500_000
    max_form_parts: int | None = 1000
    max_json_depth: int | None = 64
    max_request_headers: int | None = 100
    max_request_header_size: int | None = 8190

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RequestLimits:
        return cls(
            config.get("MAX_CONTENT_LENGTH"),
            config.get("MAX_FORM_MEMORY_SIZE"),
            config.get("MAX_FORM_PARTS"),
            config.get("MAX_JSON_DEPTH"),
            config.get("MAX_REQUEST_HEADERS"),
            config.get("MAX_REQUEST_HEADER_SIZE"),
        )


def short_body() -> BadRequest:
    return BadRequest("The client sent less data than its Content-Length header announced.")


def disconnected() -> BadRequest:
    return BadRequest("The client disconnected while sending the request body.")


def too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The request body is larger than the limit of {limit} bytes (MAX_CONTENT_LENGTH)."
    )


class BodyReader:
    """Reads at most ``length`` bytes (or to EOF when unknown), refusing more than ``limit``."""

    __slots__ = ("_exhausted", "_input", "_limit", "_remaining", "_seen")

    def __init__(self, source: Readable, length: int | None, limit: int | None) -> None:
        if length is not None and limit is not None and length > limit:
            raise too_large(limit)
        self._input = source
        self._remaining = length  # None: read until EOF (chunked transfer)
        self._limit = limit
        self._seen = 0
        self._exhausted = length == 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left with ``-1``); ``b""`` at the end."""
        if size is None or size < 0:
            return b"".join(self)
        if self._exhausted or size == 0:
            return b""
        if self._remaining is not None:
            size = min(size, self._remaining)
        try:
            data = self._input.read(size)
        except (OSError, ValueError) as exc:
            raise disconnected() from exc
        self._account(data, size)
        return data

    def _account(self, data: bytes, asked: int) -> None:
        count = len(data)
        self._seen += count
        if self._limit is not None and self._seen > self._limit:
            self._exhausted = True
            raise too_large(self._limit)
        if self._remaining is not None:
            self._remaining -= count
            if self._remaining <= 0:
                self._exhausted = True
            elif not data:
                self._exhausted = True
                raise short_body()
        elif not data:
            self._exhausted = True

    def readline(self, size: int = -1) -> bytes:
        """One line, for code that treats the body as a text stream."""
        line = bytearray()
        while size < 0 or len(line) < size:
            char = self.read(1)
            if not char:
                break
            line += char
            if char == b"\n":
                break
        return bytes(line)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk

    def readable(self) -> bool:
        return True


class BufferedBody:
    """A body already in memory (ASGI pre-read, or the test client), read like a stream."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = len(self._data) if size is None or size < 0 else min(start + size, len(self._data))
        self._pos = end
        return self._data[start:end]

    def readline(self, size: int = -1) -> bytes:
        start = self._pos
        newline = self._data.find(b"\n", start)
        end = len(self._data) if newline < 0 else newline + 1
        if size >= 0:
            end = min(end, start + size)
        self._pos = end
        return self._data[start:end]

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK_SIZE):
            yield chunk

    def readable(self) -> bool:
        return True
