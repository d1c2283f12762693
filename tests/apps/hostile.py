"""Call a kettle app as servers do, with raw bytes, and check that what comes back is valid.

``RawRequest`` is one request as bytes on the wire would give it (method, target, header
lines, body); ``call_wsgi`` and ``call_asgi`` turn it into a WSGI environ / an ASGI scope the
way gunicorn and uvicorn do, call the app callable directly (no test client that could
refuse or repair the input), and return a ``RawResponse`` after asserting that the answer is
well-formed (PEP 3333: a ``"200 OK"`` status and latin-1 ``(str, str)`` headers without CR/LF;
ASGI: an ``int`` status and ``(bytes, bytes)`` headers). An exception escaping the app
callable propagates: the tests treat that as the failure it is.

``create_app`` is a representative app for hostile-input tests: every converter, JSON and
form views, sessions, a streamed body, slash redirects, error handlers, URL building.
"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from kettle import Kettle, abort, jsonify, request, session, url_for

_STATUS_LINE = re.compile(r"[1-5][0-9]{2} [\x20-\x7e]*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass
class RawRequest:
    """A request as the server read it off the wire."""

    method: bytes = b"GET"
    path: bytes = b"/"  # percent-encoded, as in the request line
    query: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    host: bytes | None = b"127.0.0.1:8000"  # None: no Host header at all


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def _header_lines(raw: RawRequest) -> list[tuple[bytes, bytes]]:
    lines = [(b"host", raw.host)] if raw.host is not None else []
    return lines + raw.headers


def wsgi_environ(raw: RawRequest) -> dict[str, Any]:
    """The environ gunicorn would build: latin-1 strings, repeated headers joined by ``,``."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": raw.method.decode("latin-1"),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(raw.path).decode("latin-1"),
        "QUERY_STRING": raw.query.decode("latin-1"),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw.body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in _header_lines(raw):
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        text = value.decode("latin-1")
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    if "HTTP_TRANSFER_ENCODING" in environ:
        environ["wsgi.input_terminated"] = True  # the server de-chunked the body
    return environ


def asgi_scope(raw: RawRequest) -> dict[str, Any]:
    """The scope uvicorn would build: ``path`` percent-decoded as UTF-8, lower-case names."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": raw.method.decode("latin-1"),
        "scheme": "http",
        "path": unquote(raw.path.decode("latin-1")),
        "raw_path": raw.path,
        "query_string": raw.query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in _header_lines(raw)],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


def check_wsgi_response(status: str, headers: list[tuple[str, str]]) -> int:
    """Assert PEP 3333's rules on what the app passed to ``start_response``."""
    assert type(status) is str and _STATUS_LINE.fullmatch(status), repr(status)
    assert type(headers) is list, type(headers)
    for pair in headers:
        assert type(pair) is tuple and len(pair) == 2, repr(pair)
        name, value = pair
        assert type(name) is str and _TOKEN.fullmatch(name), repr(name)
        assert type(value) is str, repr(value)
        value.encode("latin-1")  # PEP 3333: latin-1 only
        assert not set(value) & {"\r", "\n", "\x00"}, repr(value)
    return int(status[:3])


def call_wsgi(app: Kettle, raw: RawRequest | dict[str, Any]) -> RawResponse:
    environ = wsgi_environ(raw) if isinstance(raw, RawRequest) else raw
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers))
        return lambda data: None

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    assert len(seen) == 1, seen
    status, headers = seen[0]
    return RawResponse(check_wsgi_response(status, headers), headers, body)


def check_asgi_messages(sent: list[dict[str, Any]]) -> RawResponse:
    """Assert the ASGI types of the response messages and put them together."""
    assert sent and sent[0]["type"] == "http.response.start", sent[:1]
    start = sent[0]
    assert type(start["status"]) is int and 100 <= start["status"] <= 599, start
    headers: list[tuple[str, str]] = []
    for pair in start["headers"]:
        name, value = pair
        assert type(name) is bytes and type(value) is bytes, repr(pair)
        assert _TOKEN.fullmatch(name.decode("latin-1")), repr(name)
        assert not set(value) & {13, 10, 0}, repr(value)
        headers.append((name.decode("latin-1"), value.decode("latin-1")))
    body = b""
    for message in sent[1:]:
        assert message["type"] == "http.response.body", message
        chunk = message.get("body", b"")
        assert type(chunk) is bytes
        body += chunk
    return RawResponse(start["status"], headers, body)


