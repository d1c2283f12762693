"""Typed views: parameters and bodies bound from the signature, through both doors."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import io
import json
import uuid
from typing import Annotated, Any, Optional, TypedDict

import msgspec
import pytest

from kettle import (
    Body,
    Cookie,
    Form,
    Header,
    Kettle,
    Path,
    Query,
    Request,
    RequestValidationError,
    UploadedFile,
    request,
)
from kettle.datastructures import MultiDict


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


class Order(msgspec.Struct):
    items: list[Item]


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Person(TypedDict):
    name: str
    age: int


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"] == "application/problem+json"
    data: dict[str, Any] = json.loads(response.data)
    assert data["status"] == response.status_code
    return data


# -- query parameters ------------------------------------------------------------------
def test_query_scalars_are_converted(app: Kettle, client: Any) -> None:
    @app.get("/search")
    def search(q: str, limit: int = 10, exact: bool = False) -> dict[str, Any]:
        return {"q": q, "limit": limit, "exact": exact}

    assert client.get("/search?q=tea").get_json() == {"q": "tea", "limit": 10, "exact": False}
    got = client.get("/search?q=tea&limit=3&exact=true").get_json()
    assert got == {"q": "tea", "limit": 3, "exact": True}


def test_query_errors_are_all_listed_as_a_422_problem(app: Kettle, client: Any) -> None:
    @app.get("/search")
    def search(q: str, limit: int = 10) -> dict[str, Any]:
        return {"q": q}

    response = client.get("/search?limit=many")
    assert response.status_code == 422
    data = problem(response)
    assert data["title"] == "Unprocessable Content"
    assert [e["loc"] for e in data["errors"]] == [["query", "q"], ["query", "limit"]]
    assert data["errors"][0]["type"] == "missing"
    assert "int" in data["errors"][1]["msg"]


def test_query_lists_optional_enums_and_rich_scalars(app: Kettle, client: Any) -> None:
    @app.get("/things")
    def things(
        tags: list[str] = [],  # noqa: B006 - copied per request
        ids: list[int] = [],  # noqa: B006
        colour: Optional[Colour] = None,  # noqa: UP045 - the typing spelling works too
        since: datetime.date | None = None,
        key: uuid.UUID | None = None,
        amount: decimal.Decimal | None = None,
    ) -> dict[str, Any]:
        return {
            "tags": tags, "ids": ids, "colour": colour.value if colour else None,
            "since": since.isoformat() if since else None, "key": str(key) if key else None,
            "amount": str(amount) if amount is not None else None,
        }

    key = uuid.uuid4()
    got = client.get(
        f"/things?tags=a&tags=b&ids=1&ids=2&colour=blue&since=2026-01-02&key={key}&amount=1.50"
    ).get_json()
    assert got == {
        "tags": ["a", "b"], "ids": [1, 2], "colour": "blue", "since": "2026-01-02",
        "key": str(key), "amount": "1.50",
    }
    empty = client.get("/things").get_json()
    assert empty["tags"] == [] and empty["colour"] is None
    bad = problem(client.get("/things?colour=green&ids=x"))
    assert {tuple(e["loc"][:2]) for e in bad["errors"]} == {("query", "colour"), ("query", "ids")}


def test_mutable_defaults_are_not_shared(app: Kettle, client: Any) -> None:
    @app.get("/grow")
    def grow(tags: list[str] = []) -> dict[str, Any]:  # noqa: B006
        tags.append("x")
        return {"tags": tags}

    client.get("/grow")
    assert client.get("/grow").get_json() == {"tags": ["x"]}


def test_query_marker_constraints_and_alias(app: Kettle, client: Any) -> None:
    @app.get("/page")
    def page(size: Annotated[int, Query(ge=1, le=100, alias="page-size")] = 20) -> dict[str, int]:
        return {"size": size}

    assert client.get("/page?page-size=50").get_json() == {"size": 50}
    assert client.get("/page").get_json() == {"size": 20}
    data = problem(client.get("/page?page-size=500"))
    assert data["errors"][0]["loc"] == ["query", "page-size"]
    assert "<= 100" in data["errors"][0]["msg"]
    assert problem(client.get("/page?page-size=0"))["status"] == 422


def test_msgspec_meta_constraints_work_too(app: Kettle, client: Any) -> None:
    @app.get("/n")
    def n(value: Annotated[str, msgspec.Meta(min_length=2, max_length=4)]) -> str:
        return value

    assert client.get("/n?value=abc").text == "abc"
    assert client.get("/n?value=a").status_code == 422


# -- headers, cookies, request ---------------------------------------------------------
def test_headers_and_cookies(app: Kettle, client: Any) -> None:
    @app.get("/who")
    def who(
        user_agent: Annotated[str, Header()],
        x_count: Annotated[int, Header()] = 0,
        token: Annotated[str | None, Header(alias="X-Token")] = None,
        session_id: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, Any]:
        return {"ua": user_agent, "count": x_count, "token": token, "sid": session_id}

    client.set_cookie("session_id", "abc")
    got = client.get(
        "/who", headers={"User-Agent": "tea/1", "X-Count": "3", "X-Token": "t"}
    ).get_json()
    assert got == {"ua": "tea/1", "count": 3, "token": "t", "sid": "abc"}
    bad = problem(client.get("/who", headers={"User-Agent": "x", "X-Count": "three"}))
    assert bad["errors"][0]["loc"] == ["header", "x-count"]


def test_request_is_injected(app: Kettle, client: Any) -> None:
    @app.get("/me")
    def me(request: Request, q: str = "") -> str:
        return f"{request.method} {request.path} {q}"

    assert client.get("/me?q=1").text == "GET /me 1"


# -- path values -----------------------------------------------------------------------
def test_path_values_converted_by_annotation(app: Kettle, client: Any) -> None:
    @app.get("/items/<item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/keys/<uuid:key>")
    def key(key: uuid.UUID) -> str:
        return key.hex

    assert client.get("/items/42").get_json() == {"id": 42}
    data = problem(client.get("/items/abc"))
    assert data["errors"][0]["loc"] == ["path", "item_id"]
    k = uuid.uuid4()
    assert client.get(f"/keys/{k}").text == k.hex


def test_untyped_views_keep_flask_behaviour_and_their_own_function(app: Kettle) -> None:
    @app.get("/u/<name>")
    def untyped(name):  # type: ignore[no-untyped-def]
        return name

    @app.get("/s/<name>")
    def typed_as_str(name: str) -> str:
        return name

    app.freeze()
    # No binder: the plan calls the view itself, exactly as before typed APIs existed.
    assert app._plans["untyped"].view is untyped
    assert app._plans["typed_as_str"].view is typed_as_str


# -- JSON bodies -----------------------------------------------------------------------
def test_struct_body_validated_and_returned(app: Kettle, client: Any) -> None:
    @app.post("/items", status_code=201)
    def create(item: Item) -> Item:
        return item

    response = client.post("/items", json={"name": "tea", "price": 2.5})
    assert response.status_code == 201
    assert response.get_json() == {"name": "tea", "price": 2.5, "tags": []}


def test_body_error_location_is_parsed(app: Kettle, client: Any) -> None:
    @app.post("/orders")
    def order(order: Order) -> dict[str, int]:
        return {"n": len(order.items)}

    items = [{"name": "a", "price": 1}] * 3 + [{"name": "b", "price": "free"}]
    data = problem(client.post("/orders", json={"items": items}))
    assert data["errors"][0]["loc"] == ["body", "items", 3, "price"]
    missing = problem(client.post("/orders", json={"items": [{"price": 1}]}))
    assert missing["errors"][0]["loc"] == ["body", "items", 0, "name"]
    assert missing["errors"][0]["type"] == "missing"
    assert problem(client.post("/orders", json={"items": [{"name": "c", "price": 0}]}))[
        "errors"][0]["loc"] == ["body", "items", 0, "price"]


def test_body_content_type_and_syntax_errors(app: Kettle, client: Any) -> None:
    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    wrong = client.post("/items", data="name=tea", content_type="text/plain")
    assert wrong.status_code == 415
    assert problem(wrong)["detail"].startswith("The body must be JSON")
    broken = client.post("/items", data=b'{"name": ', content_type="application/json")
    assert broken.status_code == 400
    assert "not valid JSON" in problem(broken)["detail"]
    missing = client.post("/items")
    assert missing.status_code == 422
    assert problem(missing)["errors"] == [
        {"loc": ["body"], "msg": "Field required", "type": "missing"}
    ]
    vendor = client.post(
        "/items", data=b'{"name":"x","price":1}', content_type="application/vnd.x+json"
    )
    assert vendor.status_code == 200


def test_dataclass_and_typeddict_bodies(app: Kettle, client: Any) -> None:
    @app.post("/point")
    def point(p: Point) -> Point:
        return Point(p.y, p.x)

    @app.post("/person")
    def person(p: Person) -> dict[str, Any]:
        return {"hello": p["name"], "next": p["age"] + 1}

    assert client.post("/point", json={"x": 1, "y": 2}).get_json() == {"x": 2, "y": 1}
    assert client.post("/person", json={"name": "A", "age": 3}).get_json() == {
        "hello": "A", "next": 4,
    }
    assert client.post("/person", json={"name": "A"}).status_code == 422


def test_list_body_and_typed_list_response(app: Kettle, client: Any) -> None:
    @app.post("/bulk")
    def bulk(items: Annotated[list[Item], Body()]) -> list[Item]:
        return sorted(items, key=lambda i: i.price)

    got = client.post("/bulk", json=[{"name": "b", "price": 2}, {"name": "a", "price": 1}])
    assert [i["name"] for i in got.get_json()] == ["a", "b"]
    assert problem(client.post("/bulk", json=[{"name": "x"}]))["errors"][0]["loc"] == [
        "body", 0, "price",
    ]


try:
    import pydantic

    class Pet(pydantic.BaseModel):
        name: str
        age: int = pydantic.Field(ge=0)

except ImportError:  # pydantic is an optional extra
    pydantic = None  # type: ignore[assignment]


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_pydantic_body(app: Kettle, client: Any) -> None:
    @app.post("/pets")
    def pets(pet: Pet) -> Pet:
        return pet

    assert client.post("/pets", json={"name": "Rex", "age": 3}).get_json() == {
        "name": "Rex", "age": 3,
    }
    data = problem(client.post("/pets", json={"name": "Rex", "age": -1}))
    assert data["errors"][0]["loc"] == ["body", "age"]
    assert client.post("/pets", data=b"{", content_type="application/json").status_code == 400


try:
    import attrs

    @attrs.define
    class Box:
        width: int
        height: int

except ImportError:  # attrs is optional
    attrs = None  # type: ignore[assignment]


@pytest.mark.skipif(attrs is None, reason="attrs is not installed")
def test_attrs_body(app: Kettle, client: Any) -> None:
    @app.post("/box")
    def box(b: Box) -> dict[str, int]:
        return {"area": b.width * b.height}

    assert client.post("/box", json={"width": 2, "height": 3}).get_json() == {"area": 6}
    assert client.post("/box", json={"width": 2}).status_code == 422


# -- forms -----------------------------------------------------------------------------
class Upload(msgspec.Struct):
    title: str
    count: int = 1
    labels: list[str] = []
    file: UploadedFile | None = None


def test_form_model_with_file(app: Kettle, client: Any) -> None:
    @app.post("/upload")
    def upload(data: Annotated[Upload, Form()]) -> dict[str, Any]:
        content = data.file.read().decode() if data.file is not None else None
        return {"title": data.title, "count": data.count, "labels": data.labels, "file": content}

    got = client.post("/upload", data={"title": "t", "count": "2", "labels": ["a", "b"]})
    assert got.get_json() == {"title": "t", "count": 2, "labels": ["a", "b"], "file": None}
    multi = client.post(
        "/upload", data={"title": "t", "file": (io.BytesIO(b"hello"), "h.txt")},
        content_type="multipart/form-data",
    )
    assert multi.get_json()["file"] == "hello"
    assert problem(client.post("/upload", data={"count": "x"}))["status"] == 422
    assert client.post("/upload", json={"title": "t"}).status_code == 415


# -- responses and errors --------------------------------------------------------------
class PublicUser(msgspec.Struct):
    name: str


def test_response_model_filters_output(app: Kettle, client: Any) -> None:
    @app.get("/user", response_model=PublicUser)
    def user() -> dict[str, str]:
        return {"name": "ann", "password": "secret"}

    assert client.get("/user").get_json() == {"name": "ann"}


def test_status_code_204_with_none(app: Kettle, client: Any) -> None:
    @app.delete("/thing/<int:i>", status_code=204)
    def delete(i: int) -> None:
        return None

    response = client.delete("/thing/3")
    assert response.status_code == 204 and response.data == b""


def test_errorhandler_catches_validation_errors(app: Kettle, client: Any) -> None:
    @app.errorhandler(RequestValidationError)
    def handle(exc: RequestValidationError) -> tuple[dict[str, Any], int]:
        return {"bad": [e["loc"][-1] for e in exc.errors]}, 400

    @app.get("/n")
    def n(limit: int) -> str:
        return str(limit)

    response = client.get("/n?limit=x")
    assert response.status_code == 400
    assert response.get_json() == {"bad": ["limit"]}


def test_async_typed_view_and_hooks(app: Kettle, client: Any) -> None:
    seen: list[str] = []

    @app.before_request
    def before() -> None:
        seen.append("before")

    @app.post("/a/<int:n>")
    async def add(n: int, item: Item, times: int = 1) -> dict[str, Any]:
        return {"total": item.price * n * times}

    assert client.post("/a/2?times=3", json={"name": "x", "price": 1.5}).get_json() == {
        "total": 9.0,
    }
    assert seen == ["before"]
    assert client.post("/a/2?times=x", json={"name": "x", "price": 1}).status_code == 422


def test_two_bodies_are_refused_at_freeze(app: Kettle) -> None:
    @app.post("/two")
    def two(a: Item, b: Point) -> str:
        return ""

    with pytest.raises(TypeError, match="two body parameters"):
        app.freeze()


def test_validation_error_is_json_whatever_the_accept_header(app: Kettle, client: Any) -> None:
    @app.get("/n")
    def n(limit: int) -> str:
        return str(limit)

    response = client.get("/n?limit=x", headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert problem(response)["errors"][0]["loc"] == ["query", "limit"]


def test_marker_constraints_on_an_optional_value(app: Kettle, client: Any) -> None:
    @app.get("/find")
    def find(q: Annotated[str | None, Query(max_length=3)] = None) -> dict[str, Any]:
        return {"q": q}

    assert client.get("/find").get_json() == {"q": None}
    assert client.get("/find?q=abc").get_json() == {"q": "abc"}
    assert problem(client.get("/find?q=abcd"))["errors"][0]["loc"] == ["query", "q"]


def test_a_type_msgspec_cannot_check_fails_at_freeze(app: Kettle) -> None:
    @app.get("/bad")
    def bad(n: Annotated[int, Query(max_length=3)] = 1) -> str:
        return ""

    with pytest.raises(TypeError, match=r"bad\(n\): msgspec cannot validate"):
        app.freeze()


class Stock(msgspec.Struct):
    delta: int
    note: str = ""


def test_integral_floats_are_integers_as_in_json_schema(app: Kettle, client: Any) -> None:
    @app.post("/stock")
    def stock(change: Stock) -> dict[str, Any]:
        return {"delta": change.delta, "type": type(change.delta).__name__}

    ok = client.post("/stock", data=b'{"delta": -3.0}', content_type="application/json")
    assert ok.get_json() == {"delta": -3, "type": "int"}
    half = client.post("/stock", data=b'{"delta": 1.5}', content_type="application/json")
    assert problem(half)["errors"][0]["loc"] == ["body", "delta"]
    text = client.post("/stock", data=b'{"delta": 2.0, "note": 5}', content_type="application/json")
    assert problem(text)["errors"][0]["loc"] == ["body", "note"]


def test_repeated_headers_as_a_list(app: Kettle, client: Any) -> None:
    @app.get("/h")
    def h(x_tag: Annotated[list[str], Header()] = []) -> dict[str, Any]:  # noqa: B006
        return {"tags": x_tag}

    assert client.get("/h", headers=[("X-Tag", "a"), ("X-Tag", "b")]).get_json() == {
        "tags": ["a", "b"],
    }
    assert client.get("/h").get_json() == {"tags": []}


def test_an_unresolvable_annotation_keeps_flask_behaviour(app: Kettle, client: Any) -> None:
    @app.get("/p/<name>")
    def page(name: NotImportedAtRunTime, size: int = 1) -> str:  # type: ignore[name-defined] # noqa: F821
        return f"{name} {size}"

    with pytest.warns(UserWarning, match="'name' in view .*page cannot be resolved"):
        app.freeze()
    assert client.get("/p/tea?size=2").text == "tea 2"


def test_path_marker_constraints_and_datetime_query(app: Kettle, client: Any) -> None:
    @app.get("/pages/<int:n>")
    def pages(
        n: Annotated[int, Path(ge=1, le=10)], since: datetime.datetime | None = None
    ) -> dict[str, Any]:
        return {"n": n, "year": since.year if since else None}

    assert client.get("/pages/3?since=2026-11-30T06:00:00Z").get_json() == {"n": 3, "year": 2026}
    assert problem(client.get("/pages/11"))["errors"][0]["loc"] == ["path", "n"]
    assert problem(client.get("/pages/3?since=yesterday"))["errors"][0]["loc"] == [
        "query", "since",
    ]


class Cache:
    """Not a type msgspec can read from a query string."""

    def __init__(self) -> None:
        self.hits = 0


CACHE = Cache()


def test_an_injected_default_of_another_type_is_left_alone(app: Kettle, client: Any) -> None:
    @app.get("/c")
    def counted(cache: Cache = CACHE) -> str:
        cache.hits += 1
        return str(cache.hits)

    with pytest.warns(UserWarning, match=r"counted\(cache\): msgspec cannot validate"):
        app.freeze()
    before = CACHE.hits
    assert client.get("/c?cache=x").text == str(before + 1)


def test_typed_query_reads_a_custom_parameter_storage_class(
    app: Kettle, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``request.args`` of a ``MultiDict`` subclass is read through its own ``get`` and
    ``getlist`` (kettle's ``MultiDict`` itself is read from its lists directly)."""

    class Lowered(MultiDict):
        def get(self, key: str, default: Any = None, type: Any = None) -> Any:
            value = super().get(key, default, type)
            return value.lower() if isinstance(value, str) else value

        def getlist(self, key: str, type: Any = None) -> list[Any]:
            return [value.lower() for value in super().getlist(key, type)]

    monkeypatch.setattr(Request, "parameter_storage_class", Lowered)  # the doors build Request

    @app.get("/q")
    def q(name: str, tags: list[str] = [], limit: int = 5) -> dict[str, Any]:  # noqa: B006
        return {"name": name, "tags": tags, "limit": limit}

    response = client.get("/q?name=AB&tags=X&tags=Y&limit=7")
    assert response.get_json() == {"name": "ab", "tags": ["x", "y"], "limit": 7}


