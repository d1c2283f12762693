"""A kettle app served by gunicorn, sync and gthread workers, over a real socket.

What a server does differently from the test client: it frames bodies itself
(``Content-Length`` or chunked), streams generator responses with chunked
encoding, and hands the app a ``wsgi.input`` that must not be over-read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from apps.gunicorn_app import MAX_CONTENT_LENGTH, STREAM_CHUNKS
from apps.live_server import HTTPClient, HTTPResponse, serve_gunicorn

pytestmark = pytest.mark.server

APPS = Path(__file__).resolve().parent / "apps"
WORKERS = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", "4"],
}


@pytest.fixture(scope="module", params=list(WORKERS))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HTTPClient]:
    worker = str(request.param)
    log = tmp_path_factory.mktemp(f"gunicorn-{worker}") / "gunicorn.log"
    with serve_gunicorn(
        "gunicorn_app:app",
        chdir=APPS,
        log=log,
        args=WORKERS[worker],
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    ) as base_url:
        yield HTTPClient(base_url)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file (name, filename, content)."""
    boundary = f"kettle-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    name, filename, content = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes in ``size`` pieces, each piece sent as one HTTP chunk."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b"k" * piece
        sent += piece


def post_too_much(client: HTTPClient, body: bytes | Iterator[bytes]) -> HTTPResponse:
    """POST ``body`` to ``/body``, chunked if it is an iterator, and read the answer even if
    the server sent it (a 413) and closed the connection before it had the whole body."""
    conn = client.connection()
    chunked = not isinstance(body, bytes)
    headers = {"Transfer-Encoding": "chunked"} if chunked else {}
    try:
        # An early answer waits in our receive buffer even when sending failed.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request("POST", "/body", body=body, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        return HTTPResponse(response.status, response.headers, response.read())
    finally:
        conn.close()


def test_get(server: HTTPClient) -> None:
    response = server.get("/")
    assert response.status_code == 200
    assert response.text == "Hello from gunicorn"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(response.content))
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_json_post(server: HTTPClient) -> None:
    payload = {"name": "kettle", "nested": {"list": [1, 2.5, None, True]}, "text": "héllo ☕"}
    response = server.post("/json", json=payload)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {"received": payload, "content_type": "application/json"}


def test_not_found(server: HTTPClient) -> None:
    response = server.get("/missing")
    assert response.status_code == 404
    assert "<h1>Not Found</h1>" in response.text


def test_head_has_no_body(server: HTTPClient) -> None:
    conn = server.connection()
    try:
        conn.request("HEAD", "/")
        response = conn.getresponse()
        assert response.status == 200
        assert response.read() == b""
    finally:
        conn.close()


def test_form_upload_of_exactly_the_limit(server: HTTPClient) -> None:
    """A 1 MiB multipart body (a file of just under 1 MiB and a field): accepted."""
    overhead = len(multipart({"field": "value"}, ("file", "blob.bin", b""))[0])
    content = os.urandom(MAX_CONTENT_LENGTH - overhead)
    body, content_type = multipart({"field": "value"}, ("file", "blob.bin", content))
    assert len(body) == MAX_CONTENT_LENGTH
    response = server.post("/upload", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json == {
        "filename": "blob.bin",
        "field": "value",
        "size": len(content),
        "sha256": sha256(content),
    }


def test_form_upload_over_the_limit_is_413(server: HTTPClient) -> None:
    body, content_type = multipart({"field": "v"}, ("file", "big.bin", b"x" * MAX_CONTENT_LENGTH))
    response = server.post("/upload", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 413


def test_streamed_response_is_chunked(server: HTTPClient) -> None:
    response = server.get("/stream")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers.get("Content-Length") is None
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.text == "".join(f"line {i}\n" for i in range(STREAM_CHUNKS))


def test_body_of_exactly_the_limit(server: HTTPClient) -> None:
    data = os.urandom(MAX_CONTENT_LENGTH)
    response = server.post("/body", data=data)
    assert response.status_code == 200
    assert response.json["size"] == MAX_CONTENT_LENGTH
    assert response.json["sha256"] == sha256(data)
    assert response.json["content_length"] == str(MAX_CONTENT_LENGTH)


@pytest.mark.parametrize("size", [MAX_CONTENT_LENGTH + 1, 4 * MAX_CONTENT_LENGTH])
def test_body_over_the_limit_is_413(server: HTTPClient, size: int) -> None:
    response = post_too_much(server, b"x" * size)
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text


@pytest.mark.parametrize("size", [0, 1, 300_000, MAX_CONTENT_LENGTH])
def test_chunked_body_within_the_limit(server: HTTPClient, size: int) -> None:
    response = server.post("/body", data=chunks(size), chunked=True)
    assert response.status_code == 200, response.text
    assert response.json == {
        "size": size,
        "sha256": sha256(b"k" * size),
        "transfer_encoding": "chunked",
        "content_length": None,
    }


@pytest.mark.parametrize("size", [MAX_CONTENT_LENGTH + 1, 4 * MAX_CONTENT_LENGTH])
def test_chunked_body_over_the_limit_is_413(server: HTTPClient, size: int) -> None:
    response = post_too_much(server, chunks(size))
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text


def test_requests_on_one_keep_alive_connection(server: HTTPClient) -> None:
    """gthread keeps the connection open between requests; sync closes it. Both answer."""
    conn = server.connection()
    try:
        for _ in range(3):
            conn.request("GET", "/")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b"Hello from gunicorn"
    finally:
        conn.close()


def test_http_1_0_client_gets_a_streamed_body_without_chunking(server: HTTPClient) -> None:
    """HTTP/1.0 has no chunked encoding: the server ends the body by closing the connection."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /stream HTTP/1.0\r\nHost: test\r\n\r\n")
        received = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding" not in head.lower()
    assert body.decode() == "".join(f"line {i}\n" for i in range(STREAM_CHUNKS))
