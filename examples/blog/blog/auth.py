"""Blueprint ``auth``: register, log in, log out; ``g.user`` and ``login_required``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from kettle import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .db import get_db
from .passwords import check_password, hash_password

bp = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])

USERNAME_LENGTH = (3, 30)
MIN_PASSWORD_LENGTH = 8


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the logged-in user's row (or ``None``) in ``g.user`` for views and templates."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        g.user = get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()


def login_required(view: F) -> F:
    """Send visitors who are not logged in to the login page (and back afterwards)."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            flash("Please log in first.", "info")
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped  # type: ignore[return-value]


def _registration_error(username: str, password: str) -> str | None:
    low, high = USERNAME_LENGTH
    if not low <= len(username) <= high:
        return f"A username has {low} to {high} characters."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password has at least {MIN_PASSWORD_LENGTH} characters."
    return None


@bp.route("/register", methods=("GET", "POST"))
def register() -> Any:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        error = _registration_error(username, password)
        if error is None:
            db = get_db()
            try:
                db.execute(
                    "INSERT INTO user (username, password) VALUES (?, ?)",
                    (username, hash_password(password)),
                )
                db.commit()
            except db.IntegrityError:
                error = f"The username {username!r} is already taken."
            else:
                flash("Your account is ready. Please log in.", "success")
                return redirect(url_for("auth.login"))
        flash(error, "error")
        return render_template("auth/register.html", username=username), 400
    return render_template("auth/register.html")


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("index")


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = get_db().execute(
            "SELECT * FROM user WHERE username = ?", (username,)
        ).fetchone()
        if user is None or not check_password(user["password"], password):
            flash("Incorrect username or password.", "error")
            return render_template("auth/login.html", username=username), 400
        session.clear()
        session["user_id"] = user["id"]
        flash(f"Welcome back, {user['username']}!", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("index"))
