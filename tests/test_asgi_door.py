"""What the ASGI door leaves out of its per-request cost still behaves as before.

The door reads the scheme, server, client address and query from the scope only when a view
asks (``ScopeRequest``), parses the ``Content-Type`` it already found while reading a body,
and reads a body sent in one message without joining chunks. Each test sends the same raw
request through both doors (``door``) and compares, or checks the ASGI-only inputs directly.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from apps.hostile import RawRequest, asgi_scope, call, call_asgi_messages, check_asgi_messages

from kettle import Kettle, request


@pytest.fixture
def app() -> Kettle:
    app = Kettle("door")

    @app.get("/where")
    def where() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "url": request.url,
            "query": request.query_string,
            "args": request.args.to_dict(),
        }

    @app.post("/ignore")
    def ignore() -> str:
        return "ignored"

    @app.post("/json")
    def json() -> Any:
        return {"mimetype": request.mimetype, "json": request.get_json()}

    @app.post("/data")
    def data() -> dict[str, Any]:
        return {"mimetype": request.mimetype, "data": request.get_data(as_text=True)}

    return app


@pytest.mark.parametrize("query", [b"", b"q=kettle&n=1", b"q=caf%C3%A9", b"q=caf\xc3\xa9"])
def test_scope_values_read_on_first_use_match_the_wsgi_door(
    app: Kettle, door: str, query: bytes
) -> None:
    response = call(door, app, RawRequest(path=b"/where", query=query))
    assert response.status == 200
    expected = call("wsgi", app, RawRequest(path=b"/where", query=query))
    assert response.body == expected.body
    assert b'"remote_addr":"127.0.0.1"' in response.body


def _asgi(app: Kettle, scope: dict[str, Any]) -> Any:
    return check_asgi_messages(
        call_asgi_messages(app, scope, [{"type": "http.request", "body": b""}])
    )


def test_optional_scope_keys_have_their_asgi_defaults(app: Kettle) -> None:
    scope = asgi_scope(RawRequest(path=b"/where"))
    for key in ("client", "scheme", "root_path", "query_string"):
        del scope[key]
    response = _asgi(app, scope)
    assert response.status == 200
    assert b'"remote_addr":null' in response.body
    assert b'"scheme":"http"' in response.body
    assert b'"query":""' in response.body


def test_scope_values_come_from_this_requests_scope(app: Kettle) -> None:
    """Read lazily, a value must still be this request's, not a class-wide cached one."""
    first = asgi_scope(RawRequest(path=b"/where", query=b"a=1"))
    second = asgi_scope(RawRequest(path=b"/where", query=b"b=2"))
    second.update(scheme="https", client=("10.0.0.7", 4000))
    assert b'"query":"a=1"' in _asgi(app, first).body
    body = _asgi(app, second).body
    assert b'"query":"b=2"' in body
    assert b'"scheme":"https"' in body
    assert b'"remote_addr":"10.0.0.7"' in body


def test_proxy_fix_overrides_values_read_from_the_scope(door: str) -> None:
    app = Kettle("proxied")
    app.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1}

    @app.get("/")
    def index() -> str:
        return f"{request.remote_addr} {request.scheme}"

    raw = RawRequest(
        path=b"/", headers=[(b"X-Forwarded-For", b"203.0.113.9"), (b"X-Forwarded-Proto", b"https")]
    )
    assert call(door, app, raw).body == b"203.0.113.9 https"


# -- the Content-Type found while reading the body -------------------------------------------
def test_an_over_long_content_type_is_431_only_when_read(door: str) -> None:
    app = Kettle("limits")
    app.config["MAX_REQUEST_HEADER_SIZE"] = 100

    @app.post("/ignore")
    def ignore() -> str:
        return "ignored"

    @app.post("/mimetype")
    def mimetype() -> str:
        return request.mimetype

    long_type = b"application/json; x=" + b"y" * 100
    raw = RawRequest(
        method=b"POST", path=b"/ignore", body=b"{}",
        headers=[(b"Content-Type", long_type), (b"Content-Length", b"2")],
    )
    assert call(door, app, raw).status == 200
    raw.path = b"/mimetype"
    response = call(door, app, raw)
    assert response.status == 431
    assert b"MAX_REQUEST_HEADER_SIZE" in response.body


@pytest.mark.parametrize(
    "content_type", [b"application/json", b"Application/JSON; charset=utf-8", b"text/plain"]
)
def test_the_mimetype_of_a_read_body_matches_the_wsgi_door(
    app: Kettle, door: str, content_type: bytes
) -> None:
    raw = RawRequest(
        method=b"POST", path=b"/data", body=b'{"a": 1}',
        headers=[(b"Content-Type", content_type), (b"Content-Length", b"8")],
    )
    response = call(door, app, raw)
    assert response.status == 200
    assert response.body == call("wsgi", app, raw).body


