"""The application object: construction, registration, start-up freeze, flags, CLI, helpers."""

from __future__ import annotations

import logging
import os
import sys

import click
import pytest

from kettle import (
    Kettle,
    after_this_request,
    current_app,
    g,
    request,
    stream_with_context,
    url_for,
)

# -- construction -------------------------------------------------------------


def test_constructor_keeps_folders_and_name() -> None:
    app = Kettle("made_up_module", static_folder="assets", template_folder="tpl", root_path="/srv")
    assert app.name == "made_up_module"
    assert app.import_name == "made_up_module"
    assert app.static_folder == "/srv/assets"  # absolute, under root_path (as Flask)
    assert app.static_url_path == "/assets"
    assert app.template_folder == "tpl"
    assert app.root_path == "/srv"
    assert repr(app) == "<Kettle 'made_up_module'>"


def test_default_instance_path_for_a_module_is_beside_it() -> None:
    app = Kettle("made_up_module", root_path="/srv/proj")
    assert app.instance_path == os.path.join("/srv/proj", "instance")


def test_default_instance_path_for_a_package_is_beside_the_package() -> None:
    # ``click`` is an installed package: its instance folder sits next to the package folder.
    app = Kettle("click")
    package_dir = os.path.dirname(os.path.abspath(sys.modules["click"].__file__ or ""))
    assert app.root_path == package_dir
    assert app.instance_path == os.path.join(os.path.dirname(package_dir), "instance")


def test_instance_path_must_be_absolute(tmp_path) -> None:
    with pytest.raises(ValueError, match="absolute"):
        Kettle("made_up_module", instance_path="relative/instance")
    app = Kettle("made_up_module", instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)


