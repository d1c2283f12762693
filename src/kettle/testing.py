"""The test client: requests built in-process and sent through the app's public WSGI door.

``client.get("/")`` builds a PEP 3333 environ and calls ``app(environ,
start_response)``, exactly what a server does, so tests exercise what servers see.
Cookies persist between calls; ``with client:`` keeps the last request's context.
"""

from __future__ import annotations

import io
import mimetypes
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

import msgspec
from click.testing import CliRunner, Result

from .context import Context
from .datastructures import Headers, MultiDict
from .response import Response
from .testing_asgi import ASGIRunner, WebSocketSession
from .testing_environ import (  # noqa: F401 (EnvironBuilder: Flask's kettle.testing name)
    BaseEnvironBuilder,
    EnvironBuilder,
    run_wsgi_app,
)

if TYPE_CHECKING:
    from .app import Kettle


def _encode_multipart(fields: list[tuple[str, Any]]) -> tuple[bytes, str]:
    boundary = f"----kettle{uuid.uuid4().hex}"
    out = io.BytesIO()
    for name, value in fields:
        out.write(f"--{boundary}\r\n".encode())
        filename: str | None = None
        content_type = None
        if isinstance(value, tuple):
            file, filename, *rest = value
            content_type = rest[0] if rest else None
            value = file
        if hasattr(value, "read"):
            if filename is None:
                filename = os.path.basename(getattr(value, "name", "") or "file")
            data = value.read()
            data = data.encode() if isinstance(data, str) else data
            content_type = content_type or mimetypes.guess_type(filename)[0] or (
                "application/octet-stream"
            )
            out.write(
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
            )
            out.write(data)
        else:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _form_pairs(data: Mapping[str, Any] | MultiDict) -> list[tuple[str, Any]]:
    if isinstance(data, MultiDict):
        return list(data.items(multi=True))
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, list):
            pairs.extend((key, item) for item in value)
        else:
            pairs.append((key, value))
    return pairs


def app_environ(app: Kettle, path: str = "/", **kwargs: Any) -> dict[str, Any]:
    """The environ of a test request to ``app`` (the client's and ``test_request_context``'s):
    as Flask's, the host is ``SERVER_NAME`` unless ``base_url`` says otherwise, with
    ``subdomain.`` before it when given; ``auth`` and ``mimetype`` as Werkzeug's."""
    on_server_name = kwargs.get("base_url") is None and "://" not in path and bool(
        app.config.get("SERVER_NAME")
    )
    if on_server_name or "subdomain" in kwargs or "url_scheme" in kwargs:
        from .testing_environ import EnvironBuilder

        return EnvironBuilder(app, path, **kwargs).get_environ()
    if "auth" in kwargs or "mimetype" in kwargs:
        return BaseEnvironBuilder(path, **kwargs).get_environ()
    return build_environ(path, **kwargs)