def test_the_first_content_type_is_the_one_read(app: Kettle) -> None:
    raw = RawRequest(
        method=b"POST", path=b"/json", body=b'{"a": 1}',
        headers=[(b"Content-Type", b"application/json"), (b"Content-Type", b"text/plain")],
    )
    response = _asgi_messages(app, raw, [b'{"a": 1}'])
    assert response.status == 200
    assert b'"mimetype":"application/json"' in response.body


@pytest.mark.parametrize(
    ("lengths", "status"), [((b"2",), 200), ((b"2", b"2"), 400), ((b"2", b"20"), 400)]
)
def test_a_second_content_length_is_400_through_both_doors(
    app: Kettle, door: str, lengths: tuple[bytes, ...], status: int
) -> None:
    """RFC 9112 6.3 lets a recipient refuse duplicates; differing ones leave no framing to
    trust (a smuggling vector). Under ASGI the ASGI door used to take the last one."""
    raw = RawRequest(
        method=b"POST", path=b"/json", body=b"{}",
        headers=[(b"Content-Type", b"application/json")]
        + [(b"Content-Length", length) for length in lengths],
    )
    response = call(door, app, raw)
    assert response.status == status
    if status == 400:
        assert b"Content-Length" in response.body


# -- bodies in one message or several ---------------------------------------------------------
def _asgi_messages(app: Kettle, raw: RawRequest, chunks: list[bytes]) -> Any:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    return check_asgi_messages(call_asgi_messages(app, asgi_scope(raw), messages))


def _post(body: bytes, length: bytes | None = None) -> RawRequest:
    headers = [(b"Content-Type", b"application/json")]
    if length is not None:
        headers.append((b"Content-Length", length))
    return RawRequest(method=b"POST", path=b"/json", body=body, headers=headers)


@pytest.mark.parametrize(
    "chunks", [[b'{"a": [1, 2]}'], [b'{"a": ', b"[1, 2]}"], [b'{"a"', b"", b": [1, ", b"2]}", b""]]
)
def test_a_body_in_any_number_of_messages_is_read_whole(
    app: Kettle, chunks: list[bytes]
) -> None:
    body = b"".join(chunks)
    response = _asgi_messages(app, _post(body, str(len(body)).encode()), chunks)
    assert response.status == 200
    assert b'"json":{"a":[1,2]}' in response.body


@pytest.mark.parametrize("chunks", [[b"x" * 11], [b"x" * 6, b"x" * 5], [b"x" * 10, b"x"]])
def test_max_content_length_bounds_a_body_however_it_is_sent(chunks: list[bytes]) -> None:
    app = Kettle("bounded")
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/json")
    def json() -> Any:
        return request.get_data()

    assert _asgi_messages(app, _post(b"x" * 11), chunks).status == 413
    assert _asgi_messages(app, _post(b"x" * 10), [b"x" * 4, b"x" * 6]).status == 200


@pytest.mark.parametrize("chunks", [[b"{}"], [b"{", b"}"]])
def test_a_body_shorter_than_its_content_length_is_400(app: Kettle, chunks: list[bytes]) -> None:
    assert _asgi_messages(app, _post(b"{}", b"5"), chunks).status == 400


def test_a_disconnect_before_the_body_ends_answers_nobody(app: Kettle) -> None:
    scope = asgi_scope(_post(b"{}", b"2"))
    assert call_asgi_messages(app, scope, [{"type": "http.disconnect"}]) == []
    more = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    assert call_asgi_messages(app, scope, more) == []


# -- def views under ASGI ---------------------------------------------------------------------
def test_a_sync_wrapper_around_an_async_view_is_awaited(door: str) -> None:
    """A decorator's plain ``def`` wrapper returns the async view's coroutine: the door awaits
    it after the thread hop, as ``run_sync`` does."""
    app = Kettle("wrapped")

    async def inner() -> str:
        await asyncio.sleep(0)
        return "awaited"

    @app.get("/")
    def wrapper() -> Any:
        return inner()

    response = call(door, app, RawRequest(path=b"/"))
    assert (response.status, response.body) == (200, b"awaited")


# -- errors answered without the pipeline ---------------------------------------------------
def _aborting_app() -> Kettle:
    """Fast-path ``async def`` views that abort, with handlers of every kind."""
    app = Kettle("aborts")
    app.config["SECRET_KEY"] = "door-test"

    @app.errorhandler(404)
    async def not_found(error: Exception) -> Any:
        return {"error": type(error).__name__, "path": request.path}, 404

    @app.errorhandler(409)
    def conflict(error: Exception) -> Any:
        try:  # a def handler never runs on the event loop under ASGI
            asyncio.get_running_loop()
        except RuntimeError:
            return "off the loop", 409
        return "on the loop", 409

    @app.errorhandler(418)
    async def broken(error: Exception) -> Any:
        raise RuntimeError("the handler fails")

    @app.errorhandler(410)
    async def gone(error: Exception) -> Any:
        from kettle import after_this_request, session

        session["seen"] = "gone"

        @after_this_request
        def mark(response: Any) -> Any:
            response.headers["X-After"] = "ran"
            return response

        return "gone", 410

    for code in (404, 409, 418, 410, 400):

        async def view(code: int = code) -> Any:
            from kettle import abort

            abort(code)

        app.add_url_rule(f"/abort/{code}", f"abort{code}", view)
    return app


