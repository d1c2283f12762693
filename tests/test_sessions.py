"""Sessions through both doors: when the cookie is sent, its attributes, key rotation,
junk cookies, the missing-key error, and a server-side store plugged in by the public API."""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import string
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from kettle import Kettle, session
from kettle.sessions import SessionInterface, SessionMixin

KEY = "test secret"


def set_cookie_headers(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def signer(key: str = KEY, serializer: Any = None) -> URLSafeTimedSerializer:
    """A signer of Flask's session format, built from itsdangerous directly."""
    kwargs: dict[str, Any] = {"serializer": serializer} if serializer is not None else {}
    return URLSafeTimedSerializer(
        key, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1}, **kwargs,
    )


@pytest.fixture
def session_app(app: Kettle) -> Kettle:
    app.secret_key = KEY

    @app.route("/set/<value>")
    def set_value(value: str) -> str:
        session["value"] = value
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("value", "empty"))

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.route("/untouched")
    def untouched() -> str:
        return "nothing"

    @app.route("/flags")
    def flags() -> str:
        return f"new={session.new} modified={session.modified} keys={sorted(session)}"

    return app


# -- when the cookie is sent -------------------------------------------------------------
def test_session_round_trip_and_clear(session_app, client) -> None:
    assert client.get("/get").text == "empty"
    response = client.get("/set/mint")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie  # a browser-session cookie
    assert client.get("/get").text == "mint"
    cleared = client.get("/clear")
    assert "Expires=Thu, 01 Jan 1970" in cleared.headers["Set-Cookie"]
    assert "Max-Age=0" in cleared.headers["Set-Cookie"]
    assert client.get_cookie("session") is None
    assert client.get("/get").text == "empty"


def test_cookie_only_set_when_changed_and_vary_when_read(session_app, client) -> None:
    first = client.get("/set/a")
    assert first.headers["Vary"] == "Cookie"
    read = client.get("/get")
    assert "Set-Cookie" not in read.headers
    assert read.headers["Vary"] == "Cookie"
    untouched = client.get("/untouched")  # the cookie came, but the view never looked
    assert "Vary" not in untouched.headers and "Set-Cookie" not in untouched.headers


def test_any_use_of_the_session_varies_by_cookie(session_app, client) -> None:
    @session_app.route("/len")
    def length() -> str:
        return str(len(session))

    response = client.get("/len")
    assert response.text == "0"
    assert response.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in response.headers


def test_vary_joins_the_views_own_vary(session_app, client) -> None:
    @session_app.route("/negotiated")
    def negotiated() -> Any:
        session.get("value")
        return "x", {"Vary": "Accept-Encoding"}

    @session_app.route("/star")
    def star() -> Any:
        session.get("value")
        return "x", {"Vary": "*"}

    assert client.get("/negotiated").headers["Vary"] == "Accept-Encoding, Cookie"
    assert client.get("/star").headers["Vary"] == "*"


def test_emptying_deletes_only_a_cookie_that_was_sent(session_app, client) -> None:
    @session_app.route("/set-and-clear")
    def set_and_clear() -> str:
        session["x"] = 1
        session.pop("x")
        return "ok"

    response = client.get("/set-and-clear")
    assert set_cookie_headers(response) == []  # there was nothing to delete
    assert set_cookie_headers(client.get("/clear")) == []
    client.get("/set/a")
    assert len(set_cookie_headers(client.get("/set-and-clear"))) == 1


def test_new_and_modified_flags(session_app, client) -> None:
    assert client.get("/flags").text == "new=True modified=False keys=[]"
    client.get("/set/a")
    assert client.get("/flags").text == "new=False modified=False keys=['value']"


def test_changes_inside_a_value_need_modified(session_app, client) -> None:
    @session_app.route("/cart/<int:item>")
    def cart(item: int) -> str:
        session.setdefault("cart", [])
        session["cart"].append(item)
        if item > 1:
            session.modified = True
        return str(session["cart"])

    assert client.get("/cart/1").text == "[1]"  # setdefault inserted: saved
    assert client.get("/cart/1").text == "[1, 1]"  # only mutated inside: not saved
    assert client.get("/cart/2").text == "[1, 2]"
    assert client.get("/cart/3").text == "[1, 2, 3]"


