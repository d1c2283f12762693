"""SQLite access: one connection per app context, kept in ``g`` and closed at teardown."""

from __future__ import annotations

import os
import sqlite3
from typing import cast

import click

from kettle import Kettle, current_app, g


def get_db() -> sqlite3.Connection:
    """The connection of the current app context, opened on first use."""
    if "db" not in g:
        # Under ASGI, sync hooks and views of one request may run on different pool threads
        # (one at a time): the connection belongs to the request, not to a thread.
        g.db = sqlite3.connect(current_app.config["DATABASE"], check_same_thread=False)
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA foreign_keys = ON")
    return cast(sqlite3.Connection, g.db)


def close_db(exc: BaseException | None = None) -> None:
    """Close the context's connection, if a view opened one (``teardown_appcontext``)."""
    db: sqlite3.Connection | None = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(*, reset: bool = True) -> None:
    """Create the tables from ``schema.sql``; ``reset`` drops existing ones (and their data)."""
    os.makedirs(os.path.dirname(os.path.abspath(current_app.config["DATABASE"])), exist_ok=True)
    db = get_db()
    if reset:
        db.executescript("DROP TABLE IF EXISTS post;\nDROP TABLE IF EXISTS user;\n")
    with current_app.open_resource("schema.sql", "r") as f:
        db.executescript(f.read())
    db.commit()


@click.command("init-db")
def init_db_command() -> None:
    """Clear the existing data and create new tables."""
    init_db()
    click.echo(f"Initialized the database at {current_app.config['DATABASE']}.")


def init_app(app: Kettle) -> None:
    """Register the teardown and the ``init-db`` command on ``app``."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
