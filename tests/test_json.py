"""JSON both ways: ``request.json``/``get_json`` (strict, bounded) and ``jsonify``/typed returns.

Every request goes through the ``client`` fixture, so each test runs through every door.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json as stdlib_json
import uuid
from typing import Any

import msgspec
import pytest

from kettle import Kettle, after_this_request, jsonify, request, session
from kettle.testing import KettleClient


@pytest.fixture
def echo(app: Kettle) -> Kettle:
    """An app whose ``POST /`` answers ``{"json": request.get_json()}``."""

    @app.post("/")
    def index() -> dict[str, Any]:
        return {"json": request.get_json()}

    return app


# -- request JSON ------------------------------------------------------------


def test_json_body(echo: Kettle, client: KettleClient) -> None:
    payload = {"name": "Zoë", "tags": ["a", "b"], "n": 1.5, "ok": True, "none": None}
    assert client.post("/", json=payload).json == {"json": payload}


def test_json_property_is_get_json(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"same": request.json == request.get_json(), "value": request.json}

    assert client.post("/", json=[1, 2]).json == {"same": True, "value": [1, 2]}


@pytest.mark.parametrize("scalar", [0, "text", None, False, 3.25])
def test_json_scalars(echo: Kettle, client: KettleClient, scalar: Any) -> None:
    body = stdlib_json.dumps(scalar)
    assert client.post("/", data=body, content_type="application/json").json == {"json": scalar}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.api+json",
        "application/problem+json",
        "application/merge-patch+json; charset=utf-8",
    ],
)
def test_is_json_for_json_and_json_suffix_types(
    app: Kettle, client: KettleClient, content_type: str
) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"is_json": request.is_json, "json": request.get_json()}

    response = client.post("/", data=b'{"a": 1}', content_type=content_type)
    assert response.json == {"is_json": True, "json": {"a": 1}}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/json", "application/jsonp", "application/x-json", None]
)
def test_not_json_content_type_is_a_415(
    echo: Kettle, client: KettleClient, content_type: str | None
) -> None:
    response = client.post("/", data=b'{"a": 1}', content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.text


def test_is_json_false_for_other_types(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(request.is_json)

    assert client.post("/", data=b"{}", content_type="text/json").text == "False"
    assert client.post("/", data=b"{}", content_type="application/json+xml").text == "False"


def test_get_json_force_ignores_the_content_type(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"json": request.get_json(force=True)}

    response = client.post("/", data=b'{"a": [1]}', content_type="text/plain")
    assert response.json == {"json": {"a": [1]}}


def test_get_json_silent_returns_none(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"json": request.get_json(silent=True)}

    assert client.post("/", data=b"{}", content_type="text/plain").json == {"json": None}
    assert client.post("/", data=b"{bad", content_type="application/json").json == {"json": None}
    assert client.post("/", data=b"NaN", content_type="application/json").json == {"json": None}
    assert client.post("/", json={"a": 1}).json == {"json": {"a": 1}}


def test_silent_failure_does_not_hide_the_error_later(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        assert request.get_json(silent=True) is None
        return {"json": request.get_json()}

    response = client.post("/", data=b"{bad", content_type="application/json")
    assert response.status_code == 400


def test_get_json_is_cached(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        first = request.get_json()
        return {"same_object": request.get_json() is first and request.json is first}

    assert client.post("/", json={"a": [1, 2]}).json == {"same_object": True}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"NaN", "NaN"),
        (b"[1, NaN]", "NaN inside"),
        (b'{"x": Infinity}', "Infinity"),
        (b"-Infinity", "-Infinity"),
        (b"[1e999]", "a number that overflows to infinity"),
        (b'{"a": 1} trailing', "trailing data"),
        (b'{"a": 1}{"b": 2}', "two documents"),
        (b"\xff\xfe{}", "invalid UTF-8"),
        (b'"\xc3\x28"', "invalid UTF-8 in a string"),
        (b"\xef\xbb\xbf{}", "a byte order mark"),
        (b"{'a': 1}", "single quotes"),
        (b"[1, 2,]", "trailing comma"),
        (b"", "empty body"),
        (b"{", "truncated"),
        (b"1" * 5000, "a 5000-digit integer"),
        (b'"\\ud800"', "a lone surrogate escape"),
    ],
)
def test_malformed_json_is_a_400_with_a_message(
    echo: Kettle, client: KettleClient, body: bytes, why: str
) -> None:
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400, why
    assert "Failed to decode JSON" in response.text, why


def test_malformed_json_error_is_json_for_json_clients(echo: Kettle, client: KettleClient) -> None:
    response = client.post(
        "/", data=b"[1,", content_type="application/json", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert response.json["description"].startswith("Failed to decode JSON")


def test_nesting_up_to_max_json_depth_is_accepted(echo: Kettle, client: KettleClient) -> None:
    depth = 64
    body = b"[" * depth + b"]" * depth
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 200
    value = response.json["json"]
    levels = 0
    while isinstance(value, list):
        levels += 1
        value = value[0] if value else None
    assert levels == depth


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 65 + b"]" * 65,
        b'{"a":' * 65 + b"1" + b"}" * 65,
        b'[{"a": ' * 40 + b"[]" + b"}]" * 40,
    ],
)
def test_nesting_beyond_max_json_depth_is_a_400(
    echo: Kettle, client: KettleClient, body: bytes
) -> None:
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "MAX_JSON_DEPTH" in response.text


def test_max_json_depth_is_configurable(echo: Kettle, client: KettleClient) -> None:
    echo.config["MAX_JSON_DEPTH"] = 3
    assert client.post("/", json=[[[1]]]).json == {"json": [[[1]]]}
    assert client.post("/", json=[[[[1]]]]).status_code == 400
    # Many brackets side by side are not nesting.
    assert client.post("/", json=[[1], [2], [3], [4], {"a": [5]}]).status_code == 200


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_hostile_nesting_is_a_400_not_a_crash(
    echo: Kettle, client: KettleClient, opener: bytes
) -> None:
    echo.config["MAX_JSON_DEPTH"] = None  # even with the limit off, no RecursionError / 500
    response = client.post("/", data=opener * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "Failed to decode JSON" in response.text


def test_hostile_nesting_with_the_default_limit(echo: Kettle, client: KettleClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_json_silent_on_hostile_nesting(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"json": request.get_json(silent=True)}

    response = client.post("/", data=b"[" * 100_000, content_type="application/json")
    assert response.json == {"json": None}


def test_duplicate_keys_keep_the_last(echo: Kettle, client: KettleClient) -> None:
    response = client.post("/", data=b'{"a": 1, "a": 2}', content_type="application/json")
    assert response.json == {"json": {"a": 2}}


def test_json_body_and_form_do_not_interfere(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"form": request.form.to_dict(), "json": request.json, "data": request.data.decode()}

    assert client.post("/", json={"a": 1}).json == {
        "form": {},
        "json": {"a": 1},
        "data": '{"a":1}',
    }


# -- jsonify -----------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


class Point(msgspec.Struct):
    x: int
    y: int


@dataclasses.dataclass
class User:
    name: str
    joined: datetime.date


def test_jsonify_dict(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify({"status": "running", "n": [1, 2]})

    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Type"] == "application/json"
    assert stdlib_json.loads(response.data) == {"status": "running", "n": [1, 2]}


def test_jsonify_kwargs(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(a=1, b="two")

    assert stdlib_json.loads(client.get("/").data) == {"a": 1, "b": "two"}


def test_jsonify_several_args_is_a_list(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(1, "two", [3])

    assert stdlib_json.loads(client.get("/").data) == [1, "two", [3]]


def test_jsonify_one_arg_and_no_args(app: Kettle, client: KettleClient) -> None:
    @app.route("/one")
    def one() -> Any:
        return jsonify([1, 2])

    @app.route("/none")
    def none() -> Any:
        return jsonify()

    assert stdlib_json.loads(client.get("/one").data) == [1, 2]
    assert stdlib_json.loads(client.get("/none").data) == {}


def test_jsonify_args_and_kwargs_is_an_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(1, a=2)

    with pytest.raises(TypeError):
        client.get("/")


def test_jsonify_rich_types(app: Kettle, client: KettleClient) -> None:
    moment = datetime.datetime(2024, 3, 9, 13, 45, 7, tzinfo=datetime.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")

    @app.route("/")
    def index() -> Any:
        return jsonify(
            when=moment,
            day=datetime.date(2024, 3, 9),
            id=ident,
            price=decimal.Decimal("19.90"),
            point=Point(1, 2),
            user=User("zoe", datetime.date(2020, 1, 31)),
            colour=Colour.RED,
            tags={"only"},
            nested={"deep": [Point(3, 4)]},
        )

    assert stdlib_json.loads(client.get("/").data) == {
        "when": "2024-03-09T13:45:07Z",
        "day": "2024-03-09",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": "19.90",
        "point": {"x": 1, "y": 2},
        "user": {"name": "zoe", "joined": "2020-01-31"},
        "colour": "red",
        "tags": ["only"],
        "nested": {"deep": [{"x": 3, "y": 4}]},
    }


def test_jsonify_subclasses_of_str_int_and_float(app: Kettle, client: KettleClient) -> None:
    class Name(str):
        pass

    class Count(int):
        pass

    class Ratio(float):
        pass

    @app.route("/")
    def index() -> Any:
        return jsonify(name=Name("zoe"), count=Count(3), ratio=Ratio(0.5))

    assert stdlib_json.loads(client.get("/").data) == {"name": "zoe", "count": 3, "ratio": 0.5}


def test_jsonify_markup_and_json_hook(app: Kettle, client: KettleClient) -> None:
    class Html:
        def __html__(self) -> str:
            return "<b>x</b>"

    class Money:
        def __json__(self) -> dict[str, Any]:
            return {"amount": 5, "currency": "EUR"}

    @app.route("/")
    def index() -> Any:
        return jsonify(html=Html(), money=Money())

    assert stdlib_json.loads(client.get("/").data) == {
        "html": "<b>x</b>",
        "money": {"amount": 5, "currency": "EUR"},
    }


def test_jsonify_unserializable_is_a_type_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return jsonify(thing=object())

    with pytest.raises(TypeError, match="object"):
        client.get("/")


def test_jsonify_unserializable_is_a_500_in_production(app: Kettle, client: KettleClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> Any:
        return jsonify(thing=object())

    assert client.get("/").status_code == 500


def test_jsonify_outside_a_request() -> None:
    response = jsonify({"a": 1})
    assert response.mimetype == "application/json"
    assert stdlib_json.loads(response.get_data()) == {"a": 1}
    assert stdlib_json.loads(jsonify(1, 2).get_data()) == [1, 2]
    with pytest.raises(TypeError):
        jsonify(1, a=2)


def test_json_sort_keys(app: Kettle, client: KettleClient) -> None:
    app.config["JSON_SORT_KEYS"] = True

    @app.route("/")
    def index() -> Any:
        return jsonify({"b": 1, "a": 2, "c": {"z": 1, "y": 2}})

    assert client.get("/").data == b'{"a":2,"b":1,"c":{"y":2,"z":1}}'


def test_json_keeps_insertion_order_by_default(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return {"b": 1, "a": 2}

    assert client.get("/").data == b'{"b":1,"a":2}'


def test_jsonify_mimetype_from_config(app: Kettle, client: KettleClient) -> None:
    app.config["JSONIFY_MIMETYPE"] = "application/vnd.example+json"

    @app.route("/")
    def index() -> Any:
        return jsonify(a=1)

    @app.route("/dict")
    def as_dict() -> Any:
        return {"a": 1}

    assert client.get("/").headers["Content-Type"] == "application/vnd.example+json"
    assert client.get("/dict").headers["Content-Type"] == "application/vnd.example+json"


def test_json_provider_mimetype_can_be_set(app: Kettle, client: KettleClient) -> None:
    app.json.mimetype = "application/hal+json"

    @app.route("/")
    def index() -> Any:
        return {"a": 1}

    response = client.get("/")
    assert response.headers["Content-Type"] == "application/hal+json"
    assert response.json == {"a": 1}


def test_json_provider_dumps_and_loads(app: Kettle) -> None:
    assert app.json.dumps({"b": 1, "a": [1.5, None]}) == '{"b":1,"a":[1.5,null]}'
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'
    assert app.json.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert app.json.loads(b"[true]") == [True]
    with pytest.raises(msgspec.DecodeError):
        app.json.loads("NaN")


def test_json_module_helpers() -> None:
    from kettle import json as kjson

    assert kjson.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'
    assert kjson.dumpb([1, "é"]) == '[1,"é"]'.encode()
    assert kjson.loads(b'{"a": 1}') == {"a": 1}
    with pytest.raises(msgspec.DecodeError):
        kjson.loads('{"a": 1} x')


def test_response_json_for_non_json_is_none(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return '{"a": 1}'

    response = client.get("/")
    assert response.mimetype == "text/html"
    assert response.json is None
    assert response.get_json() is None


def test_jsonify_pydantic_and_markup(app: Kettle, client: KettleClient) -> None:
    pydantic = pytest.importorskip("pydantic")
    markupsafe = pytest.importorskip("markupsafe")

    class Tag(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        name: str

    @app.route("/")
    def index() -> Any:
        return jsonify(tags=[Tag(name="a")], html=markupsafe.Markup("<i>x</i>"))

    assert stdlib_json.loads(client.get("/").data) == {
        "tags": [{"name": "a"}],
        "html": "<i>x</i>",
    }


# -- a JSON value with a status: ``(item, 201)`` ------------------------------------------


@pytest.mark.parametrize("value", [{"id": 5, "tags": ["a", "b"]}, [1, {"b": 2}]])
def test_json_with_a_status_is_a_json_answer(
    app: Kettle, client: KettleClient, value: Any
) -> None:
    @app.post("/")
    def create() -> Any:
        return value, 201

    response = client.post("/")
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.json == value
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_json_with_a_status_runs_after_this_request(app: Kettle, client: KettleClient) -> None:
    """What runs after the view still runs when the view answers ``(dict, status)``."""

    @app.post("/")
    def create() -> Any:
        @after_this_request
        def tag(response: Any) -> Any:
            response.headers["X-After"] = "yes"
            return response

        return {"id": 5}, 201

    response = client.post("/")
    assert (response.status_code, response.json) == (201, {"id": 5})
    assert response.headers["X-After"] == "yes"


def test_json_with_a_status_saves_the_session(app: Kettle, client: KettleClient) -> None:
    app.secret_key = "a test key of some length, for signing"

    @app.post("/")
    def create() -> Any:
        session["seen"] = True
        return {"id": 5}, 201

    response = client.post("/")
    assert (response.status_code, response.json) == (201, {"id": 5})
    assert "session=" in response.headers.get("Set-Cookie", "")


def test_an_unencodable_json_with_a_status_is_a_500(app: Kettle, client: KettleClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/")
    def create() -> Any:
        return {"thing": object()}, 201

    assert client.post("/").status_code == 500


def test_the_json_body_and_its_depth_limit_with_a_length_header(
    app: Kettle, client: KettleClient
) -> None:
    """The one-step read of a WSGI JSON body (``Request._plain_json``) keeps every check of
    the general path: the depth limit (here a body too short to count as a nesting
    risk, one that is counted and passes, one that nests too deep), malformed JSON, and a
    JSON value of any kind."""
    app.config["MAX_JSON_DEPTH"] = 4

    @app.post("/")
    def echo() -> Any:
        return {"got": request.get_json()}, 201

    def post(body: bytes) -> Any:
        return client.post(
            "/", data=body, content_type="application/json",
            headers={"Content-Length": str(len(body))},
        )

    assert post(b"[[[[]]]]").json == {"got": [[[[]]]]}  # 8 bytes: not over 2 * 4 + 1
    wide = b'{"a": [1, 2], "b": {"c": [3]}, "d": [[4]], "e": "[[[[[[[[[["}'
    assert post(wide).json == {"got": stdlib_json.loads(wide)}  # many openers, 3 deep
    deep = b'{"a": [{"b": [{"c": 1}]}]}'
    response = post(deep)
    assert response.status_code == 400
    assert "MAX_JSON_DEPTH" in response.text
    assert post(b'{"a": 1,}').status_code == 400
    assert post(b"3.25").json == {"got": 3.25}


@pytest.mark.parametrize("kind", [dict, list])
def test_an_unencodable_value_after_a_plain_json_answer_is_a_logged_500(
    app: Kettle, client: KettleClient, kind: type, caplog: pytest.LogCaptureFixture
) -> None:
    """The doors encode a view's ``dict``/``list`` themselves once the app's JSON head is
    known; a value the encoder refuses still gets the app's 500 page and a logged error."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> Any:
        value = object() if request.args.get("bad") else 1
        return {"value": value} if kind is dict else [value]

    for _ in range(2):
        assert client.get("/").status_code == 200
    response = client.get("/?bad=1")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert "not JSON serializable" in caplog.text
    assert client.get("/").get_json() == ({"value": 1} if kind is dict else [1])