@pytest.mark.parametrize(
    "operation",
    ["update", "ior", "popitem", "setdefault-new", "del"],
)
def test_every_mutation_saves(session_app, client, operation) -> None:
    @session_app.route("/mutate")
    def mutate() -> str:
        if operation == "update":
            session.update(a=1)
        elif operation == "ior":
            current = session._get_current_object()
            current |= {"a": 1}
        elif operation == "popitem":
            session.popitem()
        elif operation == "setdefault-new":
            session.setdefault("a", 1)
        else:
            del session["value"]
        return "ok"

    client.get("/set/v")
    assert len(set_cookie_headers(client.get("/mutate"))) == 1


def test_permanent_session_sets_max_age_and_expires(session_app, client) -> None:
    cookie = client.get("/permanent").headers["Set-Cookie"]
    assert f"Max-Age={31 * 24 * 3600}" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=31))) < timedelta(seconds=5)


def test_permanent_session_is_refreshed_on_each_use(session_app, client) -> None:
    client.get("/permanent")
    assert len(set_cookie_headers(client.get("/get"))) == 1
    assert set_cookie_headers(client.get("/untouched")) == []
    session_app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert set_cookie_headers(client.get("/get")) == []


def test_lifetime_setting_is_used_for_cookie_and_signature(session_app, client) -> None:
    session_app.config["PERMANENT_SESSION_LIFETIME"] = 120
    assert "Max-Age=120" in client.get("/permanent").headers["Set-Cookie"]
    assert client.get("/flags").text.endswith("keys=['_permanent', 'p']")
    session_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    assert client.get("/flags").text.endswith("keys=[]")  # older than the lifetime


# -- cookie attributes ---------------------------------------------------------------------
def test_cookie_attributes_follow_config(session_app, client) -> None:
    session_app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    cookie = client.get("/set/a").headers["Set-Cookie"]
    assert cookie.startswith("sid=")
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert attributes == [
        "Domain=example.com", "Secure", "Path=/app", "SameSite=Strict", "Partitioned",
    ]
    deleted = client.get("/clear", headers={"Cookie": cookie.split(";")[0]})
    deleted_attributes = [part.strip() for part in deleted.headers["Set-Cookie"].split(";")]
    assert deleted_attributes[0] == "sid="
    assert {"Domain=example.com", "Path=/app", "Secure", "Partitioned"} <= set(deleted_attributes)


def test_no_samesite_when_unset(session_app, client) -> None:
    session_app.config["SESSION_COOKIE_SAMESITE"] = None
    assert "SameSite" not in client.get("/set/a").headers["Set-Cookie"]


def test_path_falls_back_to_application_root(session_app, client) -> None:
    session_app.config["APPLICATION_ROOT"] = "/shop"
    assert "Path=/shop" in client.get("/set/a").headers["Set-Cookie"]


def test_session_cookie_is_secure_over_https(session_app, client) -> None:
    plain = client.get("/set/a").headers["Set-Cookie"]
    assert "Secure" not in plain
    secure = client.get("/set/b", base_url="https://localhost/").headers["Set-Cookie"]
    assert "Secure" in secure


def test_an_oversized_session_warns(session_app, client) -> None:
    @session_app.route("/big")
    def big() -> str:
        session["big"] = secrets.token_urlsafe(6000)  # random: compression cannot help
        return "ok"

    with pytest.warns(UserWarning, match="'session' cookie is too large"):
        client.get("/big")


# -- keys --------------------------------------------------------------------------------
def test_cookie_signed_by_another_key_is_rejected_but_fallback_accepted(session_app, client):
    client.get("/set/old")
    old_cookie = client.get_cookie("session")
    session_app.config["SECRET_KEY"] = "rotated"
    client.set_cookie("session", old_cookie)
    assert client.get("/get").text == "empty"
    session_app.config["SECRET_KEY_FALLBACKS"] = ["unrelated", KEY]
    assert client.get("/get").text == "old"
    client.get("/set/new")  # signed with the current key only
    session_app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/get").text == "new"


def test_reads_a_cookie_written_in_flasks_format(session_app, client) -> None:
    client.set_cookie("session", signer().dumps({"value": "from itsdangerous"}))
    assert client.get("/get").text == "from itsdangerous"


