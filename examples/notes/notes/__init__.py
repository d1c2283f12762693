"""A small notes service on kettle: accounts, API tokens and notes in SQLite.

``create_app()`` is the app factory; ``wsgi.py`` beside this package serves it::

    gunicorn --chdir examples/notes wsgi:app
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any

from kettle import HTTPException, Kettle, url_for

from . import auth, db, notes_api
from .web import is_api_request, json_error


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Kettle:
    """Build the app. Settings, last one wins: defaults, ``instance/config.py``,
    ``NOTES_*`` environment variables, then ``test_config``."""
    app = Kettle(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        DEFAULT_LIMIT=20,
        MAX_LIMIT=100,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("NOTES")
    if test_config is not None:
        app.config.from_mapping(test_config)

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes_api.bp)
    app.add_url_rule("/", view_func=index)

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Any:
        """``{"error": "not found"}`` on API paths; elsewhere a page that links home."""
        if is_api_request():
            return json_error(error)
        home = html.escape(url_for("index"))
        page = "<!doctype html>\n<title>Not found</title>\n"
        page += f'<p>No such page. <a href="{home}">Home</a>'
        return page, 404

    # Every other HTTP error (400, 405, 409, 413...); 401 and 403 are the blueprints'.
    app.register_error_handler(HTTPException, handle_error)
    return app


def index() -> str:
    """A small HTML page that points at the API."""
    links = [
        ("POST", url_for("auth.register"), "create an account (username, password)"),
        ("POST", url_for("auth.login"), "get an API token"),
        ("GET", url_for("auth.me"), "who the token belongs to"),
        ("GET", url_for("notes.list_notes"), "list notes (?q=search&limit=n)"),
        ("POST", url_for("notes.create_note"), "add a note (title, body)"),
        ("GET", url_for("notes.get_note", id=1), "one note; PUT and DELETE change it"),
    ]
    items = "\n".join(
        f'<li><code>{method}</code> <a href="{html.escape(url)}">{html.escape(url)}</a>'
        f" &mdash; {html.escape(text)}</li>"
        for method, url, text in links
    )
    login = html.escape(url_for("auth.login"))
    return (
        "<!doctype html>\n<html lang=en>\n<title>Notes</title>\n<h1>Notes</h1>\n"
        f"<ul>\n{items}\n</ul>\n"
        f'<form method=post action="{login}">\n'
        "<input name=username placeholder=username> "
        "<input name=password type=password placeholder=password> "
        "<button>Log in</button>\n</form>\n"
    )


def handle_error(error: HTTPException) -> Any:
    """JSON errors (``{"error": "not found", ...}``) for the API, the HTML page elsewhere."""
    if is_api_request():
        return json_error(error)
    return error
