"""``Response``, what views may return, ``make_response``, cookies, ``redirect`` and ``abort``.

Behaviour is checked on what the client receives (``client`` fixture: every door).
"""

from __future__ import annotations

import dataclasses
import html
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import msgspec
import pytest

from kettle import Headers, Kettle, Response, abort, make_response, redirect, request
from kettle.testing import KettleClient


def _cookie_attributes(header: str) -> tuple[str, dict[str, str]]:
    """``"a=b; Path=/; Secure"`` -> ``("a=b", {"path": "/", "secure": ""})``."""
    first, *rest = header.split("; ")
    attributes = {}
    for item in rest:
        name, _, value = item.partition("=")
        attributes[name.lower()] = value
    return first, attributes


# -- the Response object -----------------------------------------------------


def test_response_defaults() -> None:
    response = Response()
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.data == b""
    assert response.mimetype == "text/html"
    assert response.content_type == "text/html; charset=utf-8"
    assert response.content_length == 0
    assert not response.is_streamed


def test_response_constructor_arguments() -> None:
    response = Response("créé", 201, {"X-Id": "7"}, mimetype="text/plain")
    assert response.status_code == 201
    assert response.get_data() == "créé".encode()
    assert response.get_data(as_text=True) == "créé"
    assert response.text == "créé"
    assert response.headers["X-Id"] == "7"
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.mimetype == "text/plain"
    assert response.content_length == len("créé".encode())


def test_response_content_type_is_kept_as_given() -> None:
    response = Response(b"{}", content_type="application/json; charset=latin-1")
    assert response.headers["Content-Type"] == "application/json; charset=latin-1"
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    ("mimetype", "content_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/json", "application/json"),
        ("application/xml", "application/xml; charset=utf-8"),
        ("image/svg+xml", "image/svg+xml; charset=utf-8"),
        ("application/atom+xml", "application/atom+xml; charset=utf-8"),
        ("image/png", "image/png"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
def test_mimetype_gets_a_charset_when_it_is_text(mimetype: str, content_type: str) -> None:
    assert Response("x", mimetype=mimetype).content_type == content_type


def test_headers_argument_forms() -> None:
    from_dict = Response("x", headers={"X-A": "1", "X-Multi": ["a", "b"]})
    assert from_dict.headers.getlist("X-Multi") == ["a", "b"]
    from_list = Response("x", headers=[("X-A", "1"), ("X-A", "2")])
    assert from_list.headers.getlist("x-a") == ["1", "2"]
    headers = Headers({"X-B": "3"})
    assert Response("x", headers=headers).headers["X-B"] == "3"


def test_content_type_header_is_not_overridden_by_default_mimetype() -> None:
    response = Response("a,b", headers={"Content-Type": "text/csv"})
    assert response.content_type == "text/csv"
    overridden = Response("a,b", headers={"Content-Type": "text/csv"}, mimetype="text/plain")
    assert overridden.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("status", "code"),
    [(201, 201), ("201 CREATED", 201), ("404", 404), (" 418 I'm a teapot ", 418),
     (HTTPStatus.ACCEPTED, 202), ("299 Custom Thing", 299)],
)
def test_status_from_int_or_string(status: Any, code: int) -> None:
    response = Response("x", status)
    assert response.status_code == code
    assert type(response.status_code) is int
    assert response.status.startswith(f"{code} ")


def test_status_line_uses_the_standard_phrase() -> None:
    assert Response(status=404).status == "404 Not Found"
    assert Response(status=299).status == "299 UNKNOWN"
    response = Response()
    response.status = 503
    assert (response.status_code, response.status) == (503, "503 Service Unavailable")
    response.status_code = 204
    assert response.status == "204 No Content"


@pytest.mark.parametrize("bad", ["OK", "", "abc 200"])
def test_status_string_without_a_code_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Response("x", bad)


def test_status_of_another_type_is_refused() -> None:
    with pytest.raises(TypeError):
        Response("x", 200.0)  # type: ignore[arg-type]


