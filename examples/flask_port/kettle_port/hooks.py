"""Response hooks: caching headers on API reads."""

from __future__ import annotations

from typing import Any

from kettle import Kettle, request


def register(app: Kettle) -> None:
    @app.after_request
    def cache_headers(response: Any) -> Any:
        if request.blueprint == "api" and request.method == "GET":
            response.cache_control.public = True
            response.cache_control.max_age = 60
        elif request.blueprint in ("books", "auth"):
            response.cache_control.no_store = True
        return response
