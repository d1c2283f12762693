"""The benchmark app in kettle, written as the Flask-style API invites."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import kettle
from kettle import Kettle, Query, request

from .common import HELLO, ROUTES, render, route_text
from .typed_models import Item

VERSION = kettle.__version__


def create_app() -> Kettle:
    app = Kettle(__name__)

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
    def items(
        q: str, limit: Annotated[int, Query(ge=1, le=100)] = 10, tags: list[str] = []  # noqa: B006
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "tags": tags}

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    return app


def _view(label: str) -> Callable[..., str]:
    def view(**params: Any) -> str:
        return route_text(label, params)

    return view


def create_routing_app() -> Kettle:
    app = Kettle(__name__)
    for label, segments in ROUTES:
        rule = render(segments, "<int:{}>", "<{}>")
        app.add_url_rule(rule, label.replace(".", "_"), _view(label))
    return app


def create_shapes_app() -> Kettle:
    """Every return shape a Flask view uses (``shapes.py``: the same views as Flask's)."""
    from . import shapes

    return shapes.register(Kettle(__name__), kettle)  # type: ignore[no-any-return]