def test_set_data_updates_content_length() -> None:
    response = Response("short")
    response.headers["Content-Length"] = "5"
    response.set_data("much longer é")
    assert response.get_data() == "much longer é".encode()
    assert response.headers["Content-Length"] == str(len("much longer é".encode()))
    response.data = b"\x00\x01"
    assert (response.data, response.content_length) == (b"\x00\x01", 2)


def test_streamed_body_is_joined_by_get_data() -> None:
    response = Response(iter(["a", b"b", bytearray(b"c"), memoryview(b"d"), ""]))
    assert response.is_streamed
    assert response.content_length is None
    assert response.get_data() == b"abcd"
    assert not response.is_streamed
    assert response.get_data(as_text=True) == "abcd"


def test_streamed_chunks_must_be_text_or_bytes() -> None:
    response = Response(iter([b"a", 10**6]))
    with pytest.raises(TypeError, match="int"):
        response.get_data()


def test_location_property() -> None:
    response = Response(status=303)
    response.location = "/next"
    assert response.headers["Location"] == "/next" == response.location
    assert Response().location is None


def test_content_type_and_mimetype_setters() -> None:
    response = Response("x")
    response.mimetype = "text/plain"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    response.content_type = "application/pdf"
    assert (response.mimetype, response.content_type) == ("application/pdf", "application/pdf")


def test_call_on_close_runs_after_the_response_is_sent(app: Kettle, client: KettleClient) -> None:
    closed: list[str] = []

    @app.route("/")
    def index() -> Response:
        response = Response("body")
        response.call_on_close(lambda: closed.append("done"))
        return response

    assert client.get("/").data == b"body"
    assert closed == ["done"]


def test_response_repr() -> None:
    assert repr(Response("abc", 201)) == "<Response 3 bytes [201 Created]>"
    assert repr(Response(iter([]))) == "<Response streamed [200 OK]>"


# -- what a view may return --------------------------------------------------


def test_return_str(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        return "Héllo, kettle!"

    response = client.get("/")
    assert response.status_code == 200
    assert response.data == "Héllo, kettle!".encode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len("Héllo, kettle!".encode()))


