"""Property-based fuzzing of both doors with malformed requests, called as servers call the app.

Each example is one request as bytes (method, path, query, headers, cookies, body; invalid
UTF-8, control characters, huge numbers, odd methods included), turned into a WSGI environ
and an ASGI scope the way gunicorn and uvicorn build them (``apps.hostile``), and sent to a
representative app (every converter, JSON and form views, sessions, a streamed body, slash
redirects, error handlers, URL building). For every example:

* nothing escapes the app callable (an exception fails the test);
* no client input yields a 5xx;
* the response is well-formed: PEP 3333 (a ``"200 OK"`` status, latin-1 ``(str, str)``
  headers without CR/LF) and ASGI (an ``int`` status, ``(bytes, bytes)`` headers);
* the same bytes give the same status through both doors.

CI runs ``KETTLE_FUZZ_EXAMPLES`` examples per test (300 by default), derandomized and without
an example database, so a run is deterministic. A long run is one command::

    KETTLE_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py -p no:randomly

(``KETTLE_FUZZ_SEED=<n>`` runs a different, random-but-repeatable sequence instead.)
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from apps.hostile import RawRequest, RawResponse, call_asgi, call_wsgi, create_app
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from kettle import Kettle

EXAMPLES = int(os.environ.get("KETTLE_FUZZ_EXAMPLES", "300"))
SEED = os.environ.get("KETTLE_FUZZ_SEED")

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=SEED is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_seed(test: Any) -> Any:
    return seed(int(SEED))(test) if SEED is not None else test


# -- strategies ----------------------------------------------------------------------------
HUGE_NUMBERS = [b"9" * 5000, b"1" * 4301, b"0" * 1001 + b"1", b"-" + b"9" * 5000, b"1e999"]
NASTY = [
    b"", b"\x00", b"\r\n", b"\n", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"%", b"%zz",
    b"%00", b"%0d%0a", b"..", b".", b"//", b"\\", b"@", b":", b"?", b"#", b"&", b"=", b"+",
    b" ", b"\t", "é".encode(), "☕".encode(), b"\xe9", b"a" * 9000,
]
ROUTE_WORDS = [
    b"user", b"signed", b"page-1.html", b"page-", b".html", b"float", b"uuid", b"files",
    b"edit", b"word", b"tea", b"coffee", b"short", b"dir", b"echo", b"form", b"data",
    b"stream", b"session", b"whoami", b"headers", b"args", b"teapot", b"gone", b"42", b"-1",
    b"1.5", b"12345678-1234-1234-1234-123456789abc",
]
METHODS = [
    b"GET", b"POST", b"PUT", b"HEAD", b"OPTIONS", b"DELETE", b"PATCH", b"TRACE", b"CONNECT",
    b"get", b"FOO", b"G\xe9T", b"WEBSOCKET", b"PRI", b"M" * 300,
]
HEADER_NAMES = [
    b"Content-Type", b"Cookie", b"Transfer-Encoding", b"X-Forwarded-Host", b"X-Forwarded-For",
    b"X-Forwarded-Proto", b"X-Forwarded-Port", b"X-Forwarded-Prefix", b"User-Agent", b"Accept",
    b"Accept-Encoding", b"If-None-Match", b"Range", b"Expect", b"Connection", b"Origin",
    b"Authorization", b"X-Custom",
]
CONTENT_TYPES = [
    b"application/json", b"application/x-www-form-urlencoded", b"text/plain",
    b"multipart/form-data; boundary=b", b"multipart/form-data", b"multipart/form-data; boundary=",
    b"application/json; charset=latin-1", b"application/vnd.x+json", b"\xff/\xfe",
    b"multipart/form-data; boundary=" + b"b" * 100,
]

nasty_bytes = st.sampled_from(NASTY)
any_bytes = st.binary(max_size=64)
pieces = st.one_of(
    st.sampled_from(ROUTE_WORDS), st.sampled_from(HUGE_NUMBERS), nasty_bytes, any_bytes,
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: str(n).encode()),
)


@st.composite
def paths(draw: st.DrawFn) -> bytes:
    """A request-target path: ``/`` and segments, percent-encoded or (lenient servers) raw."""
    segments = draw(st.lists(st.lists(pieces, min_size=1, max_size=3), max_size=6))
    encode = draw(st.booleans())
    parts = []
    for segment in segments:
        text = b"".join(segment)
        parts.append(quote_from_bytes(text, safe="").encode() if encode else text)
    path = b"/" + b"/".join(parts)
    if draw(st.booleans()):
        path += b"/"
    return path


queries = st.one_of(
    st.just(b""),
    st.lists(
        st.tuples(st.one_of(pieces, st.sampled_from([b"n", b"q"])), pieces), max_size=5
    ).map(lambda pairs: b"&".join(k + b"=" + v for k, v in pairs)),
    st.binary(max_size=200),
)
header_values = st.one_of(
    st.sampled_from(NASTY).filter(lambda v: b"\r" not in v and b"\n" not in v),
    st.binary(max_size=80).map(lambda v: v.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(HUGE_NUMBERS),
    st.sampled_from([b"chunked", b"gzip, chunked", b"identity", b"\xe9"]),
)
hosts = st.one_of(
    st.none(),
    st.sampled_from([
        b"127.0.0.1:8000", b"localhost", b"example.com", b"[::1]:8000", b"", b"a@b", b"::1",
        b"127.0.0.1:80@evil.example", b"h:99999", b"h:+1", b"\xe9.example", b"a b", b"a/b",
        b"a" * 9000, b"h,h", b"H.EXAMPLE.:8000",
    ]),
    st.binary(max_size=40).map(lambda v: v.replace(b"\r", b"").replace(b"\n", b"")),
)
cookie_values = st.lists(
    st.tuples(st.sampled_from([b"session", b"a", b"", b"\xe9", b"x y"]), header_values),
    max_size=4,
).map(lambda pairs: b"; ".join(k + b"=" + v for k, v in pairs))


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """A body and the content type it goes with (``None``: no Content-Type header)."""
    kind = draw(st.sampled_from(["json", "form", "multipart", "raw", "empty"]))
    if kind == "json":
        value = draw(st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                st.text(max_size=8), inner, max_size=4),
            max_leaves=20,
        ))
        import json

        text = json.dumps(value).encode()
        if draw(st.booleans()):
            text = text[: draw(st.integers(0, len(text)))] + draw(any_bytes)
        return text, b"application/json"
    if kind == "form":
        pairs = draw(st.lists(st.tuples(pieces, pieces), max_size=5))
        return b"&".join(k + b"=" + v for k, v in pairs), b"application/x-www-form-urlencoded"
    if kind == "multipart":
        parts = draw(st.lists(st.tuples(any_bytes, any_bytes, st.booleans()), max_size=3))
        body = b""
        for name, value, is_file in parts:
            filename = b'; filename="f.txt"' if is_file else b""
            body += (b"--b\r\nContent-Disposition: form-data; name=\"" + name + b"\"" + filename
                     + b"\r\n\r\n" + value + b"\r\n")
        if draw(st.booleans()):
            body += b"--b--\r\n"
        return body, draw(st.sampled_from([b"multipart/form-data; boundary=b", *CONTENT_TYPES]))
    if kind == "raw":
        return draw(st.binary(max_size=300)), draw(st.none() | st.sampled_from(CONTENT_TYPES))
    return b"", None


@st.composite
def requests(draw: st.DrawFn) -> RawRequest:
    method = draw(st.sampled_from(METHODS))
    body, content_type = draw(bodies())
    headers: dict[bytes, bytes] = {}
    if content_type is not None:
        headers[b"Content-Type"] = content_type
    framing = draw(st.sampled_from(["length", "chunked", "junk-length", "none"]))
    if framing == "length" and (body or draw(st.booleans())):
        headers[b"Content-Length"] = str(len(body)).encode()
    elif framing == "chunked":
        headers[b"Transfer-Encoding"] = b"chunked"
    elif framing == "junk-length":
        headers[b"Content-Length"] = draw(
            st.sampled_from([*HUGE_NUMBERS, b"-1", b"1 2", b" 0 ", b"0x10", b"\xd9\xa1", b""])
        )
    if framing in ("none", "junk-length"):
        body = b""  # without a valid framing a server delivers no body
    for name, value in draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values),
                                     max_size=6)):
        if name.lower() not in {n.lower() for n in headers}:
            headers[name] = value
    if draw(st.booleans()):
        headers[b"Cookie"] = draw(cookie_values)
    if draw(st.integers(0, 20)) == 0:  # now and then, many headers
        for i in range(draw(st.integers(90, 110))):
            headers[f"X-Many-{i}".encode()] = b"v"
    if b"Transfer-Encoding" in headers and b"chunked" in headers[b"Transfer-Encoding"].lower():
        headers.pop(b"Content-Length", None)  # servers refuse both (RFC 9112 6.3)
    return RawRequest(
        method=method,
        path=draw(paths()),
        query=draw(queries),
        headers=list(headers.items()),
        body=body,
        host=draw(hosts),
    )


# -- the property --------------------------------------------------------------------------
def allowed_difference(app: Kettle, raw: RawRequest, wsgi: int, asgi: int) -> bool:
    """Where the doors may answer differently by design: the ASGI door reads a body before
    the view runs, the WSGI door when the view reads it. A chunked body (no length to
    check up front) over ``MAX_CONTENT_LENGTH`` is a 413 under ASGI, and under WSGI only if
    the view reads it."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    chunked = any(
        name.lower() == b"transfer-encoding" and b"chunked" in value.lower()
        for name, value in raw.headers
    )
    return asgi == 413 and chunked and limit is not None and len(raw.body) > limit