def test_typed_query_values_are_the_requests_own_copies(app: Kettle, client: Any) -> None:
    """A list parameter is a copy: the view may change it without changing ``request.args``;
    an empty value is a value, a missing one takes the default."""

    @app.get("/q")
    def q(tags: list[str] = [], name: str = "none") -> dict[str, Any]:  # noqa: B006
        tags.append("mine")
        return {"tags": tags, "args": request.args.getlist("tags"), "name": name}

    response = client.get("/q?tags=a&tags=b&name=")
    assert response.get_json() == {"tags": ["a", "b", "mine"], "args": ["a", "b"], "name": ""}
    assert client.get("/q").get_json() == {"tags": ["mine"], "args": [], "name": "none"}


# -- query-only views: a binder written for the signature, the general one for the rest -----
def test_query_only_view_with_path_values_and_the_request(app: Kettle, client: Any) -> None:
    """Untyped path values pass through; each value that is not plainly right (missing,
    converted by msgspec, a spelling ``int()`` reads differently) is answered as before."""

    @app.get("/shops/<shop>/items")
    def items(
        shop: str,  # passed as the rule gives it
        request: Request,
        q: str,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        ids: list[int] = [],  # noqa: B006
        colour: Colour | None = None,
    ) -> dict[str, Any]:
        return {
            "shop": shop, "path": request.path, "q": q, "limit": limit, "ids": ids,
            "colour": colour.value if colour else None,
        }

    got = client.get("/shops/s1/items?q=a&limit=7&ids=1&ids=2&colour=red").get_json()
    assert got == {
        "shop": "s1", "path": "/shops/s1/items", "q": "a", "limit": 7, "ids": [1, 2],
        "colour": "red",
    }
    for raw in ("010", "+7", "1e1"):  # spellings msgspec reads, or answers, its own way
        response = client.get("/shops/s1/items", query_string={"q": "a", "limit": raw})
        try:
            expected = msgspec.convert(raw, int, strict=False)
        except msgspec.ValidationError:
            assert response.status_code == 422
        else:
            assert response.get_json()["limit"] == expected
    errors = problem(client.get("/shops/s1/items?limit=0&ids=1&ids=x&colour=green"))["errors"]
    assert [e["loc"] for e in errors] == [
        ["query", "q"], ["query", "limit"], ["query", "ids", 1], ["query", "colour"],
    ]
    assert errors[1]["msg"] == "Expected `int` >= 1"
    later = problem(client.get("/shops/s1/items?q=a&limit=5&ids=y"))["errors"]
    assert later == [
        {"loc": ["query", "ids", 0], "msg": "Expected `int`, got `str`", "type": "type_error"},
    ]