def test_return_bytes(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> bytes:
        return b"\x00\xffbinary"

    response = client.get("/")
    assert response.data == b"\x00\xffbinary"
    assert response.content_length == 8


def test_return_dict_and_list_are_json(app: Kettle, client: KettleClient) -> None:
    @app.route("/dict")
    def as_dict() -> dict[str, Any]:
        return {"a": [1, 2], "é": None}

    @app.route("/list")
    def as_list() -> list[Any]:
        return [1, "two", {"three": 3}]

    response = client.get("/dict")
    assert response.mimetype == "application/json"
    assert response.json == {"a": [1, 2], "é": None}
    assert client.get("/list").json == [1, "two", {"three": 3}]


def test_return_body_and_status(app: Kettle, client: KettleClient) -> None:
    @app.route("/int")
    def as_int() -> tuple[str, int]:
        return "created", 201

    @app.route("/str")
    def as_str() -> tuple[str, str]:
        return "accepted", "202 ACCEPTED"

    @app.route("/json")
    def as_json() -> tuple[dict[str, Any], int]:
        return {"error": "nope"}, 422

    @app.route("/enum")
    def as_enum() -> tuple[str, HTTPStatus]:
        return "gone", HTTPStatus.GONE

    assert (client.get("/int").status_code, client.get("/int").text) == (201, "created")
    assert client.get("/str").status_code == 202
    response = client.get("/json")
    assert (response.status_code, response.json) == (422, {"error": "nope"})
    assert client.get("/enum").status_code == 410


def test_return_body_and_headers_dict(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Trace": "abc", "Content-Type": "text/plain"}

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Trace"] == "abc"
    assert response.headers.getlist("Content-Type") == ["text/plain"]


def test_return_body_and_headers_list_keeps_repeated_names(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> tuple[str, list[tuple[str, str]]]:
        return "x", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-One", "1")]

    response = client.get("/")
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["X-One"] == "1"


def test_return_body_and_headers_tuple_of_pairs(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, tuple[tuple[str, str], ...]]:
        return "x", (("X-A", "1"),)

    assert client.get("/").headers["X-A"] == "1"


def test_return_body_status_and_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[dict[str, int], int, dict[str, Any]]:
        return {"id": 5}, 201, {"Location": "/items/5", "X-Tags": ["a", "b"]}

    response = client.get("/")
    assert response.status_code == 201
    assert response.json == {"id": 5}
    assert response.headers["Location"] == "/items/5"
    assert response.headers.getlist("X-Tags") == ["a", "b"]


def test_tuple_headers_replace_the_bodys_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[Response, int, dict[str, str]]:
        return Response("x", headers={"X-A": "old", "X-B": "keep"}), 202, {"x-a": "new"}

    response = client.get("/")
    assert response.status_code == 202
    assert response.headers.getlist("X-A") == ["new"]
    assert response.headers["X-B"] == "keep"


def test_return_response_object(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("teapot", 418, {"X-Brew": "green"}, mimetype="text/plain")

    response = client.get("/")
    assert response.status_code == 418
    assert response.text == "teapot"
    assert response.headers["X-Brew"] == "green"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_return_generator_is_streamed_whole(app: Kettle, client: KettleClient) -> None:
    produced: list[int] = []

    @app.route("/")
    def index() -> Iterator[str]:
        def generate() -> Iterator[str]:
            for i in range(10_000):
                produced.append(i)
                yield f"{i},"

        return generate()

    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "".join(f"{i}," for i in range(10_000))
    assert "Content-Length" not in response.headers
    assert len(produced) == 10_000


def test_generator_runs_after_the_view_returns(app: Kettle, client: KettleClient) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> Iterator[bytes]:
        def generate() -> Iterator[bytes]:
            events.append("generating")
            yield b"x"

        events.append("view returned")
        return generate()

    assert client.get("/").data == b"x"
    assert events == ["view returned", "generating"]


def test_return_iterator_and_file(app: Kettle, client: KettleClient) -> None:
    @app.route("/iter")
    def as_iter() -> Iterator[bytes]:
        return iter([b"ab", b"", b"cd"])

    @app.route("/file")
    def as_file() -> io.BytesIO:
        return io.BytesIO(b"line 1\nline 2\n")

    assert client.get("/iter").data == b"abcd"
    assert client.get("/file").data == b"line 1\nline 2\n"


def test_streamed_response_with_status_and_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[Iterator[str], int, dict[str, str]]:
        return (c for c in "abc"), 206, {"Content-Type": "text/plain"}

    response = client.get("/")
    assert (response.status_code, response.text) == (206, "abc")
    assert response.headers["Content-Type"] == "text/plain"


def test_generator_yielding_an_int_is_an_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Iterator[Any]:
        return (x for x in [b"ok", 5])

    with pytest.raises(TypeError, match="int"):
        client.get("/")


class Prediction(msgspec.Struct):
    label: str
    score: float


@dataclasses.dataclass
class Item:
    id: int
    tags: list[str]


def test_return_msgspec_struct_is_json(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Prediction:
        return Prediction("cat", 0.75)

    response = client.get("/")
    assert response.mimetype == "application/json"
    assert response.json == {"label": "cat", "score": 0.75}


def test_return_dataclass_is_json(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[Item, int]:
        return Item(3, ["a"]), 201

    response = client.get("/")
    assert response.status_code == 201
    assert response.json == {"id": 3, "tags": ["a"]}


def test_return_none_is_a_type_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> None:
        pass

    with pytest.raises(TypeError, match="None"):
        client.get("/")


def test_return_none_is_a_500_in_production(app: Kettle, client: KettleClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> None:
        return None

    response = client.get("/")
    assert response.status_code == 500
    assert "Internal Server Error" in response.text


@pytest.mark.parametrize(
    "value",
    [42, 1.5, {1, 2}, range(3), object(), ("only body",), ("a", 200, {}, "extra")],
    ids=["int", "float", "set", "range", "object", "1-tuple", "4-tuple"],
)
def test_return_of_an_unsupported_type_is_a_type_error(
    app: Kettle, client: KettleClient, value: Any
) -> None:
    @app.route("/")
    def index() -> Any:
        return value

    with pytest.raises(TypeError):
        client.get("/")


def test_return_an_http_exception(app: Kettle, client: KettleClient) -> None:
    from kettle.errors import Forbidden

    @app.route("/")
    def index() -> Any:
        return Forbidden("Members only.")

    response = client.get("/")
    assert response.status_code == 403
    assert "Members only." in response.text


# -- make_response -----------------------------------------------------------


def test_make_response_forms(app: Kettle, client: KettleClient) -> None:
    @app.route("/empty")
    def empty() -> Response:
        response = make_response()
        response.headers["X-Empty"] = "1"
        return response

    @app.route("/body")
    def body() -> Response:
        return make_response("text")

    @app.route("/args")
    def args() -> Response:
        return make_response("made", 203, {"X-Made": "yes"})

    @app.route("/tuple")
    def as_tuple() -> Response:
        return make_response(({"a": 1}, 202))

    @app.route("/dict")
    def as_dict() -> Response:
        response = make_response({"a": 1})
        response.headers["X-Extra"] = "1"
        return response

    response = client.get("/empty")
    assert (response.status_code, response.data, response.headers["X-Empty"]) == (200, b"", "1")
    assert client.get("/body").text == "text"
    response = client.get("/args")
    assert (response.status_code, response.text) == (203, "made")
    assert response.headers["X-Made"] == "yes"
    response = client.get("/tuple")
    assert (response.status_code, response.json) == (202, {"a": 1})
    response = client.get("/dict")
    assert (response.json, response.headers["X-Extra"]) == ({"a": 1}, "1")


def test_make_response_returns_a_response_unchanged(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        original = Response("x")
        return str(make_response(original) is original)

    assert client.get("/").text == "True"


# -- cookies -----------------------------------------------------------------


def test_set_cookie_with_every_attribute(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie(
            "sid", "abc123", max_age=3600, path="/app", domain="Example.COM", secure=True,
            httponly=True, samesite="strict", partitioned=True,
        )
        return response

    before = datetime.now(UTC).replace(microsecond=0)
    header = client.get("/").headers["Set-Cookie"]
    after = datetime.now(UTC)
    pair, attributes = _cookie_attributes(header)
    assert pair == "sid=abc123"
    assert attributes.pop("max-age") == "3600"
    expires = parsedate_to_datetime(attributes.pop("expires"))
    assert before + timedelta(seconds=3600) <= expires <= after + timedelta(seconds=3600)
    assert attributes == {
        "domain": "example.com",
        "path": "/app",
        "secure": "",
        "httponly": "",
        "samesite": "Strict",
        "partitioned": "",
    }


def test_set_cookie_defaults_to_a_session_cookie_on_root(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("theme", "dark")
        return response

    assert client.get("/").headers["Set-Cookie"] == "theme=dark; Path=/"


def test_set_cookie_max_age_timedelta(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", "1", max_age=timedelta(days=2, seconds=5))
        return response

    _, attributes = _cookie_attributes(client.get("/").headers["Set-Cookie"])
    assert attributes["max-age"] == str(2 * 86400 + 5)


@pytest.mark.parametrize(
    ("expires", "text"),
    [
        (datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC), "Tue, 06 May 2031 07:08:09 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        ("Wed, 21 Oct 2037 07:28:00 GMT", "Wed, 21 Oct 2037 07:28:00 GMT"),
    ],
)
def test_set_cookie_expires(app: Kettle, client: KettleClient, expires: Any, text: str) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", "1", expires=expires)
        return response

    _, attributes = _cookie_attributes(client.get("/").headers["Set-Cookie"])
    assert attributes["expires"] == text
    assert "max-age" not in attributes


@pytest.mark.parametrize("samesite", ["Lax", "lax", "None", "Strict"])
def test_set_cookie_samesite_values(app: Kettle, client: KettleClient, samesite: str) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", "1", samesite=samesite)
        return response

    _, attributes = _cookie_attributes(client.get("/").headers["Set-Cookie"])
    assert attributes["samesite"] == samesite.capitalize()


def test_several_cookies_are_several_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", httponly=True)
        return response

    assert client.get("/").headers.getlist("Set-Cookie") == [
        "a=1; Path=/",
        "b=2; HttpOnly; Path=/",
    ]


def test_cookie_round_trip_through_the_client(app: Kettle, client: KettleClient) -> None:
    value = 'a "quoted"; value, with \\ and é'

    @app.route("/set")
    def set_it() -> Response:
        response = make_response("ok")
        response.set_cookie("odd", value)
        return response

    @app.route("/get")
    def get_it() -> str:
        return request.cookies["odd"]

    header = client.get("/set").headers["Set-Cookie"]
    # Quoted and escaped: the ";" and "," never end the value or start an attribute.
    pair, attributes = _cookie_attributes(header)
    assert attributes == {"path": "/"}
    assert pair.startswith('odd="') and pair.endswith('"')
    assert client.get("/get").text == value


@pytest.mark.parametrize(
    "value", ["a\r\nSet-Cookie: admin=1", "a\nX-Evil: 1", "a\rb", "a\x00b", "tab\there"]
)
def test_cookie_value_with_control_characters_is_refused(
    app: Kettle, client: KettleClient, value: str
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", value)
        return response

    with pytest.raises(ValueError):
        client.get("/")


def test_cookie_value_with_a_semicolon_cannot_add_attributes(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.set_cookie("a", "x; Domain=evil.com; Max-Age=99999")
        return response

    header = client.get("/").headers["Set-Cookie"]
    pair, attributes = _cookie_attributes(header)
    assert attributes == {"path": "/"}
    assert "evil.com" in pair


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "a b"},
        {"key": "a;b"},
        {"key": "a\r\nX: 1"},
        {"key": ""},
        {"path": "/x;Domain=evil.com"},
        {"path": "/x\r\nX: 1"},
        {"domain": "evil.com; Secure"},
        {"domain": "a.com\nX: 1"},
        {"samesite": "Sometimes"},
        {"expires": "Wed, 21 Oct 2037; Domain=x"},
    ],
)
def test_unsafe_cookie_arguments_are_refused(
    app: Kettle, client: KettleClient, kwargs: dict[str, Any]
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        arguments = {"key": "a", "value": "1", **kwargs}
        response.set_cookie(**arguments)
        return response

    with pytest.raises(ValueError):
        client.get("/")


def test_delete_cookie(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("ok")
        response.delete_cookie("sid", path="/app", domain="example.com", secure=True,
                               httponly=True, samesite="Lax")
        return response

    pair, attributes = _cookie_attributes(client.get("/").headers["Set-Cookie"])
    assert pair == "sid="
    assert parsedate_to_datetime(attributes.pop("expires")) == datetime(1970, 1, 1, tzinfo=UTC)
    assert attributes == {
        "max-age": "0",
        "domain": "example.com",
        "path": "/app",
        "secure": "",
        "httponly": "",
        "samesite": "Lax",
    }


def test_delete_cookie_removes_it_from_the_client(app: Kettle, client: KettleClient) -> None:
    @app.route("/login")
    def login() -> Response:
        response = make_response("in")
        response.set_cookie("sid", "s3cret")
        return response

    @app.route("/logout")
    def logout() -> Response:
        response = make_response("out")
        response.delete_cookie("sid")
        return response

    @app.route("/who")
    def who() -> str:
        return request.cookies.get("sid", "nobody")

    client.get("/login")
    assert client.get("/who").text == "s3cret"
    client.get("/logout")
    assert client.get("/who").text == "nobody"


# -- redirect ----------------------------------------------------------------


def test_redirect_default_is_302(app: Kettle, client: KettleClient) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/new")

    @app.route("/new")
    def new() -> str:
        return "new page"

    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"
    assert response.mimetype == "text/html"
    assert 'href="/new"' in response.text
    assert client.get("/old", follow_redirects=True).text == "new page"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_codes(app: Kettle, client: KettleClient, code: int) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("https://example.com/x", code)

    response = client.get("/")
    assert response.status_code == code
    assert response.headers["Location"] == "https://example.com/x"


def test_redirect_body_escapes_the_url(app: Kettle, client: KettleClient) -> None:
    target = '/search?q="><script>alert(1)</script>&x=1'

    @app.route("/")
    def index() -> Response:
        return redirect(target)

    response = client.get("/")
    assert "<script>" not in response.text
    assert html.escape(target) in response.text
    # The header carries no quote or angle bracket either.
    assert response.headers["Location"] == "/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x=1"


def test_redirect_to_a_non_ascii_location_is_percent_encoded(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("/wiki/Crème brûlée?q=é#çà")

    location = client.get("/").headers["Location"]
    assert location == "/wiki/Cr%C3%A8me%20br%C3%BBl%C3%A9e?q=%C3%A9#%C3%A7%C3%A0"
    assert location.isascii()


def test_redirect_keeps_existing_escapes(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("/a%20b?next=%2Fhome")

    assert client.get("/").headers["Location"] == "/a%20b?next=%2Fhome"


def test_redirect_location_cannot_inject_a_header(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("/x\r\nSet-Cookie: admin=1")

    response = client.get("/")
    assert response.headers["Location"] == "/x%0D%0ASet-Cookie:%20admin=1"
    assert "Set-Cookie" not in response.headers


def test_redirect_with_a_response_class(app: Kettle, client: KettleClient) -> None:
    class MyResponse(Response):
        pass

    @app.route("/")
    def index() -> str:
        return type(redirect("/x", Response=MyResponse)).__name__

    assert client.get("/").text == "MyResponse"


# -- abort -------------------------------------------------------------------


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 409, 410, 418, 422, 429, 500, 503])
def test_abort_with_a_status(app: Kettle, client: KettleClient, code: int) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        abort(code)

    response = client.get("/")
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert HTTPStatus(code).phrase.split()[0] in html.unescape(response.text)


def test_abort_with_a_description(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(404, "No <b>such</b> user.")

    response = client.get("/")
    assert response.status_code == 404
    assert "No &lt;b&gt;such&lt;/b&gt; user." in response.text


def test_abort_description_as_json(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(409, "Already exists.")

    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.json == {"code": 409, "name": "Conflict", "description": "Already exists."}


def test_abort_with_a_response(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(Response("custom refusal", 402, {"X-Why": "pay"}))

    response = client.get("/")
    assert response.status_code == 402
    assert response.text == "custom refusal"
    assert response.headers["X-Why"] == "pay"


def test_abort_with_an_unknown_code_is_an_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(299)

    with pytest.raises(LookupError):
        client.get("/")


# -- headers on every response -----------------------------------------------


def test_nosniff_on_every_response(app: Kettle, client: KettleClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/json")
    def json() -> dict[str, int]:
        return {"a": 1}

    @app.route("/stream")
    def stream() -> Iterator[str]:
        return iter(["a"])

    @app.route("/redirect")
    def moved() -> Response:
        return redirect("/ok")

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.route("/abort")
    def aborted() -> str:
        abort(403)

    for path in ["/ok", "/json", "/stream", "/redirect", "/boom", "/abort", "/missing"]:
        response = client.get(path)
        assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"], path
    assert client.post("/ok").headers["X-Content-Type-Options"] == "nosniff"  # 405
    assert client.head("/ok").headers["X-Content-Type-Options"] == "nosniff"
    assert client.options("/ok").headers["X-Content-Type-Options"] == "nosniff"


def test_a_views_own_content_type_options_header_wins(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Content-Type-Options": "custom"}

    assert client.get("/").headers.getlist("X-Content-Type-Options") == ["custom"]


def test_head_has_the_get_headers_and_no_body(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "Héllo" * 100, {"X-Custom": "1"}

    get = client.get("/")
    head = client.head("/")
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert get.data == "Héllo".encode() * 100
    assert dict(head.headers.items()) == dict(get.headers.items())
    assert head.headers["Content-Length"] == str(len(get.data))


def test_head_of_a_streamed_response(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Iterator[str]:
        return iter(["a", "b"])

    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == client.get("/").headers["Content-Type"]


def test_head_of_a_json_view(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"a": "b"}

    head = client.head("/")
    assert head.data == b""
    assert head.headers["Content-Type"] == "application/json"
    assert head.headers["Content-Length"] == str(len(b'{"a":"b"}'))


def test_header_values_with_newlines_are_refused(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Evil": "a\r\nSet-Cookie: admin=1"}

    with pytest.raises(ValueError):
        client.get("/")


@pytest.mark.parametrize("value", ["\u4e2d", "a\u2028b", "\U0001f375"])
def test_header_values_outside_latin_1_are_the_views_error(door: str, value: str) -> None:
    """HTTP sends header values as latin-1 (PEP 3333, ASGI): another character is refused
    where the view sets it, a logged 500, never an error out of the app callable."""
    app = Kettle("latin1")

    @app.route("/tuple")
    def as_tuple() -> tuple[str, dict[str, str]]:
        return "x", {"X-Text": value}

    @app.route("/set")
    def as_set() -> Response:
        response = make_response("x")
        response.headers["X-Text"] = value
        return response

    with app.test_client(asgi=door == "asgi") as client:
        assert client.get("/tuple").status_code == 500
        assert client.get("/set").status_code == 500
    with pytest.raises(ValueError, match="latin-1"):
        Response("x").headers.add("X-Text", value)


def test_latin_1_header_values_are_sent(client: KettleClient, app: Kettle) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "x", {"X-Text": "caf\u00e9"}

    assert client.get("/").headers["X-Text"] == "caf\u00e9"


def test_header_value_types_are_stringified(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, Any]]:
        return "x", {"X-Int": 5, "X-Float": 1.5}

    response = client.get("/")
    assert (response.headers["X-Int"], response.headers["X-Float"]) == ("5", "1.5")


def test_iter_encoded_and_content_length_header() -> None:
    assert list(Response("abc").iter_encoded()) == [b"abc"]
    assert list(Response(iter(["a", b"b"])).iter_encoded()) == [b"a", b"b"]
    response = Response("abc")
    response.headers["Content-Length"] = "not a number"
    assert response.content_length is None


def test_return_pydantic_model_is_json(app: Kettle, client: KettleClient) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Order(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        id: int
        when: datetime

    @app.route("/")
    def index() -> Any:
        return Order(id=1, when=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)), 201

    response = client.get("/")
    assert response.status_code == 201
    assert response.json == {"id": 1, "when": "2024-01-02T03:04:05Z"}


@pytest.mark.parametrize("code", [204, 304])
def test_no_content_statuses_send_no_body_and_no_content_headers(
    app: Kettle, client: KettleClient, code: int
) -> None:
    @app.route("/")
    def index() -> tuple[str, int]:
        return "ignored body", code

    response = client.get("/")
    assert response.status_code == code
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_return_async_generator_is_streamed_whole(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    async def index() -> Any:
        async def generate() -> Any:
            for i in range(1000):
                yield f"{i};"
            yield b"end"

        return generate()

    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "".join(f"{i};" for i in range(1000)) + "end"
    assert "Content-Length" not in response.headers


def test_async_generator_yielding_an_int_is_an_error(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    async def index() -> Any:
        async def generate() -> Any:
            yield b"ok"
            yield 5

        return generate()

    with pytest.raises(TypeError, match="int"):
        client.get("/")


def test_aiter_encoded_encodes_async_chunks() -> None:
    import asyncio

    async def generate() -> Any:
        yield "é"
        yield b"b"
        yield bytearray(b"c")

    async def bad() -> Any:
        yield 3

    async def collect(response: Response) -> list[bytes]:
        return [chunk async for chunk in response.aiter_encoded()]

    assert asyncio.run(collect(Response(generate()))) == ["é".encode(), b"b", b"c"]
    assert asyncio.run(collect(Response("body"))) == [b"body"]
    with pytest.raises(TypeError, match="int"):
        asyncio.run(collect(Response(bad())))


def test_max_cookie_size_from_config_warns(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_COOKIE_SIZE"] = 50

    @app.route("/big")
    def big() -> Response:
        response = Response("ok")
        response.set_cookie("big", "x" * 100)
        return response

    with pytest.warns(UserWarning, match="cookie"):
        client.get("/big")
