"""``url_for``: building URLs in views, blueprints, test contexts and outside requests."""

from __future__ import annotations

import uuid

import pytest

from kettle import Blueprint, url_for
from kettle.errors import BuildError


@pytest.fixture
def routed(app):
    @app.route("/")
    def index():
        return url_for("index")

    @app.route("/users/<int:id>")
    def user(id):
        return url_for("user", id=id)

    @app.route("/files/<path:name>")
    def files(name):
        return "f"

    @app.route("/item/<uuid:key>")
    def item(key):
        return "i"

    @app.route("/search")
    def search():
        return "s"

    return app


def test_url_for_in_a_view(routed, client) -> None:
    assert client.get("/").text == "/"
    assert client.get("/users/5").text == "/users/5"


def test_url_for_with_converters(routed) -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with routed.test_request_context():
        assert url_for("user", id=42) == "/users/42"
        assert url_for("files", name="a/b c.txt") == "/files/a/b%20c.txt"
        assert url_for("item", key=key) == f"/item/{key}"


def test_url_for_quotes_values(routed) -> None:
    with routed.test_request_context():
        assert url_for("files", name="x?y#z") == "/files/x%3Fy%23z"


def test_extra_values_become_the_query_string(routed) -> None:
    with routed.test_request_context():
        assert url_for("search", q="kettle tea", page=2) == "/search?q=kettle+tea&page=2"
        assert url_for("search", tag=["a", "b"]) == "/search?tag=a&tag=b"
        assert url_for("search", q=None) == "/search"
        assert url_for("user", id=1, tab="posts") == "/users/1?tab=posts"


def test_anchor(routed) -> None:
    with routed.test_request_context():
        assert url_for("index", _anchor="top") == "/#top"
        assert url_for("search", q="x", _anchor="results part") == "/search?q=x#results%20part"


def test_external_uses_the_request_host(routed) -> None:
    with routed.test_request_context("/", base_url="https://shop.example.com:8443"):
        assert url_for("user", id=1, _external=True) == "https://shop.example.com:8443/users/1"
    with routed.test_request_context("/", headers={"Host": "tea.example.org"}):
        assert url_for("index", _external=True) == "http://tea.example.org/"


def test_external_in_a_view(routed, client) -> None:
    @routed.route("/link")
    def link():
        return url_for("index", _external=True)

    assert client.get("/link", headers={"Host": "kettle.test"}).text == "http://kettle.test/"


def test_scheme_requires_external(routed) -> None:
    with routed.test_request_context():
        assert url_for("index", _scheme="https", _external=True) == "https://localhost/"
        assert url_for("index", _scheme="https") == "https://localhost/"  # implies external
        with pytest.raises(ValueError, match="_external"):
            url_for("index", _scheme="https", _external=False)


def test_url_for_under_a_script_root(routed) -> None:
    with routed.test_request_context("/", base_url="http://localhost/mount"):
        assert url_for("user", id=3) == "/mount/users/3"
        assert url_for("index", _external=True) == "http://localhost/mount/"


def test_method_selects_the_rule(app) -> None:
    @app.route("/read", endpoint="thing", methods=["GET"])
    @app.route("/write", endpoint="thing", methods=["POST"])
    def thing():
        return "x"

    with app.test_request_context():
        assert url_for("thing", _method="POST") == "/write"
        assert url_for("thing", _method="GET") == "/read"


def test_unknown_endpoint_is_a_clear_build_error(routed) -> None:
    with routed.test_request_context(), pytest.raises(BuildError) as info:
        url_for("usr")
    message = str(info.value)
    assert "'usr'" in message
    assert "Did you mean 'user'" in message


def test_missing_argument_is_a_clear_build_error(routed) -> None:
    with routed.test_request_context(), pytest.raises(BuildError, match=r"needs 'id'"):
        url_for("user")


def test_refused_value_is_a_clear_build_error(routed) -> None:
    with routed.test_request_context(), pytest.raises(BuildError, match="'id'"):
        url_for("user", id="abc")


def test_build_error_in_a_view_propagates_in_testing(routed, client) -> None:
    @routed.route("/broken")
    def broken():
        return url_for("does_not_exist")

    with pytest.raises(BuildError):
        client.get("/broken")


def test_url_for_outside_any_context_is_an_error(routed) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("index")


def test_url_for_in_an_app_context_without_server_name(routed) -> None:
    with routed.app_context():
        assert url_for("user", id=1, _external=False) == "/users/1"
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            url_for("user", id=1)  # external by default outside a request


def test_url_for_in_an_app_context_with_server_name(routed) -> None:
    routed.config.update(
        SERVER_NAME="api.example.com", PREFERRED_URL_SCHEME="https", APPLICATION_ROOT="/v1"
    )
    with routed.app_context():
        assert url_for("user", id=1) == "https://api.example.com/v1/users/1"
        assert url_for("user", id=1, _external=False) == "/v1/users/1"
        assert url_for("index", _scheme="http") == "http://api.example.com/v1/"


def test_app_url_for_method(routed) -> None:
    with routed.test_request_context():
        assert routed.url_for("user", id=9) == "/users/9"


# -- blueprints -------------------------------------------------------------------------


@pytest.fixture
def with_blueprints(app):
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @admin.route("/")
    def index():
        return url_for(".users")

    @admin.route("/users")
    def users():
        return url_for("shop.index")

    @admin.route("/app")
    def to_app():
        return url_for("home")

    @shop.route("/", endpoint="index")
    def index_shop():
        return "shop"

    @app.route("/")
    def home():
        return url_for(".home")

    app.register_blueprint(admin)
    app.register_blueprint(shop)
    return app


def test_blueprint_relative_endpoint(with_blueprints, client) -> None:
    assert client.get("/admin/").text == "/admin/users"


def test_cross_blueprint_endpoint(with_blueprints, client) -> None:
    assert client.get("/admin/users").text == "/shop/"


def test_app_endpoint_from_a_blueprint(with_blueprints, client) -> None:
    assert client.get("/admin/app").text == "/"


def test_relative_endpoint_outside_a_blueprint_is_an_app_endpoint(with_blueprints, client):
    assert client.get("/").text == "/"


def test_blueprint_endpoint_in_a_test_request_context(with_blueprints) -> None:
    with with_blueprints.test_request_context("/admin/"):
        assert url_for(".users") == "/admin/users"
    with with_blueprints.test_request_context("/"):
        assert url_for("admin.users") == "/admin/users"


def test_nested_blueprint_relative_endpoint(app, client) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    @child.route("/a")
    def a():
        return url_for(".b")

    @child.route("/b")
    def b():
        return "b"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/p/c/a").text == "/p/c/b"


# -- url_defaults ----------------------------------------------------------------------


def test_url_defaults_fill_in_values(app) -> None:
    @app.url_defaults
    def default_lang(endpoint, values):
        values.setdefault("lang", "en")

    @app.route("/<lang>/home")
    def home():
        return "x"

    with app.test_request_context():
        assert url_for("home") == "/en/home"
        assert url_for("home", lang="de") == "/de/home"


def test_blueprint_url_defaults_apply_to_its_endpoints_only(app) -> None:
    bp = Blueprint("bp", __name__)

    @bp.url_defaults
    def add_version(endpoint, values):
        values.setdefault("v", "2")

    @bp.route("/bp")
    def in_bp():
        return "x"

    @app.route("/app")
    def in_app():
        return "x"

    app.register_blueprint(bp)
    with app.test_request_context():
        assert url_for("bp.in_bp") == "/bp?v=2"
        assert url_for("in_app") == "/app"
