"""SQLite access: one connection per app context, kept in ``g`` and closed at teardown."""

from __future__ import annotations

import os
import sqlite3
from typing import cast

from kettle import Kettle, current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS category (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sku TEXT NOT NULL UNIQUE,
    price REAL NOT NULL,
    quantity INTEGER NOT NULL,
    category_id INTEGER REFERENCES category (id),
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS item_category ON item (category_id);
"""


def get_db() -> sqlite3.Connection:
    """The connection of the current app context, opened on first use."""
    if "db" not in g:
        # One request uses its connection in turn, but under ASGI its hooks, view and
        # teardown may each run on another thread of the pool: allow that.
        g.db = sqlite3.connect(current_app.config["DATABASE"], check_same_thread=False)
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA foreign_keys = ON")
    return cast(sqlite3.Connection, g.db)


def close_db(exc: BaseException | None = None) -> None:
    db: sqlite3.Connection | None = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Create the tables when they are missing; existing data is kept."""
    path = current_app.config["DATABASE"]
    if path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    get_db().executescript(SCHEMA)


def init_app(app: Kettle) -> None:
    app.teardown_appcontext(close_db)
