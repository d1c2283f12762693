"""The full door (Flask's request methods, taken while a request signal has a receiver)
answers every request exactly as the fast path does: the same status, headers and body
through both doors, for limits, bad hosts, sessions, async views, routing errors, JSON and
failing views. And apps return to the fast path once no receiver is left for any sender.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from apps.hostile import RawRequest, RawResponse, call

from kettle import Kettle, abort, session
from kettle.signals import has_request_receivers, request_finished, request_started
from kettle.views import MethodView

DOORS = ("wsgi", "asgi")


class Items(MethodView):
    async def get(self) -> dict[str, str]:
        return {"method": "get"}

    def post(self) -> tuple[str, int]:
        return "created", 201


def create_app() -> Kettle:
    app = Kettle("parity", root_path="/tmp")
    app.config.update(
        SECRET_KEY="parity-key", TRUSTED_HOSTS=["127.0.0.1"], MAX_CONTENT_LENGTH=64,
        MAX_REQUEST_HEADERS=20,
    )

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/headers")
    def headers() -> dict[str, Any]:
        from kettle import request

        return {"agent": request.headers.get("User-Agent")}

    @app.get("/session/set")
    def set_session() -> str:
        session["n"] = 1
        return "set"

    @app.get("/session/get")
    def get_session() -> dict[str, Any]:
        return {"n": session.get("n")}

    @app.post("/json")
    def echo() -> dict[str, Any]:
        from kettle import request

        return {"got": request.get_json()}

    @app.get("/teapot")
    def teapot() -> str:
        abort(418)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[dict[str, str], int]:
        return {"error": "not here"}, 404

    @app.get("/inline", inline=True)
    def inline() -> str:  # under ASGI, on the server's event loop
        return f"on the loop: {asyncio._get_running_loop() is not None}"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    return app


def post_json(body: bytes) -> RawRequest:
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", b"%d" % len(body))]
    return RawRequest(method=b"POST", path=b"/json", body=body, headers=headers)


def requests(cookie: bytes) -> list[RawRequest]:
    many = [(f"X-H-{i}".encode(), b"v") for i in range(25)]
    return [
        RawRequest(path=b"/"),
        RawRequest(path=b"/", headers=many),  # 431: too many header fields
        RawRequest(path=b"/headers", headers=[(b"User-Agent", b"x" * 9000)]),  # 431: too long
        RawRequest(path=b"/", host=b"evil.example"),  # 400: untrusted Host
        RawRequest(path=b"/session/set"),
        RawRequest(path=b"/session/get", headers=[(b"Cookie", cookie)]),
        RawRequest(path=b"/session/get", headers=[(b"Cookie", b"session=" + b"A" * 9000)]),
        RawRequest(path=b"/items"),
        RawRequest(method=b"POST", path=b"/items"),
        RawRequest(method=b"DELETE", path=b"/items"),  # 405
        RawRequest(path=b"/no/such/page"),  # 404, from the app's handler
        post_json(b'{"a": [1, 2]}'),
        post_json(b"x" * 100),  # 413: over MAX_CONTENT_LENGTH
        post_json(b"{"),  # 400: bad JSON
        RawRequest(path=b"/teapot"),
        RawRequest(path=b"/boom"),  # 500
        RawRequest(method=b"HEAD", path=b"/"),
        RawRequest(method=b"OPTIONS", path=b"/items"),
        RawRequest(path=b"/inline"),
    ]


def normalized(response: RawResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body; a ``Set-Cookie`` without its signed, timed value."""
    headers = []
    for name, value in response.headers:
        name = name.lower()
        if name == "date":
            continue
        if name == "set-cookie":
            cookie, _, attributes = value.partition(";")
            kept = [a.strip() for a in attributes.split(";") if not a.strip().startswith(
                ("Expires", "Max-Age"))]
            value = f"{cookie.partition('=')[0]}=<{bool(cookie.partition('=')[2])}>; {kept}"
        headers.append((name, value))
    return response.status, sorted(headers), response.body


def answers(cookie: bytes) -> dict[tuple[str, int], tuple[int, list[tuple[str, str]], bytes]]:
    """Every request through both doors of a fresh app, each twice."""
    app = create_app()
    out = {}
    for door in DOORS:
        for index, raw in enumerate(requests(cookie)):
            first = normalized(call(door, app, raw))
            assert normalized(call(door, app, raw)) == first, (door, raw)
            out[door, index] = first
    return out