def test_an_async_handler_answers_an_abort_through_both_doors(door: str) -> None:
    response = call(door, _aborting_app(), RawRequest(path=b"/abort/404"))
    assert response.status == 404
    assert response.body == b'{"error":"NotFound","path":"/abort/404"}'


def test_an_abort_without_a_handler_is_its_own_page(door: str) -> None:
    response = call(door, _aborting_app(), RawRequest(path=b"/abort/400"))
    assert response.status == 400
    assert b"Bad Request" in response.body


def test_a_def_handler_runs_off_the_event_loop(door: str) -> None:
    response = call(door, _aborting_app(), RawRequest(path=b"/abort/409"))
    assert (response.status, response.body) == (409, b"off the loop")


def test_a_failing_handler_is_a_logged_500(door: str, caplog: pytest.LogCaptureFixture) -> None:
    response = call(door, _aborting_app(), RawRequest(path=b"/abort/418"))
    assert response.status == 500
    assert "the handler fails" in caplog.text


def test_a_handlers_session_and_after_this_request_still_apply(door: str) -> None:
    """A handler's value is finished as a view's: the session it changed is saved and what it
    registered with ``after_this_request`` runs."""
    response = call(door, _aborting_app(), RawRequest(path=b"/abort/410"))
    assert (response.status, response.body) == (410, b"gone")
    assert response.header("X-After") == "ran"
    assert (response.header("Set-Cookie") or "").startswith("session=")


# -- a GET that says it has a body ----------------------------------------------------------
@pytest.mark.parametrize(
    ("length", "body", "expected"),
    [(b"7", b'{"a":1}', b'{"a":1}'), (b"0", b"", b""), (b"", b"", b""), (None, b"", b"")],
)
def test_a_get_body_is_read_as_under_wsgi(
    door: str, length: bytes | None, body: bytes, expected: bytes
) -> None:
    """The door reads a GET-like request's body only when ``Content-Length`` announces one
    (an empty value is no length, as WSGI's ``CONTENT_LENGTH=""``): the view gets the same
    bytes through both doors."""
    app = Kettle("get-body")

    @app.get("/")
    async def index() -> bytes:
        return request.get_data()

    headers = [] if length is None else [(b"content-length", length)]
    response = call(door, app, RawRequest(path=b"/", headers=headers, body=body))
    assert (response.status, response.body) == (200, expected)


@pytest.mark.parametrize("pair", [tuple, list])
@pytest.mark.parametrize("where", [0, 3, 6])
@pytest.mark.parametrize(("length", "expected"), [(b"7", b'{"a":1}'), (b"0", b""), (b"", b"")])
def test_a_get_bodys_length_is_found_wherever_it_is_and_whatever_its_pairs(
    pair: type, where: int, length: bytes, expected: bytes
) -> None:
    """The door searches a GET's header pairs for ``Content-Length`` in C (tuples compared
    with a ``(b"content-length", <any value>)`` pair): the header is found first, last or in
    between, and pairs given as lists (the spec allows any two-item iterable) are searched
    too, so the body is read, or not, as the value says."""
    app = Kettle("get-body-pairs")

    @app.get("/")
    async def index() -> bytes:
        return request.get_data()

    others = [(b"accept", b"*/*"), (b"user-agent", b"t"), (b"x-a", b"1"), (b"x-b", b"2")]
    headers = [*others[:where], (b"content-length", length), *others[where:]]
    raw = RawRequest(path=b"/", headers=headers, body=expected)
    scope = asgi_scope(raw)
    scope["headers"] = [pair(item) for item in scope["headers"]]
    messages = [{"type": "http.request", "body": expected, "more_body": False}]
    response = check_asgi_messages(call_asgi_messages(app, scope, messages))
    assert (response.status, response.body) == (200, expected)


def test_each_app_sends_its_own_frame_options(door: str) -> None:
    """The door remembers the last app's ``X-Frame-Options`` bytes: apps answering in turn
    still send their own value, or none."""
    apps = []
    for value in ("DENY", "SAMEORIGIN", None):
        app = Kettle(f"frames-{value}")
        app.config["X_FRAME_OPTIONS"] = value

        @app.get("/")
        async def index() -> str:
            return "<p>page</p>"

        apps.append((app, value))
    for _ in range(2):
        for app, value in apps:
            response = call(door, app, RawRequest(path=b"/"))
            assert response.header("X-Frame-Options") == value
