"""Error pages: JSON for clients that prefer it, HTML for the others."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request

from .api import ShelfError


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.blueprint == "api"


def register(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        if wants_json():
            return jsonify(error="not found", detail=error.description), 404
        return render_template("404.html", detail=error.description), 404

    @app.errorhandler(401)
    def unauthorized(error: Any) -> Any:
        response = jsonify(error="unauthorized")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="shelf"'
        return response

    @app.errorhandler(ShelfError)
    def conflict(error: ShelfError) -> Any:
        return jsonify(error="conflict", detail=str(error)), 409
