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
