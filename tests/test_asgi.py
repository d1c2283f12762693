"""ASGI-specific behaviour: protocol detection, WebSockets, lifespan, streaming, thread pool."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from kettle import Blueprint, Kettle, abort, g, request, url_for
from kettle.sse import ServerSentEvent, sse_response
from kettle.testing_asgi import WebSocketClosed, WebSocketDenied
from kettle.websockets import WebSocketDisconnect


@pytest.fixture
def asgi_client(app: Kettle):
    client = app.test_client(asgi=True)
    yield client
    client.close()


# -- one object, two protocols ---------------------------------------------------------


def test_call_looks_like_a_coroutine_function_for_asgi_servers(app: Kettle) -> None:
    assert asyncio.iscoroutinefunction(app.__call__)
    assert asyncio.iscoroutinefunction(app.asgi)
    assert not asyncio.iscoroutinefunction(app.wsgi)


def test_explicit_asgi_and_wsgi_attributes_serve(app: Kettle) -> None:
    @app.route("/")
    def index():
        return "hi"

    sent: list = []

    async def run() -> None:
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [],
                 "query_string": b"", "scheme": "http", "root_path": ""}
        await app.asgi(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"hi"
    statuses = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": None,
               "wsgi.url_scheme": "http", "SERVER_NAME": "x", "SERVER_PORT": "80"}
    body = b"".join(app.wsgi(environ, lambda status, headers, exc=None: statuses.append(status)))
    assert (statuses, body) == (["200 OK"], b"hi")


def test_unknown_scope_type_is_refused(app: Kettle) -> None:
    async def nothing(*_):
        return {}

    async def run() -> None:
        await app({"type": "carrier-pigeon"}, nothing, nothing)

    with pytest.raises(RuntimeError, match="carrier-pigeon"):
        asyncio.run(run())


def test_rsgi_style_call_gets_a_clear_error(app: Kettle) -> None:
    @app.route("/")
    def index():
        return "hi"

    with pytest.raises(TypeError, match="--interface"):
        app(object(), object())


# -- sync and async views side by side ------------------------------------------------


def test_sync_views_run_in_the_thread_pool_and_inline_ones_on_the_loop(app, asgi_client):
    @app.route("/sync")
    def sync_view():
        return threading.current_thread().name

    @app.route("/inline", inline=True)
    def inline_view():
        return threading.current_thread().name

    @app.route("/async")
    async def async_view():
        return threading.current_thread().name

    assert asgi_client.get("/sync").text.startswith("kettle-sync")
    loop_thread = asgi_client.get("/async").text
    assert not loop_thread.startswith("kettle-sync")
    assert asgi_client.get("/inline").text == loop_thread


def test_sync_and_async_hooks_share_g_and_request(app, client):
    @app.before_request
    def sync_hook():
        g.trail = ["sync"]

    @app.before_request
    async def async_hook():
        g.trail.append(f"async:{request.args['x']}")

    @app.after_request
    async def add_header(response):
        response.headers["X-Trail"] = ",".join(g.trail)
        return response

    @app.route("/")
    def index():
        g.trail.append("view")
        return "ok"

    assert client.get("/?x=1").headers["X-Trail"] == "sync,async:1,view"


def test_async_error_handler(app, client):
    @app.errorhandler(404)
    async def not_found(error):
        await asyncio.sleep(0)
        return {"error": "missing", "path": request.path}, 404

    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json == {"error": "missing", "path": "/nowhere"}


# -- streaming -------------------------------------------------------------------------


def test_async_generator_body_streams_through_both_doors(app, client):
    @app.route("/count")
    async def count():
        async def numbers():
            for i in range(3):
                await asyncio.sleep(0)
                yield f"{i};"

        return numbers()

    assert client.get("/count").text == "0;1;2;"


def test_server_sent_events(app, client):
    @app.route("/events")
    def events():
        return sse_response(
            [{"n": 1}, ServerSentEvent("two\nlines", event="note", id="2", retry=500)]
        )

    response = client.get("/events")
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.text == (
        'data: {"n":1}\n\nevent: note\nid: 2\nretry: 500\ndata: two\ndata: lines\n\n'
    )


def test_server_sent_events_keep_alive_on_quiet_async_streams(app, client):
    @app.route("/slow")
    async def slow():
        async def events():
            yield "first"
            await asyncio.sleep(0.06)
            yield "second"

        return sse_response(events(), keepalive=0.02)

    text = client.get("/slow").text
    assert text.startswith("data: first\n\n") and text.endswith("data: second\n\n")
    assert ": keep-alive\n\n" in text


def test_sse_fields_cannot_inject_lines() -> None:
    with pytest.raises(ValueError, match="newline"):
        ServerSentEvent("x", event="a\ndata: forged").encode()


def test_stream_routes_read_the_body_themselves(app, client):
    @app.post("/count-async", stream=True)
    async def count_async():
        total = 0
        async for chunk in request.iter_body():
            total += len(chunk)
        return {"bytes": total}

    @app.post("/count-sync", stream=True)
    def count_sync():
        total = 0
        while chunk := request.stream.read(1000):
            total += len(chunk)
        return {"bytes": total}

    payload = b"x" * 300_000
    assert client.post("/count-async", data=payload).json == {"bytes": len(payload)}
    assert client.post("/count-sync", data=payload).json == {"bytes": len(payload)}


def test_stream_routes_keep_the_body_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/count", stream=True)
    async def count():
        total = 0
        async for chunk in request.iter_body():
            total += len(chunk)
        return {"bytes": total}

    assert client.post("/count", data=b"x" * 1000).json == {"bytes": 1000}
    assert client.post("/count", data=b"x" * 1001).status_code == 413


# -- WebSockets ------------------------------------------------------------------------


def test_websocket_echo_text_bytes_and_json(app, asgi_client):
    @app.websocket("/ws/echo")
    async def echo(ws):
        await ws.accept()
        while True:
            message = await ws.receive()
            if message.get("text") is not None:
                await ws.send_text(message["text"].upper())
            else:
                await ws.send_bytes(message["bytes"][::-1])

    with asgi_client.websocket_connect("/ws/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "HELLO"
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"


def test_websocket_path_converters_json_and_iteration(app, asgi_client):
    @app.websocket("/ws/room/<int:room>")
    async def room(ws, room):
        await ws.accept(subprotocol="chat")
        async for message in ws:
            await ws.send_json({"room": room, "said": message})

    with asgi_client.websocket_connect("/ws/room/7", subprotocols=["chat"]) as ws:
        assert ws.accepted_subprotocol == "chat"
        ws.send_text("hi")
        assert ws.receive_json() == {"room": 7, "said": "hi"}
        ws.send_json({"a": 1})
        assert ws.receive_json() == {"room": 7, "said": '{"a":1}'}


def test_websocket_receive_json_and_close_with_code(app, asgi_client):
    @app.websocket("/ws/once")
    async def once(ws):
        await ws.accept()
        data = await ws.receive_json()
        await ws.send_json({"double": data["n"] * 2})
        await ws.close(4000, "done")

    with asgi_client.websocket_connect("/ws/once") as ws:
        ws.send_json({"n": 21})
        assert ws.receive_json() == {"double": 42}
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive()
        assert (closed.value.code, closed.value.reason) == (4000, "done")


def test_websocket_disconnect_reaches_the_view(app, asgi_client):
    seen: list = []

    @app.websocket("/ws/watch")
    async def watch(ws):
        await ws.accept()
        try:
            await ws.receive_text()
        except WebSocketDisconnect as exc:
            seen.append(exc.code)
            raise

    with asgi_client.websocket_connect("/ws/watch"):
        pass
    assert seen == [1000]


def test_websocket_hooks_blueprints_and_refusal(app, asgi_client):
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.before_request
    def check_token():
        if request.args.get("token") != "secret":
            abort(403)
        g.user = "ann"

    @bp.websocket("/feed")
    async def feed(ws):
        await ws.accept()
        await ws.send_text(f"hello {g.user} at {request.path}")

    app.register_blueprint(bp)
    with asgi_client.websocket_connect("/live/feed?token=secret") as ws:
        assert ws.receive_text() == "hello ann at /live/feed"
    with pytest.raises(WebSocketDenied) as denied:
        asgi_client.websocket_connect("/live/feed?token=wrong")
    assert denied.value.status == 403
    with pytest.raises(WebSocketDenied) as missing:
        asgi_client.websocket_connect("/live/nothing")
    assert missing.value.status == 404


def test_websocket_view_error_closes_with_1011_after_accept(app, asgi_client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.websocket("/ws/broken")
    async def broken(ws):
        await ws.accept()
        raise RuntimeError("boom")

    with (
        asgi_client.websocket_connect("/ws/broken") as ws,
        pytest.raises(WebSocketClosed) as closed,
    ):
        ws.receive()
    assert closed.value.code == 1011


def test_websocket_routes_answer_404_over_http(app, client):
    @app.websocket("/ws")
    async def ws_view(ws):
        await ws.accept()

    assert client.get("/ws").status_code == 404


def test_websocket_needs_the_asgi_client(app):
    with pytest.raises(RuntimeError, match="asgi=True"):
        app.test_client().websocket_connect("/ws")


# -- lifespan --------------------------------------------------------------------------


def test_lifespan_runs_startup_and_shutdown_once_under_asgi(app):
    events: list = []

    @app.on_startup
    async def load():
        events.append(("startup", app.name))

    @app.on_shutdown
    def unload():
        events.append("shutdown")

    @app.route("/")
    def index():
        return str(len(events))

    client = app.test_client(asgi=True)
    assert client.get("/").text == "1"
    assert client.get("/").text == "1"
    client.close()
    assert events == [("startup", "test_app"), "shutdown"]


def test_startup_runs_before_the_first_wsgi_request(app):
    events: list = []

    @app.on_startup
    def load():
        from kettle import current_app

        events.append(current_app.name)

    @app.route("/")
    def index():
        return ",".join(events)

    client = app.test_client()
    assert client.get("/").text == "test_app"
    assert client.get("/").text == "test_app"


def test_failing_startup_refuses_to_serve(app):
    @app.on_startup
    def broken():
        raise RuntimeError("model file missing")

    client = app.test_client(asgi=True)
    with pytest.raises(RuntimeError, match="model file missing"):
        client.get("/")
    client.close()


def test_lifespan_protocol_messages(app):
    @app.on_startup
    def fail():
        raise ValueError("no database")

    sent: list = []

    async def run() -> None:
        queue = [{"type": "lifespan.startup"}]

        async def receive():
            return queue.pop(0)

        async def send(message):
            sent.append(message)

        await app({"type": "lifespan"}, receive, send)

    asyncio.run(run())
    assert sent == [{"type": "lifespan.startup.failed", "message": "ValueError: no database"}]


# -- files and disconnects (raw ASGI calls, as a server makes them) ----------------------


def _call_asgi(app, path, method="GET", body_messages=None, extensions=None):
    sent: list = []
    messages = list(body_messages or [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [],
             "query_string": b"", "scheme": "http", "root_path": "",
             "extensions": extensions or {}}
    if body_messages:
        scope["headers"] = [(b"content-type", b"application/json")]
    asyncio.run(app(scope, receive, send))
    return sent


def test_file_bodies_use_pathsend_where_the_server_offers_it(app, tmp_path):
    from kettle import Response

    target = tmp_path / "report.bin"
    target.write_bytes(b"\x00\x01" * 100_000)

    @app.route("/file")
    def file_view():
        return Response(open(target, "rb"), mimetype="application/octet-stream")

    sent = _call_asgi(app, "/file", extensions={"http.response.pathsend": {}})
    assert sent[0]["status"] == 200
    assert sent[1] == {"type": "http.response.pathsend", "path": str(target)}
    plain = _call_asgi(app, "/file")  # no pathsend: the file is read in blocks
    assert b"".join(m.get("body", b"") for m in plain[1:]) == target.read_bytes()


def test_client_disconnect_while_reading_ends_the_request_quietly(app):
    ran: list = []

    @app.post("/echo")
    async def echo():
        ran.append(True)
        return request.json

    sent = _call_asgi(app, "/echo", "POST", [
        {"type": "http.request", "body": b'{"a":', "more_body": True},
        {"type": "http.disconnect"},
    ])
    assert sent == [] and ran == []


@pytest.mark.parametrize("with_hook", [False, True])
def test_sync_views_inline_app_wide_with_a_per_route_opt_out(app, asgi_client, with_hook):
    app.config["SYNC_VIEWS_INLINE"] = True
    if with_hook:  # a route with hooks goes through the pipeline: the setting still holds

        @app.before_request
        def hook():
            return None

    @app.route("/sync")
    def sync_view():
        return threading.current_thread().name

    @app.route("/threaded", inline=False)
    def threaded_view():
        return threading.current_thread().name

    @app.route("/async")
    async def async_view():
        return threading.current_thread().name

    loop_thread = asgi_client.get("/async").text
    assert asgi_client.get("/sync").text == loop_thread
    assert asgi_client.get("/threaded").text.startswith("kettle-sync")


def test_a_slow_sync_view_does_not_hold_up_the_loop(app):
    """Two sync views that each wait for the other finish: they run in separate worker
    threads while the loop goes on serving."""
    barrier = threading.Barrier(2, timeout=5)

    @app.route("/wait")
    def wait():
        barrier.wait()
        return threading.current_thread().name

    @app.route("/async")
    async def quick():
        return "quick"

    async def call(path):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
                 "headers": [(b"host", b"x")], "asgi": {"version": "3.0"}}
        await app(scope, receive, send)
        return sent[1]["body"].decode()

    async def run():
        waiting = [asyncio.ensure_future(call("/wait")) for _ in range(2)]
        assert await asyncio.wait_for(call("/async"), 2) == "quick"
        return await asyncio.wait_for(asyncio.gather(*waiting), 10)

    names = asyncio.run(run())
    assert len(set(names)) == 2 and all(n.startswith("kettle-sync") for n in names)


def test_an_exception_in_a_sync_view_reaches_its_handler_through_the_thread(app, asgi_client):
    @app.errorhandler(ValueError)
    def bad_value(error):
        return {"error": str(error), "thread": threading.current_thread().name}, 400

    @app.route("/")
    def index():
        raise ValueError("nope")

    response = asgi_client.get("/")
    assert response.status_code == 400
    assert response.json["error"] == "nope"


def test_the_worker_threads_end_at_shutdown_and_start_again_when_needed():
    app = Kettle("shut-down")
    seen = []

    @app.route("/")
    def index():
        seen.append(threading.current_thread())
        return "ok"

    client = app.test_client(asgi=True)
    assert client.get("/").text == "ok"
    client.close()  # the lifespan shutdown
    worker = seen.pop()
    assert worker.name.startswith("kettle-sync")
    worker.join(timeout=5)
    assert not worker.is_alive()
    client = app.test_client(asgi=True)
    assert client.get("/").text == "ok"
    client.close()
    assert seen.pop() is not worker


@pytest.mark.parametrize(
    ("full_path", "path"), [("/api/items", "/items"), ("/api", "/"), ("/other", "/other")]
)
def test_a_mounted_app_sees_its_path_under_the_scope_root_path(
    app: Kettle, full_path: str, path: str
) -> None:
    """ASGI's ``path`` includes ``root_path`` (WSGI's ``SCRIPT_NAME`` + ``PATH_INFO``): the
    app routes on what follows it and builds URLs under it, as it does under WSGI."""

    @app.route("/<path:rest>")
    @app.route("/", defaults={"rest": ""})
    def echo(rest: str) -> dict[str, str]:
        return {"path": request.path, "root": request.root_path,
                "url": url_for("echo", rest="x")}

    sent: list = []

    async def run() -> None:
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": full_path, "headers": [],
                 "query_string": b"", "scheme": "http", "root_path": "/api",
                 "server": ("testserver", 80)}
        await app(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"path": path, "root": "/api", "url": "/api/x"}
