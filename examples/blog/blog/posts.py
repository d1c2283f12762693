"""Blueprint ``posts``: everyone reads; logged-in users write; only authors edit or delete."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from kettle import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from .auth import login_required
from .db import get_db

bp = Blueprint("posts", __name__)

MAX_TITLE = 200
MAX_BODY = 20_000


@bp.app_template_filter("date")
def format_date(value: str) -> str:
    """SQLite's ``2026-11-30 06:05:00`` (UTC) as ``30 Nov 2026, 06:05``."""
    try:
        return datetime.fromisoformat(value).strftime("%d %b %Y, %H:%M")
    except (TypeError, ValueError):
        return str(value)


def index() -> str:
    """Every post, newest first (the app's ``/``)."""
    posts = get_db().execute(
        "SELECT p.id, title, body, created, author_id, username"
        " FROM post p JOIN user u ON p.author_id = u.id"
        " ORDER BY created DESC, p.id DESC"
    ).fetchall()
    return render_template("posts/index.html", posts=posts)


def get_post(id: int, check_author: bool = True) -> sqlite3.Row:
    """The post ``id``: 404 if there is none, 403 if it is not the current user's."""
    post: sqlite3.Row | None = get_db().execute(
        "SELECT p.id, title, body, created, author_id, username"
        " FROM post p JOIN user u ON p.author_id = u.id WHERE p.id = ?",
        (id,),
    ).fetchone()
    if post is None:
        abort(404, description=f"There is no post {id}.")
    if check_author and post["author_id"] != g.user["id"]:
        abort(403, description="Only its author may change a post.")
    return post


def _form_error(title: str, body: str) -> str | None:
    if not title:
        return "A post needs a title."
    if len(title) > MAX_TITLE:
        return f"A title has at most {MAX_TITLE} characters."
    if len(body) > MAX_BODY:
        return f"A post has at most {MAX_BODY} characters."
    return None


@bp.get("/<int:id>")
def show(id: int) -> str:
    return render_template("posts/show.html", post=get_post(id, check_author=False))


@bp.route("/create", methods=("GET", "POST"))
@login_required
def create() -> Any:
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        body = request.form.get("body", "")
        error = _form_error(title, body)
        if error is not None:
            flash(error, "error")
            return render_template("posts/edit.html", post=None, title=title, body=body), 400
        db = get_db()
        cursor = db.execute(
            "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
            (title, body, g.user["id"]),
        )
        db.commit()
        flash(f"Published \u201c{title}\u201d.", "success")
        return redirect(url_for("posts.show", id=cursor.lastrowid))
    return render_template("posts/edit.html", post=None, title="", body="")


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id: int) -> Any:
    post = get_post(id)
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        body = request.form.get("body", "")
        error = _form_error(title, body)
        if error is not None:
            flash(error, "error")
            return render_template("posts/edit.html", post=post, title=title, body=body), 400
        db = get_db()
        db.execute("UPDATE post SET title = ?, body = ? WHERE id = ?", (title, body, id))
        db.commit()
        flash("Your changes are saved.", "success")
        return redirect(url_for("posts.show", id=id))
    return render_template("posts/edit.html", post=post, title=post["title"], body=post["body"])


@bp.post("/<int:id>/delete")
@login_required
def delete(id: int) -> Response:
    post = get_post(id)
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (id,))
    db.commit()
    flash(f"Deleted \u201c{post['title']}\u201d.", "info")
    return redirect(url_for("index"))