def test_instance_relative_config_loads_from_the_instance_folder(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "settings.py").write_text("GREETING = 'from instance'\n")
    app = Kettle(
        "made_up_module",
        root_path=str(tmp_path),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    app.config.from_pyfile("settings.py")
    assert app.config["GREETING"] == "from instance"

    other = Kettle("made_up_module", root_path=str(tmp_path), instance_path=str(instance))
    with pytest.raises(OSError):
        other.config.from_pyfile("settings.py")  # relative to root_path: not there


def test_open_resource_reads_relative_to_root_path(tmp_path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (x);\n", encoding="utf-8")
    app = Kettle("made_up_module", root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"CREATE TABLE t (x);\n"
    with app.open_resource("schema.sql", "r") as f:
        assert f.read() == "CREATE TABLE t (x);\n"
    for mode in ("w", "wb", "a", "r+"):
        with pytest.raises(ValueError, match="reading"):
            app.open_resource("schema.sql", mode)


def test_open_instance_resource_may_write(tmp_path) -> None:
    app = Kettle("made_up_module", root_path="/srv", instance_path=str(tmp_path))
    with app.open_instance_resource("data.txt", "w") as f:
        f.write("saved")
    with app.open_instance_resource("data.txt") as f:
        assert f.read() == b"saved"


# -- flags --------------------------------------------------------------------


def test_debug_and_testing_flags_mirror_config() -> None:
    app = Kettle("made_up_module", root_path="/tmp")
    assert app.debug is False and app.testing is False
    app.debug = True
    assert app.config["DEBUG"] is True
    app.config["DEBUG"] = False
    assert app.debug is False
    app.testing = True
    assert app.config["TESTING"] is True
    app.config["TESTING"] = False
    assert app.testing is False


def test_secret_key_mirrors_config(app) -> None:
    app.secret_key = "s3cret"
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["SECRET_KEY"] = "other"
    assert app.secret_key == "other"


def test_testing_propagates_exceptions(app, client) -> None:
    @app.route("/")
    def index():
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_debug_propagates_exceptions(client, app) -> None:
    app.testing = False
    app.debug = True

    @app.route("/")
    def index():
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_propagate_exceptions_false_wins_over_testing(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index():
        raise ZeroDivisionError("boom")

    assert client.get("/").status_code == 500


# -- routes -------------------------------------------------------------------


def test_route_with_methods(app, client) -> None:
    @app.route("/item", methods=["GET", "POST"])
    def item():
        return request.method

    assert client.get("/item").text == "GET"
    assert client.post("/item").text == "POST"
    assert client.put("/item").status_code == 405


def test_methods_are_case_insensitive(app, client) -> None:
    @app.route("/item", methods=["post"])
    def item():
        return "posted"

    assert client.post("/item").text == "posted"


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(app, client, verb) -> None:
    decorator = getattr(app, verb)

    @decorator("/thing")
    def thing():
        return request.method

    response = client.open("/thing", method=verb.upper())
    assert response.status_code == 200
    assert response.text == verb.upper()
    other = "POST" if verb != "post" else "PUT"
    assert client.open("/thing", method=other).status_code == 405


def test_method_shortcut_refuses_methods_argument(app) -> None:
    with pytest.raises(TypeError, match="route"):
        app.get("/x", methods=["POST"])


def test_methods_as_a_string_is_refused(app) -> None:
    with pytest.raises(TypeError, match="list of strings"):

        @app.route("/x", methods="POST")
        def x():
            return "x"


def test_route_endpoint_defaults_to_function_name(app) -> None:
    @app.route("/hello")
    def hello():
        return "hi"

    assert app.view_functions["hello"] is hello
    [rule] = app.url_map.iter_rules("hello")
    assert rule.rule == "/hello"


def test_route_with_explicit_endpoint(app, client) -> None:
    @app.route("/hello", endpoint="greeting")
    def hello():
        return "hi"

    assert "greeting" in app.view_functions
    assert "hello" not in app.view_functions
    assert client.get("/hello").text == "hi"
    with app.test_request_context():
        assert url_for("greeting") == "/hello"


def test_add_url_rule_with_view(app, client) -> None:
    def show():
        return "shown"

    app.add_url_rule("/show", view_func=show)
    app.add_url_rule("/display", "display", show)
    assert client.get("/show").text == "shown"
    assert client.get("/display").text == "shown"


def test_add_url_rule_without_endpoint_or_view_is_refused(app) -> None:
    with pytest.raises(ValueError, match="view function"):
        app.add_url_rule("/x")


def test_same_view_on_two_rules_shares_the_endpoint(app, client) -> None:
    @app.route("/a")
    @app.route("/b")
    def ab():
        return request.path

    assert client.get("/a").text == "/a"
    assert client.get("/b").text == "/b"


def test_endpoint_bound_later_with_endpoint_decorator(app, client) -> None:
    app.add_url_rule("/later", endpoint="later")

    @app.endpoint("later")
    def later_view():
        return "bound later"

    assert client.get("/later").text == "bound later"


def test_rule_without_view_fails_clearly_at_first_request(app, client) -> None:
    app.add_url_rule("/orphan", endpoint="orphan")
    # Under ASGI the app starts (and fails) in the lifespan start-up, before any request.
    expected = RuntimeError if client.asgi else AssertionError
    with pytest.raises(expected, match=r"'/orphan'.*'orphan'.*no view"):
        client.get("/orphan")


def test_endpoint_collision_is_refused(app) -> None:
    @app.route("/one")
    def index():
        return "one"

    def other():
        return "two"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: index"):
        app.add_url_rule("/two", "index", other)


def test_refused_endpoint_leaves_the_app_unchanged(app, client) -> None:
    @app.route("/one")
    def index():
        return "one"

    def other():
        return "two"

    with pytest.raises(AssertionError):
        app.add_url_rule("/two", "index", other)
    assert app.view_functions["index"] is index
    assert client.get("/two").status_code == 404


def test_conflicting_rule_leaves_the_view_table_unchanged(app) -> None:
    @app.route("/one")
    def one():
        return "one"

    def two():
        return "two"

    with pytest.raises(ValueError, match="conflicts"):
        app.add_url_rule("/one", "two", two)
    assert "two" not in app.view_functions


def test_registering_a_route_after_the_first_request_is_an_error(app, client) -> None:
    @app.route("/")
    def index():
        return "hi"

    client.get("/")
    with pytest.raises(AssertionError, match="first request"):

        @app.route("/late")
        def late():
            return "late"


@pytest.mark.parametrize(
    "register",
    [
        lambda app: app.before_request(lambda: None),
        lambda app: app.after_request(lambda r: r),
        lambda app: app.teardown_request(lambda e: None),
        lambda app: app.teardown_appcontext(lambda e: None),
        lambda app: app.errorhandler(404)(lambda e: "x"),
        lambda app: app.register_error_handler(ValueError, lambda e: "x"),
        lambda app: app.url_value_preprocessor(lambda endpoint, values: None),
        lambda app: app.url_defaults(lambda endpoint, values: None),
        lambda app: app.endpoint("index")(lambda: "x"),
    ],
    ids=[
        "before_request", "after_request", "teardown_request", "teardown_appcontext",
        "errorhandler", "register_error_handler", "url_value_preprocessor", "url_defaults",
        "endpoint",
    ],
)
def test_registering_hooks_after_the_first_request_is_an_error(app, client, register) -> None:
    # Hooks are resolved into each route's plan at start-up: a late one would be ignored.
    @app.route("/")
    def index():
        return "hi"

    client.get("/")
    with pytest.raises(AssertionError, match="first request"):
        register(app)


def test_url_map_lists_routes(app) -> None:
    @app.route("/")
    def index():
        return "hi"

    @app.post("/items/<int:id>")
    def update(id):
        return "updated"

    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    assert rules["index"].rule == "/"
    assert rules["index"].methods == {"GET", "HEAD", "OPTIONS"}
    assert rules["update"].rule == "/items/<int:id>"
    assert "POST" in rules["update"].methods
    assert rules["static"].rule == "/static/<path:filename>"  # every app has it, as in Flask
    assert len(app.url_map) == 3


# -- teardown_appcontext ------------------------------------------------------


def test_teardown_appcontext_runs_after_each_request(app, client) -> None:
    seen: list = []

    @app.teardown_appcontext
    def cleanup(exc):
        seen.append(("appctx", exc))

    @app.route("/")
    def index():
        return "hi"

    client.get("/")
    client.get("/missing")
    assert seen == [("appctx", None), ("appctx", None)]


def test_teardown_appcontext_gets_the_exception_when_propagating(app, client) -> None:
    seen: list = []

    @app.teardown_appcontext
    def cleanup(exc):
        seen.append(exc)

    @app.route("/")
    def index():
        raise KeyError("gone")

    with pytest.raises(KeyError):
        client.get("/")
    assert len(seen) == 1 and isinstance(seen[0], KeyError)


def test_teardown_appcontext_gets_the_exception_behind_a_500(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list = []

    @app.teardown_appcontext
    def cleanup(exc):
        seen.append(exc)

    @app.teardown_request
    def cleanup_request(exc):
        seen.append(("request", exc))

    @app.route("/")
    def index():
        raise KeyError("gone")

    assert client.get("/").status_code == 500
    assert len(seen) == 2
    assert seen[0][0] == "request" and isinstance(seen[0][1], KeyError)
    assert isinstance(seen[1], KeyError)


def test_teardown_gets_no_exception_when_a_handler_dealt_with_it(app, client) -> None:
    seen: list = []

    @app.errorhandler(KeyError)
    def handle(exc):
        return "handled", 409

    @app.teardown_appcontext
    def cleanup(exc):
        seen.append(exc)

    @app.route("/")
    def index():
        raise KeyError("gone")

    assert client.get("/").status_code == 409
    assert seen == [None]


def test_teardown_appcontext_on_a_plain_app_context(app) -> None:
    seen: list = []

    @app.teardown_appcontext
    def cleanup(exc):
        seen.append(exc)

    with app.app_context():
        pass
    with pytest.raises(RuntimeError), app.app_context():
        raise RuntimeError("inside")
    assert seen[0] is None
    assert isinstance(seen[1], RuntimeError)


def test_teardown_appcontext_runs_in_reverse_order_and_survives_failures(app, client, caplog):
    order: list[str] = []

    @app.teardown_appcontext
    def first(exc):
        order.append("first")

    @app.teardown_appcontext
    def broken(exc):
        order.append("broken")
        raise RuntimeError("teardown failed")

    @app.teardown_appcontext
    def last(exc):
        order.append("last")

    @app.route("/")
    def index():
        return "ok"

    with caplog.at_level(logging.ERROR):
        assert client.get("/").text == "ok"
    assert order == ["last", "broken", "first"]
    assert "teardown failed" in caplog.text


# -- contexts -----------------------------------------------------------------


def test_app_context_provides_current_app_and_g(app) -> None:
    with app.app_context():
        assert current_app.name == app.name
        assert current_app._get_current_object() is app
        g.value = 1
        assert g.value == 1
    with app.app_context():
        assert "value" not in g  # a fresh g for every context


def test_test_request_context(app) -> None:
    @app.route("/users/<int:id>")
    def user(id):
        return str(id)

    with app.test_request_context("/users/7?tab=info", method="GET", headers={"X-A": "b"}):
        assert request.path == "/users/7"
        assert request.args["tab"] == "info"
        assert request.headers["X-A"] == "b"
        assert request.endpoint == "user"
        assert request.view_args == {"id": 7}
        assert current_app._get_current_object() is app
    with app.test_request_context("/form", method="POST", data={"a": "1"}):
        assert request.method == "POST"
        assert request.form["a"] == "1"


def test_test_request_context_runs_teardown_request_on_exit(app) -> None:
    seen: list = []

    @app.teardown_request
    def cleanup(exc):
        seen.append(exc)

    @app.route("/")
    def index():
        return "hi"

    with app.test_request_context("/"):
        pass
    assert seen == [None]


# -- logging ------------------------------------------------------------------


def test_logger_is_named_after_the_app(app) -> None:
    assert app.logger.name == app.name
    assert app.logger is app.logger


def test_unhandled_exception_is_logged_with_path_and_method(app, client, caplog) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/explode", methods=["POST"])
    def explode():
        raise ZeroDivisionError("division by zero here")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.post("/explode")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.levelno == logging.ERROR
    assert "/explode" in record.getMessage()
    assert "[POST]" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_http_errors_are_not_logged(app, client, caplog) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert client.get("/nowhere").status_code == 404
    assert not [r for r in caplog.records if r.name == app.logger.name]


# -- CLI ----------------------------------------------------------------------


def test_cli_command_runs_in_the_app_context(app) -> None:
    @app.cli.command("hello")
    @click.option("--name", default="world")
    def hello(name):
        click.echo(f"hello {name} from {current_app.name}")
        g.touched = True

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "--name", "kettle"])
    assert result.exit_code == 0, result.output
    assert result.output == f"hello kettle from {app.name}\n"


def test_cli_command_failure_is_reported(app) -> None:
    @app.cli.command("fail")
    def fail():
        raise click.ClickException("nope")

    result = app.test_cli_runner().invoke(args=["fail"])
    assert result.exit_code == 1
    assert "nope" in result.output


# -- after_this_request --------------------------------------------------------


def test_after_this_request(app, client) -> None:
    @app.route("/")
    def index():
        @after_this_request
        def add_header(response):
            response.headers["X-Foo"] = "a"
            return response

        return "hi"

    @app.route("/plain")
    def plain():
        return "plain"

    response = client.get("/")
    assert response.headers["X-Foo"] == "a"
    assert "X-Foo" not in client.get("/plain").headers


def test_after_this_request_runs_before_after_request_hooks(app, client) -> None:
    order: list[str] = []

    @app.after_request
    def hook(response):
        order.append("after_request")
        return response

    @app.route("/")
    def index():
        @after_this_request
        def once(response):
            order.append("after_this_request")
            return response

        return "hi"

    client.get("/")
    assert order == ["after_this_request", "after_request"]


def test_after_this_request_outside_a_request_is_an_error(app) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        after_this_request(lambda response: response)


# -- stream_with_context --------------------------------------------------------


def test_stream_with_context_reads_the_request_while_streaming(app, client) -> None:
    @app.route("/stream")
    def stream():
        def generate():
            yield "Hello "
            yield request.args["name"]
            yield "!"

        return stream_with_context(generate())

    response = client.get("/stream", query_string={"name": "kettle"})
    assert response.status_code == 200
    assert response.text == "Hello kettle!"


def test_stream_with_context_as_a_decorator(app, client) -> None:
    @app.route("/stream")
    def stream():
        @stream_with_context
        def generate():
            yield request.args["a"]
            yield g.get("suffix", "?")

        g.suffix = "!"
        return generate()

    assert client.get("/stream?a=x").text == "x!"


def test_stream_with_context_defers_teardown_until_the_stream_ends(app, client) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc):
        events.append("teardown")

    @app.route("/stream")
    def stream():
        def generate():
            events.append("first chunk")
            yield "a"
            events.append("last chunk")
            yield "b"

        return stream_with_context(generate())

    assert client.get("/stream").text == "ab"
    assert events == ["first chunk", "last chunk", "teardown"]


def test_stream_with_context_tears_down_when_the_body_is_not_sent(app, client) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc):
        events.append("teardown")

    @app.route("/stream")
    def stream():
        def generate():
            events.append("streamed")
            yield "a"

        return stream_with_context(generate())

    response = client.head("/stream")
    assert response.data == b""
    assert events == ["teardown"]


def test_stream_without_context_cannot_see_the_request(app, client) -> None:
    @app.route("/stream")
    def stream():
        def generate():
            yield "start "
            try:
                yield request.path
            except RuntimeError:
                yield "no request"

        return generate()

    assert client.get("/stream").text == "start no request"


# -- URL value processing ---------------------------------------------------------


def test_url_value_preprocessor_and_url_defaults(app, client) -> None:
    @app.url_defaults
    def add_lang(endpoint, values):
        if g.get("lang") and any("lang" in r.arguments for r in app.url_map.iter_rules(endpoint)):
            values.setdefault("lang", g.lang)

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        g.lang = values.pop("lang", None) if values else None

    @app.route("/<lang>/")
    def index():
        return url_for("about")

    @app.route("/<lang>/about")
    def about():
        return f"about in {g.lang}"

    assert client.get("/de/").text == "/de/about"
    assert client.get("/fr/about").text == "about in fr"


def test_url_value_preprocessor_runs_before_before_request(app, client) -> None:
    order: list[str] = []

    @app.before_request
    def before():
        order.append(f"before sees {g.get('item')}")

    @app.url_value_preprocessor
    def pull(endpoint, values):
        order.append(f"preprocess {endpoint}")
        g.item = values.pop("item")

    @app.route("/items/<int:item>")
    def show():
        return str(g.item)

    assert client.get("/items/3").text == "3"
    assert order == ["preprocess show", "before sees 3"]


def test_stream_with_context_error_reaches_teardown(app, client, caplog) -> None:
    seen: list = []

    @app.teardown_request
    def teardown(exc):
        seen.append(exc)

    @app.route("/stream")
    def stream():
        def generate():
            yield "partial"
            raise OSError("disk gone")

        return stream_with_context(generate())

    with pytest.raises(OSError, match="disk gone"):
        client.get("/stream")
    assert len(seen) == 1 and isinstance(seen[0], OSError)


def test_stream_with_context_outside_a_request_is_an_error(app) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        stream_with_context(iter(["a"]))


# -- make_response --------------------------------------------------------------------


def test_make_response_helper(app, client) -> None:
    from kettle import make_response

    @app.route("/")
    def index():
        response = make_response("created", 201, {"X-A": "1"})
        response.set_cookie("seen", "yes")
        return response

    @app.route("/empty")
    def empty():
        return make_response()

    @app.route("/json")
    def json_view():
        return make_response({"a": 1})

    response = client.get("/")
    assert response.status_code == 201
    assert response.headers["X-A"] == "1"
    assert "seen=yes" in response.headers["Set-Cookie"]
    assert client.get("/empty").data == b""
    assert client.get("/json").json == {"a": 1}


# -- misc -----------------------------------------------------------------------------


def test_name_of_a_main_script(monkeypatch) -> None:
    import types

    main = types.ModuleType("__main__")
    main.__file__ = "/srv/proj/manage.py"
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert Kettle("__main__", root_path="/srv/proj").name == "manage"


def test_logger_in_debug_mode_logs_debug_messages() -> None:
    app = Kettle("debug_logger_app", root_path="/tmp")
    app.debug = True
    try:
        assert app.logger.getEffectiveLevel() == logging.DEBUG
    finally:
        app.logger.setLevel(logging.NOTSET)


def test_permanent_session_lifetime_accepts_seconds(app) -> None:
    from datetime import timedelta

    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime == timedelta(seconds=60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("", False), ("0", False), ("false", False), ("No", False),
     ("1", True), ("true", True), ("yes", True)],
)
def test_get_debug_flag(monkeypatch, value, expected) -> None:
    from kettle.helpers import get_debug_flag

    if value is None:
        monkeypatch.delenv("KETTLE_DEBUG", raising=False)
    else:
        monkeypatch.setenv("KETTLE_DEBUG", value)
    assert get_debug_flag() is expected


def test_stream_error_reaches_teardown_with_a_kept_context(app, client) -> None:
    seen: list = []

    @app.teardown_request
    def teardown(exc):
        seen.append(exc)

    @app.route("/stream")
    def stream():
        def generate():
            yield "partial"
            raise OSError("disk gone")

        return stream_with_context(generate())

    with client:
        with pytest.raises(OSError):
            client.get("/stream")
        assert request.path == "/stream"
        assert seen == []
    assert len(seen) == 1 and isinstance(seen[0], OSError)
