"""The notes API: anyone may read, signed-in users may write, only authors may change."""

from __future__ import annotations

import sqlite3
from typing import Any

from kettle import Blueprint, HTTPException, abort, current_app, g, request, url_for

from .auth import login_required
from .db import get_db
from .web import json_error, payload, text_field

bp = Blueprint("notes", __name__, url_prefix="/notes")

_SELECT = (
    "SELECT note.id, note.title, note.body, note.created, note.updated, note.author_id,"
    " user.username FROM note JOIN user ON user.id = note.author_id"
)


def note_json(note: sqlite3.Row) -> dict[str, Any]:
    """A note as the API returns it, with its absolute URL."""
    return {
        "id": note["id"],
        "title": note["title"],
        "body": note["body"],
        "author": note["username"],
        "created": note["created"],
        "updated": note["updated"],
        "url": url_for("notes.get_note", id=note["id"], _external=True),
    }


def get_note_or_404(id: int, *, check_author: bool = False) -> sqlite3.Row:
    """The note ``id``; 404 if there is none, 403 if ``check_author`` and it is not ours."""
    note: sqlite3.Row | None = get_db().execute(f"{_SELECT} WHERE note.id = ?", (id,)).fetchone()
    if note is None:
        abort(404, f"Note {id} doesn't exist.")
    if check_author and note["author_id"] != g.user["id"]:
        abort(403, "Only the author of a note may change it.")
    return note


def _limit() -> int:
    """``?limit=``: ``DEFAULT_LIMIT`` when absent, 400 unless from 1 to ``MAX_LIMIT``."""
    most = int(current_app.config["MAX_LIMIT"])
    raw = request.args.get("limit")
    if raw is None:
        return min(int(current_app.config["DEFAULT_LIMIT"]), most)
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        abort(400, f"'limit' must be a whole number from 1 to {most}.")
    return int(raw)


@bp.get("/")
def list_notes() -> Any:
    """The newest notes; ``?q=`` searches titles and bodies, ``?limit=`` caps the count."""
    q = request.args.get("q", "").strip()
    limit = _limit()
    sql, params = _SELECT, []
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql += " WHERE note.title LIKE ? ESCAPE '\\' OR note.body LIKE ? ESCAPE '\\'"
        params += [pattern, pattern]
    rows = get_db().execute(f"{sql} ORDER BY note.id DESC LIMIT ?", [*params, limit])
    notes = [note_json(row) for row in rows]
    query = {"q": q} if q else {}
    return {
        "notes": notes,
        "count": len(notes),
        "links": {
            "self": url_for("notes.list_notes", limit=limit, _external=True, **query),
            "login": url_for("auth.login", _external=True),
        },
    }


@bp.post("/")
@login_required
def create_note() -> Any:
    """Add a note from ``title`` (required) and ``body``: 201 with its ``Location``."""
    data = payload()
    title = text_field(data, "title")
    body = text_field(data, "body", required=False) or ""
    db = get_db()
    cursor = db.execute(
        "INSERT INTO note (author_id, title, body) VALUES (?, ?, ?)", (g.user["id"], title, body)
    )
    db.commit()
    note = note_json(get_note_or_404(cursor.lastrowid or 0))
    return note, 201, {"Location": note["url"]}


@bp.get("/<int:id>")
def get_note(id: int) -> Any:
    """One note."""
    return note_json(get_note_or_404(id))


@bp.put("/<int:id>")
@login_required
def update_note(id: int) -> Any:
    """Change the ``title`` and/or ``body`` of one of your notes."""
    note = get_note_or_404(id, check_author=True)
    data = payload()
    title = text_field(data, "title", required=False)
    body = text_field(data, "body", required=False)
    if title is None and body is None:
        abort(400, "Send a 'title' or a 'body' to change.")
    if title == "":
        abort(400, "The field 'title' must not be empty.")
    db = get_db()
    db.execute(
        "UPDATE note SET title = ?, body = ?, updated = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        " WHERE id = ?",
        (note["title"] if title is None else title, note["body"] if body is None else body, id),
    )
    db.commit()
    return note_json(get_note_or_404(id))


@bp.delete("/<int:id>")
@login_required
def delete_note(id: int) -> Any:
    """Delete one of your notes."""
    get_note_or_404(id, check_author=True)
    db = get_db()
    db.execute("DELETE FROM note WHERE id = ?", (id,))
    db.commit()
    return "", 204


@bp.app_errorhandler(403)
def forbidden(error: HTTPException) -> Any:
    """403 as JSON, for every route of the app."""
    return json_error(error)
