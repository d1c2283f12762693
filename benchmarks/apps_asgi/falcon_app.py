"""The benchmark app in Falcon's ASGI ``falcon.asgi.App``: resources with ``async`` responders."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from . import HELLO, ROUTES, common, render, route_text

VERSION = falcon.__version__


class Plaintext:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class Message:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": HELLO}


class User:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int) -> None:
        resp.media = {"id": id}


class Search:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"q": req.get_param("q"), "limit": req.get_param_as_int("limit")}


class Echo:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


class Items:
    """The typed scenarios by hand: Falcon has no schema binding, so the checks are code."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            resp.media = common.check_search(
                req.get_param("q"), req.get_param("limit"), req.get_param_as_list("tags") or []
            )
        except ValueError as exc:
            raise falcon.HTTPUnprocessableEntity(description=str(exc)) from None

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            resp.media = common.check_item(await req.get_media())
        except ValueError as exc:
            raise falcon.HTTPUnprocessableEntity(description=str(exc)) from None


def create_app() -> falcon.asgi.App:  # type: ignore[type-arg]
    app = falcon.asgi.App()
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", Message())
    app.add_route("/user/{id:int}", User())
    app.add_route("/search", Search())
    app.add_route("/echo", Echo())
    app.add_route("/items", Items())
    return app


class RouteResource:
    """One resource per route of the table; answers with its label and parameters."""

    def __init__(self, label: str) -> None:
        self.label = label

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: Any
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = route_text(self.label, params)


def create_routing_app() -> falcon.asgi.App:  # type: ignore[type-arg]
    app = falcon.asgi.App()
    for label, segments in ROUTES:
        app.add_route(render(segments, "{{{}:int}}", "{{{}}}"), RouteResource(label))
    return app


# -- return shapes: what a Falcon user writes for each of Flask's ----------------------
def _shape(status: str, content_type: str | None, body: Any, no_store: bool = False) -> Any:
    """A resource answering one fixed shape (Falcon's way: set attributes on ``resp``)."""

    class Shape:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.status = status
            if no_store:
                resp.cache_control = ["no-store"]
            if content_type is None:
                resp.media = body
            else:
                resp.content_type = content_type
                resp.text = body

    return Shape()


class ShapeRedirect:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        raise falcon.HTTPFound("/plaintext")


class ShapeAbort:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        raise falcon.HTTPNotFound()


class ShapeBytes:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.data = HELLO.encode()


class ShapeItems:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            resp.media = common.check_item(await req.get_media())
            resp.status = falcon.HTTP_201
        except ValueError as exc:
            resp.media = {"error": str(exc)}
            resp.status = falcon.HTTP_422


async def _not_found(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    resp.status = falcon.HTTP_404
    resp.media = common.NOT_FOUND_ERROR


def create_shapes_app() -> falcon.asgi.App:  # type: ignore[type-arg]
    app = falcon.asgi.App()
    app.add_error_handler(falcon.HTTPNotFound, _not_found)
    html, plain, ok = falcon.MEDIA_HTML, falcon.MEDIA_TEXT, falcon.HTTP_200
    for path, resource in (
        ("status", _shape(falcon.HTTP_201, html, HELLO)),
        ("headers", _shape(ok, html, HELLO, no_store=True)),
        ("status-headers", _shape(ok, plain, HELLO)),
        ("headers-list", _shape(ok, plain, HELLO, no_store=True)),
        ("response", _shape(ok, plain, HELLO)),
        ("jsonify", _shape(ok, None, {"message": HELLO})),
        ("make-response", _shape(ok, html, HELLO, no_store=True)),
        ("redirect", ShapeRedirect()), ("abort", ShapeAbort()), ("bytes", ShapeBytes()),
        ("list", _shape(ok, None, common.SHAPE_LIST)), ("items", ShapeItems()),
    ):
        app.add_route(f"/shapes/{path}", resource)
    return app
