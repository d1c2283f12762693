"""Static files over real sockets: ``tests/apps/static_site.py`` under every documented server
configuration (gunicorn, uvicorn, granian, hypercorn), checked with ``http.client``.

Each configuration answers 200, 304, 206 (single and multipart), 416 and HEAD, and refuses
traversal attempts the server hands through. Zero-copy sending is checked where the server
offers it, by what can be observed from outside the process:

- gunicorn (``wsgi.file_wrapper``) sends a whole file with ``sendfile(2)``. The worker's
  ``/proc/<pid>/io`` shows it: ``sendfile`` counts as one read call (``syscr``) and adds
  the bytes it sent to ``wchar``, where reading 16 MiB in 64 KiB blocks takes 256 read
  calls and socket ``send()`` adds nothing to ``wchar``. The same test under
  ``--no-sendfile`` shows that the counters tell the two apart;
- granian's ASGI server offers ``http.response.pathsend`` and then opens the file itself,
  by its path: ``/swap/<name>`` replaces the file after kettle opened it, and the client
  receives the new content (kettle's own block reads, as under uvicorn, send the old).

Without zero-copy (uvicorn, granian's WSGI), kettle reads 64 KiB blocks: a 96 MiB file
leaves the app process's peak resident memory (``VmHWM``) within 24 MiB of where it was.
"""

from __future__ import annotations

import email
import hashlib
import http.client
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import unquote

import pytest
from apps.live_server import (
    HTTPClient,
    HTTPResponse,
    LiveServer,
    ServerConfig,
    child_pids,
    free_port,
    proc_status_kib,
    reset_peak_rss,
    serve_command,
    server_configs,
)

pytestmark = pytest.mark.server

MiB = 1024 * 1024
APPS = Path(__file__).resolve().parents[1] / "apps"
CONFIGS = server_configs(APPS, module="static_site")
CSS = b"body { color: #333; }\n" * 50
BIG_SIZE = 16 * MiB
HUGE_SIZE = 96 * MiB
SECRET = b"not for the web\n"

Serve = Callable[..., AbstractContextManager[LiveServer]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``static/`` with a stylesheet, a 16 MiB file and two swap pairs; a secret beside it."""
    root = tmp_path_factory.mktemp("site")
    static = root / "static"
    static.mkdir()
    (static / "site.css").write_bytes(CSS)
    (static / "big.bin").write_bytes(os.urandom(BIG_SIZE))
    (root / "secret.txt").write_bytes(SECRET)
    (root / "static-secret").mkdir()
    (root / "static-secret" / "secret.txt").write_bytes(SECRET)
    (static / "link-out.txt").symlink_to(root / "secret.txt")
    return static


@pytest.fixture(scope="module")
def serve(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Serve:
    @contextmanager
    def start(config: ServerConfig, *extra: str) -> Iterator[LiveServer]:
        port = free_port()
        command = config.command(port)
        if extra:  # options go before the app argument, which comes last
            command = [*command[:-1], *extra, command[-1]]
        with serve_command(
            config.name,
            command,
            port=port,
            cwd=APPS,
            log=tmp_path_factory.mktemp(config.name) / "server.log",
            env={"STATIC_SITE_FOLDER": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        ) as server:
            yield server

    return start


@pytest.fixture(scope="module", params=list(CONFIGS))
def server(request: pytest.FixtureRequest, serve: Serve) -> Iterator[LiveServer]:
    with serve(CONFIGS[str(request.param)]) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> HTTPClient:
    return server.client()


def raw_get(server: LiveServer, target: str) -> int:
    """The status of ``GET target`` with the request target sent exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        assert SECRET not in body
        return response.status
    finally:
        conn.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- every server ---------------------------------------------------------------------------


def test_200_with_validators(client: HTTPClient, site: Path) -> None:
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.content == CSS
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(CSS))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    big = client.get("/static/big.bin")
    assert big.status_code == 200
    assert sha256(big.content) == sha256((site / "big.bin").read_bytes())


