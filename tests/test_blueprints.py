"""Blueprints: routes, prefixes, names, hooks and error handlers, nesting, registration rules."""

from __future__ import annotations

import pytest

from kettle import Blueprint, Kettle, abort, g, request, url_for


def test_blueprint_routes_and_endpoint_names(app, client) -> None:
    bp = Blueprint("shop", __name__)

    @bp.route("/items")
    def items():
        return f"{request.endpoint} in {request.blueprint}"

    @bp.post("/items")
    def create():
        return "created", 201

    app.register_blueprint(bp)
    assert client.get("/items").text == "shop.items in shop"
    assert client.post("/items").status_code == 201
    assert set(app.view_functions) == {"static", "shop.items", "shop.create"}
    assert app.blueprints == {"shop": bp}


def test_app_routes_have_no_blueprint(app, client) -> None:
    @app.route("/")
    def index():
        return repr(request.blueprint)

    assert client.get("/").text == "None"


@pytest.mark.parametrize(
    ("construct", "register", "rule", "expected"),
    [
        ("/shop", None, "/items", "/shop/items"),
        (None, "/shop", "/items", "/shop/items"),
        ("/shop", "/store", "/items", "/store/items"),  # registration wins
        ("/shop/", None, "/items", "/shop/items"),
        ("/shop", None, "/", "/shop/"),
        ("/shop", None, "", "/shop"),
    ],
)
def test_url_prefix(app, client, construct, register, rule, expected) -> None:
    bp = Blueprint("shop", __name__, url_prefix=construct)
    bp.add_url_rule(rule, "view", lambda: request.path)
    app.register_blueprint(bp, **({"url_prefix": register} if register else {}))
    assert client.get(expected).text == expected
    with app.test_request_context():
        assert url_for("shop.view") == expected


def test_url_prefix_with_variables(app, client) -> None:
    bp = Blueprint("user", __name__, url_prefix="/users/<int:user_id>")

    @bp.route("/posts/<int:post_id>")
    def post(user_id, post_id):
        return f"{user_id}/{post_id}"

    app.register_blueprint(bp)
    assert client.get("/users/3/posts/9").text == "3/9"
    with app.test_request_context():
        assert url_for("user.post", user_id=1, post_id=2) == "/users/1/posts/2"


def test_blueprint_url_defaults(app, client) -> None:
    bp = Blueprint("pages", __name__, url_defaults={"page": "home"})

    @bp.route("/")
    @bp.route("/<page>")
    def show(page):
        return page

    app.register_blueprint(bp)
    assert client.get("/").text == "home"
    assert client.get("/about").text == "about"


def test_blueprint_hooks_apply_to_its_own_routes_only(app, client) -> None:
    events: list[str] = []
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_request
    def before():
        events.append(f"before {request.path}")

    @bp.after_request
    def after(response):
        response.headers["X-Admin"] = "yes"
        return response

    @bp.teardown_request
    def teardown(exc):
        events.append(f"teardown {request.path}")

    @bp.route("/panel")
    def panel():
        return "panel"

    @app.route("/")
    def index():
        return "index"

    app.register_blueprint(bp)
    public = client.get("/")
    assert "X-Admin" not in public.headers
    assert events == []
    admin = client.get("/admin/panel")
    assert admin.headers["X-Admin"] == "yes"
    assert events == ["before /admin/panel", "teardown /admin/panel"]


def test_blueprint_before_request_can_short_circuit(app, client) -> None:
    bp = Blueprint("private", __name__, url_prefix="/private")

    @bp.before_request
    def require_token():
        if request.headers.get("X-Token") != "ok":
            return "denied", 403
        return None

    @bp.route("/data")
    def data():
        return "secret"

    app.register_blueprint(bp)
    assert client.get("/private/data").status_code == 403
    assert client.get("/private/data", headers={"X-Token": "ok"}).text == "secret"


def test_app_wide_hooks_from_a_blueprint(app, client) -> None:
    events: list[str] = []
    bp = Blueprint("ext", __name__)

    @bp.before_app_request
    def before():
        events.append("before")

    @bp.after_app_request
    def after(response):
        response.headers["X-Ext"] = "1"
        return response

    @bp.teardown_app_request
    def teardown(exc):
        events.append("teardown")

    @app.route("/")
    def index():
        return "index"

    app.register_blueprint(bp)
    response = client.get("/")
    assert response.headers["X-Ext"] == "1"
    assert events == ["before", "teardown"]
    events.clear()
    assert client.get("/missing").headers["X-Ext"] == "1"  # even for a 404
    assert events == ["before", "teardown"]


def test_app_wide_hooks_are_registered_once_for_two_registrations(app, client) -> None:
    calls: list[str] = []
    bp = Blueprint("ext", __name__)

    @bp.before_app_request
    def before():
        calls.append(request.path)

    @bp.route("/x")
    def x():
        return "x"

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, url_prefix="/two", name="ext2")
    client.get("/one/x")
    assert calls == ["/one/x"]


