"""``kettle.json.provider``: custom JSON providers through ``app.json_provider_class``."""

from __future__ import annotations

import io
import json as stdlib_json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

import kettle.json
from kettle import Kettle, jsonify, request
from kettle.json.provider import DefaultJSONProvider, JSONProvider
from kettle.testing import KettleClient


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


class MoneyProvider(DefaultJSONProvider):
    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Money):
            return f"{o.cents / 100:.2f} EUR"
        return DefaultJSONProvider.default(o)


class StdlibProvider(JSONProvider):
    """A provider on the standard library, sorting keys: Flask's documented pattern."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return stdlib_json.dumps(obj, sort_keys=True, separators=(",", ":"))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return stdlib_json.loads(s)


def make_app(provider: type[JSONProvider]) -> Kettle:
    class App(Kettle):
        json_provider_class = provider

    app = App("provider_app")
    app.config["TESTING"] = True

    @app.route("/money")
    def money() -> Any:
        return {"price": Money(1250), "plain": Decimal("1.5")}

    @app.route("/ordered")
    def ordered() -> Any:
        return {"b": 1, "a": 2}

    @app.route("/jsonify")
    def via_jsonify() -> Any:
        return jsonify(z=1, y=[Money(5)] if isinstance(app.json, MoneyProvider) else [5])

    return app


@pytest.fixture(params=["wsgi", "asgi"])
def door_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def client_for(app: Kettle, door_name: str) -> Iterator[KettleClient]:
    client = app.test_client(asgi=door_name == "asgi")
    try:
        yield client
    finally:
        client.close()  # ends the ASGI runner's loop


def test_custom_default_handles_a_type(door_name: str) -> None:
    app = make_app(MoneyProvider)
    with client_for(app, door_name) as client:
        assert client.get("/money").json == {"price": "12.50 EUR", "plain": "1.5"}
        assert client.get("/jsonify").json == {"z": 1, "y": ["0.05 EUR"]}


def test_default_provider_refuses_unknown_types(door_name: str) -> None:
    app = make_app(DefaultJSONProvider)
    with client_for(app, door_name) as client, pytest.raises(TypeError):
        client.get("/money")


def test_a_provider_on_another_library_sorts_keys(door_name: str) -> None:
    app = make_app(StdlibProvider)
    with client_for(app, door_name) as client:
        response = client.get("/ordered")
        assert response.data == b'{"a":2,"b":1}'
        assert response.headers["Content-Type"] == "application/json"
        assert client.get("/jsonify").data == b'{"y":[5],"z":1}'


def test_sort_keys_compact_and_ensure_ascii_settings(door_name: str) -> None:
    app = make_app(DefaultJSONProvider)
    app.json.sort_keys = True  # type: ignore[attr-defined]
    app.json.ensure_ascii = True  # type: ignore[attr-defined]
    with client_for(app, door_name) as client:
        assert client.get("/ordered").data == b'{"a":2,"b":1}'
    assert app.json.dumps({"k": "é😀"}) == '{"k":"\\u00e9\\ud83d\\ude00"}'
    assert stdlib_json.loads(app.json.dumps({"k": "é😀"})) == {"k": "é😀"}
    app.json.compact = False  # type: ignore[attr-defined]
    assert app.json.dumps({"a": 1}) == '{\n  "a": 1\n}'


def test_base_provider_is_abstract_and_builds_on_dumps() -> None:
    app = Kettle("abstract")
    base = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        base.dumps({})
    with pytest.raises(NotImplementedError):
        base.loads("{}")
    stdlib = StdlibProvider(app)
    out = io.StringIO()
    stdlib.dump({"b": 1, "a": 1}, out)
    assert out.getvalue() == '{"a":1,"b":1}'
    assert stdlib.load(io.StringIO('{"x": [1]}')) == {"x": [1]}
    with app.app_context():
        response = stdlib.response([1, 2])
    assert response.get_data() == b"[1,2]" and response.mimetype == "application/json"


def test_module_dump_and_load_and_old_import_path() -> None:
    assert kettle.json.JSONProvider is DefaultJSONProvider  # kettle's earlier name still works
    assert isinstance(Kettle("x").json, DefaultJSONProvider)
    out = io.StringIO()
    kettle.json.dump({"a": [1, 2]}, out)
    assert kettle.json.load(io.StringIO(out.getvalue())) == {"a": [1, 2]}
    app = make_app(StdlibProvider)
    with app.app_context():
        out = io.StringIO()
        kettle.json.dump({"b": 1, "a": 2}, out)  # the app's provider, when one is active
        assert out.getvalue() == '{"a":2,"b":1}'


class DecimalProvider(DefaultJSONProvider):
    """Decodes numbers with a fraction as ``Decimal``: ``get_json`` uses the app's provider."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return stdlib_json.loads(s, parse_float=Decimal)


def test_request_get_json_uses_the_app_provider(door_name: str) -> None:
    app = make_app(DecimalProvider)

    @app.route("/parse", methods=["POST"])
    def parse() -> Any:
        value = request.get_json()["price"]
        return {"type": type(value).__name__, "value": str(value)}

    with client_for(app, door_name) as client:
        response = client.post("/parse", data='{"price": 0.10}', content_type="application/json")
        assert response.json == {"type": "Decimal", "value": "0.10"}
        bad = client.post("/parse", data="{nope", content_type="application/json")
        assert bad.status_code == 400 and "Failed to decode JSON object" in bad.text


def test_default_provider_keeps_strict_decoding(door_name: str) -> None:
    app = make_app(DefaultJSONProvider)

    @app.route("/parse", methods=["POST"])
    def parse() -> Any:
        return {"got": request.get_json()}

    with client_for(app, door_name) as client:
        response = client.post("/parse", data="[NaN]", content_type="application/json")
        assert response.status_code == 400