def test_304(client: HTTPClient) -> None:
    first = client.get("/static/site.css")
    by_tag = client.get("/static/site.css", headers={"If-None-Match": first.headers["ETag"]})
    assert by_tag.status_code == 304
    assert by_tag.content == b""
    assert by_tag.headers["ETag"] == first.headers["ETag"]
    by_date = client.get(
        "/static/site.css", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert by_date.status_code == 304


def test_206_single_and_multipart(client: HTTPClient, site: Path) -> None:
    data = (site / "big.bin").read_bytes()
    single = client.get("/static/big.bin", headers={"Range": "bytes=1000000-1999999"})
    assert single.status_code == 206
    assert single.headers["Content-Range"] == f"bytes 1000000-1999999/{BIG_SIZE}"
    assert single.content == data[1000000:2000000]
    suffix = client.get("/static/big.bin", headers={"Range": "bytes=-100"})
    assert suffix.status_code == 206 and suffix.content == data[-100:]
    multi = client.get("/static/site.css", headers={"Range": "bytes=0-3,10-13"})
    assert multi.status_code == 206
    message = email.message_from_bytes(
        f"Content-Type: {multi.headers['Content-Type']}\r\n\r\n".encode() + multi.content
    )
    parts = [part.get_payload(decode=True) for part in message.get_payload()]
    assert parts == [CSS[0:4], CSS[10:14]]


def test_416_and_head(client: HTTPClient) -> None:
    response = client.get("/static/site.css", headers={"Range": f"bytes={len(CSS)}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(CSS)}"
    head = client.request("HEAD", "/static/big.bin")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(BIG_SIZE)
    assert head.content == b""


@pytest.mark.parametrize(
    "target",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E%2Fsecret.txt",
        "/static/..%2fstatic-secret%2fsecret.txt",
        "/static/%252e%252e%252fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/%00/secret.txt",
        "/static/link-out.txt",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
    ],
)
def test_traversal_is_refused(server: LiveServer, target: str) -> None:
    status = raw_get(server, target)
    if status == 308:  # merge_slashes (as Werkzeug): "/static//x" redirects to "/static/x"
        merged = re.sub("/{2,}", "/", unquote(target))
        assert merged != unquote(target)
        status = raw_get(server, merged)
    assert status in (400, 404)  # 400: a server refusing the target itself


# -- zero-copy ------------------------------------------------------------------------------


def gunicorn_worker(server: LiveServer) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = child_pids(server.pid)
        if len(children) == 1:
            return children[0]
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn {server.pid} has workers {child_pids(server.pid)}, not one")


def io_counters(pid: int) -> dict[str, int]:
    """``/proc/<pid>/io``: ``syscr`` (read calls, ``sendfile`` included) and ``wchar``
    (bytes through write calls and ``sendfile``; not socket ``send()``)."""
    lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    return {name: int(value) for name, value in (line.split(": ") for line in lines)}


def counters_to_send_big_file(server: LiveServer) -> tuple[int, int]:
    """``(read calls, wchar bytes)`` the gunicorn worker spent sending the 16 MiB file."""
    worker = gunicorn_worker(server)
    client = server.client()
    client.get("/static/site.css")  # warm up
    before = io_counters(worker)
    response = client.get("/static/big.bin")
    after = io_counters(worker)
    assert response.status_code == 200 and len(response.content) == BIG_SIZE
    return after["syscr"] - before["syscr"], after["wchar"] - before["wchar"]


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/<pid>/io")
@pytest.mark.parametrize("config", ["gunicorn-sync", "gunicorn-gthread"])
def test_gunicorn_sends_whole_files_with_sendfile(serve: Serve, config: str) -> None:
    with serve(CONFIGS[config], "--no-sendfile") as server:
        copied_reads, copied_wchar = counters_to_send_big_file(server)
    assert copied_reads >= BIG_SIZE // (64 * 1024)  # block by block: the counters tell
    assert copied_wchar < BIG_SIZE
    with serve(CONFIGS[config]) as server:
        reads, wchar = counters_to_send_big_file(server)
    assert reads < 64, f"{reads} read calls for a 16 MiB file: sendfile was not used"
    assert wchar >= BIG_SIZE


def swap_content(server: LiveServer, site: Path, name: str) -> bytes:
    old, new = os.urandom(256 * 1024), os.urandom(256 * 1024)
    (site / name).write_bytes(old)
    (site / f"{name}.next").write_bytes(new)
    response: HTTPResponse = server.client().get(f"/swap/{name}")
    assert response.status_code == 200
    if response.content == new:
        return b"new"
    assert response.content == old
    return b"old"


@pytest.mark.parametrize(
    ("config", "sent_from"),
    [("granian-asgi", b"new"), ("uvicorn", b"old"), ("gunicorn-sync", b"old")],
)
def test_pathsend_is_used_where_offered(
    serve: Serve, site: Path, config: str, sent_from: bytes
) -> None:
    """``new``: the server opened the path itself (pathsend); ``old``: it was sent from the
    file kettle opened (block reads under uvicorn, the file_wrapper under gunicorn)."""
    with serve(CONFIGS[config]) as server:
        assert swap_content(server, site, f"swap-{config}.bin") == sent_from


# -- memory: a file much larger than the budget, without zero-copy ----------------------------


def app_process(server: LiveServer) -> int:
    """The process running the app: uvicorn's own, or the one worker of granian/gunicorn."""
    if server.name.startswith("uvicorn"):
        return server.pid
    return gunicorn_worker(server)  # any server with one worker child


def download(server: LiveServer, path: str) -> tuple[int, str]:
    """GET ``path`` reading the body in 1 MiB pieces; returns its size and sha256."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    digest = hashlib.sha256()
    size = 0
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200
        while piece := response.read(MiB):
            digest.update(piece)
            size += len(piece)
    finally:
        conn.close()
    return size, digest.hexdigest()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("config", ["uvicorn", "granian-wsgi", "granian-asgi"])
def test_a_large_file_keeps_memory_flat(serve: Serve, site: Path, config: str) -> None:
    """96 MiB through kettle's block reads (uvicorn, granian's WSGI) or pathsend (granian's
    ASGI): the app process's peak resident memory grows by far less than the file."""
    huge = site / "huge.bin"
    if not huge.exists():
        with huge.open("wb") as out:
            for _ in range(HUGE_SIZE // MiB):
                out.write(os.urandom(MiB))
    expected = hashlib.sha256(huge.read_bytes()).hexdigest()
    with serve(CONFIGS[config]) as server:
        pid = app_process(server)
        download(server, "/static/big.bin")  # warm up the code paths
        before = proc_status_kib(pid, "VmRSS") * 1024
        if not reset_peak_rss(pid):
            pytest.skip("cannot reset the peak RSS of the server process")
        size, sha = download(server, "/static/huge.bin")
        peak = proc_status_kib(pid, "VmHWM") * 1024
    assert (size, sha) == (HUGE_SIZE, expected)
    assert peak - before < 24 * MiB, f"peak grew {(peak - before) / MiB:.1f} MiB"
