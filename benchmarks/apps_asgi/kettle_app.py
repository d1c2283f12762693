"""The benchmark app in kettle with ``async def`` views, as its ASGI peers write theirs.

The same ``Kettle`` object is the ASGI app (``await app(scope, receive, send)``). Sync views
(``kettle_sync_app``) run in the app's thread pool under ASGI; these run on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import kettle
from kettle import Kettle, Query, request

from . import HELLO, ROUTES, render, route_text, typed_models

Item = typed_models.Item

VERSION = kettle.__version__


def create_app() -> Kettle:
    app = Kettle(__name__)

    @app.route("/plaintext")
    async def plaintext() -> str:
        return HELLO

    @app.route("/json")
    async def json() -> dict[str, Any]:
        return {"message": HELLO}

    @app.route("/user/<int:id>")
    async def user(id: int) -> dict[str, Any]:
        return {"id": id}

    @app.route("/search")
    async def search() -> dict[str, Any]:
        return {"q": request.args.get("q"), "limit": request.args.get("limit", type=int)}

    @app.post("/echo")
    async def echo() -> Any:
        return request.get_json()

    @app.get("/items")
    async def items(
        q: str, limit: Annotated[int, Query(ge=1, le=100)] = 10, tags: list[str] = []  # noqa: B006
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "tags": tags}

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    return app


def _view(label: str) -> Callable[..., Coroutine[Any, Any, str]]:
    async def view(**params: Any) -> str:
        text: str = route_text(label, params)
        return text

    return view


def create_routing_app() -> Kettle:
    app = Kettle(__name__)
    for label, segments in ROUTES:
        rule = render(segments, "<int:{}>", "<{}>")
        app.add_url_rule(rule, label.replace(".", "_"), _view(label))
    return app
