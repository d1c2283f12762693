"""The benchmark app in BlackSheep: ``Application`` routes to ``async def`` handlers.

Parameters are bound from the handler's signature (route values and query by name and
annotation), as BlackSheep's documentation writes handlers. The app is started by the
ASGI ``lifespan`` protocol (``Application.start()``), which the benchmark drives.
"""

from __future__ import annotations

import blacksheep
from blacksheep import Application, Request, json, text
from blacksheep.messages import Response
from blacksheep.server.routing import Router

from . import HELLO, ROUTES, common, render, typed_view

VERSION = blacksheep.__version__


def create_app() -> Application:
    app = Application(router=Router())  # its own router: one app per call
    get, post = app.router.get, app.router.post

    @get("/plaintext")
    async def plaintext() -> Response:
        return text(HELLO)

    @get("/json")
    async def json_view() -> Response:
        return json({"message": HELLO})

    @get("/user/{int:id}")
    async def user(id: int) -> Response:
        return json({"id": id})

    @get("/search")
    async def search(q: str, limit: int) -> Response:
        return json({"q": q, "limit": limit})

    @post("/echo")
    async def echo(request: Request) -> Response:
        return json(await request.json())

    @get("/items")
    async def items(q: str, limit: int = 10, tags: list[str] | None = None) -> Response:
        try:
            return json(common.check_search(q, str(limit), tags or []))
        except ValueError as exc:
            return json({"detail": str(exc)}, status=422)

    @post("/items")
    async def create_item(request: Request) -> Response:
        try:
            return json(common.check_item(await request.json()))
        except ValueError as exc:
            return json({"detail": str(exc)}, status=422)

    return app


def create_routing_app() -> Application:
    app = Application(router=Router())  # its own router: one app per call
    for label, segments in ROUTES:
        app.router.add_get(
            render(segments, "{{int:{}}}", "{{{}}}"),
            typed_view(label, segments, {"int": "int", "str": "str"}, wrap=text),
        )
    return app
