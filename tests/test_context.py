"""Contexts and proxies: request, g, current_app; isolation; trusted hosts and proxies."""

from __future__ import annotations

import threading

import pytest

from kettle import (
    Kettle,
    Request,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    url_for,
)
from kettle.errors import SecurityError

# -- outside contexts -------------------------------------------------------------------


def test_request_outside_a_request_is_a_clear_error(app) -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        request.path  # noqa: B018
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        request.args  # noqa: B018


def test_current_app_and_g_outside_an_app_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="outside of application context"):
        current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="application context"):
        g.x = 1
    with pytest.raises(RuntimeError, match="application context"):
        "x" in g  # noqa: B015


def test_proxies_are_falsy_and_printable_when_unbound() -> None:
    assert not request
    assert not current_app
    assert "unbound" in repr(request)
    assert not has_request_context()
    assert not has_app_context()


def test_has_context_helpers(app) -> None:
    with app.app_context():
        assert has_app_context() and not has_request_context()
    with app.test_request_context():
        assert has_app_context() and has_request_context()


# -- the proxies in a request -----------------------------------------------------------


def test_proxies_in_a_view(app, client) -> None:
    @app.route("/info")
    def info():
        assert isinstance(request._get_current_object(), Request)
        assert current_app._get_current_object() is app
        return f"{request.method} {request.path} {request.args['q']} {current_app.name}"

    assert client.get("/info?q=1").text == f"GET /info 1 {app.name}"


def test_app_context_is_pushed_per_request(app, client) -> None:
    seen: list[object] = []

    @app.before_request
    def check():
        assert "leftover" not in g
        g.leftover = True
        seen.append(g._get_current_object())

    @app.route("/")
    def index():
        assert has_app_context()
        return "x"

    client.get("/")
    client.get("/")
    assert len(seen) == 2 and seen[0] is not seen[1]


def test_request_context_is_gone_after_the_request(app, client) -> None:
    @app.route("/")
    def index():
        return "x"

    client.get("/")
    assert not has_request_context()
    assert not has_app_context()


def test_g_namespace_operations(app) -> None:
    with app.app_context():
        assert "user" not in g
        assert g.get("user") is None
        assert g.get("user", "nobody") == "nobody"
        g.user = "ada"
        assert "user" in g
        assert g.user == "ada"
        assert g.setdefault("user", "other") == "ada"
        assert g.setdefault("role", "admin") == "admin"
        assert sorted(g) == ["role", "user"]
        assert g.pop("role") == "admin"
        assert g.pop("role", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("role")
        with pytest.raises(AttributeError):
            g.missing  # noqa: B018
        del g.user
        assert "user" not in g
        assert list(g) == []
        assert "kettle.g" in repr(g)


def test_g_in_a_request(app, client) -> None:
    @app.before_request
    def set_up():
        g.db = "connection"

    @app.route("/")
    def index():
        return ",".join(sorted(g))

    assert client.get("/").text == "db"


def test_nested_app_contexts_restore_the_outer_one(app) -> None:
    other = Kettle("other_app", root_path="/tmp")
    with app.app_context():
        g.level = "outer"
        with other.app_context():
            assert current_app.name == "other_app"
            assert "level" not in g
        assert current_app.name == app.name
        assert g.level == "outer"


def test_test_request_context_push_and_pop(app) -> None:
    ctx = app.test_request_context("/x?a=1")
    ctx.push()
    try:
        assert request.args["a"] == "1"
    finally:
        ctx.pop()
    assert not has_request_context()


# -- with client: ----------------------------------------------------------------------


def test_with_client_keeps_the_last_request_context(app, client) -> None:
    @app.route("/")
    def index():
        g.answer = 42
        return "x"

    with client:
        client.get("/?q=tea")
        assert request.path == "/"
        assert request.args["q"] == "tea"
        assert g.answer == 42
        client.get("/?q=coffee")
        assert request.args["q"] == "coffee"
    assert not has_request_context()


def test_with_client_delays_teardown(app, client) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc):
        events.append("teardown")

    @app.route("/")
    def index():
        return "x"

    with client:
        client.get("/")
        assert events == []
    assert events == ["teardown"]


def test_without_with_client_the_context_is_gone(app, client) -> None:
    @app.route("/")
    def index():
        return "x"

    client.get("/")
    with pytest.raises(RuntimeError):
        request.path  # noqa: B018


# -- threads ---------------------------------------------------------------------------


def test_contexts_are_isolated_between_threads(app, client) -> None:
    barrier = threading.Barrier(2, timeout=5)

    @app.route("/who")
    def who():
        g.name = request.args["name"]
        barrier.wait()  # both requests are inside their views at the same time
        return f"{request.args['name']}:{g.name}"

    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def call(name: str) -> None:
        try:
            results[name] = client.get("/who", query_string={"name": name}).text
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert results == {"alice": "alice:alice", "bob": "bob:bob"}


def test_context_is_not_visible_in_another_thread(app) -> None:
    seen: list[bool] = []
    with app.test_request_context("/"):
        thread = threading.Thread(target=lambda: seen.append(has_request_context()))
        thread.start()
        thread.join()
    assert seen == [False]


# -- trusted hosts ----------------------------------------------------------------------


@pytest.fixture
def trusted(app):
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org", "localhost"]
    calls: list[str] = []

    @app.before_request
    def hook():
        calls.append("before_request")

    @app.url_value_preprocessor
    def preprocess(endpoint, values):
        calls.append("url_value_preprocessor")

    @app.after_request
    def after(response):
        calls.append("after_request")  # may rely on what before_request set up: skipped
        return response

    @app.route("/")
    def index():
        calls.append("view")
        return request.host

    @app.route("/link")
    def link():
        return url_for("index", _external=True)

    app.extensions["calls"] = calls
    return app


