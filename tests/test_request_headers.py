"""Request header properties and Werkzeug's request plumbing, through both doors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from kettle import Kettle, Request, Response, request
from kettle.datastructures import MultiDict
from kettle.testing import KettleClient


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def echo(app: Kettle) -> Kettle:
    """``/h/<name>``: the repr of ``request.<name>`` (``None`` as ``null``)."""

    @app.route("/h/<name>", methods=["GET", "POST"])
    def header(name: str) -> Any:
        value = getattr(request, name)
        return {"value": None if value is None else str(value), "type": type(value).__name__}

    return app


def value(client: KettleClient, name: str, **headers: str) -> Any:
    response = client.get(f"/h/{name}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json["value"]


# -- Accept-* ------------------------------------------------------------------------------


def test_accept_languages_best_match_and_prefix(app: Kettle, client: KettleClient) -> None:
    @app.route("/lang")
    def lang() -> Any:
        accept = request.accept_languages
        return {
            "best": accept.best_match(["fr", "de", "en"]),
            "en": accept.quality("en"),
            "values": list(accept.values()),
            "in": "de-CH" in accept,
            "best_pref": accept.best,
        }

    data = client.get("/lang", headers={"Accept-Language": "de;q=0.7, en-US, fr;q=x"}).json
    assert data == {
        "best": "de", "en": 0, "values": ["en-us", "de"], "in": True, "best_pref": "en-us",
    }
    data = client.get("/lang", headers={"Accept-Language": "en;q=0.9, de;q=0.2"}).json
    assert data["best"] == "en"
    assert data["in"] is True  # "de" accepts "de-CH"


def test_accept_encodings_and_charsets(app: Kettle, client: KettleClient) -> None:
    @app.route("/enc")
    def enc() -> Any:
        return {
            "gzip": "gzip" in request.accept_encodings,
            "br": request.accept_encodings["br"],
            "best": request.accept_encodings.best_match(["br", "gzip"], default="identity"),
            "charset": request.accept_charsets.best_match(["latin-1", "utf-8"]),
            "provided": request.accept_charsets.provided,
        }

    data = client.get("/enc", headers={"Accept-Encoding": "gzip, br;q=0.5"}).json
    assert data == {"gzip": True, "br": 0.5, "best": "gzip", "charset": None, "provided": False}
    data = client.get("/enc", headers={"Accept-Encoding": "*;q=0.1", "Accept-Charset": "utf-8"})
    assert data.json["best"] == "br"  # the first offer on a tie
    assert data.json["charset"] == "utf-8"


# -- Authorization -------------------------------------------------------------------------


@pytest.fixture
def auth_app(app: Kettle) -> Kettle:
    @app.route("/auth")
    def auth() -> Any:
        a = request.authorization
        if a is None:
            return {"auth": None}
        return {"type": a.type, "username": a.username, "password": a.password,
                "token": a.token, "params": a.parameters}

    return app


def test_authorization_basic(auth_app: Kettle, client: KettleClient) -> None:
    data = client.get("/auth", headers={"Authorization": _basic("ada", "s3:cret é")}).json
    assert data["type"] == "basic"
    assert (data["username"], data["password"]) == ("ada", "s3:cret é")
    assert data["token"] is None


def test_authorization_bearer_and_params(auth_app: Kettle, client: KettleClient) -> None:
    data = client.get("/auth", headers={"Authorization": "Bearer abc.def-ghi=="}).json
    assert (data["type"], data["token"], data["username"]) == ("bearer", "abc.def-ghi==", None)
    digest = 'Digest username="ada", realm="x y", nonce=abc'
    data = client.get("/auth", headers={"Authorization": digest}).json
    assert data["params"] == {"username": "ada", "realm": "x y", "nonce": "abc"}


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic",
        "Bearer a b c",
        "Digest realm=a b",
        'Digest realm="unterminated',
        "(",
    ],
)
def test_authorization_malformed_is_none(
    auth_app: Kettle, client: KettleClient, header: str
) -> None:
    response = client.get("/auth", headers={"Authorization": header})
    assert response.status_code == 200
    assert response.json == {"auth": None}


def test_authorization_absent(auth_app: Kettle, client: KettleClient) -> None:
    assert client.get("/auth").json == {"auth": None}


# -- conditional headers ---------------------------------------------------------------------


def test_if_none_match_and_if_match(app: Kettle, client: KettleClient) -> None:
    @app.route("/etags")
    def etags() -> Any:
        inm, im = request.if_none_match, request.if_match
        return {
            "strong_a": inm.contains("a"), "weak_b": inm.contains_weak("b"),
            "strong_b": inm.contains("b"), "is_strong_a": inm.is_strong("a"),
            "is_weak_b": inm.is_weak("b"), "star": im.star_tag, "any": im.contains("zzz"),
            "empty": bool(request.if_range.etag),
        }

    headers = {"If-None-Match": '"a", W/"b"', "If-Match": "*"}
    assert client.get("/etags", headers=headers).json == {
        "strong_a": True, "weak_b": True, "strong_b": False, "is_strong_a": True,
        "is_weak_b": True, "star": True, "any": True, "empty": False,
    }
    data = client.get("/etags").json
    assert data["strong_a"] is False and data["star"] is False


def test_dates(echo: Kettle, client: KettleClient) -> None:
    when = "Sun, 06 Nov 1994 08:49:37 GMT"
    expected = str(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC))
    assert value(client, "if_modified_since", **{"If-Modified-Since": when}) == expected
    assert value(client, "if_unmodified_since", **{"If-Unmodified-Since": when}) == expected
    assert value(client, "date", Date=when) == expected
    assert value(client, "if_modified_since", **{"If-Modified-Since": "yesterday"}) is None
    assert value(client, "date") is None


def test_if_range_and_range(app: Kettle, client: KettleClient) -> None:
    @app.route("/range")
    def rng() -> Any:
        r, ir = request.range, request.if_range
        return {
            "ranges": r.ranges if r else None,
            "for_100": r.range_for_length(100) if r else None,
            "content_range": r.to_content_range_header(100) if r else None,
            "etag": ir.etag, "date": str(ir.date) if ir.date else None,
        }

    data = client.get("/range", headers={"Range": "bytes=10-19", "If-Range": '"v1"'}).json
    assert data == {"ranges": [[10, 20]], "for_100": [10, 20],
                    "content_range": "bytes 10-19/100", "etag": "v1", "date": None}
    data = client.get("/range", headers={
        "Range": "bytes=-5", "If-Range": "Sun, 06 Nov 1994 08:49:37 GMT"}).json
    assert data["ranges"] == [[-5, None]] and data["for_100"] == [95, 100]
    assert data["date"].startswith("1994-11-06")
    assert client.get("/range", headers={"Range": "bytes=9-1"}).json["ranges"] is None
    assert client.get("/range", headers={"Range": "lines=1-2"}).json["ranges"] is None


# -- cache control and plain headers ----------------------------------------------------------


def test_cache_control(app: Kettle, client: KettleClient) -> None:
    @app.route("/cc")
    def cc() -> Any:
        c = request.cache_control
        return {"no_cache": c.no_cache, "no_store": c.no_store, "max_age": c.max_age,
                "max_stale": c.max_stale, "only_if_cached": c.only_if_cached}

    headers = {"Cache-Control": 'no-cache, max-age="30", max-stale=x, only-if-cached'}
    assert client.get("/cc", headers=headers).json == {
        "no_cache": True, "no_store": False, "max_age": 30, "max_stale": None,
        "only_if_cached": True,
    }


@pytest.mark.parametrize(
    ("name", "header", "sent", "expected"),
    [
        ("origin", "Origin", "https://a.example", "https://a.example"),
        ("referrer", "Referer", "https://b.example/x", "https://b.example/x"),
        ("content_encoding", "Content-Encoding", "gzip", "gzip"),
        ("content_md5", "Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ==", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
        ("access_control_request_method", "Access-Control-Request-Method", "PUT", "PUT"),
        ("access_control_request_headers", "Access-Control-Request-Headers",
         "X-A,  x-b", "X-A, x-b"),
        ("pragma", "Pragma", "no-cache", "no-cache"),
        ("max_forwards", "Max-Forwards", "7", "7"),
        ("max_forwards", "Max-Forwards", "seven", None),
    ],
)
def test_plain_header_properties(
    echo: Kettle, client: KettleClient, name: str, header: str, sent: str, expected: Any
) -> None:
    assert value(client, name, **{header: sent}) == expected
    assert value(client, name) in (None, "")


def test_request_header_properties_are_read_only(app: Kettle) -> None:
    req = Request.from_values("/", headers={"Origin": "https://a"})
    with pytest.raises(AttributeError):
        req.origin = "https://b"  # type: ignore[misc]


def test_user_agent(echo: Kettle, client: KettleClient) -> None:
    assert value(client, "user_agent", **{"User-Agent": "curl/8.0"}) == "curl/8.0"
    assert value(client, "user_agent") == ""


def test_user_agent_class() -> None:
    class Agent(str):
        @property
        def string(self) -> str:
            return str(self)

        @property
        def is_bot(self) -> bool:
            return "bot" in self.lower()

    class MyRequest(Request):
        user_agent_class = Agent  # type: ignore[assignment]

    agent = MyRequest.from_values(headers={"User-Agent": "Googlebot/2.1"}).user_agent
    assert isinstance(agent, Agent) and agent.is_bot and agent.string == "Googlebot/2.1"
    assert Request.from_values(headers={"User-Agent": "x"}).user_agent.string == "x"


# -- WSGI plumbing ------------------------------------------------------------------------------


def test_environ_flags_remote_user_root_url(app: Kettle, client: KettleClient, door: str) -> None:
    @app.route("/env", methods=["GET", "POST"])
    def env() -> Any:
        return {"mt": request.is_multithread, "mp": request.is_multiprocess,
                "once": request.is_run_once, "user": request.remote_user,
                "root": request.root_url, "want_form": request.want_form_data_parsed}

    data = client.get("/env", environ_overrides={"REMOTE_USER": "ada"}).json
    assert data["root"] == "http://localhost/"
    assert (data["mt"], data["mp"], data["once"]) == (False, False, False)
    assert data["user"] == ("ada" if door == "wsgi" else None)
    assert data["want_form"] is False
    assert client.post("/env", data={"a": "1"}).json["want_form"] is True


def test_input_stream_and_limits(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.route("/in", methods=["POST"])
    def read_in() -> Any:
        before = request.max_content_length
        request.max_content_length = 4
        return {"before": before, "after": request.max_content_length,
                "form_mem": request.max_form_memory_size, "parts": request.max_form_parts,
                "body": len(request.get_data())}

    response = client.post("/in", data=b"0123456789")
    assert response.status_code == 413  # the per-request limit applies to the body
    response = client.post("/in", data=b"012")
    assert response.json == {"before": 1000, "after": 4, "form_mem": 500_000, "parts": 1000,
                             "body": 3}


def test_input_stream_reads_the_raw_body() -> None:
    req = Request.from_values("/", method="POST", data=b"raw body")
    assert req.input_stream.read() == b"raw body"


def test_trusted_hosts_reads_config(app: Kettle, client: KettleClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["localhost"]

    @app.route("/th")
    def th() -> Any:
        return {"hosts": request.trusted_hosts}

    assert client.get("/th").json == {"hosts": ["localhost"]}
    assert Request.from_values("/").trusted_hosts is None


# -- building requests and apps ----------------------------------------------------------------


def test_from_values_builds_like_the_test_client() -> None:
    req = Request.from_values(
        "/p?x=1", method="POST", data={"a": "b"}, base_url="https://example.com/root/",
        headers={"X-Test": "yes"},
    )
    assert (req.method, req.path, req.root_path) == ("POST", "/p", "/root")
    assert req.url == "https://example.com/root/p?x=1"
    assert req.form["a"] == "b" and req.args["x"] == "1"
    assert req.headers["X-Test"] == "yes"
    json_req = Request.from_values(json={"k": [1, 2]}, auth=("u", "p"))
    assert json_req.get_json() == {"k": [1, 2]}
    assert json_req.authorization is not None and json_req.authorization.password == "p"


def test_from_values_gives_a_subclass() -> None:
    class MyRequest(Request):
        pass

    assert type(MyRequest.from_values("/")) is MyRequest


def test_application_decorator_makes_a_wsgi_app() -> None:
    from kettle.errors import NotFound
    from kettle.testing_environ import BaseEnvironBuilder, run_wsgi_app

    @Request.application
    def hello(req: Request) -> Response:
        if req.args.get("missing"):
            raise NotFound()
        return Response(f"hello {req.args.get('name', 'world')}", mimetype="text/plain")

    body, status, headers = run_wsgi_app(
        hello, BaseEnvironBuilder("/?name=ada").get_environ(), buffered=True
    )
    assert (b"".join(body), status) == (b"hello ada", "200 OK")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    _, status, _ = run_wsgi_app(hello, BaseEnvironBuilder("/?missing=1").get_environ(), True)
    assert status == "404 Not Found"


# -- JSON hooks, storage classes ---------------------------------------------------------------


def test_on_json_loading_failed_override() -> None:
    class LenientRequest(Request):
        def on_json_loading_failed(self, e: BaseException | None) -> Any:
            return {"error": "bad json" if e is not None else "not json"}

    bad = LenientRequest.from_values(data="{nope", content_type="application/json")
    assert bad.get_json() == {"error": "bad json"}
    assert bad.get_json(silent=True) is None
    text = LenientRequest.from_values(data="x", content_type="text/plain")
    assert text.get_json() == {"error": "not json"}


def test_on_json_loading_failed_default_is_400_and_415(app: Kettle, client: KettleClient) -> None:
    @app.route("/j", methods=["POST"])
    def j() -> Any:
        return {"got": request.get_json()}

    response = client.post("/j", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert "Failed to decode JSON object" in response.text
    assert client.post("/j", data="x", content_type="text/plain").status_code == 415
    req = Request.from_values(data="{", content_type="application/json")
    with pytest.raises(Exception, match="Failed to decode JSON"):
        req.on_json_loading_failed(ValueError("Expecting value"))


def test_parameter_storage_class_is_used_for_args() -> None:
    class Ordered(MultiDict):
        pass

    class MyRequest(Request):
        parameter_storage_class = Ordered

    req = MyRequest.from_values("/?a=1&a=2")
    assert type(req.args) is Ordered and req.args.getlist("a") == ["1", "2"]
    assert Request.dict_storage_class is MultiDict and Request.list_storage_class is list
    import kettle.json

    assert Request.json_module is kettle.json


def test_header_properties_cost_nothing_until_read() -> None:
    req = Request.from_values("/", headers={"Authorization": "Basic !!"})
    assert "authorization" not in vars(req)  # computed on access, not stored
    assert req.authorization is None