def test_writing_without_secret_key_explains(app, client) -> None:
    @app.route("/write")
    def write() -> str:
        session["x"] = 1
        return "no"

    @app.route("/read")
    def read() -> str:
        return f"{session.get('x')} {len(session)} {session.permanent}"

    response = client.get("/read")
    assert response.text == "None 0 False"
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers
    with pytest.raises(RuntimeError, match="no secret key was set"):
        client.get("/write")


def test_writing_without_secret_key_is_a_500_when_not_testing(app, door) -> None:
    app.config["TESTING"] = False

    @app.route("/write")
    def write() -> str:
        session.permanent = True
        return "no"

    client = app.test_client(asgi=door == "asgi")
    assert client.get("/write").status_code == 500
    client.close()


# -- junk cookies ----------------------------------------------------------------------------
def _signed_junk() -> list[str]:
    """Cookies with a valid signature over payloads that are not a session."""

    class Raw:
        @staticmethod
        def dumps(value: Any) -> str:
            return str(value)

        @staticmethod
        def loads(value: str) -> Any:
            return value

    raw = signer(serializer=Raw)
    good = signer().dumps({"value": "ok"})
    payloads = [
        "[1, 2]", '"text"', "null", "{", "{}x", '{"value": {" u": "not a uuid"}}',
        '{"value": {" b": "!!not base64"}}', '{"value": {" t": 5}}', '{"value": {" di": 3}}',
        "\xff\xfe", "[" * 5000 + "]" * 5000,
    ]
    cookies = [raw.dumps(p) for p in payloads]
    # A '.'-marked payload that is not zlib data, and zlib data that is not JSON.
    serializer = signer()
    for body in (b"not zlib", zlib.compress(b"\x00\x01 not json")):
        encoded = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
        cookies.append(serializer.make_signer().sign("." + encoded).decode())
    # A good cookie truncated everywhere, and with each part garbled.
    cookies += [good[:i] for i in range(0, len(good), 3)]
    payload, timestamp, signature = good.split(".")
    cookies += [
        f"{payload}.{timestamp}.{signature[::-1]}",
        f"{payload}.{'A' * len(timestamp)}.{signature}",
        f"{payload}.!!!.{signature}",
        f"{payload[::-1]}.{timestamp}.{signature}",
        f"{payload}.{timestamp}",
        f"..{signature}",
        f"{good}.{good}",
    ]
    return cookies


def _random_junk(count: int) -> list[str]:
    rng = random.Random(12)
    alphabet = string.ascii_letters + string.digits + "-_.=!%~"
    junk = ["", ".", "..", "...", "a.b.c", "." + "A" * 9000, "x" * 20000]
    for _ in range(count):
        size = rng.choice([1, 8, 40, 120, 400, 5000])
        junk.append("".join(rng.choice(alphabet) for _ in range(size)))
    return junk


JUNK = _signed_junk() + _random_junk(300)


def test_junk_cookies_are_empty_sessions(session_app, client) -> None:
    assert len(JUNK) > 300
    session_app.config["MAX_REQUEST_HEADER_SIZE"] = 32 * 1024  # let the 20 KB ones reach it
    for cookie in JUNK:
        response = client.get("/get", headers={"Cookie": f"session={cookie}"})
        assert (response.status_code, response.text) == (200, "empty"), cookie[:80]


def test_an_oversized_cookie_header_is_a_431_not_a_session(session_app, client) -> None:
    response = client.get("/get", headers={"Cookie": "session=" + "A" * 9000})
    assert response.status_code == 431


def test_junk_cookie_is_replaced_or_removed(session_app, client) -> None:
    client.set_cookie("session", "forged.value.here")
    assert client.get("/flags").text == "new=True modified=False keys=[]"
    client.get("/set/fresh")
    assert client.get("/get").text == "fresh"
    client.set_cookie("session", "forged.value.here")
    assert "Max-Age=0" in client.get("/clear").headers["Set-Cookie"]


def test_a_session_that_is_not_a_dict_is_empty(session_app, client) -> None:
    client.set_cookie("session", signer().dumps(["a", "list"]))
    assert client.get("/flags").text == "new=True modified=False keys=[]"


