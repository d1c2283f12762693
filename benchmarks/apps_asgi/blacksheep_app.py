"""The benchmark app in BlackSheep: ``Application`` routes to ``async def`` handlers.

Parameters are bound from the handler's signature (route values and query by name and
annotation), as BlackSheep's documentation writes handlers. The app is started by the
ASGI ``lifespan`` protocol (``Application.start()``), which the benchmark drives.
"""

from __future__ import annotations

import blacksheep
from blacksheep import Application, Request, html, json, redirect, text
from blacksheep.exceptions import NotFound
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


def create_shapes_app() -> Application:
    """What a BlackSheep user writes for each of Flask's return shapes."""
    app = Application(router=Router())
    get, post = app.router.get, app.router.post

    @get("/shapes/status")
    async def status() -> Response:
        return html(HELLO, status=201)

    @get("/shapes/headers")
    async def headers() -> Response:
        response = html(HELLO)
        response.add_header(b"Cache-Control", b"no-store")
        return response

    @get("/shapes/status-headers")
    async def status_headers() -> Response:
        return text(HELLO)

    @get("/shapes/headers-list")
    async def headers_list() -> Response:
        response = text(HELLO)
        response.add_header(b"Cache-Control", b"no-store")
        return response

    @get("/shapes/response")
    async def response_view() -> Response:
        return text(HELLO)

    @get("/shapes/jsonify")
    async def jsonify() -> Response:
        return json({"message": HELLO})

    @get("/shapes/make-response")
    async def make_response() -> Response:
        response = html(HELLO)
        response.add_header(b"Cache-Control", b"no-store")
        return response

    @get("/shapes/redirect")
    async def redirect_view() -> Response:
        return redirect("/plaintext")

    async def not_found(app: Application, request: Request, exc: Exception) -> Response:
        return json(common.NOT_FOUND_ERROR, status=404)

    app.exceptions_handlers[404] = not_found

    @get("/shapes/abort")
    async def abort() -> Response:
        raise NotFound()

    @get("/shapes/bytes")
    async def bytes_view() -> Response:
        return html(HELLO)

    @get("/shapes/list")
    async def list_view() -> Response:
        return json(common.SHAPE_LIST)

    @post("/shapes/items")
    async def create_item(request: Request) -> Response:
        try:
            return json(common.check_item(await request.json()), status=201)
        except ValueError as exc:
            return json({"error": str(exc)}, status=422)

    return app
