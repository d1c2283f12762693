"""The test client: cookies, redirects, uploads, kept contexts, the CLI runner."""

from __future__ import annotations

import io
import re

import click

from kettle import Kettle, g, redirect, request, url_for
from kettle.context import current_app


def test_cookies_persist_between_calls_and_expire(app, client):
    @app.route("/set")
    def set_cookie():
        response = app.make_response("set")
        response.set_cookie("flavour", "mint", path="/")
        return response

    @app.route("/read")
    def read():
        return request.cookies.get("flavour", "none")

    @app.route("/clear")
    def clear():
        response = app.make_response("cleared")
        response.delete_cookie("flavour")
        return response

    assert client.get("/read").text == "none"
    client.get("/set")
    assert client.get_cookie("flavour") == "mint"
    assert client.get("/read").text == "mint"
    client.get("/clear")
    assert client.get("/read").text == "none"
    client.set_cookie("flavour", "lemon")
    assert client.get("/read").text == "lemon"
    client.delete_cookie("flavour")
    assert client.get("/read").text == "none"


def test_cookies_respect_their_path(app, client):
    @app.route("/a/set")
    def set_a():
        response = app.make_response("ok")
        response.set_cookie("scoped", "1", path="/a")
        return response

    @app.route("/a/read")
    @app.endpoint("a_read")
    def read_a():
        return request.cookies.get("scoped", "-")

    @app.route("/b/read")
    def read_b():
        return request.cookies.get("scoped", "-")

    client.get("/a/set")
    assert client.get("/a/read").text == "1"
    assert client.get("/b/read").text == "-"


def test_follow_redirects_keeps_history_and_switches_to_get(app, client):
    @app.route("/start", methods=["POST"])
    def start():
        return redirect(url_for("middle"), 303)

    @app.route("/middle")
    def middle():
        return redirect("/end?x=1")

    @app.route("/end")
    def end():
        return f"{request.method} {request.args['x']}"

    response = client.post("/start", data={"a": "b"}, follow_redirects=True)
    assert response.text == "GET 1"
    assert [r.status_code for r in response.history] == [303, 302]
    assert client.post("/start").location == "/middle"


def test_307_redirect_keeps_method_and_body(app, client):
    @app.route("/old", methods=["POST"])
    def old():
        return redirect("/new", 307)

    @app.route("/new", methods=["POST"])
    def new():
        return request.get_json()

    response = client.post("/old", json={"kept": True}, follow_redirects=True)
    assert response.json == {"kept": True}


def test_upload_with_file_tuples(app, client):
    @app.post("/upload")
    def upload():
        f = request.files["doc"]
        return {"name": f.filename, "body": f.read().decode(), "field": request.form["title"]}

    response = client.post(
        "/upload", data={"title": "report", "doc": (io.BytesIO(b"contents"), "r.txt")}
    )
    assert response.json == {"name": "r.txt", "body": "contents", "field": "report"}


def test_with_client_keeps_last_request_context(app, client):
    @app.route("/ctx")
    def ctx():
        g.seen = request.args["v"]
        return "ok"

    torn_down = []
    app.teardown_appcontext(lambda exc: torn_down.append(exc))
    with client:
        client.get("/ctx?v=42")
        assert request.args["v"] == "42"
        assert g.seen == "42"
        assert torn_down == []
    assert torn_down == [None]


def test_query_string_argument_and_headers(app, client):
    @app.route("/q")
    def q():
        return {"a": request.args.getlist("a"), "h": request.headers.get("X-Thing")}

    response = client.get("/q", query_string={"a": ["1", "2"]}, headers={"X-Thing": "yes"})
    assert response.json == {"a": ["1", "2"], "h": "yes"}


def test_cli_runner_runs_commands_in_app_context(app):
    @app.cli.command("hello")
    @click.argument("name")
    def hello(name):
        click.echo(f"hello {name} from {current_app.name}")

    result = app.test_cli_runner().invoke(args=["hello", "kettle"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello kettle from test_app\n"


def test_test_request_context_builds_request(app: Kettle):
    @app.route("/item/<int:id>", methods=["GET", "POST"])
    def item(id):
        return str(id)

    with app.test_request_context("/item/7?x=y", method="POST", data={"f": "v"}):
        assert request.method == "POST"
        assert request.view_args == {"id": 7}
        assert request.args["x"] == "y"
        assert request.form["f"] == "v"
        assert url_for("item", id=8) == "/item/8"


def test_with_asgi_client_runs_lifespan_shutdown_on_exit() -> None:
    app = Kettle(__name__)
    events: list[str] = []
    app.on_startup(lambda: events.append("startup"))
    app.on_shutdown(lambda: events.append("shutdown"))
    app.get("/")(lambda: "ok")
    with app.test_client(asgi=True) as client:
        assert client.get("/").text == "ok"
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


def test_an_asgi_client_left_unclosed_shuts_the_lifespan_down_when_collected() -> None:
    import gc

    app = Kettle(__name__)
    events: list[str] = []
    app.on_shutdown(lambda: events.append("shutdown"))
    app.get("/")(lambda: "ok")

    def use_and_drop() -> None:
        assert app.test_client(asgi=True).get("/").text == "ok"

    use_and_drop()
    gc.collect()
    assert events == ["shutdown"]


def test_an_asgi_client_left_unclosed_at_exit_shuts_down_without_warnings(tmp_path) -> None:
    import subprocess
    import sys

    script = tmp_path / "unclosed.py"
    script.write_text(
        "from kettle import Kettle\n"
        "app = Kettle(__name__)\n"
        "app.on_shutdown(lambda: print('shutdown ran'))\n"
        "app.get('/')(lambda: 'ok')\n"
        "client = app.test_client(asgi=True)\n"
        "print(client.get('/').text)\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", str(script)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "shutdown", "ran"]
    # No pending task, no unclosed event loop. ``-X dev`` also logs any callback slower than
    # 0.1 s, which a loaded machine can produce: those lines are timing, not a leak.
    slow = re.compile(r"Executing <.*> took [\d.]+ seconds")
    assert [line for line in done.stderr.splitlines() if not slow.search(line)] == []


def test_threads_sharing_an_asgi_client_share_one_lifespan() -> None:
    import threading

    app = Kettle(__name__)
    started: list[int] = []
    app.on_startup(lambda: started.append(1))
    app.get("/")(lambda: "ok")
    client = app.test_client(asgi=True)
    barrier = threading.Barrier(8)
    answers: list[str] = []

    def call() -> None:
        barrier.wait()
        answers.append(client.get("/").text)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert answers == ["ok"] * 8
    assert started == [1]
