"""``async def`` views, hooks and error handlers: they run under every door and keep the context."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kettle import Blueprint, abort, after_this_request, g, request


def test_async_view(app, client) -> None:
    @app.route("/")
    async def index():
        await asyncio.sleep(0)
        return f"async {request.args.get('x', '-')}"

    assert client.get("/?x=1").text == "async 1"


def test_async_view_with_arguments_and_json(app, client) -> None:
    @app.post("/items/<int:id>")
    async def update(id):
        await asyncio.sleep(0)
        return {"id": id, "got": request.json}

    assert client.post("/items/3", json={"a": 1}).json == {"id": 3, "got": {"a": 1}}


def test_async_view_keeps_g_across_awaits(app, client) -> None:
    @app.before_request
    def set_user():
        g.user = "ada"

    @app.route("/")
    async def index():
        await asyncio.sleep(0.001)
        first = g.user
        await asyncio.sleep(0)
        g.seen = True
        return f"{first} {request.path}"

    @app.after_request
    def check(response):
        response.headers["X-Seen"] = str(g.get("seen"))
        return response

    response = client.get("/")
    assert response.text == "ada /"
    assert response.headers["X-Seen"] == "True"


def test_async_view_sees_the_request_in_tasks(app, client) -> None:
    @app.route("/")
    async def index():
        async def child():
            await asyncio.sleep(0)
            return request.args["q"]

        results = await asyncio.gather(child(), child())
        return ",".join(results)

    assert client.get("/?q=z").text == "z,z"


def test_async_hooks(app, client) -> None:
    order: list[str] = []

    @app.before_request
    async def before():
        await asyncio.sleep(0)
        order.append(f"before {request.path}")
        g.token = "t"

    @app.after_request
    async def after(response):
        await asyncio.sleep(0)
        order.append("after")
        response.headers["X-Token"] = g.token
        return response

    @app.teardown_request
    async def teardown(exc):
        await asyncio.sleep(0)
        order.append("teardown")

    @app.teardown_appcontext
    async def teardown_app(exc):
        order.append("teardown app")

    @app.route("/sync")
    def sync_view():
        order.append("view")
        return "sync"

    response = client.get("/sync")
    assert response.text == "sync"
    assert response.headers["X-Token"] == "t"
    assert order == ["before /sync", "view", "after", "teardown", "teardown app"]


def test_async_before_request_can_short_circuit(app, client) -> None:
    @app.before_request
    async def gate():
        if "key" not in request.args:
            return "no key", 401
        return None

    @app.route("/")
    async def index():
        return "open"

    assert client.get("/").status_code == 401
    assert client.get("/?key=1").text == "open"


def test_async_error_handler(app, client) -> None:
    @app.errorhandler(404)
    async def not_found(exc):
        await asyncio.sleep(0)
        return f"async 404 for {request.path}", 404

    @app.errorhandler(ValueError)
    async def value_error(exc):
        return f"bad: {exc}", 400

    @app.route("/bad")
    async def bad():
        await asyncio.sleep(0)
        raise ValueError("nope")

    assert client.get("/missing").text == "async 404 for /missing"
    response = client.get("/bad")
    assert response.status_code == 400
    assert response.text == "bad: nope"


def test_async_view_abort(app, client) -> None:
    @app.route("/")
    async def index():
        await asyncio.sleep(0)
        abort(403)

    assert client.get("/").status_code == 403


def test_async_view_exception_is_a_500(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    async def index():
        raise RuntimeError("secret detail")

    response = client.get("/")
    assert response.status_code == 500
    assert "secret detail" not in response.text


def test_async_view_exception_propagates_in_testing(app, client) -> None:
    @app.route("/")
    async def index():
        raise KeyError("k")

    with pytest.raises(KeyError):
        client.get("/")


def test_async_after_this_request(app, client) -> None:
    @app.route("/")
    async def index():
        @after_this_request
        async def add(response):
            response.headers["X-Once"] = "1"
            return response

        return "x"

    assert client.get("/").headers["X-Once"] == "1"


def test_async_blueprint_views_and_hooks(app, client) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.before_request
    async def before():
        g.api = True

    @bp.route("/ping")
    async def ping():
        return {"pong": g.api, "blueprint": request.blueprint}

    app.register_blueprint(bp)
    assert client.get("/api/ping").json == {"pong": True, "blueprint": "api"}


def test_async_url_value_preprocessor(app, client) -> None:
    @app.url_value_preprocessor
    async def pull(endpoint, values):
        g.lang = values.pop("lang")

    @app.route("/<lang>/")
    async def index():
        return g.lang

    assert client.get("/fr/").text == "fr"


def test_async_views_in_concurrent_threads(app, client) -> None:
    barrier = threading.Barrier(2, timeout=5)

    @app.route("/who")
    async def who():
        g.name = request.args["name"]
        await asyncio.sleep(0)
        await asyncio.to_thread(barrier.wait)  # both threads' loops are busy at once
        return f"{request.args['name']}:{g.name}"

    results: dict[str, str] = {}

    def call(name: str) -> None:
        results[name] = client.get("/who", query_string={"name": name}).text

    threads = [threading.Thread(target=call, args=(n,)) for n in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {"alice": "alice:alice", "bob": "bob:bob"}


def test_many_async_requests_reuse_the_thread_loop(app, client) -> None:
    loops: set[int] = set()

    @app.route("/")
    async def index():
        loops.add(id(asyncio.get_running_loop()))
        return "x"

    for _ in range(5):
        assert client.get("/").text == "x"
    assert len(loops) == 1
