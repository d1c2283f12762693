"""Log in with a form: the name goes in the session, a flash message says hello."""

from __future__ import annotations

from typing import Any

from kettle import Blueprint, flash, redirect, render_template, request, session, url_for

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if not name:
            error = "A name is required."
        else:
            session.clear()
            session["user"] = name
            flash(f"Welcome, {name}!")
            return redirect(url_for("books.index"))
    return render_template("auth/login.html", error=error)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    flash("Logged out.")
    return redirect(url_for("books.index"))
