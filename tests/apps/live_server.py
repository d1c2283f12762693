"""Run a WSGI server (gunicorn) in a child process, and talk to it over a real socket.

``serve_gunicorn(...)`` starts ``python -m gunicorn`` on a free port of 127.0.0.1,
waits (bounded) until the app answers over HTTP, yields the base URL, and
always terminates the process by its PID. ``HTTPClient`` sends one request per
connection with ``http.client`` and returns a small ``HTTPResponse``;
``InProcessClient`` offers the same ``API`` over a kettle test client, so one
test function can run against both.

For any server: ``server_configs(app_dir)`` lists the documented command lines
(gunicorn, uvicorn, granian, hypercorn), ``start_server``/``serve_command`` run one
in its own session and wait until it answers, ``stop_server`` ends it by its PID
(SIGTERM, then SIGKILL). ``child_pids``, ``proc_status_kib`` and ``reset_peak_rss``
read ``/proc`` to find and measure workers; ``request_allowing_early_answer`` sends a
large body while watching for an early answer (a 413).
"""

from __future__ import annotations

import http.client
import io
import json as jsonlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from kettle.testing import KettleClient, TestResponse

STARTUP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quiet_options() -> list[str]:
    """``--no-control-socket`` where gunicorn has one (25.1+): parallel servers would share
    ``~/.gunicorn/gunicorn.ctl``, and tests should not write to the home folder."""
    from gunicorn.config import make_settings

    return ["--no-control-socket"] if "control_socket_disable" in make_settings() else []


def _wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the app answers an HTTP request (any status): gunicorn's master listens
    before its worker has imported the app, so an open port alone proves nothing."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode} before serving:\n{log.read_text()}"
            )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
        finally:
            conn.close()
    raise RuntimeError(
        f"gunicorn did not answer on port {port} in {STARTUP_TIMEOUT}s:\n{log.read_text()}"
    )