def test_blueprint_errorhandler_applies_only_to_its_routes(app, client) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.errorhandler(404)
    def api_not_found(exc):
        return {"error": "not here"}, 404

    @bp.errorhandler(ValueError)
    def api_value_error(exc):
        return {"error": str(exc)}, 400

    @bp.route("/thing")
    def thing():
        abort(404)

    @bp.route("/bad")
    def bad():
        raise ValueError("bad value")

    @app.route("/page")
    def page():
        abort(404)

    @app.route("/app-bad")
    def app_bad():
        raise ValueError("app bad")

    app.register_blueprint(bp)
    assert client.get("/api/thing").json == {"error": "not here"}
    assert client.get("/api/bad").json == {"error": "bad value"}
    plain = client.get("/page")
    assert plain.status_code == 404 and plain.json is None
    with pytest.raises(ValueError, match="app bad"):
        client.get("/app-bad")


def test_blueprint_handler_comes_before_the_app_handler(app, client) -> None:
    bp = Blueprint("api", __name__)

    @app.errorhandler(403)
    def app_forbidden(exc):
        return "app handler", 403

    @bp.errorhandler(403)
    def bp_forbidden(exc):
        return "blueprint handler", 403

    @bp.route("/bp")
    def in_bp():
        abort(403)

    @app.route("/app")
    def in_app():
        abort(403)

    app.register_blueprint(bp)
    assert client.get("/bp").text == "blueprint handler"
    assert client.get("/app").text == "app handler"


def test_app_errorhandler_from_a_blueprint_applies_everywhere(app, client) -> None:
    bp = Blueprint("errors", __name__)

    @bp.app_errorhandler(404)
    def not_found(exc):
        return "custom 404", 404

    @bp.app_errorhandler(KeyError)
    def key_error(exc):
        return "custom key error", 500

    @app.route("/")
    def index():
        raise KeyError("k")

    app.register_blueprint(bp)
    assert client.get("/nowhere").text == "custom 404"
    assert client.get("/").text == "custom key error"


def test_unmatched_urls_under_a_prefix_use_app_handlers(app, client) -> None:
    # No route matched, so no blueprint is known: only the app's 404 handler applies.
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.errorhandler(404)
    def api_not_found(exc):
        return "api 404", 404

    @bp.route("/x")
    def x():
        return "x"

    app.register_blueprint(bp)
    response = client.get("/api/unknown")
    assert response.status_code == 404
    assert response.text != "api 404"


def test_nested_blueprints(app, client) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/view")
    def view():
        return f"{request.endpoint} {request.blueprint} {request.blueprints}"

    @parent.route("/")
    def parent_index():
        return request.endpoint

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/parent/").text == "parent.parent_index"
    assert (
        client.get("/parent/child/view").text
        == "parent.child.view parent.child ['parent.child', 'parent']"
    )
    with app.test_request_context():
        assert url_for("parent.child.view") == "/parent/child/view"
    assert "parent.child" in app.blueprints


def test_nested_blueprint_prefix_at_registration(app, client) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.route("/leaf")
    def leaf():
        return "leaf"

    parent.register_blueprint(child, url_prefix="/kid")
    app.register_blueprint(parent, url_prefix="/mom")
    assert client.get("/mom/kid/leaf").text == "leaf"


def test_nested_blueprint_without_own_prefix_inherits_the_parent_prefix(app, client) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__)

    @child.route("/leaf")
    def leaf():
        return "leaf"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/p/leaf").text == "leaf"


def test_nested_blueprint_hooks_and_handlers(app, client) -> None:
    order: list[str] = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    @app.before_request
    def app_before():
        order.append("app before")

    @parent.before_request
    def parent_before():
        order.append("parent before")

    @child.before_request
    def child_before():
        order.append("child before")

    @app.after_request
    def app_after(response):
        order.append("app after")
        return response

    @parent.after_request
    def parent_after(response):
        order.append("parent after")
        return response

    @child.after_request
    def child_after(response):
        order.append("child after")
        return response

    @parent.errorhandler(418)
    def parent_teapot(exc):
        return "parent handled", 418

    @child.route("/tea")
    def tea():
        order.append("view")
        abort(418)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    response = client.get("/p/c/tea")
    assert response.text == "parent handled"
    assert order == [
        "app before", "parent before", "child before", "view",
        "child after", "parent after", "app after",
    ]


def test_same_blueprint_twice_under_another_name(app, client) -> None:
    bp = Blueprint("files", __name__)

    @bp.route("/<name>")
    def show(name):
        return f"{request.blueprint}:{name}:{url_for('.show', name='x')}"

    app.register_blueprint(bp, url_prefix="/public")
    app.register_blueprint(bp, url_prefix="/private", name="private_files")
    assert client.get("/public/a").text == "files:a:/public/x"
    assert client.get("/private/b").text == "private_files:b:/private/x"
    assert set(app.blueprints) == {"files", "private_files"}


