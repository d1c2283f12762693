"""The benchmark app in kettle with ``async def`` views, as its ASGI peers write theirs.

The same ``Kettle`` object is the ASGI app (``await app(scope, receive, send)``). Sync views
(``kettle_sync_app``) run in the app's thread pool under ASGI; these run on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import kettle
from kettle import Kettle, Query, request

from . import HELLO, ROUTES, common, render, route_text, typed_models

TEXT_TYPE = common.TEXT_TYPE

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


def create_shapes_app() -> Kettle:
    """Every return shape of a Flask view, as ``async def`` views (``apps/shapes.py``'s)."""
    from kettle import Response as KettleResponse
    from kettle import abort, jsonify, make_response, redirect

    app = Kettle(__name__)

    @app.route("/shapes/status")
    async def status() -> Any:
        return HELLO, 201

    @app.route("/shapes/headers")
    async def headers() -> Any:
        return HELLO, {"Cache-Control": "no-store"}

    @app.route("/shapes/status-headers")
    async def status_headers() -> Any:
        return HELLO, 200, {"Content-Type": TEXT_TYPE}

    @app.route("/shapes/headers-list")
    async def headers_list() -> Any:
        return HELLO, 200, [("Content-Type", TEXT_TYPE), ("Cache-Control", "no-store")]

    @app.route("/shapes/response")
    async def response() -> Any:
        return KettleResponse(HELLO, mimetype="text/plain")

    @app.route("/shapes/jsonify")
    async def jsonify_view() -> Any:
        return jsonify(message=HELLO)

    @app.route("/shapes/make-response")
    async def make_response_view() -> Any:
        resp = make_response(HELLO)
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.route("/shapes/redirect")
    async def redirect_view() -> Any:
        return redirect("/plaintext")

    @app.errorhandler(404)
    async def not_found(error: Exception) -> Any:
        return common.NOT_FOUND_ERROR, 404

    @app.route("/shapes/abort")
    async def abort_view() -> Any:
        abort(404)

    @app.route("/shapes/bytes")
    async def bytes_view() -> Any:
        return HELLO.encode()

    @app.route("/shapes/list")
    async def list_view() -> Any:
        return common.SHAPE_LIST

    @app.post("/shapes/items")
    async def create_item() -> Any:
        try:
            return common.check_item(request.get_json()), 201
        except ValueError as exc:
            return {"error": str(exc)}, 422

    return app
