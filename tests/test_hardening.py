"""Hostile input through both doors: converters bound what they convert, ``Content-Length`` is
bounded, the slash redirect encodes the query, a client gone mid-body is not a view error,
``get_data`` agrees across doors, ``Host`` is parsed strictly, header count and size are limited.

Where the test client would refuse or repair the input, the app callable is called directly
with an environ / scope built as servers build them (``apps.hostile``); ``door`` (conftest)
runs each test through WSGI and ASGI.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from apps.hostile import (
    RawRequest,
    asgi_scope,
    call,
    call_asgi_messages,
    call_wsgi,
    check_asgi_messages,
    create_app,
    wsgi_environ,
)

from kettle import Kettle, request
from kettle.routing import BaseConverter
from kettle.testing import KettleClient

HUGE = b"9" * 5000


@pytest.fixture
def hostile() -> Kettle:
    return create_app()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    """The ERROR records any logger emits while the test runs (a view failure is one)."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


# -- converters ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        b"/user/" + HUGE,
        b"/signed/-" + HUGE,
        b"/page-" + HUGE + b".html",
        b"/float/" + HUGE + b".5",
        b"/float/1" + b"0" * 400 + b".0",  # converts to inf: too large to be a float
        b"/uuid/" + b"a" * 5000,
        b"/files/" + b"a/" * 5000,
        b"/files/" + b"a/" * 3000 + b"edit/" + b"b/" * 3000,
        b"/short/" + b"x" * 5000,
        b"/user/" + b"1" * 1001,
    ],
)
def test_a_value_too_long_to_convert_is_404(
    hostile: Kettle, door: str, path: bytes, errors: list[logging.LogRecord]
) -> None:
    for method in (b"GET", b"POST"):  # POST: no rule allows it, the full search runs
        response = call(door, hostile, RawRequest(method=method, path=path))
        assert response.status == 404, (method, response.body[:200])
    assert errors == []


def test_the_longest_numbers_still_convert(app: Kettle, client: KettleClient) -> None:
    @app.get("/n/<int:n>")
    def number(n: int) -> str:
        return str(len(str(n)))

    @app.get("/page-<int:n>")
    def page(n: int) -> str:
        return str(len(str(n)))

    assert client.get("/n/" + "7" * 1000).text == "1000"
    assert client.get("/page-" + "7" * 1000).text == "1000"
    assert client.get("/n/" + "7" * 1001).status_code == 404
    assert client.get("/page-" + "7" * 1001).status_code == 404


def test_a_converter_that_fails_is_a_logged_500_not_an_escape(
    door: str, errors: list[logging.LogRecord]
) -> None:
    app = Kettle("broken")  # not TESTING: the error is answered, not propagated

    class Broken(BaseConverter):
        def to_python(self, value: str) -> Any:
            raise ValueError("a bug in the converter")

    app.url_map.converters["broken"] = Broken

    @app.get("/b/<broken:x>")
    def view(x: Any) -> str:
        return "never"

    response = call(door, app, RawRequest(path=b"/b/thing"))
    assert response.status == 500
    assert [record.getMessage() for record in errors] == ["Exception on /b/thing [GET]"]


# -- Content-Length ------------------------------------------------------------------------
@pytest.mark.parametrize("path", [b"/echo", b"/data", b"/form", b"/stream"])
def test_a_5000_digit_content_length_is_400(hostile: Kettle, door: str, path: bytes) -> None:
    raw = RawRequest(
        method=b"POST",
        path=path,
        headers=[(b"Content-Type", b"application/json"), (b"Content-Length", HUGE)],
        body=b"{}",
    )
    response = call(door, hostile, raw)
    assert response.status == 400, response.body[:300]
    assert b"Content-Length" in response.body


def test_a_content_length_of_20_digits_is_400_and_19_is_a_length(
    app: Kettle, client: KettleClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None

    @app.post("/")
    def index() -> str:
        return str(request.content_length)

    over = client.post("/", data=b"x", headers={"Content-Length": "1" + "0" * 19})
    assert over.status_code == 400
    assert client.post("/", data=b"x", headers={"Content-Length": "1"}).text == "1"


# -- the slash redirect --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "location"),
    [
        (b"a=1\nb=2", "/dir/?a=1%0Ab=2"),
        (b"a=1\r\nSet-Cookie:%20x=1", "/dir/?a=1%0D%0ASet-Cookie:%20x=1"),
        (b"a=\x00", "/dir/?a=%00"),
        (b"q=caf\xc3\xa9", "/dir/?q=caf%C3%A9"),  # UTF-8
        (b"q=caf\xe9", "/dir/?q=caf%EF%BF%BD"),  # not UTF-8: the replacement character
        (b"a=1&b=x+y&c=%41%zz", "/dir/?a=1&b=x+y&c=%41%zz"),  # delimiters kept as sent
        (b"a b\"<>", "/dir/?a%20b%22%3C%3E"),
    ],
)
def test_slash_redirect_encodes_the_query_in_location(
    hostile: Kettle, door: str, query: bytes, location: str
) -> None:
    response = call(door, hostile, RawRequest(path=b"/dir", query=query))
    assert response.status == 308
    assert response.header("Location") == location