def build_environ(
    path: str = "/",
    base_url: str | None = None,
    query_string: str | Mapping[str, Any] | None = None,
    method: str = "GET",
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | Headers | None = None,
    data: Any = None,
    json: Any = None,
    content_type: str | None = None,
    environ_base: Mapping[str, Any] | None = None,
    environ_overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A PEP 3333 environ for one request, as a server would build it."""
    url = urlsplit(path)
    base = urlsplit(base_url or "http://localhost/")
    scheme = url.scheme or base.scheme or "http"
    host = url.netloc or base.netloc or "localhost"
    script_name = base.path.rstrip("/")
    if query_string is None:
        query = url.query
    elif isinstance(query_string, str):
        query = query_string
    else:
        query = urlencode(_form_pairs(query_string), doseq=True)
    body = b""
    if json is not None:
        if data is not None:
            raise TypeError("Pass 'data' or 'json', not both.")
        body = msgspec.json.encode(json)
        content_type = content_type or "application/json"
    elif isinstance(data, str):
        body = data.encode()
    elif isinstance(data, bytes | bytearray):
        body = bytes(data)
    elif hasattr(data, "read"):
        body = data.read()
    elif data is not None:
        pairs = _form_pairs(data)
        has_files = any(isinstance(v, tuple) or hasattr(v, "read") for _, v in pairs)
        if has_files or (content_type or "").startswith("multipart/form-data"):
            body, content_type = _encode_multipart(pairs)
        else:
            body = urlencode(pairs, doseq=True).encode()
            content_type = content_type or "application/x-www-form-urlencoded"
    authority = urlsplit(f"//{host}")
    hostname = authority.hostname or "localhost"
    port = str(authority.port) if authority.port else ""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": script_name,
        # Servers percent-decode the path and hand over its bytes as latin-1 (PEP 3333).
        "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin-1"),
        "QUERY_STRING": query.encode().decode("latin-1"),
        "SERVER_NAME": hostname,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if environ_base:
        environ.update(environ_base)
    if body or method.upper() in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    if headers is not None:
        header_pairs = headers.items() if isinstance(headers, Mapping | Headers) else headers
        for name, value in header_pairs:
            if "_" in name:  # as gunicorn and other servers do: it would alias the "-" form
                continue
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = str(value)
            else:
                key = "HTTP_" + key
                if key in environ and key != "HTTP_HOST":
                    environ[key] = f"{environ[key]}, {value}"
                else:
                    environ[key] = str(value)
    if environ_overrides:
        environ.update(environ_overrides)
    return environ


class TestResponse(Response):
    """A response as the client received it, with the request that produced it."""

    __slots__ = ("history", "request_environ")

    __test__ = False

    def __init__(self, body: bytes, status: str, headers: list[tuple[str, str]]) -> None:
        super().__init__(body, status, Headers(headers), content_type=None)
        if not any(k.lower() == "content-type" for k, _ in headers):
            self.headers.remove("Content-Type")
        self.history: list[TestResponse] = []
        self.request_environ: dict[str, Any] = {}


class _Cookie:
    __slots__ = ("expires", "path", "value")

    def __init__(self, value: str, path: str, expires: datetime | None) -> None:
        self.value, self.path, self.expires = value, path, expires


class KettleClient:
    """Sends requests to the app in-process: ``get``, ``post``, ``open``..."""

    __test__ = False

    def __init__(
        self, app: Kettle, use_cookies: bool = True, asgi: bool = False, **environ_base: Any
    ) -> None:
        self.app = app
        self.use_cookies = use_cookies
        self.environ_base = environ_base
        #: Whether requests go through the ASGI door (``app(scope, receive, send)``).
        self.asgi = asgi
        self._runner: ASGIRunner | None = None
        self._close_runner: Callable[[], object] = lambda: None
        self._runner_lock = threading.Lock()  # threads sharing a client share one runner
        self._cookies: dict[str, _Cookie] = {}
        self._preserve = False
        self._preserved: Context | None = None
        self._pending: Context | None = None

    # -- cookies -------------------------------------------------------------
    def set_cookie(self, key: str, value: str = "", path: str = "/") -> None:
        self._cookies[key] = _Cookie(value, path, None)

    def delete_cookie(self, key: str) -> None:
        self._cookies.pop(key, None)

    def get_cookie(self, key: str) -> str | None:
        cookie = self._cookies.get(key)
        return cookie.value if cookie is not None else None

    def _cookie_header(self, path: str) -> str | None:
        now = datetime.now(UTC)
        pairs = [
            f"{name}={c.value}"
            for name, c in self._cookies.items()
            if path.startswith(c.path.rstrip("/") or "/") and (c.expires is None or c.expires > now)
        ]
        return "; ".join(pairs) or None

    def _store_cookies(self, headers: Headers) -> None:
        for header in headers.getlist("Set-Cookie"):
            name_value, *attributes = header.split(";")
            name, _, value = name_value.strip().partition("=")
            path, expires, expired = "/", None, False
            for attribute in attributes:
                key, _, val = attribute.strip().partition("=")
                key = key.lower()
                if key == "path":
                    path = val or "/"
                elif key == "max-age":
                    expired = val.strip().lstrip("-").isdigit() and int(val) <= 0
                elif key == "expires":
                    try:
                        expires = parsedate_to_datetime(val)
                    except (TypeError, ValueError):
                        expires = None
            if expired or (expires is not None and expires <= datetime.now(UTC)):
                self._cookies.pop(name, None)
            else:
                self._cookies[name] = _Cookie(value, path, expires)

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """The session the client's cookies open, to read or change before a request::

            with client.session_transaction() as session:
                session["user_id"] = 1

        Arguments build the request the session is opened for, as ``open``'s do. On leaving
        the block the session is saved and its cookie stored in the client.
        """
        if not self.use_cookies:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        app, interface = self.app, self.app.session_interface
        path = args[0] if args else kwargs.get("path", "/")
        cookie = self._cookie_header(urlsplit(path).path or "/")
        if cookie:
            kwargs["environ_overrides"] = {
                **(kwargs.get("environ_overrides") or {}), "HTTP_COOKIE": cookie,
            }
        ctx = app.test_request_context(*args, **kwargs)
        with ctx:
            assert ctx.request is not None
            session = interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("Session backend did not open a session.")
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        self._store_cookies(response.headers)

    # -- requests ------------------------------------------------------------
    def open(
        self,
        path: str | BaseEnvironBuilder | dict[str, Any] = "/",
        method: str = "GET",
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send one request (and follow redirects when asked); ``path`` may also be an
        ``EnvironBuilder`` or a WSGI environ."""
        if isinstance(path, BaseEnvironBuilder | dict):  # Werkzeug's open(builder or environ)
            method = (path.method if isinstance(path, BaseEnvironBuilder)
                      else path.get("REQUEST_METHOD", "GET"))
        response = self._open_once(path, method, kwargs)
        history: list[TestResponse] = []
        while follow_redirects and response.status_code in (301, 302, 303, 305, 307, 308):
            if len(history) >= 30:
                raise RuntimeError("More than 30 redirects: a redirect loop?")
            history.append(response)
            location = response.headers.get("Location", "/")
            if response.status_code not in (307, 308):
                method = "HEAD" if method == "HEAD" else "GET"
                kwargs = {k: v for k, v in kwargs.items() if k in ("headers", "base_url")}
            target = urlsplit(location)
            next_path = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc:
                kwargs["base_url"] = f"{target.scheme or 'http'}://{target.netloc}/"
            kwargs.pop("query_string", None)
            response = self._open_once(next_path or "/", method, kwargs)
        response.history = history
        return response

    def _open_once(self, path: Any, method: str, kwargs: dict[str, Any]) -> TestResponse:
        self._pop_preserved()
        environ = self._environ_for(path, method, kwargs)
        if self.use_cookies and "HTTP_COOKIE" not in environ:
            cookie = self._cookie_header(environ["PATH_INFO"])
            if cookie:
                environ["HTTP_COOKIE"] = cookie
        if self._preserve:
            environ["kettle.preserve_context"] = self._keep_context
        try:
            if self.asgi:
                status, headers, body = self._asgi_runner().http(environ)
            else:
                status, headers, body = self._call_wsgi(environ)
        finally:
            pending, self._pending = self._pending, None
            if pending is not None:  # ``with client:``: the request's context stays active here
                pending.push()
                self._preserved = pending
        response = TestResponse(body, status, headers)
        response.request_environ = environ
        if self.use_cookies:
            self._store_cookies(response.headers)
        return response

    def _environ_for(self, path: Any, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The environ of one request: built from ``open``'s arguments (``auth`` and
        ``mimetype`` as Werkzeug's), or given as an ``EnvironBuilder`` or an environ."""
        if isinstance(path, BaseEnvironBuilder):
            return path.get_environ()
        if isinstance(path, dict):
            return dict(path)
        return app_environ(self.app, path, method=method, environ_base=self.environ_base, **kwargs)

    def _call_wsgi(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        app_iter = self.app(environ, start_response)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return captured[0], captured[1], body

    def _asgi_runner(self) -> ASGIRunner:
        runner = self._runner
        if runner is None:
            with self._runner_lock:
                runner = self._runner
                if runner is None:
                    runner = self._runner = ASGIRunner(self.app)
                    # A client used without ``with`` or ``close()`` still shuts the app's
                    # lifespan down, when it is collected or at the latest at exit.
                    self._close_runner = weakref.finalize(self, runner.close)
        return runner

    def _keep_context(self, ctx: Context) -> None:
        self._pending = ctx

    def websocket_connect(
        self, path: str, subprotocols: list[str] | None = None, **kwargs: Any
    ) -> WebSocketSession:
        """Open a WebSocket to the app (ASGI clients only), to use in a ``with`` block."""
        if not self.asgi:
            raise RuntimeError(
                "WebSockets need the ASGI door: use app.test_client(asgi=True)."
            )
        environ = build_environ(path, environ_base=self.environ_base, **kwargs)
        return WebSocketSession(self._asgi_runner(), environ, subprotocols or [])

    def close(self) -> None:
        """End a kept context and, for an ASGI client, run the app's lifespan shutdown."""
        self._pop_preserved()
        self._runner = None
        self._close_runner()  # once: a finalizer runs at most once

    def _pop_preserved(self) -> None:
        ctx, self._preserved = self._preserved, None
        if ctx is not None:
            ctx.pop()
            if ctx.request is not None:
                ctx.request.close()

    def get(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "POST", **kwargs)

    def put(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "PUT", **kwargs)

    def patch(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "DELETE", **kwargs)

    def head(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "HEAD", **kwargs)

    def options(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "OPTIONS", **kwargs)

    def trace(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "TRACE", **kwargs)

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """The response to following one redirect ``response`` gave (Werkzeug's method):
        307/308 repeat the method, others become ``GET`` (``HEAD`` stays ``HEAD``)."""
        environ = response.request_environ
        method = environ.get("REQUEST_METHOD", "GET")
        if response.status_code not in (307, 308):
            method = "HEAD" if method == "HEAD" else "GET"
        target = urlsplit(response.headers.get("Location", "/"))
        kwargs: dict[str, Any] = {}
        if target.netloc:
            kwargs["base_url"] = f"{target.scheme or 'http'}://{target.netloc}/"
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        return self._open_once(path, method, kwargs)

    def run_wsgi_app(
        self, environ: dict[str, Any], buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Call the app's WSGI door with ``environ``, sending and storing the client's
        cookies: ``(body iterable, status, headers)``."""
        if self.use_cookies and "HTTP_COOKIE" not in environ:
            cookie = self._cookie_header(environ.get("PATH_INFO") or "/")
            if cookie:
                environ["HTTP_COOKIE"] = cookie
        body, status, headers = run_wsgi_app(self.app, environ, buffered)
        if self.use_cookies:
            self._store_cookies(headers)
        return body, status, headers

    def __enter__(self) -> KettleClient:
        if self._preserve:
            raise RuntimeError("Cannot nest client invocations")
        self._preserve = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Leave the kept context; an ASGI client also runs the app's lifespan shutdown."""
        self._preserve = False
        self.close()


class KettleCliRunner(CliRunner):
    """Runs ``app.cli`` commands in-process, the app available as ``current_app``."""

    def __init__(self, app: Kettle, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Result:  # type: ignore[override]
        from .cli import ScriptInfo

        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        with self.app.app_context():
            return super().invoke(cli, args, **kwargs)
