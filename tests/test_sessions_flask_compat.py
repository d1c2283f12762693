"""Session cookies cross between Flask and kettle, both ways, with the same SECRET_KEY.

Flask itself (a test dependency) signs and reads the cookies: a Flask app sets a value
and kettle reads it through each door; kettle sets it and the Flask app reads it. Values
are compared with their types, recursively, so a tuple read back as a list fails.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import flask
import pytest
from markupsafe import Markup

from kettle import Kettle, session
from kettle.json.tag import JSONTag, TaggedJSONSerializer
from kettle.sessions import SecureCookieSessionInterface

SECRET = "shared secret between flask and kettle"
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")

#: name -> (the value a view stores, the value read back on the other side)
CASES: dict[str, tuple[Any, Any]] = {
    "str": ("héllo \u2028 <b>", "héllo \u2028 <b>"),
    "int": (2**70, 2**70),
    "float": (1.5, 1.5),
    "bool-none": ([True, False, None], [True, False, None]),
    "list": ([1, "a", [2, [3]]], [1, "a", [2, [3]]]),
    "tuple": ((1, "a", (2, (3,))), (1, "a", (2, (3,)))),
    "bytes": (b"\x00\xff binary", b"\x00\xff binary"),
    "markup": (Markup("<em>safe</em>"), Markup("<em>safe</em>")),
    "uuid": (ID, ID),
    "datetime-tz": (WHEN, WHEN.astimezone(UTC)),
    "datetime-naive": (datetime(2020, 1, 2, 3, 4, 5), datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)),
    "tag-like-dict": ({" t": [1, 2]}, {" t": [1, 2]}),
    "tag-like-dict-nested": ({" di": {" b": b"x"}}, {" di": {" b": b"x"}}),
    "flashes": ([("message", "Saved"), ("error", "Oops")],) * 2,
    "nested": (
        {"user": {"id": ID, "roles": ("admin", "dev")}, "seen": [WHEN, b"k", Markup("<i>")]},
        {"user": {"id": ID, "roles": ("admin", "dev")},
         "seen": [WHEN.astimezone(UTC), b"k", Markup("<i>")]},
    ),
    "nan-inf": ([float("inf"), float("-inf")], [float("inf"), float("-inf")]),
    "large": ("kettle " * 2000, "kettle " * 2000),
}


def same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def _verdict(name: str, stored: Any) -> str:
    expected = CASES[name][1]
    return "same" if same(stored, expected) else f"differs: {stored!r}"


@pytest.fixture
def flask_app() -> flask.Flask:
    app = flask.Flask("flask_side")
    app.config.update(SECRET_KEY=SECRET, TESTING=True)

    @app.route("/set/<name>")
    def set_value(name: str) -> str:
        flask.session["v"] = CASES[name][0]
        return "set"

    @app.route("/check/<name>")
    def check(name: str) -> str:
        if "v" not in flask.session:
            return "missing"
        return _verdict(name, flask.session["v"])

    @app.route("/permanent")
    def permanent() -> str:
        return str(flask.session.permanent)

    @app.route("/login")
    def login() -> str:
        flask.session.permanent = True
        flask.session["user"] = 7
        return "in"

    return app


@pytest.fixture
def kettle_app(app: Kettle) -> Kettle:
    app.secret_key = SECRET

    @app.route("/set/<name>")
    def set_value(name: str) -> str:
        session["v"] = CASES[name][0]
        return "set"

    @app.route("/check/<name>")
    def check(name: str) -> str:
        if "v" not in session:
            return "missing"
        return _verdict(name, session["v"])

    @app.route("/permanent")
    def permanent() -> str:
        return str(session.permanent)

    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = 7
        return "in"

    return app


def flask_cookie(flask_app: flask.Flask, path: str) -> str:
    with flask_app.test_client() as client:
        client.get(path)
        cookie = client.get_cookie("session")
        assert cookie is not None, "Flask set no session cookie"
        return cookie.value


def kettle_cookie(client: Any, path: str) -> str:
    client.get(path)
    value = client.get_cookie("session")
    assert value is not None, "kettle set no session cookie"
    return str(value)


def flask_reads(flask_app: flask.Flask, cookie: str, path: str) -> str:
    with flask_app.test_client() as client:
        client.set_cookie("session", cookie)
        return client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("name", CASES)
def test_kettle_reads_flasks_cookie(flask_app, kettle_app, client, name) -> None:
    client.set_cookie("session", flask_cookie(flask_app, f"/set/{name}"))
    assert client.get(f"/check/{name}").text == "same"


@pytest.mark.parametrize("name", CASES)
def test_flask_reads_kettles_cookie(flask_app, kettle_app, client, name) -> None:
    cookie = kettle_cookie(client, f"/set/{name}")
    assert flask_reads(flask_app, cookie, f"/check/{name}") == "same"


@pytest.mark.parametrize("name", CASES)
def test_round_trip_through_both(flask_app, kettle_app, client, name) -> None:
    """Flask -> kettle, which rewrites the session, -> Flask."""
    client.set_cookie("session", flask_cookie(flask_app, f"/set/{name}"))
    rewritten = kettle_cookie(client, "/login")  # keeps "v", adds keys, re-signs
    assert flask_reads(flask_app, rewritten, f"/check/{name}") == "same"


def test_large_sessions_are_compressed_in_both(flask_app, kettle_app, client) -> None:
    from_flask = flask_cookie(flask_app, "/set/large")
    from_kettle = kettle_cookie(client, "/set/large")
    # itsdangerous marks a zlib-compressed payload with a leading '.'.
    assert from_flask.startswith(".") and from_kettle.startswith(".")
    assert len(from_kettle) < 1000


def test_small_sessions_are_not_compressed(kettle_app, client) -> None:
    assert not kettle_cookie(client, "/set/int").startswith(".")


def test_permanent_flag_crosses(flask_app, kettle_app, client) -> None:
    client.set_cookie("session", flask_cookie(flask_app, "/login"))
    assert client.get("/permanent").text == "True"
    assert flask_reads(flask_app, kettle_cookie(client, "/login"), "/permanent") == "True"


def test_other_key_is_refused_both_ways(flask_app, kettle_app, client) -> None:
    kettle_app.config["SECRET_KEY"] = "another key"
    client.set_cookie("session", flask_cookie(flask_app, "/set/int"))
    assert client.get("/check/int").text == "missing"
    assert flask_reads(flask_app, kettle_cookie(client, "/set/int"), "/check/int") == "missing"


def test_rotation_keeps_flask_users_logged_in(flask_app, kettle_app, client) -> None:
    """A Flask app signed with the old key; kettle has a new key and the old as fallback:
    the old cookie opens, and the cookie kettle sends back is signed with the new key."""
    old_cookie = flask_cookie(flask_app, "/set/tuple")
    kettle_app.config.update(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=[SECRET])
    client.set_cookie("session", old_cookie)
    assert client.get("/check/tuple").text == "same"
    new_cookie = kettle_cookie(client, "/login")
    assert flask_reads(flask_app, new_cookie, "/check/tuple") == "missing"  # old key only
    flask_app.config.update(SECRET_KEY="new key")
    assert flask_reads(flask_app, new_cookie, "/check/tuple") == "same"


def test_expired_flask_cookie_is_an_empty_session(flask_app, kettle_app, client) -> None:
    cookie = flask_cookie(flask_app, "/set/int")
    kettle_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    client.set_cookie("session", cookie)
    assert client.get("/check/int").text == "missing"


# -- the serializer alone, against Flask's -------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_serializer_matches_flasks(name) -> None:
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    stored, expected = CASES[name]
    ours, theirs = TaggedJSONSerializer(), FlaskSerializer()
    assert same(theirs.loads(ours.dumps({"v": stored})), {"v": expected})
    assert same(ours.loads(theirs.dumps({"v": stored})), {"v": expected})
    # The same JSON up to key order (Flask sorts keys inside an app context only).
    assert json.loads(ours.dumps({"v": stored})) == json.loads(theirs.dumps({"v": stored}))


def test_serializer_writes_compact_json() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.dumps({"a": (1, b"\x01"), "b": [None, 1.5]}) == (
        '{"a":{" t":[1,{" b":"AQ=="}]},"b":[null,1.5]}'
    )


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        TaggedJSONSerializer().dumps({"v": object()})


class TagComplex(JSONTag):
    __slots__ = ()
    key = " c"

    def check(self, value: Any) -> bool:
        return isinstance(value, complex)

    def to_json(self, value: Any) -> Any:
        return [value.real, value.imag]

    def to_python(self, value: Any) -> Any:
        return complex(*value)


class TagFrozenSet(JSONTag):
    """Registered ahead of the tuple tag, as a special case would be."""

    __slots__ = ()
    key = " fs"

    def check(self, value: Any) -> bool:
        return isinstance(value, frozenset)

    def to_json(self, value: Any) -> Any:
        return sorted(value)

    def to_python(self, value: Any) -> Any:
        return frozenset(value)


def test_register_custom_tags() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagComplex)
    serializer.register(TagFrozenSet, index=0)
    value = {"c": 1 + 2j, "fs": frozenset({3, 1}), "t": (1,), "tag-like": {" c": 1}}
    text = serializer.dumps(value)
    assert '{" c":[1.0,2.0]}' in text and '{" fs":[1,3]}' in text
    assert same(serializer.loads(text), value)
    with pytest.raises(KeyError, match="already registered"):
        serializer.register(TagComplex)
    serializer.register(TagComplex, force=True)
    assert same(serializer.loads(serializer.dumps(value)), value)


def test_custom_tag_in_sessions(app, client) -> None:
    class ComplexSessions(SecureCookieSessionInterface):
        serializer = TaggedJSONSerializer()

    ComplexSessions.serializer.register(TagComplex)
    app.session_interface = ComplexSessions()
    app.secret_key = SECRET

    @app.route("/set")
    def set_value() -> str:
        session["z"] = 3 - 1j
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return repr(session["z"])

    client.get("/set")
    assert client.get("/get").text == "(3-1j)"


class Word(str):
    def __str__(self) -> str:
        return "overridden"


class Level(int):
    pass


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        "lone \ud800 surrogate",
        Word("word"),
        Level(3),
        enum.IntEnum("Color", "RED GREEN").GREEN,
        date(2024, 2, 29),
        Decimal("1.10"),
        dataclasses.make_dataclass("Point", ["x", "y"])(1, 2),
        {"sub": OrderedDict(a=(1,))},
    ],
    ids=repr,
)
def test_untagged_values_are_written_as_flask_writes_them(value) -> None:
    """Values with no tag are written as Flask's JSON encoder writes them, and what one
    side writes the other reads to the same value."""
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    ours, theirs = TaggedJSONSerializer(), FlaskSerializer()
    with flask.Flask("encoder").app_context():  # Flask's encoder as its sessions use it
        flask_text = theirs.dumps({"v": value})
    our_text = ours.dumps({"v": value})

    def normal(text: str) -> str:
        return json.dumps(json.loads(text), sort_keys=True)

    assert normal(our_text) == normal(flask_text)
    assert repr(ours.loads(flask_text)) == repr(theirs.loads(our_text))
