"""The benchmark app in Falcon (WSGI ``falcon.App``): resources, ``req.get_param``, media."""

from __future__ import annotations

from typing import Any

import falcon

from .common import HELLO, ROUTES, check_item, check_search, render, route_text

VERSION = falcon.__version__


class Plaintext:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class Message:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": HELLO}


class User:
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        resp.media = {"id": id}


class Search:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"q": req.get_param("q"), "limit": req.get_param_as_int("limit")}


class Echo:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()


class Items:
    """The typed scenarios by hand: Falcon has no schema binding, so the checks are code."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            resp.media = check_search(
                req.get_param("q"), req.get_param("limit"), req.get_param_as_list("tags") or []
            )
        except ValueError as exc:
            raise falcon.HTTPUnprocessableEntity(description=str(exc)) from None

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            resp.media = check_item(req.get_media())
        except ValueError as exc:
            raise falcon.HTTPUnprocessableEntity(description=str(exc)) from None


def create_app() -> falcon.App:
    app = falcon.App()
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

    def on_get(self, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = route_text(self.label, params)


def create_routing_app() -> falcon.App:
    app = falcon.App()
    for label, segments in ROUTES:
        app.add_route(render(segments, "{{{}:int}}", "{{{}}}"), RouteResource(label))
    return app
