"""Class-based views (``kettle.views``), through both doors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from kettle import Blueprint, Kettle, request
from kettle.testing import KettleClient
from kettle.views import MethodView, View


def test_view_dispatch_request_with_args(app: Kettle, client: KettleClient) -> None:
    class Greeting(View):
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting}, {name}"

    app.add_url_rule("/hi/<name>", view_func=Greeting.as_view("hi", "Hello"))
    response = client.get("/hi/ada")
    assert response.text == "Hello, ada"
    assert client.post("/hi/ada").status_code == 405  # GET (and HEAD, OPTIONS) by default


def test_view_methods_and_endpoint(app: Kettle, client: KettleClient) -> None:
    class Echo(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    view = Echo.as_view("echo")
    assert view.__name__ == "echo" and view.view_class is Echo  # type: ignore[attr-defined]
    app.add_url_rule("/echo", view_func=view)
    assert client.post("/echo").text == "POST"
    assert client.get("/echo").text == "GET"
    with app.test_request_context():
        from kettle import url_for

        assert url_for("echo") == "/echo"


def test_init_every_request(app: Kettle, client: KettleClient) -> None:
    made: list[object] = []

    class Counter(View):
        def __init__(self) -> None:
            made.append(self)

        def dispatch_request(self) -> str:
            return str(len(made))

    class Shared(Counter):
        init_every_request = False

    app.add_url_rule("/each", view_func=Counter.as_view("each"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    assert len(made) == 1  # the shared one, built at as_view
    client.get("/shared")
    client.get("/shared")
    assert len(made) == 1
    client.get("/each")
    client.get("/each")
    assert len(made) == 3


def test_decorators_are_applied_in_order(app: Kettle, client: KettleClient) -> None:
    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(f)
            def wrapper(**kwargs: Any) -> Any:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Decorated(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            return "view"

    view = Decorated.as_view("decorated")
    assert view.view_class is Decorated  # type: ignore[attr-defined]
    app.add_url_rule("/d", view_func=view)
    assert client.get("/d").text == "outer(inner(view))"


def test_provide_automatic_options(app: Kettle, client: KettleClient) -> None:
    class OwnOptions(View):
        methods = ["GET", "OPTIONS"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return f"own {request.method}"

    class Plain(View):
        def dispatch_request(self) -> str:
            return "plain"

    app.add_url_rule("/o", view_func=OwnOptions.as_view("o"))
    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    assert client.options("/o").text == "own OPTIONS"
    response = client.options("/plain")  # answered by kettle, as for a function view
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}


class ItemAPI(MethodView):
    def get(self, item_id: int | None = None) -> Any:
        return {"get": item_id}

    def post(self) -> Any:
        return {"created": request.get_json()}, 201

    async def delete(self, item_id: int) -> Any:
        return {"deleted": item_id}


@pytest.fixture
def items(app: Kettle) -> Kettle:
    view = ItemAPI.as_view("items")
    app.add_url_rule("/items/", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=view, methods=["GET", "DELETE"])
    return app


def test_method_view_dispatches_by_method(items: Kettle, client: KettleClient) -> None:
    assert client.get("/items/").json == {"get": None}
    assert client.get("/items/3").json == {"get": 3}
    response = client.post("/items/", json={"name": "x"})
    assert response.status_code == 201 and response.json == {"created": {"name": "x"}}
    assert client.delete("/items/3").json == {"deleted": 3}  # an async handler
    assert client.put("/items/3").status_code == 405


def test_method_view_head_falls_back_to_get(items: Kettle, client: KettleClient) -> None:
    response = client.head("/items/3")
    assert response.status_code == 200 and response.data == b""


def test_method_view_collects_methods() -> None:
    assert ItemAPI.methods == {"GET", "POST", "DELETE"}

    class Child(ItemAPI):
        def put(self, item_id: int) -> str:
            return "put"

    assert Child.methods == {"GET", "POST", "DELETE", "PUT"}

    class Explicit(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return "x"

        def post(self) -> str:
            return "y"

    assert Explicit.methods == ["GET"]


def test_async_method_view(app: Kettle, client: KettleClient) -> None:
    class AsyncAPI(MethodView):
        async def get(self) -> str:
            return "async get"

        async def post(self) -> str:
            return "async post"

    view = AsyncAPI.as_view("async_api")
    import inspect

    assert inspect.iscoroutinefunction(view)  # awaited on the loop under ASGI
    app.add_url_rule("/a", view_func=view)
    assert client.get("/a").text == "async get"
    assert client.post("/a").text == "async post"


def test_async_view(app: Kettle, client: KettleClient) -> None:
    class AsyncView(View):
        async def dispatch_request(self, n: int) -> str:
            return f"n={n}"

    app.add_url_rule("/n/<int:n>", view_func=AsyncView.as_view("n"))
    assert client.get("/n/4").text == "n=4"


def test_method_view_on_a_blueprint(app: Kettle, client: KettleClient) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    class Ping(MethodView):
        def get(self) -> str:
            return request.endpoint or ""

    bp.add_url_rule("/ping", view_func=Ping.as_view("ping"))
    app.register_blueprint(bp)
    assert client.get("/api/ping").text == "api.ping"


def test_view_without_dispatch_request_raises(app: Kettle, client: KettleClient) -> None:
    app.add_url_rule("/bare", view_func=View.as_view("bare"))
    with pytest.raises(NotImplementedError):  # TESTING propagates it; in production a 500
        client.get("/bare")
