"""Response header properties, entity tags, ``make_conditional`` and the WSGI plumbing."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kettle import Kettle, Response, request
from kettle.header_auth import WWWAuthenticate
from kettle.testing import KettleClient
from kettle.testing_environ import BaseEnvironBuilder

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
WHEN_HTTP = "Tue, 02 Jan 2024 03:04:05 GMT"


def test_cache_control_writes_back(app: Kettle, client: KettleClient) -> None:
    @app.route("/cc")
    def cc() -> Response:
        response = Response("x")
        response.cache_control.max_age = 300
        response.cache_control.public = True
        response.cache_control.no_store = True
        response.cache_control.no_store = False
        response.cache_control.s_maxage = 60
        return response

    response = client.get("/cc")
    assert response.headers["Cache-Control"] == "max-age=300, public, s-maxage=60"
    assert response.cache_control.max_age == 300 and response.cache_control.public
    assert not response.cache_control.private


def test_header_sets_write_back(app: Kettle, client: KettleClient) -> None:
    @app.route("/sets")
    def sets() -> Response:
        response = Response("x")
        response.vary.add("Cookie")
        response.vary.add("accept-encoding")
        response.vary.add("cookie")  # case-insensitive: not added twice
        response.allow = ["GET", "POST"]
        response.content_language.update(["en", "de"])
        response.access_control_allow_methods = {"PUT"}
        response.access_control_allow_headers.add("X-Token")
        response.access_control_expose_headers = "X-Total"
        return response

    headers = client.get("/sets").headers
    assert headers["Vary"] == "Cookie, accept-encoding"
    assert headers["Allow"] == "GET, POST"
    assert headers["Content-Language"] == "en, de"
    assert headers["Access-Control-Allow-Methods"] == "PUT"
    assert headers["Access-Control-Allow-Headers"] == "X-Token"
    assert headers["Access-Control-Expose-Headers"] == "X-Total"


def test_header_set_api() -> None:
    response = Response("x")
    vary = response.vary
    assert not vary and len(vary) == 0
    vary.update(["A", "B"])
    assert "a" in vary and vary.find("b") == 1 and vary.as_set() == {"a", "b"}
    vary.discard("A")
    with pytest.raises(KeyError):
        vary.remove("zzz")
    assert response.headers["Vary"] == "B"
    vary.clear()
    assert "Vary" not in response.headers
    response.vary = None
    assert response.vary == set()


@pytest.mark.parametrize(
    ("attribute", "header", "assigned", "sent", "read_back"),
    [
        ("content_location", "Content-Location", "/a", "/a", "/a"),
        ("content_encoding", "Content-Encoding", "gzip", "gzip", "gzip"),
        ("content_md5", "Content-MD5", "abc=", "abc=", "abc="),
        ("accept_ranges", "Accept-Ranges", "bytes", "bytes", "bytes"),
        ("age", "Age", 120, "120", timedelta(seconds=120)),
        ("age", "Age", timedelta(minutes=1), "60", timedelta(seconds=60)),
        ("date", "Date", WHEN, WHEN_HTTP, WHEN),
        ("expires", "Expires", WHEN, WHEN_HTTP, WHEN),
        ("last_modified", "Last-Modified", WHEN.timestamp(), WHEN_HTTP, WHEN),
        ("retry_after", "Retry-After", WHEN, WHEN_HTTP, WHEN),
        ("cross_origin_embedder_policy", "Cross-Origin-Embedder-Policy", "require-corp",
         "require-corp", "require-corp"),
        ("cross_origin_opener_policy", "Cross-Origin-Opener-Policy", "same-origin",
         "same-origin", "same-origin"),
        ("access_control_allow_origin", "Access-Control-Allow-Origin", "*", "*", "*"),
        ("access_control_allow_credentials", "Access-Control-Allow-Credentials", True,
         "true", True),
        ("access_control_max_age", "Access-Control-Max-Age", 600, "600", 600),
    ],
)
def test_simple_properties_through_both_doors(
    app: Kettle, client: KettleClient, attribute: str, header: str, assigned: Any, sent: str,
    read_back: Any,
) -> None:
    @app.route("/p")
    def p() -> Response:
        response = Response("x")
        setattr(response, attribute, assigned)
        return response

    response = client.get("/p")
    assert response.headers[header] == sent
    assert getattr(response, attribute) == read_back
    setattr(response, attribute, None)
    assert header not in response.headers
    assert getattr(response, attribute) in (None, False)


def test_retry_after_seconds() -> None:
    response = Response()
    response.retry_after = 30
    assert response.headers["Retry-After"] == "30"
    assert response.retry_after is not None
    delta = response.retry_after - datetime.now(UTC)
    assert timedelta(seconds=25) < delta <= timedelta(seconds=30)


def test_malformed_values_read_as_none() -> None:
    response = Response(headers={"Expires": "soon", "Access-Control-Max-Age": "ten",
                                 "Age": "-1", "Content-Range": "bytes 9-1/10"})
    assert response.expires is None and response.access_control_max_age is None
    assert response.age is None
    assert not response.content_range and response.content_range.units is None


def test_content_range_and_www_authenticate(app: Kettle, client: KettleClient) -> None:
    @app.route("/cr")
    def cr() -> Response:
        response = Response("x", 401)
        response.content_range.set(0, 10, 100)
        response.www_authenticate.realm = 'my "app"'
        return response

    response = client.get("/cr")
    assert response.headers["Content-Range"] == "bytes 0-9/100"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="my \\"app\\""'
    assert (response.content_range.start, response.content_range.stop) == (0, 10)
    assert response.content_range.length == 100
    assert response.www_authenticate.type == "basic"
    assert response.www_authenticate.realm == 'my "app"'
    response.content_range.unset()
    assert "Content-Range" not in response.headers
    response.www_authenticate = WWWAuthenticate("bearer", {"error": "invalid_token"})
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_content_security_policy(app: Kettle, client: KettleClient) -> None:
    @app.route("/csp")
    def csp() -> Response:
        response = Response("x")
        response.content_security_policy.default_src = "'self'"
        response.content_security_policy.img_src = "*"
        response.content_security_policy_report_only = "script-src 'none'"
        return response

    response = client.get("/csp")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; img-src *"
    assert response.content_security_policy.img_src == "*"
    assert response.content_security_policy_report_only.script_src == "'none'"


def test_mimetype_params_write_back(app: Kettle, client: KettleClient) -> None:
    @app.route("/mt")
    def mt() -> Response:
        response = Response("x", mimetype="text/plain")
        response.mimetype_params["charset"] = "latin-1"
        response.mimetype_params["format"] = "flowed fixed"
        return response

    response = client.get("/mt")
    assert response.headers["Content-Type"] == 'text/plain; charset=latin-1; format="flowed fixed"'
    assert response.mimetype_params == {"charset": "latin-1", "format": "flowed fixed"}


# -- entity tags and conditional responses ---------------------------------------------------


def test_set_get_add_etag() -> None:
    response = Response("hello")
    assert response.get_etag() == (None, None)
    response.set_etag("v1", weak=True)
    assert response.headers["ETag"] == 'W/"v1"' and response.get_etag() == ("v1", True)
    response.add_etag()
    assert response.get_etag() == ("v1", True)  # not overwritten
    response.add_etag(overwrite=True)
    tag, weak = response.get_etag()
    assert weak is False and tag is not None and len(tag) == 40
    other = Response("other")
    other.add_etag()
    assert other.get_etag()[0] != tag
    with pytest.raises(ValueError):
        response.set_etag('bad"tag')


@pytest.fixture
def conditional(app: Kettle) -> Kettle:
    @app.route("/doc", methods=["GET", "HEAD", "POST"])
    def doc() -> Response:
        response = Response("0123456789", mimetype="text/plain")
        response.set_etag("v1")
        response.last_modified = WHEN
        return response.make_conditional(request, accept_ranges=True)

    return app


def test_make_conditional_not_modified(conditional: Kettle, client: KettleClient) -> None:
    response = client.get("/doc", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == '"v1"'
    response = client.get("/doc", headers={"If-Modified-Since": WHEN_HTTP})
    assert response.status_code == 304
    response = client.get("/doc", headers={"If-None-Match": '"v2"'})
    assert response.status_code == 200 and response.data == b"0123456789"
    assert response.headers["Accept-Ranges"] == "bytes" and "Date" in response.headers


def test_make_conditional_precondition_failed(conditional: Kettle, client: KettleClient) -> None:
    assert client.get("/doc", headers={"If-Match": '"v2"'}).status_code == 412
    assert client.get("/doc", headers={"If-Match": '"v1"'}).status_code == 200
    earlier = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert client.get("/doc", headers={"If-Unmodified-Since": earlier}).status_code == 412
    # other methods are left alone, as in Werkzeug
    assert client.post("/doc", headers={"If-Match": '"v2"'}).status_code == 200


def test_make_conditional_ranges(conditional: Kettle, client: KettleClient) -> None:
    response = client.get("/doc", headers={"Range": "bytes=2-4"})
    assert response.status_code == 206 and response.data == b"234"
    assert response.headers["Content-Range"] == "bytes 2-4/10"
    assert response.headers["Content-Length"] == "3"
    response = client.get("/doc", headers={"Range": "bytes=-3"})
    assert response.data == b"789"
    response = client.get("/doc", headers={"Range": "bytes=0-0,8-"})
    assert response.status_code == 206
    assert response.headers["Content-Type"].startswith("multipart/byteranges")
    assert b"Content-Range: bytes 8-9/10" in response.data
    response = client.get("/doc", headers={"Range": "bytes=50-"})
    assert response.status_code == 416 and response.headers["Content-Range"] == "bytes */10"
    response = client.get("/doc", headers={"Range": "bytes=2-4", "If-Range": '"old"'})
    assert response.status_code == 200 and response.data == b"0123456789"
    response = client.get("/doc", headers={"Range": "bytes=2-4", "If-Range": '"v1"'})
    assert response.status_code == 206


def test_make_conditional_with_an_environ_and_weak_tags() -> None:
    environ = BaseEnvironBuilder(headers={"If-None-Match": 'W/"w"'}).get_environ()
    response = Response("x")
    response.set_etag("w", weak=True)
    assert response.make_conditional(environ).status_code == 304
    environ = BaseEnvironBuilder(headers={"If-Match": '"w"'}).get_environ()
    response = Response("x")
    response.set_etag("w", weak=True)
    assert response.make_conditional(environ).status_code == 412  # strong comparison


# -- WSGI plumbing -------------------------------------------------------------------------


def test_response_is_a_wsgi_app_and_from_app() -> None:
    response = Response("hi", mimetype="text/plain", headers={"X-A": "1"})
    environ = BaseEnvironBuilder().get_environ()
    app_iter, status, headers = response.get_wsgi_response(environ)
    assert (list(app_iter), status) == ([b"hi"], "200 OK")
    assert ("Content-Length", "2") in headers and ("X-A", "1") in headers
    copy = Response.from_app(Response("hi", 201), environ, buffered=True)
    assert (copy.status_code, copy.get_data()) == (201, b"hi")
    head = BaseEnvironBuilder(method="HEAD").get_environ()
    assert list(Response("hi").get_app_iter(head)) == []
    assert list(Response("hi", 304).get_app_iter(environ)) == []


def test_force_type() -> None:
    class MyResponse(Response):
        pass

    original = Response("x")
    forced = MyResponse.force_type(original)
    assert forced is original and type(forced) is MyResponse
    environ = BaseEnvironBuilder().get_environ()
    from_wsgi = MyResponse.force_type(Response("wsgi", 202), environ)
    assert type(from_wsgi) is MyResponse and from_wsgi.status_code == 202
    assert from_wsgi.get_data() == b"wsgi"
    with pytest.raises(TypeError, match="needs an environ"):
        MyResponse.force_type(lambda e, s: [])


def test_sequences_freeze_and_stream() -> None:
    streamed = Response(iter([b"a", "b"]))
    assert not streamed.is_sequence and streamed.calculate_content_length() is None
    streamed.make_sequence()
    assert streamed.is_sequence and streamed.calculate_content_length() == 2
    frozen = Response(iter([b"ab", b"c"]))
    frozen.freeze()
    assert frozen.headers["Content-Length"] == "3"
    assert pickle.loads(pickle.dumps(frozen)).get_data() == b"abc"
    writer = Response(mimetype="text/plain")
    writer.stream.write("hello ")
    writer.stream.writelines([b"wor", "ld"])
    assert writer.get_data() == b"hello world" and writer.stream.tell() == 11


def test_stream_write_through_both_doors(app: Kettle, client: KettleClient) -> None:
    @app.route("/w")
    def w() -> Response:
        response = Response(mimetype="text/plain")
        response.stream.write("line 1\n")
        response.stream.write(b"line 2\n")
        return response

    response = client.get("/w")
    assert response.data == b"line 1\nline 2\n"
    assert response.headers["Content-Length"] == "14"


def test_class_flags_and_json_module(app: Kettle) -> None:
    import kettle.json

    assert Response.json_module is kettle.json
    assert Response.implicit_sequence_conversion is True
    assert Response.autocorrect_location_header is False
    assert Response.automatically_set_content_length is True
    assert Response("x").max_cookie_size == 4093
    app.config["MAX_COOKIE_SIZE"] = 100
    with app.test_request_context():
        assert Response("x").max_cookie_size == 100
