"""Server-sent events: ``return sse_response(events())`` from a view.

``events()`` may be a sync or async generator yielding strings, dicts (sent as
JSON) or ``ServerSentEvent`` objects. With an async generator, a comment line is
sent after ``keepalive`` idle seconds so proxies do not close a quiet stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from .response import Response


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event: ``data`` plus the optional ``event`` name, ``id`` and ``retry`` (ms)."""

    data: Any = ""
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` wire format (fields checked for newlines)."""
        lines = []
        for name, value in (("event", self.event), ("id", self.id)):
            if value is not None:
                if "\n" in value or "\r" in value:
                    raise ValueError(f"An SSE {name} must not contain a newline.")
                lines.append(f"{name}: {value}")
        if self.retry is not None:
            lines.append(f"retry: {int(self.retry)}")
        data = self.data
        if not isinstance(data, str):
            data = msgspec.json.encode(data).decode()
        lines.extend(f"data: {line}" for line in data.replace("\r\n", "\n").split("\n"))
        return ("\n".join(lines) + "\n\n").encode()


def _encode(item: Any) -> bytes:
    return (item if isinstance(item, ServerSentEvent) else ServerSentEvent(item)).encode()


def _sync_stream(events: Iterable[Any]) -> Iterator[bytes]:
    for item in events:
        yield _encode(item)


async def _async_stream(
    events: AsyncIterable[Any], keepalive: float | None
) -> AsyncIterator[bytes]:
    iterator = events.__aiter__()
    while True:
        step = asyncio.ensure_future(iterator.__anext__())
        while True:
            done, _ = await asyncio.wait({step}, timeout=keepalive)
            if done:
                break
            yield b": keep-alive\n\n"
        try:
            item = step.result()
        except StopAsyncIteration:
            return
        yield _encode(item)


def sse_response(
    events: Iterable[Any] | AsyncIterable[Any],
    keepalive: float | None = 15.0,
    headers: dict[str, str] | None = None,
) -> Response:
    """A streamed ``text/event-stream`` response of ``events``."""
    if isinstance(events, AsyncIterable):
        body: Any = _async_stream(events, keepalive)
    else:
        body = _sync_stream(events)
    response = Response(body, mimetype="text/event-stream", headers=headers)
    response.headers.set("Cache-Control", "no-cache")
    response.headers.set("X-Accel-Buffering", "no")  # nginx: do not buffer the stream
    return response
