"""FastAPI with plain ``def`` path operations (run in its thread pool), the peer of kettle's
``def`` views under ASGI (``kettle_sync_app``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from . import HELLO
from .fastapi_app import VERSION

__all__ = ["ONLY", "VERSION", "create_app"]

ONLY = frozenset({"plaintext", "json"})


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/plaintext", response_class=PlainTextResponse)
    def plaintext() -> str:
        return HELLO

    @app.get("/json")
    def json() -> dict[str, Any]:
        return {"message": HELLO}

    return app
