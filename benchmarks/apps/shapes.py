"""The return-shape app for kettle and Flask: the same source, each framework's names.

Every view answers the way the Flask documentation shows (a tuple with a status and/or
headers, a ``Response``, ``jsonify``, ``make_response``, ``redirect``, ``abort`` with an
error handler, bytes, a list) and the POST validates its JSON body by hand, answering
``item, 201`` or ``{"error": ...}, 422``. ``register(app, api)`` takes the framework's
module (``flask`` or ``kettle``) so both run literally the same views.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .common import HELLO, NOT_FOUND_ERROR, SHAPE_LIST, TEXT_TYPE, check_item


def register(app: Any, api: ModuleType) -> Any:
    request, jsonify, make_response = api.request, api.jsonify, api.make_response
    redirect, abort, response_class = api.redirect, api.abort, api.Response

    @app.route("/shapes/status")
    def status() -> Any:
        return HELLO, 201

    @app.route("/shapes/headers")
    def headers() -> Any:
        return HELLO, {"Cache-Control": "no-store"}

    @app.route("/shapes/status-headers")
    def status_headers() -> Any:
        return HELLO, 200, {"Content-Type": TEXT_TYPE}

    @app.route("/shapes/headers-list")
    def headers_list() -> Any:
        return HELLO, 200, [("Content-Type", TEXT_TYPE), ("Cache-Control", "no-store")]

    @app.route("/shapes/response")
    def response() -> Any:
        return response_class(HELLO, mimetype="text/plain")

    @app.route("/shapes/jsonify")
    def jsonify_view() -> Any:
        return jsonify(message=HELLO)

    @app.route("/shapes/make-response")
    def make_response_view() -> Any:
        resp = make_response(HELLO)
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.route("/shapes/redirect")
    def redirect_view() -> Any:
        return redirect("/plaintext")

    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        return NOT_FOUND_ERROR, 404

    @app.route("/shapes/abort")
    def abort_view() -> Any:
        abort(404)

    @app.route("/shapes/bytes")
    def bytes_view() -> Any:
        return HELLO.encode()

    @app.route("/shapes/list")
    def list_view() -> Any:
        return SHAPE_LIST

    @app.post("/shapes/items")
    def create_item() -> Any:
        try:
            return check_item(request.get_json()), 201
        except ValueError as exc:
            return {"error": str(exc)}, 422

    return app