async def _run_asgi(
    app: Kettle, scope: dict[str, Any], messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    queue = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app.asgi(scope, receive, send)
    return sent


def body_messages(body: bytes, size: int = 65536) -> list[dict[str, Any]]:
    chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


def call_asgi_messages(
    app: Kettle, scope: dict[str, Any], messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What the app sent, given exactly these ``receive()`` messages (then disconnects)."""
    return asyncio.run(_run_asgi(app, scope, messages))


def call_asgi(app: Kettle, raw: RawRequest) -> RawResponse:
    return check_asgi_messages(call_asgi_messages(app, asgi_scope(raw), body_messages(raw.body)))


def call(door: str, app: Kettle, raw: RawRequest) -> RawResponse:
    return call_wsgi(app, raw) if door == "wsgi" else call_asgi(app, raw)


# -- the representative app ----------------------------------------------------------------
def create_app(**config: Any) -> Kettle:
    app = Kettle("hostile")
    app.config.update(SECRET_KEY="hostile-test-key", **config)

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/user/<int:user_id>")
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id}

    @app.get("/signed/<int(signed=True, max=1000):n>")
    def signed(n: int) -> dict[str, Any]:
        return {"n": n}

    @app.get("/page-<int:n>.html")
    def page(n: int) -> dict[str, Any]:
        return {"page": n}

    @app.get("/float/<float:x>")
    def floating(x: float) -> dict[str, Any]:
        return {"x": x}

    @app.get("/uuid/<uuid:u>")
    def by_uuid(u: uuid.UUID) -> dict[str, Any]:
        return {"uuid": str(u)}

    @app.get("/files/<path:name>")
    def files(name: str) -> dict[str, Any]:
        return {"name": name}

    @app.get("/files/<path:name>/edit/<path:rest>")
    def edit(name: str, rest: str) -> dict[str, Any]:
        return {"name": name, "rest": rest}

    @app.get("/word/<any(tea, coffee):kind>")
    def word(kind: str) -> dict[str, Any]:
        return {"kind": kind}

    @app.get("/short/<string(maxlength=8):s>")
    def short(s: str) -> dict[str, Any]:
        return {"s": s}

    @app.get("/dir/")
    def directory() -> str:
        return "dir"

    @app.route("/echo", methods=["POST", "PUT"])
    def echo() -> dict[str, Any]:
        return {"json": request.get_json()}

    @app.post("/form")
    def form() -> dict[str, Any]:
        return {
            "form": request.form.to_dict(),
            "files": sorted(request.files),
            "args": request.args.to_dict(),
        }

    @app.post("/data")
    def data() -> dict[str, Any]:
        body = request.get_data()
        return {"length": len(body), "data": body.decode("latin-1")}

    @app.post("/stream", stream=True)
    async def stream() -> dict[str, Any]:
        total = 0
        async for chunk in request.iter_body():
            total += len(chunk)
        return {"bytes": total}

    @app.get("/session")
    def read_session() -> dict[str, Any]:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/whoami")
    def whoami() -> dict[str, Any]:
        return {
            "host": request.host,
            "url": request.url,
            "external": url_for("whoami", _external=True),
            "cookies": request.cookies,
            "agent": request.headers.get("User-Agent"),
        }

    @app.get("/headers")
    def headers() -> dict[str, Any]:
        return {"count": len(dict(request.headers))}

    @app.get("/args")
    def args() -> dict[str, Any]:
        return {"args": request.args.to_dict(), "n": request.args.get("n", type=int)}

    @app.get("/teapot")
    def teapot() -> Any:
        abort(418)

    @app.get("/gone")
    def gone() -> Any:
        raise LookupError("gone")

    @app.errorhandler(LookupError)
    def lookup_error(exc: LookupError) -> Any:
        return jsonify(error=str(exc)), 410

    @app.errorhandler(404)
    def not_found(exc: Exception) -> Any:
        return {"error": "not found"}, 404

    return app