# -- a server-side store ---------------------------------------------------------------------
class ServerSession(dict, SessionMixin):  # type: ignore[type-arg]
    def __init__(self, sid: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.sid = sid  # modified stays True (SessionMixin's default): saved every time


class MemorySessionInterface(SessionInterface):
    """Sessions kept in a dict; the cookie holds only a random id."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}

    def open_session(self, app: Any, request: Any) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and sid in self.store:
            return ServerSession(sid, self.store[sid])
        return ServerSession(secrets.token_urlsafe(16))

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        if session.accessed:
            response.headers.add("Vary", "Cookie")
        name = self.get_cookie_name(app)
        if not session:
            if self.store.pop(session.sid, None) is not None:
                response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        self.store[session.sid] = dict(session)
        if self.should_set_cookie(app, session):
            response.set_cookie(
                name, session.sid, expires=self.get_expiration_time(app, session),
                path=self.get_cookie_path(app), httponly=self.get_cookie_httponly(app),
                secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
            )


def test_server_side_store_plugs_in(app, client) -> None:
    interface = MemorySessionInterface()
    app.session_interface = interface  # no SECRET_KEY needed: nothing is signed

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        session["history"] = (1, b"two")  # kept as Python objects, no JSON involved
        return "in"

    @app.route("/whoami")
    def whoami() -> str:
        return f"{session.get('user', 'anonymous')} {session.get('history')}"

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "out"

    cookie = client.get("/login/ada").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    sid = client.get_cookie("session")
    assert sid in interface.store and "ada" not in sid
    response = client.get("/whoami")
    assert response.text == "ada (1, b'two')"
    assert response.headers["Vary"] == "Cookie"
    client.get("/logout")
    assert interface.store == {} and client.get_cookie("session") is None
    assert client.get("/whoami").text == "anonymous None"


def test_interface_returning_none_gets_the_null_session(app, client) -> None:
    class Disabled(MemorySessionInterface):
        def open_session(self, app: Any, request: Any) -> None:  # type: ignore[override]
            return None

    app.session_interface = Disabled()

    @app.route("/")
    def index() -> str:
        null = app.session_interface.is_null_session(session._get_current_object())
        return f"{null} {session.get('x')}"

    assert client.get("/").text == "True None"


# -- the test client's session_transaction ---------------------------------------------------
def test_session_transaction_sets_and_reads(session_app, client) -> None:
    with client.session_transaction() as sess:
        assert len(sess) == 0
        sess["value"] = "planted"
    assert client.get("/get").text == "planted"
    client.get("/set/by-view")
    with client.session_transaction() as sess:
        assert sess["value"] == "by-view"
        sess.permanent = True
    assert "Max-Age" in client.get("/get").headers["Set-Cookie"]  # permanent: refreshed


def test_session_transaction_clearing_logs_out(session_app, client) -> None:
    client.get("/set/a")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get_cookie("session") is None
    assert client.get("/get").text == "empty"


def test_session_transaction_needs_a_session_and_cookies(app) -> None:
    client = app.test_client()
    with pytest.raises(RuntimeError, match="did not open a session"), client.session_transaction():
        pass
    app.secret_key = KEY
    no_cookies = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"), no_cookies.session_transaction():
        pass


def test_async_views_use_the_session(session_app, client) -> None:
    @session_app.route("/async/<value>")
    async def async_set(value: str) -> str:
        previous = session.get("value", "empty")
        session["value"] = value
        return previous

    assert client.get("/async/one").text == "empty"
    assert client.get("/async/two").text == "one"
    assert client.get("/get").text == "two"


def test_a_single_fallback_key_may_be_given_bare(session_app, client) -> None:
    client.get("/set/kept")
    session_app.config.update(SECRET_KEY="rotated", SECRET_KEY_FALLBACKS=KEY)
    assert client.get("/get").text == "kept"


def test_the_session_is_opened_only_when_used(session_app, client) -> None:
    from kettle.sessions import SecureCookieSessionInterface

    class Counting(SecureCookieSessionInterface):
        opened = saved = 0

        def open_session(self, app: Any, request: Any) -> Any:
            Counting.opened += 1
            return super().open_session(app, request)

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            Counting.saved += 1
            super().save_session(app, session, response)

    session_app.session_interface = Counting()
    client.get("/permanent")
    assert (Counting.opened, Counting.saved) == (1, 1)
    response = client.get("/untouched")  # a permanent session's cookie came along
    assert (Counting.opened, Counting.saved) == (1, 1)
    assert "Set-Cookie" not in response.headers
    client.get("/flags")  # uses the session three times
    client.get("/flags")
    assert (Counting.opened, Counting.saved) == (3, 3)  # once per request, however often used
