"""``EnvironBuilder`` and ``run_wsgi_app``: Werkzeug's and Flask's test helpers, over the
test client's ``build_environ``.

``EnvironBuilder(app, "/path", method="POST", json={...}).get_request()`` gives the request
a test client would send; ``run_wsgi_app(app, environ)`` calls any WSGI application as a
server would and gives back its body iterable, status and headers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .datastructures import Headers
from .header_auth import Authorization

if TYPE_CHECKING:
    from .app import Kettle
    from .request import Request


class BaseEnvironBuilder:
    """Werkzeug's ``EnvironBuilder``: the arguments of a request, turned into an environ.

    Takes the test client's arguments (``path``, ``base_url``, ``query_string``, ``method``,
    ``headers``, ``data``, ``json``, ``content_type``, ``environ_base``,
    ``environ_overrides``), plus ``mimetype`` (a ``content_type`` without charset) and
    ``auth`` (a ``(username, password)`` pair or an ``Authorization``).
    """

    def __init__(
        self,
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
        mimetype: str | None = None,
        auth: tuple[str, str] | Authorization | None = None,
    ) -> None:
        self.path = path
        self.base_url = base_url
        self.query_string = query_string
        self.method = method.upper()
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        if auth is not None:
            if isinstance(auth, tuple):
                auth = Authorization("basic", {"username": auth[0], "password": auth[1]})
            self.headers.set("Authorization", auth.to_header())
        self.data = data
        self.json = json
        self.content_type = content_type or mimetype
        self.environ_base = dict(environ_base or {})
        self.environ_overrides = dict(environ_overrides or {})

    def get_environ(self) -> dict[str, Any]:
        """A new PEP 3333 environ for these arguments (the body stream is fresh each time)."""
        from .testing import build_environ

        return build_environ(
            self.path, self.base_url, self.query_string, self.method, self.headers,
            self.data, self.json, self.content_type, self.environ_base, self.environ_overrides,
        )

    def get_request(self, cls: type[Request] | None = None) -> Request:
        """A request over :meth:`get_environ` (of ``cls``, by default kettle's ``Request``)."""
        if cls is None:
            from .request import Request

            cls = Request
        return cls.from_environ(self.get_environ())

    def close(self) -> None:
        """Nothing to release: kept for Werkzeug's API."""


class EnvironBuilder(BaseEnvironBuilder):
    """Flask's ``EnvironBuilder``: like Werkzeug's, with ``app`` first; the URL defaults to
    the app's ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``."""

    def __init__(
        self,
        app: Kettle,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if base_url is None and "://" not in path:
            config = app.config
            host = config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            scheme = url_scheme or config.get("PREFERRED_URL_SCHEME") or "http"
            root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
            base_url = f"{scheme}://{host}{root}/"
        elif base_url is not None and (subdomain or url_scheme):
            raise TypeError("Pass 'base_url' or 'subdomain'/'url_scheme', not both.")
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def get_request(self, cls: type[Request] | None = None) -> Request:
        return super().get_request(cls or self.app.request_class)


def run_wsgi_app(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any], buffered: bool = False
) -> tuple[Iterable[bytes], str, Headers]:
    """Call the WSGI ``app`` with ``environ``: ``(body iterable, status, headers)``.

    With ``buffered`` the body is read whole (and the iterable closed) before returning;
    otherwise it is read as the caller iterates (call ``close`` on it when done).
    """
    captured: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and captured:
            raise exc_info[1].with_traceback(exc_info[2])
        captured[:] = [status, headers]
        return written.append

    app_iter = app(environ, start_response)
    close = getattr(app_iter, "close", None)
    body: Iterable[bytes]
    if buffered:
        try:
            body = [*written, *app_iter]
        finally:
            if close is not None:
                close()
    else:
        iterator: Iterator[bytes] = iter(app_iter)
        first: list[bytes] = []
        if not captured:  # a generator app calls start_response when first iterated
            first = [chunk for chunk in itertools.islice(iterator, 1)]
        body = _Body(itertools.chain(written, first, iterator), close)
    if not captured:
        raise RuntimeError("The WSGI application did not call start_response.")
    return body, captured[0], Headers(captured[1])


class _Body:
    """A streamed body that closes the application's iterable when closed."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], Any] | None) -> None:
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        if self._close is not None:
            self._close()
