"""The benchmark app in Falcon (WSGI ``falcon.App``): resources, ``req.get_param``, media."""

from __future__ import annotations

from typing import Any

import falcon

from .common import (
    HELLO,
    NOT_FOUND_ERROR,
    ROUTES,
    SHAPE_LIST,
    check_item,
    check_search,
    render,
    route_text,
)

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


# -- return shapes: what a Falcon user writes for each of Flask's ----------------------
class ShapeStatus:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_201
        resp.content_type = falcon.MEDIA_HTML
        resp.text = HELLO


class ShapeHeaders:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-store"]
        resp.text = HELLO


class ShapeText:
    """``(body, 200, {"Content-Type": ...})`` and ``Response(body, mimetype=...)``: plain text."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class ShapeTextNoStore:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.cache_control = ["no-store"]
        resp.text = HELLO


class ShapeMessage:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": HELLO}


class ShapeRedirect:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise falcon.HTTPFound("/plaintext")


class ShapeAbort:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise falcon.HTTPNotFound()


class ShapeBytes:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.data = HELLO.encode()


class ShapeList:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SHAPE_LIST


class ShapeItems:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            resp.media = check_item(req.get_media())
            resp.status = falcon.HTTP_201
        except ValueError as exc:
            resp.media = {"error": str(exc)}
            resp.status = falcon.HTTP_422


def _not_found(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    resp.status = falcon.HTTP_404
    resp.media = NOT_FOUND_ERROR


def create_shapes_app() -> falcon.App:
    app = falcon.App()
    app.add_error_handler(falcon.HTTPNotFound, _not_found)
    for path, resource in (
        ("status", ShapeStatus()), ("headers", ShapeHeaders()), ("status-headers", ShapeText()),
        ("headers-list", ShapeTextNoStore()), ("response", ShapeText()),
        ("jsonify", ShapeMessage()), ("make-response", ShapeHeaders()),
        ("redirect", ShapeRedirect()), ("abort", ShapeAbort()), ("bytes", ShapeBytes()),
        ("list", ShapeList()), ("items", ShapeItems()),
    ):
        app.add_route(f"/shapes/{path}", resource)
    return app