def test_blueprint_hooks_follow_each_registration(app, client) -> None:
    bp = Blueprint("files", __name__)

    @bp.before_request
    def mark():
        g.seen = request.blueprint

    @bp.route("/f")
    def f():
        return g.seen

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, url_prefix="/two", name="two")
    assert client.get("/one/f").text == "files"
    assert client.get("/two/f").text == "two"


def test_duplicate_blueprint_name_is_refused(app) -> None:
    bp = Blueprint("dup", __name__)
    other = Blueprint("dup", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="'dup' is already registered"):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="different blueprint"):
        app.register_blueprint(other)


def test_blueprint_name_rules() -> None:
    with pytest.raises(ValueError, match="empty"):
        Blueprint("", __name__)
    with pytest.raises(ValueError, match="dot"):
        Blueprint("a.b", __name__)
    bp = Blueprint("ok", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/x", "a.b", lambda: "x")
    with pytest.raises(ValueError, match="itself"):
        bp.register_blueprint(bp)


def test_blueprint_add_url_rule_and_endpoint(app, client) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/later", endpoint="later")

    @bp.endpoint("later")
    def later():
        return f"bound {request.endpoint}"

    app.register_blueprint(bp)
    assert client.get("/later").text == "bound bp.later"


def test_changing_a_registered_blueprint_is_an_error(app) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/a")
    def a():
        return "a"

    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="already been registered"):

        @bp.route("/b")
        def b():
            return "b"

    with pytest.raises(AssertionError, match="already been registered"):
        bp.before_request(lambda: None)
    with pytest.raises(AssertionError, match="already been registered"):
        bp.register_blueprint(Blueprint("child", __name__))


def test_one_blueprint_on_two_apps(client) -> None:
    bp = Blueprint("shared", __name__)

    @bp.route("/hello")
    def hello():
        return f"hello from {request.blueprint}"

    first = Kettle("first_app", root_path="/tmp")
    second = Kettle("second_app", root_path="/tmp")
    first.register_blueprint(bp, url_prefix="/1")
    second.register_blueprint(bp, url_prefix="/2")
    assert first.test_client().get("/1/hello").text == "hello from shared"
    assert second.test_client().get("/2/hello").text == "hello from shared"
    assert first.test_client().get("/2/hello").status_code == 404


def test_register_blueprint_after_first_request_is_an_error(app, client) -> None:
    @app.route("/")
    def index():
        return "index"

    client.get("/")
    with pytest.raises(AssertionError, match="first request"):
        app.register_blueprint(Blueprint("late", __name__))


def test_blueprint_url_value_preprocessor_and_defaults(app, client) -> None:
    bp = Blueprint("lang", __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_lang(endpoint, values):
        values.setdefault("lang", g.lang)

    @bp.url_value_preprocessor
    def pull_lang(endpoint, values):
        g.lang = values.pop("lang")

    @bp.route("/")
    def index():
        return url_for(".about")

    @bp.route("/about")
    def about():
        return f"about ({g.lang})"

    app.register_blueprint(bp)
    assert client.get("/de/").text == "/de/about"
    assert client.get("/fr/about").text == "about (fr)"


def test_app_url_value_preprocessor_from_a_blueprint(app, client) -> None:
    bp = Blueprint("ext", __name__)

    @bp.app_url_value_preprocessor
    def pull(endpoint, values):
        g.endpoint_seen = endpoint

    @app.route("/")
    def index():
        return g.endpoint_seen

    app.register_blueprint(bp)
    assert client.get("/").text == "index"


def test_blueprint_cli_commands(app) -> None:
    bp = Blueprint("tools", __name__)

    @bp.cli.command("hello")
    def hello():
        import click

        click.echo("tools hello")

    app.register_blueprint(bp)
    result = app.test_cli_runner().invoke(args=["tools", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "tools hello\n"


def test_registration_name_must_not_contain_a_dot(app) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        app.register_blueprint(bp, name="a.b")
    with pytest.raises(ValueError, match="empty"):
        app.register_blueprint(bp, name="")


def test_blueprint_cli_commands_in_a_named_group_or_at_the_top(app) -> None:
    import click

    grouped = Blueprint("grouped", __name__, cli_group="tools")
    top = Blueprint("top", __name__, cli_group=None)

    @grouped.cli.command("one")
    def one():
        click.echo("one")

    @top.cli.command("two")
    def two():
        click.echo("two")

    app.register_blueprint(grouped)
    app.register_blueprint(top)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tools", "one"]).output == "one\n"
    assert runner.invoke(args=["two"]).output == "two\n"


def test_blueprint_endpoint_name_must_not_contain_a_dot() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.endpoint("a.b")