def check_both_doors(app: Kettle, raw: RawRequest) -> tuple[RawResponse, RawResponse]:
    wsgi = call_wsgi(app, raw)  # an exception escaping the app callable fails here
    asgi = call_asgi(app, raw)
    for door, response in (("wsgi", wsgi), ("asgi", asgi)):
        assert response.status < 500, (door, response.status, response.body[:500], raw)
    assert wsgi.status == asgi.status or allowed_difference(app, raw, wsgi.status, asgi.status), (
        wsgi.status, asgi.status, wsgi.body[:300], asgi.body[:300], raw
    )
    return wsgi, asgi


@pytest.fixture(scope="module")
def plain_app() -> Kettle:
    return create_app()


@pytest.fixture(scope="module")
def proxied_app() -> Kettle:
    return create_app(
        TRUSTED_HOSTS=["127.0.0.1", "localhost", ".example.com", "[::1]"],
        PROXY_FIX={"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1},
        MAX_CONTENT_LENGTH=4096,
        MAX_FORM_PARTS=3,
    )


@fuzz_settings
@fuzz_seed
@given(raw=requests())
def test_fuzz_plain_app(plain_app: Kettle, raw: RawRequest) -> None:
    check_both_doors(plain_app, raw)


@fuzz_settings
@fuzz_seed
@given(raw=requests())
def test_fuzz_app_with_trusted_hosts_and_proxies(proxied_app: Kettle, raw: RawRequest) -> None:
    check_both_doors(proxied_app, raw)


def test_the_property_catches_a_door_that_fails(plain_app: Kettle) -> None:
    """The check is not vacuous: a view that raises is a 5xx, and the property says so."""
    app = create_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    with pytest.raises(AssertionError):
        check_both_doors(app, RawRequest(path=b"/boom"))