@pytest.mark.parametrize(
    "host",
    ["example.com", "example.com:8080", "EXAMPLE.com", "example.org", "a.example.org",
     "a.b.example.org:443", "localhost"],
)
def test_trusted_hosts_are_served(trusted, client, host) -> None:
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 200
    assert response.text == host


@pytest.mark.parametrize(
    "host",
    ["evil.com", "example.com.evil.com", "notexample.org", "example.co", "evil.com:80",
     "xexample.com"],
)
def test_untrusted_host_is_400_before_any_hook_or_view(trusted, client, host) -> None:
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert trusted.extensions["calls"] == []


def test_untrusted_host_error_page_escapes_the_host(trusted, client) -> None:
    response = client.get("/", headers={"Host": "<script>x</script>"})
    assert response.status_code == 400
    assert "<script>" not in response.text


def test_untrusted_host_can_be_handled(trusted, client) -> None:
    @trusted.errorhandler(SecurityError)
    def bad_host(exc):
        return "unknown host", 400

    assert client.get("/", headers={"Host": "evil.com"}).text == "unknown host"


def test_external_urls_use_only_trusted_hosts(trusted, client) -> None:
    assert client.get("/link", headers={"Host": "a.example.org"}).text == "http://a.example.org/"
    with trusted.test_request_context("/", headers={"Host": "evil.com"}):
        assert url_for("index") == "/"  # relative URLs do not involve the host
        with pytest.raises(SecurityError):
            url_for("index", _external=True)


def test_untrusted_host_can_still_build_with_server_name(trusted) -> None:
    trusted.config["SERVER_NAME"] = "example.com"
    with trusted.test_request_context("/", headers={"Host": "evil.com"}):
        assert url_for("index", _external=True) == "http://example.com/"


def test_any_host_is_served_without_trusted_hosts(app, client) -> None:
    @app.route("/")
    def index():
        return url_for("index", _external=True)

    assert client.get("/", headers={"Host": "anything.test"}).text == "http://anything.test/"


# -- proxies (PROXY_FIX) -----------------------------------------------------------------


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7, 10.0.0.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "public.example.com",
    "X-Forwarded-Prefix": "/app",
}


@pytest.fixture
def proxied(app):
    @app.route("/where")
    def where():
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "url_root": request.url_root,
            "url": url_for("where", _external=True),
            "secure": request.is_secure,
        }

    return app


def test_forwarded_headers_are_ignored_by_default(proxied, client) -> None:
    data = client.get("/where", headers=FORWARDED).json
    assert data == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "host": "localhost",
        "url_root": "http://localhost/",
        "url": "http://localhost/where",
        "secure": False,
    }


def test_forwarded_headers_are_honoured_when_configured(proxied, client) -> None:
    proxied.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_prefix": 1}
    data = client.get("/where", headers=FORWARDED).json
    assert data == {
        "remote_addr": "10.0.0.2",  # one trusted proxy: the value it appended
        "scheme": "https",
        "host": "public.example.com",
        "url_root": "https://public.example.com/app/",
        "url": "https://public.example.com/app/where",
        "secure": True,
    }


def test_proxy_counts_pick_from_the_right(proxied, client) -> None:
    proxied.config["PROXY_FIX"] = {"x_for": 2}
    data = client.get("/where", headers=FORWARDED).json
    assert data["remote_addr"] == "203.0.113.7"
    assert data["scheme"] == "http"  # x_proto not trusted


def test_too_few_forwarded_values_are_ignored(proxied, client) -> None:
    proxied.config["PROXY_FIX"] = {"x_for": 3}
    data = client.get("/where", headers=FORWARDED).json
    assert data["remote_addr"] == "127.0.0.1"


def test_proxy_fix_applies_in_test_request_context(proxied) -> None:
    proxied.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1}
    with proxied.test_request_context("/where", headers=FORWARDED):
        assert request.remote_addr == "10.0.0.2"
        assert request.scheme == "https"


def test_forwarded_host_is_checked_against_trusted_hosts(proxied, client) -> None:
    proxied.config["PROXY_FIX"] = {"x_host": 1}
    proxied.config["TRUSTED_HOSTS"] = ["localhost"]
    assert client.get("/where", headers=FORWARDED).status_code == 400
    assert client.get("/where").status_code == 200


def test_item_access_through_a_proxy(app, client) -> None:
    from kettle import session

    app.secret_key = "test key"

    @app.route("/")
    def index():
        session["a"] = 1
        session["b"] = 2
        del session["b"]
        assert session == {"a": 1}
        assert session != {"a": 2}
        return str(session["a"])

    assert client.get("/").text == "1"


def test_app_url_for_outside_a_context_is_an_error(app) -> None:
    @app.route("/")
    def index():
        return "x"

    with pytest.raises(RuntimeError, match="application context"):
        app.url_for("index")


def test_ipv6_trusted_host(app, client) -> None:
    app.config["TRUSTED_HOSTS"] = ["[::1]"]

    @app.route("/")
    def index():
        return "ok"

    assert client.get("/", headers={"Host": "[::1]:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "[::2]:8080"}).status_code == 400


def test_test_request_context_does_not_end_set_up(app) -> None:
    """As in Flask: routes may still be added after a test request context."""

    @app.route("/first")
    def first():
        return "1"

    with app.test_request_context("/first"):
        from kettle import request, url_for

        assert request.endpoint == "first"
        assert url_for("first") == "/first"

    @app.route("/second")
    def second():
        return "2"

    assert app.test_client().get("/second").text == "2"
