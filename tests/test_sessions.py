"""Signed-cookie sessions: round trip, tamper resistance, cookie flags, Flask compatibility."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import URLSafeTimedSerializer

from kettle import session


@pytest.fixture
def session_app(app):
    app.secret_key = "test secret"

    @app.route("/set/<value>")
    def set_value(value):
        session["value"] = value
        return "set"

    @app.route("/get")
    def get_value():
        return session.get("value", "empty")

    @app.route("/clear")
    def clear():
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched():
        return "nothing"

    return app


def test_session_round_trip_and_clear(session_app, client):
    assert client.get("/get").text == "empty"
    response = client.get("/set/mint")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/get").text == "mint"
    cleared = client.get("/clear")
    assert "Expires=Thu, 01 Jan 1970" in cleared.headers["Set-Cookie"]
    assert client.get("/get").text == "empty"


def test_cookie_only_set_when_changed_and_vary_when_read(session_app, client):
    client.get("/set/a")
    read = client.get("/get")
    assert "Set-Cookie" not in read.headers
    assert read.headers["Vary"] == "Cookie"
    assert "Vary" not in client.get("/untouched").headers


def test_tampered_cookie_is_an_empty_session(session_app, client):
    client.get("/set/secret")
    value = client.get_cookie("session")
    assert value is not None
    client.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/get").text == "empty"
    client.set_cookie("session", "garbage")
    assert client.get("/get").text == "empty"


def test_cookie_signed_by_another_key_is_rejected_but_fallback_accepted(session_app, client):
    client.get("/set/old")
    old_cookie = client.get_cookie("session")
    session_app.config["SECRET_KEY"] = "rotated"
    other = session_app.test_client()
    other.set_cookie("session", old_cookie)
    assert other.get("/get").text == "empty"
    session_app.config["SECRET_KEY_FALLBACKS"] = ["test secret"]
    assert other.get("/get").text == "old"


def test_reads_a_cookie_written_in_flasks_format(session_app, client):
    flask_style = URLSafeTimedSerializer(
        "test secret", salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    ).dumps({"value": "from flask"})
    client.set_cookie("session", flask_style)
    assert client.get("/get").text == "from flask"


def test_writing_without_secret_key_explains(app, client):
    @app.route("/write")
    def write():
        session["x"] = 1
        return "no"

    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/write")


def test_permanent_session_sets_max_age(session_app, client):
    @session_app.route("/permanent")
    def permanent():
        session.permanent = True
        session["p"] = 1
        return "ok"

    cookie = client.get("/permanent").headers["Set-Cookie"]
    assert f"Max-Age={31 * 24 * 3600}" in cookie


def test_session_cookie_is_secure_over_https(session_app, client):
    plain = client.get("/set/a").headers["Set-Cookie"]
    assert "Secure" not in plain
    secure = client.get("/set/b", base_url="https://localhost/").headers["Set-Cookie"]
    assert "Secure" in secure
