"""A tiny kettle app for the gunicorn tests: ``gunicorn --chdir tests/apps gunicorn_app:app``.

``MAX_CONTENT_LENGTH`` is 1 MiB, so bodies just under and just over it can be sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from kettle import Kettle, request

MAX_CONTENT_LENGTH = 1024 * 1024
STREAM_CHUNKS = 50

app = Kettle(__name__)
app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH


def digest(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@app.get("/")
def index() -> str:
    return "Hello from gunicorn"


@app.post("/json")
def echo_json() -> Any:
    """The decoded JSON body, and how it arrived."""
    return {"received": request.get_json(), "content_type": request.content_type}


@app.post("/upload")
def upload() -> Any:
    """The uploaded file's name, size and digest, and the form's other field."""
    file = request.files["file"]
    return {"filename": file.filename, "field": request.form["field"], **digest(file.read())}


@app.post("/body")
def body() -> Any:
    """The raw body's size and digest, and the framing headers the server passed on."""
    return {
        **digest(request.get_data()),
        "transfer_encoding": request.headers.get("Transfer-Encoding"),
        "content_length": request.headers.get("Content-Length"),
    }


@app.get("/stream")
def stream() -> Any:
    """A generator response: no Content-Length, so gunicorn sends it chunked."""

    def generate() -> Iterator[str]:
        for i in range(STREAM_CHUNKS):
            yield f"line {i}\n"

    return app.response_class(generate(), mimetype="text/plain")
