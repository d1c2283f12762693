"""Subclassing ``Kettle`` as Flask apps subclass ``Flask``: an overridden request method is
called on every request, through both doors; apps that override nothing keep the fast
path. Also the app's other Flask methods and class attributes."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jinja2
import pytest

import kettle
from kettle import Blueprint, Kettle, Response, abort, request, url_for
from kettle.config import Config, ConfigAttribute
from kettle.errors import BuildError, HTTPException, NotFound
from kettle.helpers import get_load_dotenv, get_root_path
from kettle.routing import Map, Rule
from kettle.testing import KettleClient, KettleCliRunner


def make(cls: type[Kettle]) -> Kettle:
    app = cls("test_app", root_path="/tmp")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client_for(door: str) -> Iterator[Callable[[Kettle], KettleClient]]:
    """A test client for the door under test; closed (lifespan ended) after the test."""
    clients: list[KettleClient] = []

    def make_client(app: Kettle) -> KettleClient:
        clients.append(app.test_client(asgi=door == "asgi"))
        return clients[-1]

    yield make_client
    for client in clients:
        client.close()


# -- request methods ------------------------------------------------------------------


def test_handle_exception_returns_a_custom_json_500(client_for: Any) -> None:
    class App(Kettle):
        def handle_exception(self, e: Exception) -> Response:
            return self.response_class(
                json.dumps({"error": type(e).__name__}), status=500,
                content_type="application/json",
            )

    app = make(App)

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("no")

    response = client_for(app).get("/boom")
    assert response.status_code == 500
    assert response.json == {"error": "ValueError"}


def test_make_response_wraps_every_view_value(client_for: Any) -> None:
    class App(Kettle):
        def make_response(self, rv: Any) -> Response:
            if isinstance(rv, list):
                rv = {"items": rv}
            return super().make_response(rv)

    app = make(App)
    app.add_url_rule("/list", "/list", lambda: [1, 2])
    app.add_url_rule("/text", "/text", lambda: "plain")
    client = client_for(app)
    assert client.get("/list").json == {"items": [1, 2]}
    assert client.get("/text").text == "plain"


def test_process_response_adds_a_header(client_for: Any) -> None:
    class App(Kettle):
        def process_response(self, response: Response) -> Response:
            response = super().process_response(response)
            response.headers["X-Processed"] = "yes"
            return response

    app = make(App)
    seen: list[str] = []
    app.after_request(lambda r: (seen.append("hook"), r)[1])
    app.add_url_rule("/", "/", lambda: "ok")
    response = client_for(app).get("/")
    assert response.headers["X-Processed"] == "yes"
    assert seen == ["hook"]  # super() still runs the after_request hooks


def test_dispatch_request_timing(client_for: Any) -> None:
    timings: list[float] = []

    class App(Kettle):
        def dispatch_request(self) -> Any:
            start = time.perf_counter()
            try:
                return super().dispatch_request()
            finally:
                timings.append(time.perf_counter() - start)

    app = make(App)

    @app.route("/user/<int:n>")
    async def user(n: int) -> dict[str, int]:
        return {"n": n}

    client = client_for(app)
    assert client.get("/user/7").json == {"n": 7}
    assert client.get("/user/8").json == {"n": 8}
    assert len(timings) == 2 and all(t >= 0 for t in timings)


def test_full_dispatch_request_wraps_hooks_and_view(client_for: Any) -> None:
    order: list[str] = []

    class App(Kettle):
        def full_dispatch_request(self) -> Response:
            order.append("start")
            response = super().full_dispatch_request()
            order.append(f"end {response.status_code}")
            return response

    app = make(App)
    app.before_request(lambda: order.append("before"))
    app.add_url_rule("/", "/", lambda: (order.append("view"), "ok")[1])
    assert client_for(app).get("/").text == "ok"
    assert order == ["start", "before", "view", "end 200"]


def test_preprocess_request_can_answer(client_for: Any) -> None:
    class App(Kettle):
        def preprocess_request(self) -> Any:
            if request.headers.get("X-Block"):
                return "blocked", 403
            return super().preprocess_request()

    app = make(App)
    app.add_url_rule("/", "/", lambda: "ok")
    client = client_for(app)
    assert client.get("/").text == "ok"
    blocked = client.get("/", headers={"X-Block": "1"})
    assert (blocked.status_code, blocked.text) == (403, "blocked")


def test_finalize_request(client_for: Any) -> None:
    class App(Kettle):
        def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Response:
            response = super().finalize_request(rv, from_error_handler)
            response.headers["X-From-Error"] = str(from_error_handler)
            return response

    app = make(App)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/", "/", lambda: "ok")
    app.add_url_rule("/boom", "/boom", lambda: 1 / 0)
    client = client_for(app)
    assert client.get("/").headers["X-From-Error"] == "False"
    assert client.get("/boom").headers["X-From-Error"] == "True"


def test_handle_user_exception_and_handle_http_exception(client_for: Any) -> None:
    class App(Kettle):
        def handle_user_exception(self, e: Exception) -> Any:
            if isinstance(e, LookupError) and not isinstance(e, HTTPException):
                return f"lookup: {e}", 404
            return super().handle_user_exception(e)

        def handle_http_exception(self, e: HTTPException) -> Any:
            return {"code": e.code}, e.code

    app = make(App)
    app.add_url_rule("/key", "/key", lambda: {}["k"])
    app.add_url_rule("/gone", "/gone", lambda: abort(410))
    client = client_for(app)
    key = client.get("/key")
    assert (key.status_code, key.text) == (404, "lookup: 'k'")
    gone = client.get("/gone")
    assert (gone.status_code, gone.json) == (410, {"code": 410})
    assert client.get("/no-route").json == {"code": 404}  # routing errors come here too


def test_trap_http_exception(client_for: Any) -> None:
    class App(Kettle):
        def trap_http_exception(self, e: Exception) -> bool:
            return isinstance(e, NotFound)

    app = make(App)
    app.add_url_rule("/missing", "missing", lambda: abort(404))
    app.add_url_rule("/forbidden", "forbidden", lambda: abort(403))
    client = client_for(app)
    with pytest.raises(NotFound):  # trapped, unhandled: raised like any error (TESTING)
        client.get("/missing")
    assert client.get("/forbidden").status_code == 403


def test_trap_http_exceptions_config_without_override(app: Kettle, client) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.before_request(lambda: None)  # the pipeline (not the fast path) handles it too
    app.add_url_rule("/missing", "/missing", lambda: abort(404))
    with pytest.raises(NotFound):
        client.get("/missing")


def test_log_exception(client_for: Any) -> None:
    logged: list[BaseException] = []

    class App(Kettle):
        def log_exception(self, exc: BaseException) -> None:
            logged.append(exc)

    app = make(App)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/boom", "/boom", lambda: 1 / 0)
    assert client_for(app).get("/boom").status_code == 500
    assert len(logged) == 1 and isinstance(logged[0], ZeroDivisionError)


def test_do_teardown_overrides_and_should_ignore_error(client_for: Any) -> None:
    calls: list[tuple[str, Any]] = []

    class App(Kettle):
        def do_teardown_request(self, exc: Any = None) -> None:
            calls.append(("request", exc))
            super().do_teardown_request(exc)

        def do_teardown_appcontext(self, exc: Any = None) -> None:
            calls.append(("app", exc))
            super().do_teardown_appcontext(exc)

        def should_ignore_error(self, error: BaseException | None) -> bool:
            return isinstance(error, ZeroDivisionError)

    app = make(App)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    told: list[Any] = []
    app.teardown_request(lambda exc: told.append(exc))
    app.add_url_rule("/", "/", lambda: "ok")
    app.add_url_rule("/zero", "/zero", lambda: 1 / 0)
    app.add_url_rule("/value", "/value", lambda: int("x"))
    client = client_for(app)
    client.get("/")
    assert calls == [("request", None), ("app", None)] and told == [None]
    assert client.get("/zero").status_code == 500
    assert told[-1] is None  # ignored
    assert client.get("/value").status_code == 500
    assert isinstance(told[-1], ValueError)
    assert isinstance(calls[-1][1], ValueError)


def test_raise_routing_exception(client_for: Any) -> None:
    class App(Kettle):
        def raise_routing_exception(self, request: Any) -> Any:
            abort(418)

    app = make(App)
    app.add_url_rule("/", "/", lambda: "ok")
    client = client_for(app)
    assert client.get("/").text == "ok"
    assert client.get("/nowhere").status_code == 418


def test_ensure_sync_sees_every_user_function(client_for: Any) -> None:
    wrapped: list[str] = []

    class App(Kettle):
        def ensure_sync(self, func: Any) -> Any:
            wrapped.append(func.__name__)
            return super().ensure_sync(func)

    app = make(App)

    @app.before_request
    def before() -> None:
        return None

    @app.route("/")
    async def index() -> str:
        return "async ok"

    assert client_for(app).get("/").text == "async ok"
    assert "index" in wrapped


def test_async_to_sync_override(client_for: Any) -> None:
    class App(Kettle):
        def async_to_sync(self, func: Any) -> Any:
            run = super().async_to_sync(func)
            return lambda *a, **k: f"[{run(*a, **k)}]"

    app = make(App)

    @app.route("/")
    async def index() -> str:
        return "inner"

    assert client_for(app).get("/").text == "[inner]"


def test_create_jinja_environment(app: Kettle) -> None:
    class App(Kettle):
        def create_jinja_environment(self) -> jinja2.Environment:
            env = super().create_jinja_environment()
            env.globals["site"] = "kettle.test"
            return env

    sub = make(App)
    with sub.app_context():
        assert kettle.render_template_string("{{ site }}") == "kettle.test"


def test_test_client_and_cli_runner_classes() -> None:
    class Client(KettleClient):
        pass

    class Runner(KettleCliRunner):
        pass

    class App(Kettle):
        test_client_class = Client
        test_cli_runner_class = Runner

    app = make(App)
    assert type(app.test_client()) is Client
    assert type(app.test_cli_runner()) is Runner
    assert Kettle.test_client_class is None and Kettle.test_cli_runner_class is None


def test_no_override_keeps_the_fast_path(app: Kettle, client) -> None:
    app.add_url_rule("/", "/", lambda: "ok")
    client.get("/")
    assert app._overridden is False
    assert app._ready or app._asgi_ready

    class Plain(Kettle):  # a subclass that adds but overrides nothing
        def helper(self) -> int:
            return 1

    sub = make(Plain)
    sub.add_url_rule("/", "/", lambda: "ok")
    sub.test_client().get("/")
    assert sub._overridden is False and sub._ready


def test_override_is_called_in_test_request_context() -> None:
    class App(Kettle):
        def process_response(self, response: Response) -> Response:
            response.headers["X-Seen"] = "1"
            return response

    app = make(App)
    app.add_url_rule("/", "/", lambda: "ok")
    with app.test_request_context("/"):
        response = app.full_dispatch_request()
    assert response.headers["X-Seen"] == "1" and response.text == "ok"


# -- the app's other Flask methods ----------------------------------------------------


def test_aborter_class(client, app: Kettle) -> None:
    class Teapot(HTTPException):
        code = 418
        description = "I am a teapot."

    class MyAborter(kettle.errors.Aborter):
        def __init__(self) -> None:
            super().__init__(extra={418: Teapot})

    class App(Kettle):
        aborter_class = MyAborter

    sub = make(App)
    assert isinstance(sub.make_aborter(), MyAborter)
    sub.add_url_rule("/tea", "/tea", lambda: abort(418))
    assert sub.test_client().get("/tea").status_code == 418
    with pytest.raises(Teapot):
        sub.aborter(418)
    with pytest.raises(LookupError):
        app.aborter(299)


def test_config_class_and_make_config(tmp_path) -> None:
    class MyConfig(Config):
        pass

    class App(Kettle):
        config_class = MyConfig
        answer = ConfigAttribute("ANSWER", get_converter=int)

    app = App("test_app", root_path=str(tmp_path), instance_path=str(tmp_path / "inst"),
              instance_relative_config=True)
    assert isinstance(app.config, MyConfig)
    assert app.config.root_path == str(tmp_path / "inst")
    assert app.make_config().root_path == str(tmp_path)
    app.answer = "42"
    assert app.config["ANSWER"] == "42" and app.answer == 42
    assert isinstance(App.answer, ConfigAttribute)


def test_url_map_and_rule_classes(client) -> None:
    class MyRule(Rule):
        pass

    class MyMap(Map):
        pass

    class App(Kettle):
        url_map_class = MyMap
        url_rule_class = MyRule

    app = make(App)
    app.add_url_rule("/r", "/r", lambda: "ok")
    assert isinstance(app.url_map, MyMap)
    assert all(isinstance(rule, MyRule) for rule in app.url_map.iter_rules())
    assert app.test_client().get("/r").text == "ok"


def test_create_url_adapter(app: Kettle) -> None:
    @app.route("/item/<int:n>")
    def item(n: int) -> str:
        return str(n)

    with app.test_request_context("/item/3"):
        adapter = app.create_url_adapter(request)
        assert adapter.match() == ("item", {"n": 3})
        rule, args = adapter.match("/item/4", return_rule=True)
        assert rule.rule == "/item/<int:n>" and args == {"n": 4}
        assert adapter.build("item", {"n": 9}) == "/item/9"
        assert adapter.build("item", {"n": 9}, force_external=True) == "http://localhost/item/9"
        with pytest.raises(NotFound):
            adapter.match("/nope")


def test_iter_blueprints(app: Kettle) -> None:
    first, second = Blueprint("first", __name__), Blueprint("second", __name__)
    app.register_blueprint(first)
    app.register_blueprint(second)
    assert [bp.name for bp in app.iter_blueprints()] == ["first", "second"]


def test_inject_url_defaults(app: Kettle) -> None:
    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", "en")

    @app.route("/<lang>/page")
    def page(lang: str) -> str:
        return lang

    values: dict[str, Any] = {}
    app.inject_url_defaults("page", values)
    assert values == {"lang": "en"}
    with app.test_request_context("/"):
        assert url_for("page") == "/en/page"


def test_handle_url_build_error(app: Kettle) -> None:
    app.url_build_error_handlers.append(
        lambda error, endpoint, values: f"/fallback/{endpoint}" if endpoint == "old" else None
    )
    with app.test_request_context("/"):
        assert url_for("old") == "/fallback/old"
        with pytest.raises(BuildError):
            url_for("unknown")

    class App(Kettle):
        def handle_url_build_error(self, error: Exception, endpoint: str, values: Any) -> str:
            return "#missing"

    sub = make(App)
    with sub.test_request_context("/"):
        assert url_for("nowhere") == "#missing"


def test_app_redirect(app: Kettle, client) -> None:
    @app.route("/old")
    def old() -> Response:
        return app.redirect("/new", 301)

    response = client.get("/old")
    assert response.status_code == 301
    assert response.headers["Location"] == "/new"


def test_select_jinja_autoescape_and_update_template_context(app: Kettle) -> None:
    assert app.select_jinja_autoescape("page.html") is True
    assert app.select_jinja_autoescape("notes.txt") is False
    app.context_processor(lambda: {"user": "ann", "other": 1})
    context: dict[str, Any] = {"user": "given"}
    with app.test_request_context("/"):
        app.update_template_context(context)
    assert context == {"user": "given", "other": 1}


def test_helpers_get_root_path_and_get_load_dotenv(monkeypatch) -> None:
    import os

    assert get_root_path("kettle") == os.path.dirname(kettle.__file__)
    monkeypatch.delenv("KETTLE_SKIP_DOTENV", raising=False)
    assert get_load_dotenv() is True and get_load_dotenv(False) is False
    monkeypatch.setenv("KETTLE_SKIP_DOTENV", "1")
    assert get_load_dotenv() is False
    monkeypatch.setenv("KETTLE_SKIP_DOTENV", "no")
    assert get_load_dotenv() is True


def test_json_dump_and_load() -> None:
    buffer = io.StringIO()
    kettle.json.dump({"b": 1, "a": [True, None]}, buffer)
    buffer.seek(0)
    assert kettle.json.load(buffer) == {"b": 1, "a": [True, None]}
    assert kettle.json.load(io.BytesIO(b'{"x": 1}')) == {"x": 1}
