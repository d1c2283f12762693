"""The WSGI door against PEP 3333: the standard library's validator, file_wrapper, closing."""

from __future__ import annotations

import io
import logging
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

from kettle import Kettle, Response, request


def call(app, path="/", method="GET", body=b"", **extra):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method, PATH_INFO=path, CONTENT_LENGTH=str(len(body)), QUERY_STRING="",
        **{"wsgi.input": io.BytesIO(body)}, **extra,
    )
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body_out = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], dict(captured["headers"]), body_out


@pytest.fixture
def wsgi_app() -> Kettle:
    app = Kettle("wsgi_test", root_path="/tmp")

    @app.route("/")
    def index():
        return "hi"

    @app.post("/json")
    def echo():
        return {"got": request.json}

    @app.route("/stream")
    def stream():
        def gen():
            yield "a"
            yield b"b"
            yield "c"

        return gen()

    @app.route("/empty")
    def empty():
        return "", 204

    return app


@pytest.mark.parametrize(
    ("path", "method", "body", "status", "expected"),
    [
        ("/", "GET", b"", "200 OK", b"hi"),
        ("/", "HEAD", b"", "200 OK", b""),
        ("/stream", "GET", b"", "200 OK", b"abc"),
        ("/json", "POST", b'{"x": 1}', "200 OK", b'{"got":{"x":1}}'),
        ("/missing", "GET", b"", "404 Not Found", None),
        ("/json", "GET", b"", "405 Method Not Allowed", None),
        ("/empty", "GET", b"", "204 No Content", b""),
    ],
)
def test_responses_pass_the_pep3333_validator(wsgi_app, path, method, body, status, expected):
    got_status, headers, got_body = call(validator(wsgi_app), path, method, body)
    assert got_status == status
    if expected is not None:
        assert got_body == expected
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_utf8_path_arrives_decoded(wsgi_app):
    @wsgi_app.route("/caf\u00e9/<name>")
    def cafe(name):
        return name

    raw = "/caf\u00e9/\u00fcber".encode().decode("latin-1")  # what a server puts in PATH_INFO
    assert call(validator(wsgi_app), raw)[2] == "\u00fcber".encode()


def test_file_wrapper_is_used_for_file_bodies(wsgi_app, tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"x" * 100_000)
    wrapped = []

    def file_wrapper(file, block_size=8192):
        wrapped.append(file)
        return iter(lambda: file.read(block_size), b"")

    @wsgi_app.route("/file")
    def file_view():
        return Response(open(target, "rb"), mimetype="application/octet-stream")

    status, _, body = call(wsgi_app, "/file", **{"wsgi.file_wrapper": file_wrapper})
    assert status == "200 OK"
    assert body == target.read_bytes()
    assert len(wrapped) == 1


def test_streamed_iterable_is_closed_and_on_close_runs(wsgi_app):
    events = []

    @wsgi_app.route("/closing")
    def closing():
        def gen():
            try:
                yield "one"
                yield "two"
            finally:
                events.append("generator closed")

        response = Response(gen())
        response.call_on_close(lambda: events.append("on_close"))
        return response

    status, _, body = call(validator(wsgi_app), "/closing")
    assert (status, body) == ("200 OK", b"onetwo")
    assert events == ["generator closed", "on_close"]


def test_error_inside_streaming_generator_is_logged_and_raised(wsgi_app, caplog):
    @wsgi_app.route("/broken")
    def broken():
        def gen():
            yield "partial"
            raise RuntimeError("boom in stream")

        return gen()

    environ: dict = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/broken"
    result = wsgi_app(environ, lambda s, h, e=None: None)
    chunks = iter(result)
    assert next(chunks) == b"partial"
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError, match="boom in stream"):
        next(chunks)
    result.close()
    assert any("boom in stream" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_wsgi_app_attribute_is_wrappable_middleware(wsgi_app):
    inner = wsgi_app.wsgi_app

    def middleware(environ, start_response):
        environ["PATH_INFO"] = "/"
        return inner(environ, start_response)

    wsgi_app.wsgi_app = middleware
    assert call(wsgi_app, "/anything")[2] == b"hi"