def session_cookie() -> bytes:
    response = call("wsgi", create_app(), RawRequest(path=b"/session/set"))
    value = dict(response.headers)["Set-Cookie"].partition(";")[0]
    return value.encode()


def _ignore(sender: Any, **extra: Any) -> None:
    """A receiver that does nothing: its presence alone moves apps to the full door."""


@contextmanager
def counting_receiver() -> Iterator[list[Any]]:
    calls: list[Any] = []

    def receiver(sender: Any, **extra: Any) -> None:
        calls.append(sender)

    request_started.connect(receiver)
    try:
        yield calls
    finally:
        request_started.disconnect(receiver)


def test_the_full_door_answers_as_the_fast_path() -> None:
    if has_request_receivers():
        pytest.skip("a request signal receiver is connected for the whole run: no fast path")
    cookie = session_cookie()
    fast = answers(cookie)
    with counting_receiver() as calls:
        full = answers(cookie)
    for key, expected in fast.items():
        assert full[key] == expected, key
    assert len(calls) == len(full) * 2  # every request went through the full door
    statuses = [fast["wsgi", i][0] for i in range(len(requests(cookie)))]
    assert statuses == [200, 431, 431, 400, 200, 200, 431, 200, 201, 405, 404, 200, 413, 400,
                        418, 500, 200, 200, 200]
    assert fast["wsgi", 5][2] == fast["asgi", 5][2] == b'{"n":1}'
    assert fast["wsgi", 7][2] == b'{"method":"get"}'  # the async handler, awaited
    assert ("vary", "Cookie") in fast["asgi", 4][1]
    assert fast["asgi", 18][2] == b"on the loop: True"
    assert fast["wsgi", 18][2] == b"on the loop: False"


def spied(app: Kettle) -> list[None]:
    """Count the app's ``full_dispatch_request`` calls: only the full door makes them."""
    calls: list[None] = []
    original: Callable[[], Any] = app.full_dispatch_request

    def full_dispatch_request() -> Any:
        calls.append(None)
        return original()

    app.full_dispatch_request = full_dispatch_request  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("door", DOORS)
def test_disconnecting_from_each_sender_restores_the_fast_path(door: str) -> None:
    if has_request_receivers():
        pytest.skip("a request signal receiver is connected for the whole run: no fast path")
    app, other = create_app(), create_app()
    calls = spied(app)
    raw = RawRequest(path=b"/")
    assert call(door, app, raw).body == b"index" and calls == []
    request_started.connect(_ignore, sender=app)
    request_finished.connect(_ignore, sender=other)
    try:
        assert call(door, app, raw).body == b"index" and len(calls) == 1
        request_started.disconnect(_ignore, sender=app)
        # a receiver is left, for another app: every app keeps the full door
        assert call(door, app, raw).body == b"index" and len(calls) == 2
        request_finished.disconnect(_ignore, sender=other)
        # none left for any sender, though blinker still lists the receiver on both signals
        assert request_started.receivers and request_finished.receivers
        assert call(door, app, raw).body == b"index" and len(calls) == 2  # fast again
    finally:
        request_started.disconnect(_ignore)
        request_finished.disconnect(_ignore)


@pytest.mark.parametrize("door", DOORS)
def test_a_receiver_disconnected_from_its_only_sender_restores_the_fast_path(door: str) -> None:
    if has_request_receivers():
        pytest.skip("a request signal receiver is connected for the whole run: no fast path")
    app = create_app()
    calls = spied(app)
    raw = RawRequest(path=b"/")
    request_started.connect(_ignore, sender=app)
    request_started.connect(_ignore, sender=create_app)  # a second sender
    try:
        assert call(door, app, raw).status == 200 and len(calls) == 1
        request_started.disconnect(_ignore, sender=app)
        assert call(door, app, raw).status == 200 and len(calls) == 2  # one sender left
        request_started.disconnect(_ignore, sender=create_app)
        assert call(door, app, raw).status == 200 and len(calls) == 2  # none left: fast
        assert request_started.receivers  # blinker still lists it; kettle is not fooled
    finally:
        request_started.disconnect(_ignore)
