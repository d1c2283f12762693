"""Host and subdomain routing (``host_matching``, ``subdomain=``, ``SERVER_NAME``), the URL
map's public attributes and ``Map.bind``, through both doors and, where Flask decides the
behaviour, side by side with Flask itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import flask
import pytest

from kettle import Blueprint, Kettle, url_for
from kettle.errors import MethodNotAllowed, NotFound, RequestRedirect
from kettle.routing import Map, MapAdapter, Rule

Framework = Callable[..., Any]


@pytest.fixture
def connect(door: str) -> Iterator[Callable[[Any], Any]]:
    """``connect(app)``: a kettle test client through this door, closed after the test."""
    clients: list[Any] = []

    def make(app: Any) -> Any:
        clients.append(app.test_client(asgi=door == "asgi"))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def subdomain_app(cls: Framework, bp_cls: Framework, matching: bool = True) -> Any:
    """The same app on Flask and on kettle: a site, an ``api`` subdomain, one per user."""
    build = flask.url_for if cls is flask.Flask else url_for
    app = cls("hosts_app", root_path="/tmp", static_folder=None, subdomain_matching=matching)
    app.config.update(TESTING=True, SERVER_NAME="example.com")

    @app.route("/")
    def index() -> str:
        return "site " + build("api.status") + " " + build("user_home", user="ann")

    @app.route("/", subdomain="<user>")
    def user_home(user: str) -> str:
        return f"home of {user} " + build("index") + " " + build("user_home", user=user)

    @app.route("/edit", subdomain="<user>", methods=["POST"])
    def user_edit(user: str) -> str:
        return f"edited {user}"

    api = bp_cls("api", __name__, subdomain="api")

    @api.route("/status")
    def status() -> str:
        return "api ok " + build(".status") + " " + build("index", _anchor="top")

    v2 = bp_cls("v2", __name__, subdomain="v2")

    @v2.route("/ping")
    def ping() -> str:
        return "v2 " + build("api.v2.ping")

    api.register_blueprint(v2)
    app.register_blueprint(api)
    return app


REQUESTS = [
    ("http://example.com/", "/", "GET"),
    ("http://api.example.com/", "/status", "GET"),
    ("http://bob.example.com/", "/", "GET"),
    ("http://bob.example.com/", "/edit", "POST"),
    ("http://bob.example.com/", "/edit", "GET"),  # 405
    ("http://v2.api.example.com/", "/ping", "GET"),
    ("http://example.com/", "/status", "GET"),  # api route on the main host: 404
    ("http://api.example.com/", "/nothing", "GET"),
    ("http://other.org/", "/", "GET"),  # outside SERVER_NAME: 404
    ("http://example.com:8080/", "/", "GET"),  # another port is another host
]


@pytest.mark.filterwarnings("ignore:Current server name")  # Flask's, for other.org
@pytest.mark.parametrize("matching", [True, False])
@pytest.mark.parametrize(("base_url", "path", "method"), REQUESTS)
def test_subdomain_routing_answers_as_flask(
    connect: Any, matching: bool, base_url: str, path: str, method: str
) -> None:
    ours = connect(subdomain_app(Kettle, Blueprint, matching))
    theirs = subdomain_app(flask.Flask, flask.Blueprint, matching).test_client()
    got = ours.open(path, method=method, base_url=base_url)
    want = theirs.open(path, method=method, base_url=base_url)
    if "<invalid>" in want.get_data(as_text=True):
        # Werkzeug routes a host outside SERVER_NAME as the subdomain "<invalid>", which
        # a "<user>" rule then accepts; kettle answers 404 (a deliberate difference).
        assert got.status_code == 404
        return
    assert_same(got, want)


def assert_same(got: Any, want: Any) -> None:
    """Same status, same body for a success (error pages are worded differently), and the
    same ``Allow`` methods for a 405."""
    assert got.status_code == want.status_code
    if want.status_code == 200:
        assert got.get_data(as_text=True) == want.get_data(as_text=True)
    assert set((got.headers.get("Allow") or "").split(", ")) == set(
        (want.headers.get("Allow") or "").split(", ")
    )


def test_subdomain_views_get_the_subdomain_and_build_urls_across_hosts(connect: Any) -> None:
    client = connect(subdomain_app(Kettle, Blueprint))
    assert client.get("/", base_url="http://example.com/").text == (
        "site http://api.example.com/status http://ann.example.com/"
    )
    assert client.get("/", base_url="http://bob.example.com/").text == (
        "home of bob http://example.com/ /"
    )
    assert client.get("/status", base_url="http://api.example.com/").text == (
        "api ok /status http://example.com/#top"
    )
    assert client.get("/ping", base_url="http://v2.api.example.com/").text == "v2 /ping"
    assert client.get("/", base_url="http://other.org/").status_code == 404


def test_unknown_subdomain_is_a_404_and_host_case_does_not_matter(connect: Any) -> None:
    app = Kettle("sub", root_path="/tmp", static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "Example.COM"
    app.add_url_rule("/", "root", lambda: "root")
    app.add_url_rule("/", "docs", lambda: "docs", subdomain="docs")
    client = connect(app)
    assert client.get("/", base_url="http://EXAMPLE.com/").text == "root"
    assert client.get("/", base_url="http://docs.example.com/").text == "docs"
    assert client.get("/", base_url="http://nope.example.com/").status_code == 404
    assert client.get("/", base_url="https://example.com:443/").text == "root"
    assert client.options("/", base_url="http://docs.example.com/").headers["Allow"] == (
        "GET, HEAD, OPTIONS"
    )


def test_subdomain_rules_never_match_without_subdomain_matching(connect: Any) -> None:
    app = Kettle("nosub", root_path="/tmp", static_folder=None)
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "root", lambda: "root")
    app.add_url_rule("/admin", "admin", lambda: "admin", subdomain="admin")
    c = connect(app)
    assert c.get("/admin", base_url="http://admin.example.com/").status_code == 404
    assert c.get("/", base_url="http://admin.example.com/").text == "root"
    with app.test_request_context("/", base_url="http://example.com/"):
        assert url_for("admin") == "http://admin.example.com/admin"


def host_app(cls: Framework) -> Any:
    build = flask.url_for if cls is flask.Flask else url_for
    app = cls(
        "host_app", root_path="/tmp", host_matching=True, static_host="static.example.com"
    )
    app.config["TESTING"] = True

    @app.route("/", host="example.com")
    def home() -> str:
        return "home " + build("shop", shop="tea", item=3) + " " + build("static", filename="a")

    @app.route("/item/<int:item>", host="<shop>.shops.example.com")
    def shop(shop: str, item: int) -> str:
        return f"{shop} #{item} " + build("shop", shop=shop, item=item + 1) + " " + build("home")

    @app.route("/", host="<int:port_free>.example.org", methods=["PUT"])
    def numbered(port_free: int) -> str:
        return f"n{port_free + 1}"

    return app


HOST_REQUESTS = [
    ("http://example.com/", "/", "GET"),
    ("http://tea.shops.example.com/", "/item/3", "GET"),
    ("http://tea.shops.example.com/", "/item/x", "GET"),
    ("http://example.com/", "/item/3", "GET"),
    ("http://41.example.org/", "/", "PUT"),
    ("http://41.example.org/", "/", "GET"),
    ("http://x.example.org/", "/", "PUT"),
    ("http://unknown.net/", "/", "GET"),
]


@pytest.mark.parametrize(("base_url", "path", "method"), HOST_REQUESTS)
def test_host_matching_answers_as_flask(
    connect: Any, base_url: str, path: str, method: str
) -> None:
    got = connect(host_app(Kettle)).open(
        path, method=method, base_url=base_url
    )
    want = host_app(flask.Flask).test_client().open(path, method=method, base_url=base_url)
    assert_same(got, want)


def test_host_matching_views_and_urls(connect: Any) -> None:
    c = connect(host_app(Kettle))
    assert c.get("/", base_url="http://example.com/").text == (
        "home http://tea.shops.example.com/item/3 http://static.example.com/static/a"
    )
    assert c.get("/item/3", base_url="http://tea.shops.example.com/").text == (
        "tea #3 /item/4 http://example.com/"
    )
    assert c.get("/", base_url="http://unknown.net/").status_code == 404


def test_host_matching_with_a_malformed_host_is_a_400(connect: Any) -> None:
    app = host_app(Kettle)
    response = connect(app).get("/", headers={"Host": "a b"})
    assert response.status_code == 400
    assert "Host" in response.text


def test_static_host_must_go_with_host_matching() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Kettle("x", root_path="/tmp", host_matching=True)
    with pytest.raises(AssertionError, match="static_host"):
        Kettle("x", root_path="/tmp", static_host="static.example.com")
    app = Kettle("x", root_path="/tmp", static_folder=None, host_matching=True)
    assert app.url_map.host_matching is True


def test_url_for_options_outside_a_request() -> None:
    app = subdomain_app(Kettle, Blueprint)
    app.config.update(PREFERRED_URL_SCHEME="https", APPLICATION_ROOT="/root")
    with app.app_context():
        assert url_for("index") == "https://example.com/root/"
        assert url_for("api.status", _scheme="http") == "http://api.example.com/root/status"
        assert url_for("user_home", user="zoe", _anchor="a b") == (
            "https://zoe.example.com/root/#a%20b"
        )
        assert url_for("user_edit", user="zoe", _method="POST", q=1) == (
            "https://zoe.example.com/root/edit?q=1"
        )
    with (
        pytest.raises(ValueError, match="_external"),
        app.test_request_context("/", base_url="http://example.com/"),
    ):
        url_for("index", _scheme="https", _external=False)


def test_url_for_matches_flask_inside_requests() -> None:
    """``url_for`` from each host, for each endpoint, on both frameworks."""
    calls = [
        ("index", {}), ("api.status", {}), ("api.status", {"_external": True}),
        ("user_home", {"user": "kim"}), ("user_edit", {"user": "kim", "_method": "POST"}),
        ("index", {"_scheme": "https", "_external": True}), ("api.v2.ping", {"x": "1 2"}),
    ]
    for base_url in ("http://example.com/", "http://api.example.com/", "http://kim.example.com/"):
        for app_cls, bp_cls, builder in (
            (Kettle, Blueprint, url_for), (flask.Flask, flask.Blueprint, flask.url_for)
        ):
            app = subdomain_app(app_cls, bp_cls)
            with app.test_request_context("/", base_url=base_url):
                built = [builder(endpoint, **values) for endpoint, values in calls]
            if app_cls is Kettle:
                ours = built
            else:
                assert ours == built, base_url


def test_blueprint_registration_subdomain_overrides_and_nests() -> None:
    app = Kettle("bps", root_path="/tmp", static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    bp = Blueprint("shop", __name__)
    bp.add_url_rule("/", "front", lambda: "shop front")
    app.register_blueprint(bp, subdomain="shop")
    app.register_blueprint(bp, name="eu_shop", subdomain="eu")
    c = app.test_client()
    assert c.get("/", base_url="http://shop.example.com/").text == "shop front"
    assert c.get("/", base_url="http://eu.example.com/").text == "shop front"
    assert c.get("/", base_url="http://example.com/").status_code == 404
    assert [r.subdomain for r in app.url_map.iter_rules()] == ["shop", "eu"]


def test_apps_without_hosts_keep_path_only_routing(client: Any) -> None:
    app = Kettle("plain", root_path="/tmp", static_folder=None)
    app.add_url_rule("/", "root", lambda: "root")
    assert not app.url_map.uses_domains
    assert Kettle("plain2", root_path="/tmp", static_folder=None).url_map.default_subdomain == ""
    assert client.get("/", base_url="http://any.host.example/").status_code == 404  # no route


def test_rule_domain_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="host_matching"):
        Map([Rule("/", endpoint="a", host="example.com")])
    with pytest.raises(ValueError, match="'subdomain' does not apply"):
        Map([Rule("/", endpoint="a", subdomain="x")], host_matching=True)
    with pytest.raises(ValueError, match="both its domain and its path"):
        Map([Rule("/<user>", endpoint="a", subdomain="<user>")])
    with pytest.raises(ValueError, match="unknown converter"):
        Map([Rule("/", endpoint="a", subdomain="<nope:user>")])


def test_same_path_on_two_subdomains_is_not_a_conflict() -> None:
    url_map = Map([Rule("/", endpoint="a"), Rule("/", endpoint="b", subdomain="b")])
    assert url_map.match("/", "GET")[0].endpoint == "a"
    assert url_map.match("/", "GET", "b")[0].endpoint == "b"
    with pytest.raises(NotFound):
        url_map.match("/", "GET", "c")
    url_map.add(Rule("/", endpoint="b_post", subdomain="b", methods=["POST"]))
    assert url_map.allowed_methods("/", "b") == ["GET", "HEAD", "OPTIONS", "POST"]
    assert url_map.allowed_methods("/") == ["GET", "HEAD", "OPTIONS"]
    assert url_map.allowed_methods("/", "c") == []


def test_map_attributes_and_bind() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/docs/", endpoint="docs"),
            Rule("/p/<int:n>", endpoint="page", methods=["GET", "POST"]),
            Rule("/", endpoint="api_index", subdomain="api"),
            Rule("/u/<name>", endpoint="user", subdomain="<team>"),
        ],
        strict_slashes=True,
    )
    assert url_map.strict_slashes is True and url_map.merge_slashes is True
    assert url_map.default_subdomain == "" and url_map.host_matching is False
    assert "int" in url_map.converters
    assert [r.endpoint for r in url_map.iter_rules("page")] == ["page"]
    adapter = url_map.bind("example.com", script_name="/app", url_scheme="https")
    assert isinstance(adapter, MapAdapter)
    assert adapter.match("/p/4") == ("page", {"n": 4})
    rule, args = adapter.match("/p/4", "POST", return_rule=True)
    assert rule.endpoint == "page" and args == {"n": 4}
    with pytest.raises(MethodNotAllowed) as not_allowed:
        adapter.match("/p/4", "DELETE")
    assert not_allowed.value.valid_methods == ["GET", "HEAD", "OPTIONS", "POST"]
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match("/docs", query_args={"a": "1"})
    assert redirect.value.new_url == "https://example.com/app/docs/?a=1"
    with pytest.raises(RequestRedirect) as merged:
        adapter.match("/p//4")
    assert merged.value.new_url == "https://example.com/app/p/4"
    assert adapter.build("page", {"n": 2, "x": "y"}) == "/app/p/2?x=y"
    assert adapter.build("page", {"n": 2, "x": "y"}, append_unknown=False) == "/app/p/2"
    assert adapter.build("index", force_external=True) == "https://example.com/app/"
    assert adapter.build("api_index") == "https://api.example.com/app/"
    assert adapter.build("user", {"team": "red", "name": "al"}, url_scheme="http") == (
        "http://red.example.com/app/u/al"
    )
    team = url_map.bind("example.com", subdomain="red", default_method="HEAD", path_info="/u/al")
    assert team.match() == ("user", {"team": "red", "name": "al"})
    assert team.build("user", {"team": "red", "name": "al"}) == "/u/al"
    assert team.build("index") == "http://example.com/"
    assert url_map.bind("example.com", subdomain="nobody").test("/nothing") is False


def test_merge_slashes_can_be_turned_off() -> None:
    url_map = Map([Rule("/a/b", endpoint="ab")], merge_slashes=False)
    with pytest.raises(NotFound):
        url_map.match("/a//b", "GET")


def test_merge_slashes_redirects_through_the_app(client: Any, app: Kettle) -> None:
    app.add_url_rule("/a/b", "ab", lambda: "ab")
    response = client.get("/a//b?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "/a/b?x=1"
    assert client.get("/a//c").status_code == 404


def test_host_matching_map_bind() -> None:
    url_map = Map(
        [Rule("/", endpoint="home", host="example.com"),
         Rule("/<int:n>", endpoint="n", host="<city>.example.org")],
        host_matching=True,
    )
    adapter = url_map.bind("paris.example.org")
    assert adapter.match("/3") == ("n", {"n": 3, "city": "paris"})
    assert adapter.build("n", {"n": 4, "city": "paris"}) == "/4"
    assert adapter.build("home") == "http://example.com/"
    with pytest.raises(NotFound):
        url_map.bind("example.net").match("/")


def test_create_url_adapter_follows_flask() -> None:
    app = subdomain_app(Kettle, Blueprint)
    adapter = app.create_url_adapter(None)
    assert adapter is not None and adapter.build("api.status") == "http://api.example.com/status"
    with app.test_request_context("/", base_url="http://api.example.com/") as ctx:
        in_request = app.create_url_adapter(ctx.request)
        assert in_request is not None and in_request.match("/status") == ("api.status", {})
        assert in_request.build("api.status") == "/status"
        assert in_request.build("index") == "http://example.com/"
    app.config["SERVER_NAME"] = None
    assert app.create_url_adapter(None) is None


def test_test_client_requests_go_to_server_name_and_subdomains(connect: Any) -> None:
    """As Flask's client: without ``base_url`` the host is ``SERVER_NAME``; ``subdomain=``
    puts a subdomain before it."""
    for cls, bp_cls in ((Kettle, Blueprint), (flask.Flask, flask.Blueprint)):
        app = subdomain_app(cls, bp_cls)
        client = connect(app) if cls is Kettle else app.test_client()
        assert client.get("/").get_data(as_text=True).startswith("site ")
        assert client.get("/status", subdomain="api").get_data(as_text=True).startswith("api ok")
        assert client.get("/", subdomain="amy").get_data(as_text=True).startswith("home of amy")


def test_url_for_outside_a_request_without_server_name() -> None:
    hosts = host_app(Kettle)
    with hosts.app_context():  # a rule's own host is enough for its URL
        assert url_for("shop", shop="tea", item=3) == "http://tea.shops.example.com/item/3"
        assert url_for("home", _anchor="x", _scheme="https") == "https://example.com/#x"
    subdomains = subdomain_app(Kettle, Blueprint)
    subdomains.config["SERVER_NAME"] = None
    with subdomains.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("api.status")