def test_async_query_only_view(app: Kettle, client: Any) -> None:
    @app.get("/a")
    async def a(q: str, limit: int = 3, tags: list[str] = []) -> dict[str, Any]:  # noqa: B006
        tags.append("mine")
        return {"q": q, "limit": limit, "tags": tags}

    assert client.get("/a?q=x&tags=t").get_json() == {"q": "x", "limit": 3, "tags": ["t", "mine"]}
    assert client.get("/a?q=x").get_json() == {"q": "x", "limit": 3, "tags": ["mine"]}
    assert client.get("/a?q=x").get_json()["tags"] == ["mine"]  # the default is copied
    assert problem(client.get("/a?limit=9999999999999999999999"))["errors"][0]["loc"] == [
        "query", "q",
    ]


def test_query_marker_on_a_path_value_name_reads_the_query(app: Kettle, client: Any) -> None:
    @app.get("/p/<name>")
    def p(name: Annotated[str, Query()]) -> str:
        return name

    assert client.get("/p/path?name=query").text == "query"


def test_query_and_body_errors_keep_their_order_and_precedence(app: Kettle, client: Any) -> None:
    """Query values are read before the body: their errors come first in one 422, and a
    body that is not JSON at all is a 400 whatever the query."""

    @app.post("/o")
    def order(item: Item, n: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
        return {"name": item.name, "n": n}

    good = {"name": "x", "price": 2}
    assert client.post("/o?n=3", json=good).get_json() == {"name": "x", "n": 3}
    errors = problem(client.post("/o?n=0", json={"name": 1, "price": 2}))["errors"]
    assert [e["loc"] for e in errors] == [["query", "n"], ["body", "name"]]
    for query in ("?n=0", "?n=2"):
        response = client.post(f"/o{query}", data="{", content_type="application/json")
        assert response.status_code == 400
    assert client.post("/o?n=2", data="x", content_type="text/plain").status_code == 415
    assert problem(client.post("/o"))["errors"] == [
        {"loc": ["body"], "msg": "Field required", "type": "missing"},
    ]