# -- a client gone mid-body ----------------------------------------------------------------
def test_client_gone_mid_iter_body_under_asgi_is_quiet(
    hostile: Kettle, errors: list[logging.LogRecord]
) -> None:
    raw = RawRequest(method=b"POST", path=b"/stream", headers=[(b"Content-Length", b"100")])
    messages = [
        {"type": "http.request", "body": b"x" * 10, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = call_asgi_messages(hostile, asgi_scope(raw), messages)
    assert sent == []  # nobody to answer
    assert errors == []


def test_client_gone_mid_stream_read_in_a_sync_view_under_asgi_is_quiet(
    app: Kettle, errors: list[logging.LogRecord]
) -> None:
    @app.post("/sync", stream=True)
    def sync_view() -> str:
        return str(len(request.stream.read()))

    raw = RawRequest(method=b"POST", path=b"/sync", headers=[(b"Transfer-Encoding", b"chunked")])
    messages = [
        {"type": "http.request", "body": b"x" * 10, "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert call_asgi_messages(app, asgi_scope(raw), messages) == []
    assert errors == []


class _BrokenInput(io.RawIOBase):
    """``wsgi.input`` of a connection that drops after ``good`` bytes."""

    def __init__(self, good: bytes) -> None:
        self._good = io.BytesIO(good)

    def read(self, size: int = -1) -> bytes:
        data = self._good.read(size)
        if not data:
            raise OSError("connection reset by peer")
        return data


@pytest.mark.parametrize("framing", ["short", "reset"])
def test_client_gone_mid_iter_body_under_wsgi_is_a_quiet_400(
    hostile: Kettle, framing: str, errors: list[logging.LogRecord]
) -> None:
    raw = RawRequest(method=b"POST", path=b"/stream", headers=[(b"Content-Length", b"100")])
    environ = wsgi_environ(raw)
    good = b"x" * 10
    environ["wsgi.input"] = io.BytesIO(good) if framing == "short" else _BrokenInput(good)
    response = call_wsgi(hostile, environ)
    assert response.status == 400
    assert errors == []


# -- get_data through both doors -----------------------------------------------------------
BODIES: dict[str, dict[str, Any]] = {
    "json": {"data": b'{"a": [1, 2]}', "content_type": "application/json"},
    "text": {"data": "héllo".encode(), "content_type": "text/plain; charset=utf-8"},
    "urlencoded": {"data": b"a=1&b=%C3%A9", "content_type": "application/x-www-form-urlencoded"},
    "binary": {"data": bytes(range(256)), "content_type": "application/octet-stream"},
    "none": {"data": b"raw without a type"},
    "chunked": {
        "data": b"sent in chunks",
        "content_type": "text/plain",
        "headers": {"Transfer-Encoding": "chunked", "Content-Length": ""},
        "environ_overrides": {"wsgi.input_terminated": True},
    },
}


@pytest.mark.parametrize("kind", list(BODIES))
def test_get_data_is_the_body_through_both_doors(
    app: Kettle, client: KettleClient, kind: str
) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        first = request.get_data()
        return {"first": first.decode("latin-1"), "again": request.get_data() == first,
                "form": request.form.to_dict()}

    options = BODIES[kind]
    response = client.post("/", **options)
    assert response.status_code == 200, response.text
    assert response.json["first"] == options["data"].decode("latin-1")
    assert response.json["again"] is True
    if kind == "urlencoded":  # the form is parsed from the cached body
        assert response.json["form"] == {"a": "1", "b": "é"}


@pytest.mark.parametrize("order", ["get_data first", "form first", "parse_form_data"])
def test_get_data_of_a_multipart_body_is_empty_through_both_doors(
    app: Kettle, client: KettleClient, order: str
) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        if order == "form first":
            form = request.form.to_dict()
            data = request.get_data()
        else:
            data = request.get_data(parse_form_data=order == "parse_form_data")
            form = request.form.to_dict()
        return {"data": data.decode("latin-1"), "form": form, "files": sorted(request.files)}

    response = client.post(
        "/", data={"name": "kettle", "upload": (io.BytesIO(b"file body"), "f.txt")}
    )
    assert response.json == {"data": "", "form": {"name": "kettle"}, "files": ["upload"]}


# -- Host ----------------------------------------------------------------------------------
MALFORMED_HOSTS = [
    b"127.0.0.1:80@evil.example",  # a port, then userinfo
    b"user@127.0.0.1",
    b"127.0.0.1:8000,evil.example",  # two Host headers, merged by the server
    b"127.0.0.1:",
    b"127.0.0.1:8o",
    b"127.0.0.1:+80",
    b"127.0.0.1:65536",
    b"127.0.0.1:99999999999999999999",
    b"127.0.0.1 evil.example",
    b" 127.0.0.1",
    b"127.0.0.1/evil",
    b"127.0.0.1\\evil",
    b"caf\xc3\xa9.example",  # non-ASCII
    b"::1",  # IPv6 without brackets
    b"[::1",
    b"[not-ipv6]",
    b"127.0.0.1\x00",
    b"a" * 300,
]


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_a_malformed_host_is_400_before_trusted_hosts(door: str, host: bytes) -> None:
    app = create_app(TRUSTED_HOSTS=["127.0.0.1", "localhost", ".example"])
    response = call(door, app, RawRequest(path=b"/", host=host))
    assert response.status == 400, response.body[:200]


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_a_malformed_host_is_400_when_read(hostile: Kettle, door: str, host: bytes) -> None:
    """Without ``TRUSTED_HOSTS``, the host is parsed when something reads it."""
    assert call(door, hostile, RawRequest(path=b"/whoami", host=host)).status == 400
    assert call(door, hostile, RawRequest(path=b"/", host=host)).status == 200  # never read


@pytest.mark.parametrize(
    "host", [b"127.0.0.1", b"127.0.0.1:8000", b"[::1]:8000", b"Kettle.Example", b"a_b.example:1"]
)
def test_well_formed_hosts_pass(door: str, host: bytes) -> None:
    app = create_app(TRUSTED_HOSTS=["127.0.0.1", "::1", "[::1]", ".example"])
    response = call(door, app, RawRequest(path=b"/whoami", host=host))
    assert response.status == 200, response.body[:300]


def test_two_host_headers_are_400(door: str) -> None:
    """Under ASGI the two values arrive apart; under WSGI the server merged them."""
    app = create_app(TRUSTED_HOSTS=["127.0.0.1"])
    raw = RawRequest(path=b"/", headers=[(b"Host", b"127.0.0.1")], host=b"127.0.0.1")
    assert call(door, app, raw).status == 400


def test_no_host_header_uses_the_server_address(hostile: Kettle, door: str) -> None:
    for host in (None, b""):  # granian passes a missing Host as an empty one
        response = call(door, hostile, RawRequest(path=b"/whoami", host=host))
        assert response.status == 200
        assert b'"host":"127.0.0.1:8000"' in response.body


@pytest.mark.parametrize("forwarded", [b"evil.example@127.0.0.1", b"a b", b"127.0.0.1:99999"])
def test_a_malformed_x_forwarded_host_is_400(door: str, forwarded: bytes) -> None:
    app = create_app(PROXY_FIX={"x_host": 1}, TRUSTED_HOSTS=["127.0.0.1", "evil.example"])
    raw = RawRequest(path=b"/", headers=[(b"X-Forwarded-Host", forwarded)])
    assert call(door, app, raw).status == 400
    fine = RawRequest(path=b"/whoami", headers=[(b"X-Forwarded-Host", b"evil.example")])
    assert b'"host":"evil.example"' in call(door, app, fine).body


# -- header count and size -----------------------------------------------------------------
def many_headers(count: int) -> list[tuple[bytes, bytes]]:
    """``count`` header fields, the ``Host`` included."""
    return [(f"X-Header-{i}".encode(), b"v") for i in range(count - 1)]


@pytest.mark.parametrize("path", [b"/", b"/whoami", b"/no/such/page"])
def test_101_headers_are_431(hostile: Kettle, door: str, path: bytes) -> None:
    response = call(door, hostile, RawRequest(path=path, headers=many_headers(101)))
    assert response.status == 431
    assert b"MAX_REQUEST_HEADERS" in response.body
    assert call(door, hostile, RawRequest(path=path, headers=many_headers(100))).status != 431


def test_a_9_kib_header_is_431_when_read(hostile: Kettle, door: str) -> None:
    big = b"x" * (9 * 1024)
    for header in (b"User-Agent", b"Cookie", b"X-Anything"):
        response = call(door, hostile, RawRequest(path=b"/whoami", headers=[(header, big)]))
        if header == b"X-Anything":  # /whoami does not read it
            assert response.status == 200
            response = call(door, hostile, RawRequest(path=b"/headers", headers=[(header, big)]))
        assert response.status == 431, header
        assert b"MAX_REQUEST_HEADER_SIZE" in response.body
    host = RawRequest(path=b"/", host=b"a" * 9000)
    assert call(door, create_app(TRUSTED_HOSTS=["a"]), host).status == 431


def test_a_header_line_of_exactly_the_limit_passes(door: str) -> None:
    app = create_app(MAX_REQUEST_HEADER_SIZE=100)
    name = b"User-Agent"
    fits = b"x" * (100 - len(name) - 2)  # "User-Agent: xxx..." is 100 bytes
    assert call(door, app, RawRequest(path=b"/whoami", headers=[(name, fits)])).status == 200
    over = fits + b"x"
    assert call(door, app, RawRequest(path=b"/whoami", headers=[(name, over)])).status == 431


def test_header_limits_are_configurable(door: str) -> None:
    app = create_app(MAX_REQUEST_HEADERS=None, MAX_REQUEST_HEADER_SIZE=None)
    raw = RawRequest(path=b"/headers", headers=[*many_headers(300), (b"X-Big", b"x" * 20000)])
    assert call(door, app, raw).status == 200
    strict = create_app(MAX_REQUEST_HEADERS=3)
    assert call(door, strict, RawRequest(path=b"/", headers=many_headers(4))).status == 431
    assert call(door, strict, RawRequest(path=b"/", headers=many_headers(3))).status == 200


def test_431_is_answered_before_hooks(door: str) -> None:
    app = create_app()
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))  # type: ignore[func-returns-value]
    response = call(door, app, RawRequest(path=b"/", headers=many_headers(150)))
    assert response.status == 431
    assert seen == []


def test_the_test_client_sees_the_limits(app: Kettle, client: KettleClient) -> None:
    @app.get("/")
    def index() -> str:
        return request.headers.get("X-Big", "")

    assert client.get("/", headers={"X-Big": "x" * 9000}).status_code == 431
    headers = {f"X-H{i}": "v" for i in range(120)}
    assert client.get("/", headers=headers).status_code == 431


def test_a_websocket_handshake_with_too_many_headers_is_refused() -> None:
    app = create_app()

    @app.websocket("/ws")
    async def ws(websocket: Any) -> None:
        await websocket.accept()

    scope = asgi_scope(RawRequest(path=b"/ws", headers=many_headers(150)))
    scope["type"] = "websocket"
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi(scope, receive, send))
    assert sent and sent[0]["type"] in ("websocket.close", "websocket.http.response.start")
    assert not any(message["type"] == "websocket.accept" for message in sent)


def test_check_asgi_messages_refuses_a_str_header() -> None:
    """The response checker itself must fail on what it is there to catch."""
    with pytest.raises(AssertionError):
        check_asgi_messages([
            {"type": "http.response.start", "status": 200, "headers": [(b"a", "b")]},
        ])


# A server that copies the process environment into every environ (granian, wsgiref): in a
# container with many variables, every request is longer than the header gate.
PROCESS_ENVIRONMENT = {f"CONTAINER_VARIABLE_{i}": "x" for i in range(150)}


def environ_with(headers: int, extra: dict[str, str], software: str) -> dict[str, Any]:
    environ = wsgi_environ(RawRequest(path=b"/", headers=many_headers(headers)))
    environ.update(extra, SERVER_SOFTWARE=software)
    return environ


def test_header_count_under_a_server_that_copies_the_process_environment() -> None:
    app = create_app()
    for _ in range(3):  # before and after the door learns what this server always sends
        for count, status in ((1, 200), (100, 200), (101, 431), (99, 200), (140, 431)):
            environ = environ_with(count, PROCESS_ENVIRONMENT, "copying-server")
            assert call_wsgi(app, environ).status == status, count


def test_what_one_server_always_sends_does_not_loosen_the_count_for_another() -> None:
    app = create_app()
    big = environ_with(5, PROCESS_ENVIRONMENT, "copying-server")
    assert call_wsgi(app, big).status == 200
    # The same app called by a server that sends only the CGI keys: 101 headers are 431
    # although this environ is shorter than the other server's with 5.
    lean = environ_with(101, {}, "lean-server")
    assert len(lean) < len(big)
    assert call_wsgi(app, lean).status == 431
    assert call_wsgi(app, environ_with(100, {}, "lean-server")).status == 200