@contextmanager
def serve_gunicorn(
    app: str,
    *,
    chdir: Path,
    log: Path,
    args: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve ``app`` (``"module:name"``, imported from ``chdir``); yields ``http://127.0.0.1:port``."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
        "--chdir", str(chdir),
        "--graceful-timeout", "5",
        *_quiet_options(),
        *args,
        app,
    ]
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_serving(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # SIGTERM to this PID: gunicorn's graceful shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class HTTPResponse:
    """What came back: the status, the headers (case-insensitive ``get``) and the body."""

    status_code: int
    headers: Message
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()

    @property
    def json(self) -> Any:
        """The body decoded as JSON; ``None`` when the response is not JSON."""
        if (self.headers.get_content_type() or "") != "application/json":
            return None
        return jsonlib.loads(self.content)


class HTTPClient:
    """A tiny HTTP/1.1 client for one server: ``get``/``post``/``put``/``delete``/``request``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | bytes | str | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        chunked: bool = False,
    ) -> HTTPResponse:
        """Send one request on a new connection. ``chunked`` streams an iterable ``data``."""
        all_headers = dict(headers or {})
        body: Any = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urlencode(data).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        elif data is not None:
            body = data
        if chunked:
            all_headers["Transfer-Encoding"] = "chunked"
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=all_headers, encode_chunked=chunked)
            response = conn.getresponse()
            return HTTPResponse(response.status, response.headers, response.read())
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> HTTPResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> HTTPResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> HTTPResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HTTPResponse:
        return self.request("DELETE", path, **kwargs)


class API(Protocol):
    """What a test needs from a client, real socket or in-process."""

    base_url: str

    def get(self, path: str, **kwargs: Any) -> Any: ...
    def post(self, path: str, **kwargs: Any) -> Any: ...
    def put(self, path: str, **kwargs: Any) -> Any: ...
    def delete(self, path: str, **kwargs: Any) -> Any: ...


class InProcessClient:
    """``API`` over a kettle test client; its requests come from ``http://localhost``."""

    base_url = "http://localhost"

    def __init__(self, client: KettleClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.post(path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.put(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.delete(path, **kwargs)


# -- any server, as a child process --------------------------------------------------------
# ``serve_gunicorn`` above is the gunicorn special case; what follows starts any command
# line (uvicorn, granian, hypercorn ...) the same way and exposes the process, so tests can
# signal it and measure its workers.

SERVER_STARTUP_TIMEOUT = 15.0
SERVER_STOP_TIMEOUT = 10.0


@dataclass
class LiveServer:
    """A server child process listening on ``127.0.0.1:port``."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self) -> HTTPClient:
        return HTTPClient(self.base_url)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def wait_until_answering(server: LiveServer, timeout: float = SERVER_STARTUP_TIMEOUT) -> None:
    """Return once ``GET /`` gets any HTTP answer; raise with the log if the server died or
    did not answer within ``timeout`` seconds (a listening port alone proves nothing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode} before serving:\n"
                f"{server.log_text()}"
            )
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=1)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
        finally:
            conn.close()
    raise RuntimeError(
        f"{server.name} did not answer on port {server.port} in {timeout}s:\n{server.log_text()}"
    )


def start_server(
    name: str,
    command: list[str],
    *,
    port: int,
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = SERVER_STARTUP_TIMEOUT,
) -> LiveServer:
    """Start ``command`` (which must listen on ``port``) in its own session, wait until it
    answers, and return it; on failure the process is stopped before raising."""
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers can be reaped with it
        )
    server = LiveServer(name, port, process, log)
    try:
        wait_until_answering(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: LiveServer, timeout: float = SERVER_STOP_TIMEOUT) -> int:
    """SIGTERM to the server's PID (a graceful stop), then SIGKILL after ``timeout`` seconds.

    After a SIGKILL, whatever is left of the server's own process group (orphaned workers)
    is killed too. Returns the exit code."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, 9)  # only our session: the server was started as its leader
    return process.returncode


@contextmanager
def serve_command(
    name: str,
    command: list[str],
    *,
    port: int,
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = SERVER_STARTUP_TIMEOUT,
) -> Iterator[LiveServer]:
    """``start_server`` as a context manager that always stops the server."""
    server = start_server(name, command, port=port, cwd=cwd, log=log, env=env, timeout=timeout)
    try:
        yield server
    finally:
        stop_server(server)


def child_pids(pid: int) -> list[int]:
    """The PIDs whose parent is ``pid`` (``/proc/<pid>/task/*/children``, else a /proc scan)."""
    children: list[int] = []
    tasks = Path(f"/proc/{pid}/task")
    try:
        for task in tasks.iterdir():
            with suppress(OSError):
                children.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        pass
    if children:
        return sorted(set(children))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[1]) == pid:  # fields: state, ppid, ...
            children.append(int(entry.name))
    return sorted(children)


def proc_status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` such as ``VmRSS`` or ``VmHWM``, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(f"{field} not in /proc/{pid}/status")


def reset_peak_rss(pid: int) -> bool:
    """Reset ``VmHWM`` (the peak RSS) of our own process ``pid``; False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def multipart_body(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body: ``fields`` and ``files`` (name -> (filename, content)).
    Returns the body and its ``Content-Type`` (with the boundary)."""
    boundary = f"kettle-{os.urandom(12).hex()}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request_allowing_early_answer(
    client: HTTPClient,
    method: str,
    path: str,
    body: bytes | Iterable[bytes],
    headers: Mapping[str, str] | None = None,
    *,
    chunked: bool = False,
    timeout: float = REQUEST_TIMEOUT,
) -> HTTPResponse:
    """Send a (large) body while watching for an answer, as browsers do, and return the
    answer as soon as it is complete, even if the server answered (a 413) before reading the
    whole body: then the rest is not sent. A client that only reads after sending (such as
    ``http.client``) hangs on a server that neither reads nor closes after such an answer.

    ``body`` with ``chunked=False`` and a ``Content-Length`` header may be an iterable."""
    all_headers = {"Host": f"{client.host}:{client.port}", **(headers or {})}
    if chunked:
        all_headers["Transfer-Encoding"] = "chunked"
    elif "Content-Length" not in all_headers:
        if not isinstance(body, bytes):
            raise ValueError("an iterable body needs chunked=True or a Content-Length header")
        all_headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in all_headers.items()
    )

    def frames() -> Iterator[bytes]:
        yield (head + "\r\n").encode("latin-1")
        pieces = [body] if isinstance(body, bytes) else body
        for piece in pieces:
            for start in range(0, len(piece), 65536):  # small writes: check for an answer
                part = piece[start : start + 65536]
                yield b"%x\r\n%b\r\n" % (len(part), part) if chunked else part
        if chunked:
            yield b"0\r\n\r\n"

    received = bytearray()
    deadline = time.monotonic() + timeout
    with socket.create_connection((client.host, client.port), timeout=timeout) as sock:
        sock.setblocking(False)
        outgoing = frames()
        pending = b""
        sending = True
        while time.monotonic() < deadline:
            if sending and not pending:
                pending = next(outgoing, b"")
                if not pending:
                    sending = False
            readable, writable, _ = select.select(
                [sock], [sock] if sending else [], [], max(0.0, deadline - time.monotonic())
            )
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                received += data
                if not data or _complete_response(bytes(received), method):
                    break
            if writable and sending:
                try:
                    pending = pending[sock.send(pending) :]
                except (BrokenPipeError, ConnectionResetError):
                    sending = False  # the answer, if any, is in our receive buffer
        else:
            raise TimeoutError(f"no complete answer in {timeout}s; got {bytes(received[:300])!r}")
    return _parse_response(bytes(received), method)


def _parse_response(raw: bytes, method: str) -> HTTPResponse:
    class _Replay:
        def makefile(self, *args: Any, **kwargs: Any) -> Any:
            return io.BytesIO(raw)

    response = http.client.HTTPResponse(_Replay(), method=method)  # type: ignore[arg-type]
    response.begin()
    try:
        content = response.read()
    except http.client.IncompleteRead as exc:
        content = exc.partial
    return HTTPResponse(response.status, response.headers, content)


def _complete_response(raw: bytes, method: str) -> bool:
    """Whether ``raw`` holds a whole final response (by Content-Length or last chunk)."""
    while True:
        head_end = raw.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        head, rest = raw[:head_end].lower(), raw[head_end + 4 :]
        if head.startswith(b"http/1.1 1"):  # 100 Continue: skip it
            raw = rest
            continue
        break
    if method == "HEAD":
        return True
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(rest) >= int(line.split(b":", 1)[1])
    if b"transfer-encoding: chunked" in head:
        return rest.endswith(b"0\r\n\r\n")
    return False


#: Serve ``module:attr`` from a folder through one door of kettle's development server:
#: ``python -c DEVSERVER_SCRIPT app_dir module:attr wsgi|asgi port``.
DEVSERVER_SCRIPT = """\
import importlib, sys
from kettle.dev.server import bind_socket, serve
sys.path.insert(0, sys.argv[1])
module, _, attr = sys.argv[2].partition(":")
app = getattr(importlib.import_module(module), attr)
serve(app, bind_socket("127.0.0.1", int(sys.argv[4])), sys.argv[3])
"""


@dataclass(frozen=True)
class ServerConfig:
    """One way to serve an app: a server's command line, and which door of the app it uses."""

    name: str
    door: str  # "wsgi" or "asgi"
    argv: Callable[[int], list[str]]  # port -> command line

    @property
    def websockets(self) -> bool:
        return self.door == "asgi"

    def command(self, port: int) -> list[str]:
        return self.argv(port)


def server_configs(
    app_dir: Path, module: str = "app", attr: str = "app"
) -> dict[str, ServerConfig]:
    """The documented command lines for serving ``module:attr`` from ``app_dir``, one worker
    each. Where a server detects the interface itself (uvicorn, hypercorn) no flag is given,
    so serving proves the detection; granian cannot detect and is told ``--interface``.

    hypercorn 0.18 picks ASGI when ``inspect.iscoroutinefunction(app.__call__)``, which on
    Python 3.11 ignores the ``_is_coroutine`` mark uvicorn honours: its default mode serves
    a kettle app through the WSGI door there, and ``app.asgi`` through the ASGI door.
    """
    py = sys.executable
    target = f"{module}:{attr}"
    hypercorn_default = "asgi" if sys.version_info >= (3, 12) else "wsgi"

    def gunicorn(*args: str) -> Callable[[int], list[str]]:
        return lambda port: [
            py, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--chdir", str(app_dir), "--graceful-timeout", "5", *_quiet_options(), *args, target,
        ]

    def uvicorn(app: str) -> Callable[[int], list[str]]:
        return lambda port: [
            py, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
            "--app-dir", str(app_dir), "--log-level", "warning", app,
        ]

    def granian(interface: str) -> Callable[[int], list[str]]:
        return lambda port: [
            py, "-m", "granian", "--interface", interface, "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--working-dir", str(app_dir),
            "--log-level", "warning", target,
        ]

    def hypercorn(app: str) -> Callable[[int], list[str]]:
        # hypercorn imports the module relative to its working directory: run it in app_dir.
        return lambda port: [py, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", app]

    def devserver(door: str) -> Callable[[int], list[str]]:
        # kettle's own development server, in each of its modes (threads, asyncio).
        return lambda port: [py, "-c", DEVSERVER_SCRIPT, str(app_dir), target, door, str(port)]

    configs = [
        ServerConfig("devserver-wsgi", "wsgi", devserver("wsgi")),
        ServerConfig("devserver-asgi", "asgi", devserver("asgi")),
        ServerConfig("gunicorn-sync", "wsgi", gunicorn()),
        ServerConfig("gunicorn-gthread", "wsgi", gunicorn("-k", "gthread", "--threads", "8")),
        ServerConfig("uvicorn", "asgi", uvicorn(target)),
        ServerConfig("uvicorn-app.asgi", "asgi", uvicorn(f"{target}.asgi")),
        ServerConfig("granian-wsgi", "wsgi", granian("wsgi")),
        ServerConfig("granian-asgi", "asgi", granian("asgi")),
        ServerConfig("hypercorn", hypercorn_default, hypercorn(target)),
        ServerConfig("hypercorn-app.asgi", "asgi", hypercorn(f"{target}.asgi")),
    ]
    return {config.name: config for config in configs}
