"""``request``: method, URLs, query arguments, headers, cookies, content negotiation, routing.

Every test goes through the ``client`` fixture, so it runs through each protocol door.
Bodies (form, files, JSON, limits) are in ``test_bodies.py`` and ``test_json.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from kettle import Blueprint, Kettle, MultiDict, request
from kettle.testing import KettleClient


def _echo(app: Kettle, *names: str, rule: str = "/", methods: tuple[str, ...] = ("GET",)) -> None:
    """Register a view at ``rule`` answering the named ``request`` attributes as JSON."""

    def view(**_: Any) -> dict[str, Any]:
        return {name: getattr(request, name) for name in names}

    app.add_url_rule(rule, "echo", view, methods=list(methods))


# -- method ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_method(app: Kettle, client: KettleClient, method: str) -> None:
    @app.route("/", methods=[method])
    def index() -> str:
        return request.method

    response = client.open("/", method=method)
    assert response.status_code == 200
    assert response.text == method


# -- URLs --------------------------------------------------------------------


def test_url_parts_of_a_plain_request(app: Kettle, client: KettleClient) -> None:
    _echo(app, "scheme", "host", "path", "full_path", "url", "base_url", "url_root",
          "host_url", "script_root", rule="/a/b")

    assert client.get("/a/b?x=1&y=2").json == {
        "scheme": "http",
        "host": "localhost",
        "path": "/a/b",
        "full_path": "/a/b?x=1&y=2",
        "url": "http://localhost/a/b?x=1&y=2",
        "base_url": "http://localhost/a/b",
        "url_root": "http://localhost/",
        "host_url": "http://localhost/",
        "script_root": "",
    }


def test_full_path_always_has_the_question_mark(app: Kettle, client: KettleClient) -> None:
    _echo(app, "full_path", "url", rule="/a")

    assert client.get("/a").json == {"full_path": "/a?", "url": "http://localhost/a"}


def test_url_parts_under_https_with_a_port_and_a_mount_point(
    app: Kettle, client: KettleClient
) -> None:
    _echo(app, "scheme", "host", "path", "full_path", "url", "base_url", "url_root",
          "host_url", "script_root", "is_secure", rule="/page")

    data = client.get("/page?q=1", base_url="https://example.com:8443/shop/").json
    assert data == {
        "scheme": "https",
        "host": "example.com:8443",
        "path": "/page",
        "full_path": "/page?q=1",
        "url": "https://example.com:8443/shop/page?q=1",
        "base_url": "https://example.com:8443/shop/page",
        "url_root": "https://example.com:8443/shop/",
        "host_url": "https://example.com:8443/",
        "script_root": "/shop",
        "is_secure": True,
    }


@pytest.mark.parametrize(
    ("base_url", "host"),
    [
        ("http://example.com:80/", "example.com"),
        ("https://example.com:443/", "example.com"),
        ("http://example.com:443/", "example.com:443"),
        ("https://example.com:80/", "example.com:80"),
        ("http://example.com:8080/", "example.com:8080"),
        ("http://[::1]:80/", "[::1]"),
    ],
)
def test_host_drops_only_the_schemes_default_port(
    app: Kettle, client: KettleClient, base_url: str, host: str
) -> None:
    _echo(app, "host", "url_root")

    data = client.get("/", base_url=base_url).json
    assert data["host"] == host
    assert data["url_root"] == f"{base_url.partition(':')[0]}://{host}/"


def test_host_header_is_what_the_client_asked_for(app: Kettle, client: KettleClient) -> None:
    _echo(app, "host", "url")

    data = client.get("/", headers={"Host": "api.example.org:5000"}).json
    assert data == {"host": "api.example.org:5000", "url": "http://api.example.org:5000/"}


def test_unicode_path_is_decoded_and_urls_are_percent_encoded(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/wiki/<name>")
    def page(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
        }

    assert client.get("/wiki/Crème brûlée").json == {
        "name": "Crème brûlée",
        "path": "/wiki/Crème brûlée",
        "full_path": "/wiki/Cr%C3%A8me%20br%C3%BBl%C3%A9e?",
        "url": "http://localhost/wiki/Cr%C3%A8me%20br%C3%BBl%C3%A9e",
        "base_url": "http://localhost/wiki/Cr%C3%A8me%20br%C3%BBl%C3%A9e",
    }


def test_percent_encoded_utf8_path_is_decoded(app: Kettle, client: KettleClient) -> None:
    @app.route("/wiki/<name>")
    def page(name: str) -> dict[str, Any]:
        return {"name": name, "path": request.path}

    assert client.get("/wiki/Cr%C3%A8me").json == {"name": "Crème", "path": "/wiki/Crème"}


def test_url_keeps_sub_delimiters_of_the_path_readable(app: Kettle, client: KettleClient) -> None:
    @app.route("/<path:rest>")
    def view(rest: str) -> dict[str, Any]:
        return {"path": request.path, "url": request.url, "full_path": request.full_path}

    data = client.get("/user@host:8/a;b=c,d/~x").json
    assert data == {
        "path": "/user@host:8/a;b=c,d/~x",
        "url": "http://localhost/user@host:8/a;b=c,d/~x",
        "full_path": "/user@host:8/a;b=c,d/~x?",
    }


def test_url_encodes_a_percent_sign_of_the_decoded_path(app: Kettle, client: KettleClient) -> None:
    @app.route("/<name>")
    def view(name: str) -> dict[str, Any]:
        return {"name": name, "url": request.url}

    # "100%" is what the path holds once decoded; the URL must encode the "%" again.
    assert client.get("/100%").json == {"name": "100%", "url": "http://localhost/100%25"}


def test_url_keeps_an_ascii_query_string_as_sent(app: Kettle, client: KettleClient) -> None:
    _echo(app, "url", "full_path", "query_string")

    data = client.get("/?q=caf%C3%A9&sort=-date&tag=a%2Bb").json
    assert data == {
        "url": "http://localhost/?q=caf%C3%A9&sort=-date&tag=a%2Bb",
        "full_path": "/?q=caf%C3%A9&sort=-date&tag=a%2Bb",
        "query_string": "q=caf%C3%A9&sort=-date&tag=a%2Bb",
    }


# -- query arguments ---------------------------------------------------------


def test_args_is_a_multidict(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        args = request.args
        return {
            "is_multidict": isinstance(args, MultiDict),
            "first": args["tag"],
            "all": args.getlist("tag"),
            "get": args.get("tag"),
            "absent": args.get("absent"),
            "default": args.get("absent", "dflt"),
            "flat": args.to_dict(),
            "lists": args.to_dict(flat=False),
        }

    assert client.get("/?tag=a&tag=b&page=2").json == {
        "is_multidict": True,
        "first": "a",
        "all": ["a", "b"],
        "get": "a",
        "absent": None,
        "default": "dflt",
        "flat": {"tag": "a", "page": "2"},
        "lists": {"tag": ["a", "b"], "page": ["2"]},
    }


def test_args_get_with_type_converts_or_falls_back(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        args = request.args
        return {
            "page": args.get("page", type=int),
            "bad": args.get("bad", type=int),
            "bad_default": args.get("bad", 1, type=int),
            "absent": args.get("absent", 7, type=int),
            "ratio": args.get("ratio", type=float),
            "ids": args.getlist("id", type=int),
        }

    assert client.get("/?page=3&bad=x&ratio=0.5&id=1&id=two&id=3").json == {
        "page": 3,
        "bad": None,
        "bad_default": 1,
        "absent": 7,
        "ratio": 0.5,
        "ids": [1, 3],
    }


def test_args_decode_percent_plus_and_blank_values(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return request.args.to_dict(flat=False)

    query = "q=caf%C3%A9&space=a+b&plus=a%2Bb&blank=&bare&amp=%26&jp=%E6%97%A5%E6%9C%AC"
    assert client.get(f"/?{query}").json == {
        "q": ["café"],
        "space": ["a b"],
        "plus": ["a+b"],
        "blank": [""],
        "bare": [""],
        "amp": ["&"],
        "jp": ["日本"],
    }


def test_args_survive_broken_escapes(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return request.args.to_dict()

    # A bad escape is kept literally; invalid UTF-8 becomes U+FFFD, never a 500.
    assert client.get("/?a=%zz&b=%ff&c=100%").json == {"a": "%zz", "b": "\ufffd", "c": "100%"}


def test_args_from_query_string_argument(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return request.args.to_dict(flat=False)

    response = client.get("/", query_string={"name": "Zoë", "n": ["1", "2"]})
    assert response.json == {"name": ["Zoë"], "n": ["1", "2"]}


def test_missing_arg_is_a_400_naming_the_key(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return str(request.args["page_size"])

    response = client.get("/?page=1")
    assert response.status_code == 400
    assert "page_size" in response.text


def test_missing_arg_error_is_json_for_json_clients(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return str(request.args["page_size"])

    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.json["code"] == 400
    assert "page_size" in response.json["description"]


def test_missing_arg_error_escapes_the_key(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return str(request.args[request.args["k"]])

    response = client.get("/?k=%3Cscript%3Ex")
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert "&lt;script&gt;x" in response.text


def test_args_get_does_not_raise(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return repr(request.args.get("missing"))

    assert client.get("/").text == "None"


# -- headers -----------------------------------------------------------------


def test_headers_are_case_insensitive(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        h = request.headers
        return {
            "exact": h["X-Request-Id"],
            "lower": h["x-request-id"],
            "upper": h.get("X-REQUEST-ID"),
            "in": "x-request-id" in h,
            "not_in": "x-other" in h,
            "absent": h.get("X-Other"),
            "default": h.get("X-Other", "none"),
        }

    assert client.get("/", headers={"X-Request-Id": "abc-123"}).json == {
        "exact": "abc-123",
        "lower": "abc-123",
        "upper": "abc-123",
        "in": True,
        "not_in": False,
        "absent": None,
        "default": "none",
    }


def test_header_get_with_type(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "n": request.headers.get("X-N", type=int),
            "bad": request.headers.get("X-Bad", -1, type=int),
        }

    assert client.get("/", headers={"X-N": "42", "X-Bad": "x"}).json == {"n": 42, "bad": -1}


def test_repeated_header_keeps_every_value(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        # WSGI joins repeated headers with ", "; ASGI keeps them apart: both carry all values.
        return {"joined": ", ".join(request.headers.getlist("X-Tag"))}

    response = client.get("/", headers=[("X-Tag", "a"), ("X-Tag", "b")])
    assert response.json == {"joined": "a, b"}


def test_missing_header_is_a_400_naming_it(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.headers["X-Api-Key"]

    response = client.get("/")
    assert response.status_code == 400
    assert "X-Api-Key" in response.text


def test_headers_iterate_as_name_value_pairs(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {name.lower(): value for name, value in request.headers.items()}

    data = client.get("/", headers={"X-One": "1", "Accept-Language": "fr"}).json
    assert data["x-one"] == "1"
    assert data["accept-language"] == "fr"
    assert data["host"] == "localhost"


def test_header_with_underscore_is_not_visible_as_a_dash_header(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"underscore": request.headers.get("X_Forwarded_User")}

    # WSGI maps both X_Forwarded_User and X-Forwarded-User to HTTP_X_FORWARDED_USER.
    response = client.get("/", headers={"X-Forwarded-User": "alice"})
    assert response.json == {"underscore": None}


def test_underscore_header_never_aliases_the_dash_header(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"dash": request.headers.get("X-User"), "underscore": request.headers.get("X_User")}

    response = client.get("/", headers=[("X-User", "alice"), ("X_User", "admin")])
    assert response.json == {"dash": "alice", "underscore": None}


# -- cookies -----------------------------------------------------------------


def test_cookies(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(request.cookies)

    response = client.get("/", headers={"Cookie": 'theme=dark; lang=fr; quoted="a b"'})
    assert response.json == {"theme": "dark", "lang": "fr", "quoted": "a b"}


def test_cookies_get_and_missing(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"theme": request.cookies.get("theme"), "absent": request.cookies.get("x")}

    @app.route("/strict")
    def strict() -> str:
        return request.cookies["token"]

    assert client.get("/", headers={"Cookie": "theme=dark"}).json == {
        "theme": "dark",
        "absent": None,
    }
    response = client.get("/strict")
    assert response.status_code == 400
    assert "token" in response.text


def test_no_cookie_header_means_no_cookies(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"n": len(request.cookies)}

    assert client.get("/").json == {"n": 0}


# -- content type ------------------------------------------------------------


def test_content_type_mimetype_and_params(app: Kettle, client: KettleClient) -> None:
    _echo(app, "content_type", "mimetype", "mimetype_params", methods=("POST",))

    response = client.post("/", data=b"x", content_type="Text/Plain; Charset=UTF-8; format=flowed")
    assert response.json == {
        "content_type": "Text/Plain; Charset=UTF-8; format=flowed",
        "mimetype": "text/plain",
        "mimetype_params": {"charset": "UTF-8", "format": "flowed"},
    }


def test_no_content_type(app: Kettle, client: KettleClient) -> None:
    _echo(app, "content_type", "mimetype", "mimetype_params", "is_json")

    assert client.get("/").json == {
        "content_type": None,
        "mimetype": "",
        "mimetype_params": {},
        "is_json": False,
    }


# -- client ------------------------------------------------------------------


def test_remote_addr_and_access_route(app: Kettle, client: KettleClient) -> None:
    _echo(app, "remote_addr", "access_route")

    assert client.get("/").json == {"remote_addr": "127.0.0.1", "access_route": ["127.0.0.1"]}


def test_x_forwarded_for_is_not_trusted_by_default(app: Kettle, client: KettleClient) -> None:
    _echo(app, "remote_addr", "access_route")

    response = client.get("/", headers={"X-Forwarded-For": "6.6.6.6"})
    assert response.json == {"remote_addr": "127.0.0.1", "access_route": ["127.0.0.1"]}


def test_remote_addr_from_a_trusted_proxy(app: Kettle, client: KettleClient) -> None:
    app.config["PROXY_FIX"] = {"x_for": 1}
    _echo(app, "remote_addr", "access_route")

    response = client.get("/", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert response.json == {"remote_addr": "203.0.113.7", "access_route": ["203.0.113.7"]}


def test_user_agent_is_a_string(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        ua = request.user_agent
        return {"str": str(ua), "string": ua.string, "eq": ua == "Mozilla/5.0 (X11)"}

    assert client.get("/", headers={"User-Agent": "Mozilla/5.0 (X11)"}).json == {
        "str": "Mozilla/5.0 (X11)",
        "string": "Mozilla/5.0 (X11)",
        "eq": True,
    }


def test_user_agent_serializes_as_json(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"ua": request.user_agent}

    assert client.get("/", headers={"User-Agent": "curl/8.0"}).json == {"ua": "curl/8.0"}


def test_user_agent_absent_is_empty(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return f"[{request.user_agent}]"

    assert client.get("/").text == "[]"


@pytest.mark.parametrize(
    ("accept", "best"),
    [
        ("application/json", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("application/json;q=0.9, text/html;q=0.5", "application/json"),
        ("text/*;q=0.5, application/json;q=0.4", "text/html"),
        ("image/png", "fallback"),
        ("*/*", "text/html"),
    ],
)
def test_accept_mimetypes_best_match(
    app: Kettle, client: KettleClient, accept: str, best: str
) -> None:
    @app.route("/")
    def index() -> str:
        return request.accept_mimetypes.best_match(["text/html", "application/json"], "fallback")

    assert client.get("/", headers={"Accept": accept}).text == best


def test_accept_mimetypes_quality_and_membership(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        accept = request.accept_mimetypes
        return {
            "json": accept.quality("application/json"),
            "html": accept.quality("text/html"),
            "png_in": "image/png" in accept,
            "json_in": "application/json" in accept,
        }

    response = client.get("/", headers={"Accept": "application/json, text/*;q=0.3"})
    assert response.json == {"json": 1.0, "html": 0.3, "png_in": False, "json_in": True}


# -- routing -----------------------------------------------------------------


def test_endpoint_view_args_and_url_rule(app: Kettle, client: KettleClient) -> None:
    @app.route("/users/<int:user_id>/posts/<slug>", endpoint="user_post")
    def post(user_id: int, slug: str) -> dict[str, Any]:
        return {
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "rule": request.url_rule.rule if request.url_rule else None,
            "blueprint": request.blueprint,
        }

    assert client.get("/users/7/posts/hello").json == {
        "endpoint": "user_post",
        "view_args": {"user_id": 7, "slug": "hello"},
        "rule": "/users/<int:user_id>/posts/<slug>",
        "blueprint": None,
    }


def test_blueprint_of_the_matched_endpoint(app: Kettle, client: KettleClient) -> None:
    api = Blueprint("api", __name__)
    v1 = Blueprint("v1", __name__)

    @v1.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
            "view_args": request.view_args,
        }

    api.register_blueprint(v1, url_prefix="/v1")
    app.register_blueprint(api, url_prefix="/api")

    assert client.get("/api/v1/items/3").json == {
        "endpoint": "api.v1.item",
        "blueprint": "api.v1",
        "blueprints": ["api.v1", "api"],
        "view_args": {"item_id": 3},
    }


def test_routing_attributes_of_an_unmatched_request(app: Kettle, client: KettleClient) -> None:
    seen: dict[str, Any] = {}

    @app.route("/exists")
    def exists() -> str:
        return "ok"

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        seen.update(
            endpoint=request.endpoint,
            url_rule=request.url_rule,
            view_args=request.view_args,
            blueprint=request.blueprint,
            blueprints=request.blueprints,
        )
        return "nope", 404

    response = client.get("/missing")
    assert response.status_code == 404
    assert seen == {
        "endpoint": None,
        "url_rule": None,
        "view_args": None,
        "blueprint": None,
        "blueprints": [],
    }


def test_request_repr_names_method_and_url(app: Kettle, client: KettleClient) -> None:
    @app.route("/r")
    def view() -> str:
        return repr(request)

    assert client.get("/r?a=1").text == "<Request GET 'http://localhost/r?a=1'>"


def test_host_without_a_host_header_comes_from_the_server(
    app: Kettle, client: KettleClient
) -> None:
    _echo(app, "host", "url")

    assert client.get("/", headers={"Host": ""}).json == {
        "host": "localhost",
        "url": "http://localhost/",
    }


def test_headers_include_content_type_and_length(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        names = {name.lower(): value for name, value in request.headers.items()}
        return {
            "type": names.get("content-type"),
            "length": names.get("content-length"),
            "count": len(request.headers) == len(list(request.headers.items())),
        }

    response = client.post("/", data=b"abc", content_type="text/plain")
    assert response.json == {"type": "text/plain", "length": "3", "count": True}


def test_forwarded_host_drops_the_default_port(app: Kettle, client: KettleClient) -> None:
    app.config["PROXY_FIX"] = {"x_proto": 1, "x_host": 1}
    _echo(app, "scheme", "host", "url")

    response = client.get(
        "/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example:443"}
    )
    assert response.json == {
        "scheme": "https",
        "host": "shop.example",
        "url": "https://shop.example/",
    }


def test_raw_utf8_query_string(app: Kettle, client: KettleClient) -> None:
    _echo(app, "url", "full_path")

    @app.route("/args")
    def args() -> dict[str, Any]:
        return request.args.to_dict()

    # Some clients (curl) send UTF-8 unescaped; it arrives as text, and URLs escape it.
    assert client.get("/args?city=Zürich").json == {"city": "Zürich"}
    assert client.get("/?city=Zürich").json == {
        "url": "http://localhost/?city=Z%C3%BCrich",
        "full_path": "/?city=Z%C3%BCrich",
    }
