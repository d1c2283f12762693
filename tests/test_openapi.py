"""The OpenAPI 3.1 document and the docs pages, fetched as a client would."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

import msgspec
import pytest
from click.testing import CliRunner

from kettle import Blueprint, Cookie, Form, Header, Kettle, Query, UploadedFile
from kettle.openapi import api_key, describe_blueprint, http_bearer
from kettle.openapi.cli import openapi_command

validator = pytest.importorskip("openapi_spec_validator")


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]


class ErrorModel(msgspec.Struct):
    message: str


@dataclasses.dataclass
class Upload:
    title: str
    file: UploadedFile


def typed_app(app: Kettle) -> Kettle:
    app.config.update(
        OPENAPI_ENABLED=True, OPENAPI_TITLE="Shop", OPENAPI_VERSION="2.0",
        OPENAPI_DESCRIPTION="A shop.", OPENAPI_SERVERS=["https://api.example.com"],
        OPENAPI_SECURITY_SCHEMES={
            "bearer": http_bearer("JWT"), "key": api_key("X-Key"),
            "session": api_key("sid", "cookie"), "token": api_key("token", "query"),
        },
    )

    @app.get("/items")
    def list_items(
        limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 10,
        tags: list[str] = [],  # noqa: B006
        x_trace: Annotated[str | None, Header()] = None,
        sid: Annotated[str | None, Cookie()] = None,
    ) -> list[Item]:
        """List the items.

        Paginated, newest first.
        """
        return []

    @app.post("/items", status_code=201, security="bearer", responses={409: ErrorModel})
    def create_item(item: Item) -> Item:
        """Create an item."""
        return item

    missing = {"description": "No item", "model": ErrorModel}

    @app.get("/items/<int:item_id>", responses={404: missing})
    def get_item(item_id: int) -> Item:
        return Item("x", 1)

    @app.post("/uploads", tags=["files"], deprecated=True)
    def upload(data: Annotated[Upload, Form()]) -> str:
        return data.title

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> str:
        return ""

    @app.get("/legacy/<name>")
    def legacy(name):  # type: ignore[no-untyped-def]
        return name

    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.get("/stats")
    def stats(day: str) -> dict[str, int]:
        return {}

    describe_blueprint(admin, security=[{"key": []}])
    app.register_blueprint(admin)
    return app


@pytest.fixture
def spec(app: Kettle, client: Any) -> dict[str, Any]:
    typed_app(app)
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document: dict[str, Any] = response.get_json()
    return document


def test_document_validates_as_openapi_31(spec: dict[str, Any]) -> None:
    validator.validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {"title": "Shop", "version": "2.0", "description": "A shop."}
    assert spec["servers"] == [{"url": "https://api.example.com"}]


def test_operations_parameters_and_docstrings(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/items"]["get"]
    assert op["operationId"] == "list_items"
    assert op["summary"] == "List the items."
    assert op["description"] == "Paginated, newest first."
    params = {(p["in"], p["name"]): p for p in op["parameters"]}
    limit = params[("query", "limit")]
    assert limit["required"] is False and limit["description"] == "Page size."
    assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 100
    assert params[("query", "tags")]["schema"]["type"] == "array"
    assert ("header", "x-trace") in params and ("cookie", "sid") in params
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    assert "422" in op["responses"]


def test_bodies_responses_security_and_components(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/items"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert set(create["responses"]) >= {"201", "400", "409", "415", "422"}
    assert create["security"] == [{"bearer": []}]
    schemas = spec["components"]["schemas"]
    assert schemas["Item"]["properties"]["price"]["exclusiveMinimum"] == 0
    assert "ErrorModel" in schemas and "ProblemDetails" in schemas
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["session"]["in"] == "cookie" and schemes["token"]["in"] == "query"
    one = spec["paths"]["/items/{item_id}"]["get"]
    assert one["parameters"][0] == {
        "name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"},
    }
    assert one["responses"]["404"]["description"] == "No item"


def test_forms_tags_deprecated_hidden_and_blueprints(spec: dict[str, Any]) -> None:
    upload = spec["paths"]["/uploads"]["post"]
    content = upload["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    assert spec["components"]["schemas"]["Upload"]["properties"]["file"] == {
        "type": "string", "format": "binary",
    }
    assert upload["tags"] == ["files"] and upload["deprecated"] is True
    assert "/hidden" not in spec["paths"]
    assert "/openapi.json" not in spec["paths"] and "/docs" not in spec["paths"]
    stats = spec["paths"]["/admin/stats"]["get"]
    assert stats["tags"] == ["admin"] and stats["security"] == [{"key": []}]
    assert stats["operationId"] == "admin_stats"
    legacy = spec["paths"]["/legacy/{name}"]["get"]
    assert legacy["parameters"][0]["schema"] == {"type": "string"}


def test_shared_endpoints_get_unique_operation_ids(app: Kettle, client: Any) -> None:
    app.config["OPENAPI_ENABLED"] = True

    @app.route("/thing", methods=["GET", "POST"])
    def thing() -> str:
        return ""

    paths = client.get("/openapi.json").get_json()["paths"]
    ids = {paths["/thing"][m]["operationId"] for m in ("get", "post")}
    assert ids == {"thing_get", "thing_post"}


try:
    import pydantic

    class Pet(pydantic.BaseModel):
        name: str
        age: int = 0

except ImportError:  # pydantic is an optional extra
    pydantic = None  # type: ignore[assignment]


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_pydantic_models_are_described(app: Kettle, client: Any) -> None:
    app.config["OPENAPI_ENABLED"] = True

    @app.post("/pets")
    def create_pet(pet: Pet) -> list[Pet]:
        return [pet]

    spec = client.get("/openapi.json").get_json()
    validator.validate(spec)
    assert spec["components"]["schemas"]["Pet"]["properties"]["name"]["type"] == "string"
    op = spec["paths"]["/pets"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Pet"
    }


def test_off_by_default_outside_debug(app: Kettle, client: Any) -> None:
    @app.get("/x")
    def x() -> str:
        return "x"

    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404


def test_on_in_debug_and_each_url_can_be_turned_off(app: Kettle, client: Any) -> None:
    app.config.update(DEBUG=True, REDOC_URL=None, OPENAPI_URL="/api/schema.json")
    assert client.get("/api/schema.json").status_code == 200
    assert client.get("/redoc").status_code == 404
    page = client.get("/docs")
    assert page.status_code == 200 and b"/api/schema.json" in page.data


def test_a_user_route_keeps_its_path(app: Kettle, client: Any) -> None:
    app.config["OPENAPI_ENABLED"] = True

    @app.get("/docs")
    def my_docs() -> str:
        return "mine"

    assert client.get("/docs").text == "mine"
    assert client.get("/openapi.json").status_code == 200


def test_docs_pages_serve_vendored_assets(app: Kettle, client: Any) -> None:
    app.config["OPENAPI_ENABLED"] = True
    swagger = client.get("/docs")
    assert swagger.status_code == 200
    assert b'"validatorUrl": null' in swagger.data and b"/docs/swagger-ui-bundle.js" in swagger.data
    assert b"http" not in swagger.data.split(b"<body>")[1]  # nothing from another origin
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.mimetype == "text/javascript"
    assert len(bundle.data) > 500_000
    assert client.get("/docs/swagger-ui.css").mimetype == "text/css"
    assert client.get("/docs/other.js").status_code == 404
    redoc = client.get("/redoc")
    assert b'spec-url="/openapi.json"' in redoc.data
    assert client.get("/redoc/redoc.standalone.js").status_code == 200


def test_cli_prints_and_writes_the_document(tmp_path: Any, monkeypatch: Any) -> None:
    from kettle.cli import ScriptInfo

    module = tmp_path / "shopapp.py"
    module.write_text(
        "from kettle import Kettle\napp = Kettle(__name__)\n"
        "@app.get('/n')\ndef n(limit: int = 1) -> str:\n    return ''\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    info = ScriptInfo()
    info.app_import_path = "shopapp:app"
    printed = runner.invoke(openapi_command, [], obj=info)
    assert printed.exit_code == 0, printed.output
    document = json.loads(printed.output)
    assert document["paths"]["/n"]["get"]["parameters"][0]["name"] == "limit"
    target = tmp_path / "openapi.json"
    written = runner.invoke(openapi_command, ["-o", str(target), "--indent", "0"], obj=info)
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text())["paths"] == document["paths"]
