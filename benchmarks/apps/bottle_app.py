"""The benchmark app in Bottle: ``@app.route`` views returning strings and dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bottle
from bottle import Bottle, request

from .common import HELLO, ROUTES, check_item, check_search, render, route_text

VERSION = bottle.__version__


def create_app() -> Bottle:
    app = Bottle()

    @app.route("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.route("/json")
    def json() -> dict[str, Any]:
        return {"message": HELLO}

    @app.route("/user/<id:int>")
    def user(id: int) -> dict[str, Any]:
        return {"id": id}

    @app.route("/search")
    def search() -> dict[str, Any]:
        return {"q": request.query.get("q"), "limit": request.query.get("limit", type=int)}

    @app.route("/echo", method="POST")
    def echo() -> Any:
        return request.json

    @app.route("/items")
    def items() -> Any:
        query = request.query
        try:
            return check_search(query.get("q"), query.get("limit"), query.getall("tags"))
        except ValueError as exc:
            bottle.response.status = 422
            return {"detail": str(exc)}

    @app.route("/items", method="POST")
    def create_item() -> Any:
        try:
            return check_item(request.json)
        except ValueError as exc:
            bottle.response.status = 422
            return {"detail": str(exc)}

    return app


def _view(label: str) -> Callable[..., str]:
    def view(**params: Any) -> str:
        return route_text(label, params)

    return view


def create_routing_app() -> Bottle:
    app = Bottle()
    for label, segments in ROUTES:
        app.route(render(segments, "<{}:int>", "<{}>"), callback=_view(label))
    return app
