"""The benchmark app in Flask, written as a Flask user would."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from flask import Flask, request

from .common import HELLO, ROUTES, check_item, check_search, render, route_text

VERSION = f"{version('flask')} (Werkzeug {version('werkzeug')})"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.route("/json")
    def json() -> dict[str, Any]:
        return {"message": HELLO}

    @app.route("/user/<int:id>")
    def user(id: int) -> dict[str, Any]:
        return {"id": id}

    @app.route("/search")
    def search() -> dict[str, Any]:
        return {"q": request.args.get("q"), "limit": request.args.get("limit", type=int)}

    @app.post("/echo")
    def echo() -> Any:
        return request.get_json()

    @app.get("/items")
    def items() -> Any:
        args = request.args
        try:
            return check_search(args.get("q"), args.get("limit"), args.getlist("tags"))
        except ValueError as exc:
            return {"detail": str(exc)}, 422

    @app.post("/items")
    def create_item() -> Any:
        try:
            return check_item(request.get_json())
        except ValueError as exc:
            return {"detail": str(exc)}, 422

    return app


def _view(label: str) -> Callable[..., str]:
    def view(**params: Any) -> str:
        return route_text(label, params)

    return view


def create_routing_app() -> Flask:
    app = Flask(__name__)
    for label, segments in ROUTES:
        rule = render(segments, "<int:{}>", "<{}>")
        app.add_url_rule(rule, label.replace(".", "_"), _view(label))
    return app


def create_shapes_app() -> Flask:
    """Every return shape a Flask view uses (``shapes.py``: the same views as kettle's)."""
    import flask

    from . import shapes

    return shapes.register(Flask(__name__), flask)  # type: ignore[no-any-return]
