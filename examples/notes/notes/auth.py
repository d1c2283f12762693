"""Accounts and API tokens: register, log in, log out, and ``g.user`` for every request."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar, cast

from kettle import Blueprint, HTTPException, abort, g, request, url_for

from .db import get_db
from .web import json_error, payload, text_field

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("auth", __name__, url_prefix="/auth")

# scrypt parameters: N=2**14, r=8, p=1 is the interactive-login setting of RFC 7914.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


# -- passwords and tokens ------------------------------------------------------
def hash_password(password: str, salt: bytes | None = None) -> str:
    """``"scrypt:N:r:p$salt$hash"``, hex-encoded, with a fresh random salt."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (a ``hash_password`` result), in constant time."""
    try:
        method, salt_hex, digest_hex = stored.split("$")
        _, n, r, p = method.split(":")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    actual = hashlib.scrypt(
        password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)


#: Checked against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def token_digest(token: str) -> str:
    """What the database stores for an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_json(user: sqlite3.Row) -> dict[str, Any]:
    return {"id": user["id"], "username": user["username"]}


# -- the current user ----------------------------------------------------------
@bp.before_app_request
def load_logged_in_user() -> None:
    """Set ``g.user`` from an ``Authorization: Bearer <token>`` header (``None`` otherwise)."""
    g.user = None
    g.token_digest = None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return
    digest = token_digest(token)
    g.user = get_db().execute(
        "SELECT user.id, user.username FROM token JOIN user ON user.id = token.user_id"
        " WHERE token.digest = ?",
        (digest,),
    ).fetchone()
    if g.user is not None:
        g.token_digest = digest


def login_required(view: F) -> F:
    """Answer 401 unless the request carries a valid API token."""

    @functools.wraps(view)
    def wrapped_view(**kwargs: Any) -> Any:
        if g.get("user") is None:
            abort(401, "A valid 'Authorization: Bearer <token>' header is required.")
        return view(**kwargs)

    return cast(F, wrapped_view)


@bp.app_errorhandler(401)
def unauthorized(error: HTTPException) -> Any:
    body, status, headers = json_error(error)
    return body, status, [*headers, ("WWW-Authenticate", 'Bearer realm="notes"')]


# -- views ---------------------------------------------------------------------
def _credentials() -> tuple[str, str]:
    data = payload()
    username = text_field(data, "username")
    password = data.get("password")
    if not isinstance(password, str) or not password:
        abort(400, "The field 'password' is required.")
    assert username is not None
    return username, password


@bp.post("/register")
def register() -> Any:
    """Create an account from ``username`` and ``password`` (form or JSON): 201, or 409."""
    username, password = _credentials()
    db = get_db()
    try:
        cursor = db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            (username, hash_password(password)),
        )
        db.commit()
    except sqlite3.IntegrityError:
        abort(409, f"User {username!r} is already registered.")
    body = {
        "id": cursor.lastrowid,
        "username": username,
        "login_url": url_for("auth.login", _external=True),
    }
    return body, 201


@bp.post("/login")
def login() -> Any:
    """Exchange ``username`` and ``password`` for a new API token (401 if they are wrong)."""
    username, password = _credentials()
    db = get_db()
    user = db.execute(
        "SELECT id, username, password FROM user WHERE username = ?", (username,)
    ).fetchone()
    if not check_password(user["password"] if user else _DUMMY_HASH, password) or user is None:
        abort(401, "Incorrect username or password.")
    token = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO token (digest, user_id) VALUES (?, ?)", (token_digest(token), user["id"])
    )
    db.commit()
    return {
        "token": token,
        "token_type": "Bearer",
        "user": user_json(user),
        "notes_url": url_for("notes.list_notes", _external=True),
    }


@bp.get("/me")
@login_required
def me() -> Any:
    """The user the token belongs to."""
    return user_json(g.user)


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Revoke the token this request was made with."""
    db = get_db()
    db.execute("DELETE FROM token WHERE digest = ?", (g.token_digest,))
    db.commit()
    return "", 204
