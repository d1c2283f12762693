"""A bookshelf: the app factory (the original; ``../kettle_port`` is this package with
its imports changed)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import api, auth, books, errors, hooks, signals
from .cli import add_book_command
from .jsonprovider import ShelfJSONProvider
from .shelf import Shelf


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Make the app: ``create_app({"TESTING": True})`` in tests."""
    app = Flask(__name__, subdomain_matching=True)
    app.json_provider_class = ShelfJSONProvider
    app.json = ShelfJSONProvider(app)
    app.config.from_mapping(
        SECRET_KEY="dev",
        SERVER_NAME="shelf.test",
        SHELF_ADMIN=("admin", "s3cret"),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.extensions["shelf"] = Shelf()
    signals.connect(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(books.bp)
    app.register_blueprint(api.bp, subdomain="api")
    errors.register(app)
    hooks.register(app)
    app.cli.add_command(add_book_command)
    seed(app)
    return app


def seed(app: Flask) -> None:
    """Two books to start with, added inside an app context pushed by hand."""
    ctx = app.app_context()
    ctx.push()
    try:
        shelf = Shelf.current()
        if not shelf.books:
            shelf.add("Dune", "Frank Herbert", 1250)
            shelf.add("Solaris", "Stanisław Lem", 990)
    finally:
        ctx.pop()
