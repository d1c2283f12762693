"""One module-level ``app`` that every server can run, mixing sync and async code.

The same object is served by WSGI servers (gunicorn, granian ``--interface wsgi``,
hypercorn's default mode) and ASGI servers (uvicorn, granian ``--interface asgi``,
hypercorn's ASGI mode); ``README.md`` has the exact command lines. WebSockets and
lifespan events exist only under ASGI; the rest behaves the same through both doors.

Environment:

- ``REALTIME_MAX_CONTENT_LENGTH``: the body limit in bytes (default 16 MiB). Every
  ``REALTIME_*`` variable is loaded into ``app.config`` (JSON-decoded), without the prefix.
- ``REALTIME_LIFECYCLE_FILE``: if set, ``startup <pid>`` and ``shutdown <pid>`` lines are
  appended to this file when the serving process starts and stops.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from kettle import Kettle, g, request
from kettle.sse import sse_response

app = Kettle(__name__)
app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
app.config.from_prefixed_env("REALTIME")

STREAM_CHUNKS = 5
STREAM_DELAY = 0.2
SSE_EVENTS = 3
SSE_DELAY = 0.1
READ_SIZE = 64 * 1024


# -- lifecycle -----------------------------------------------------------------
def _record(event: str) -> None:
    path = os.environ.get("REALTIME_LIFECYCLE_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{event} {os.getpid()}\n")


@app.on_startup
async def startup() -> None:
    _record("startup")


@app.on_shutdown
def shutdown() -> None:
    _record("shutdown")


# -- hooks and error handlers --------------------------------------------------
@app.before_request
def start_timer() -> None:
    g.start = time.perf_counter()


@app.before_request
async def trace() -> None:
    await asyncio.sleep(0)
    g.trace = request.headers.get("X-Trace", "none")


@app.after_request
async def served_by(response: Any) -> Any:
    response.headers["X-Served-By"] = "kettle"
    trace = g.get("trace")
    if trace is not None:
        response.headers["X-Trace"] = trace
    return response


@app.errorhandler(404)
async def not_found(error: Exception) -> Any:
    await asyncio.sleep(0)
    return {"error": "not found"}, 404


@app.errorhandler(ValueError)
def bad_value(error: ValueError) -> Any:
    return {"error": "bad value", "detail": str(error)}, 400


# -- plain routes --------------------------------------------------------------
@app.route("/")
def index() -> str:
    return "Hello from kettle (sync)"


@app.route("/async")
async def async_index() -> str:
    await asyncio.sleep(0)
    return "Hello from kettle (async)"


@app.route("/square/<value>")
def square(value: str) -> dict[str, int]:
    number = int(value)  # "abc" raises ValueError: the handler above answers 400
    return {"square": number * number}


@app.route("/whoami")
def whoami() -> dict[str, Any]:
    """Where the request says it went (from ``Host``, else the server's address)."""
    return {"host": request.host, "url": request.url, "remote_addr": request.remote_addr}


# -- request bodies ------------------------------------------------------------
@app.post("/echo")
async def echo() -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"echo": request.json}


@app.post("/upload")
def upload() -> dict[str, Any]:
    storage = request.files["file"]
    data = storage.read()
    digest = hashlib.sha256(data).hexdigest()
    return {"filename": storage.filename, "bytes": len(data), "sha256": digest}


@app.post("/raw-upload", stream=True)
async def raw_upload() -> dict[str, Any]:
    """Count the body as it arrives; nothing holds more than one chunk."""
    digest = hashlib.sha256()
    count = 0
    async for chunk in request.iter_body():
        count += len(chunk)
        digest.update(chunk)
    return {"bytes": count, "sha256": digest.hexdigest()}


@app.post("/raw-upload-sync", stream=True)
def raw_upload_sync() -> dict[str, Any]:
    """The same with blocking reads of ``request.stream`` (a worker thread under ASGI)."""
    digest = hashlib.sha256()
    count = 0
    while chunk := request.stream.read(READ_SIZE):
        count += len(chunk)
        digest.update(chunk)
    return {"bytes": count, "sha256": digest.hexdigest()}


# -- streamed responses --------------------------------------------------------
@app.route("/stream")
def stream() -> Iterator[str]:
    def generate() -> Iterator[str]:
        for i in range(STREAM_CHUNKS):
            if i:
                time.sleep(STREAM_DELAY)
            yield f"chunk {i}\n"

    return generate()


@app.route("/astream")
def astream() -> AsyncIterator[str]:
    async def generate() -> AsyncIterator[str]:
        for i in range(STREAM_CHUNKS):
            if i:
                await asyncio.sleep(STREAM_DELAY)
            yield f"chunk {i}\n"

    return generate()


@app.route("/sse")
async def sse() -> Any:
    async def events() -> AsyncIterator[dict[str, int]]:
        for i in range(SSE_EVENTS):
            if i:
                await asyncio.sleep(SSE_DELAY)
            yield {"n": i}

    return sse_response(events())


# -- WebSockets (ASGI only; under WSGI these URLs answer 404) ----------------
@app.websocket("/ws/echo")
async def ws_echo(ws: Any) -> None:
    await ws.accept()
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)


@app.websocket("/ws/room/<room>")
async def ws_room(ws: Any, room: str) -> None:
    await ws.accept()
    async for message in ws:
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        await ws.send_text(f"{room}: {text}")
