"""Request hooks: before_request, after_request, teardown_request and their order."""

from __future__ import annotations

import logging

import pytest

from kettle import Blueprint, Response, abort, g, request


def test_before_request_runs_before_the_view(app, client) -> None:
    @app.before_request
    def load_user():
        g.user = request.headers.get("X-User", "anonymous")

    @app.route("/")
    def index():
        return f"hello {g.user}"

    assert client.get("/", headers={"X-User": "ada"}).text == "hello ada"
    assert client.get("/").text == "hello anonymous"


def test_before_request_returning_a_value_short_circuits(app, client) -> None:
    calls: list[str] = []

    @app.before_request
    def first():
        calls.append("first")
        if request.args.get("stop"):
            return "stopped early", 401
        return None

    @app.before_request
    def second():
        calls.append("second")

    @app.after_request
    def after(response):
        calls.append("after")
        response.headers["X-After"] = "ran"
        return response

    @app.route("/")
    def index():
        calls.append("view")
        return "view"

    response = client.get("/?stop=1")
    assert response.status_code == 401
    assert response.text == "stopped early"
    assert response.headers["X-After"] == "ran"  # after hooks still process the response
    assert calls == ["first", "after"]
    calls.clear()
    assert client.get("/").text == "view"
    assert calls == ["first", "second", "view", "after"]


def test_before_request_may_return_a_response(app, client) -> None:
    @app.before_request
    def maintenance():
        return Response("down for maintenance", 503, {"Retry-After": "60"})

    @app.route("/")
    def index():
        return "up"

    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"


def test_before_request_runs_in_registration_order(app, client) -> None:
    order: list[int] = []
    for n in range(3):
        app.before_request(lambda n=n: order.append(n))

    @app.route("/")
    def index():
        return "x"

    client.get("/")
    assert order == [0, 1, 2]


def test_before_request_can_abort(app, client) -> None:
    @app.before_request
    def guard():
        if request.path.startswith("/admin"):
            abort(403)

    @app.route("/admin")
    def admin():
        return "admin"

    assert client.get("/admin").status_code == 403


def test_before_request_runs_for_unmatched_urls(app, client) -> None:
    seen: list[str] = []

    @app.before_request
    def record():
        seen.append(request.path)

    assert client.get("/nothing-here").status_code == 404
    assert seen == ["/nothing-here"]


def test_after_request_runs_in_reverse_registration_order(app, client) -> None:
    @app.after_request
    def first(response):
        response.headers.add("X-Order", "first")
        return response

    @app.after_request
    def second(response):
        response.headers.add("X-Order", "second")
        return response

    @app.route("/")
    def index():
        return "x"

    assert client.get("/").headers.getlist("X-Order") == ["second", "first"]


def test_after_request_blueprint_hooks_run_before_app_hooks(app, client) -> None:
    bp = Blueprint("bp", __name__)
    order: list[str] = []

    @app.after_request
    def app_first(response):
        order.append("app first")
        return response

    @app.after_request
    def app_second(response):
        order.append("app second")
        return response

    @bp.after_request
    def bp_first(response):
        order.append("bp first")
        return response

    @bp.after_request
    def bp_second(response):
        order.append("bp second")
        return response

    @bp.before_app_request
    def bp_app_before():
        order.append("bp app-wide before")

    @app.before_request
    def app_before():
        order.append("app before")

    @bp.before_request
    def bp_before():
        order.append("bp before")

    @bp.route("/")
    def index():
        order.append("view")
        return "x"

    app.register_blueprint(bp)
    client.get("/")
    # The app-wide hook joins the app's list when the blueprint is registered (last).
    assert order == [
        "app before", "bp app-wide before", "bp before", "view",
        "bp second", "bp first", "app second", "app first",
    ]


def test_after_request_can_replace_the_response(app, client) -> None:
    @app.after_request
    def replace(response):
        return Response("replaced", 202)

    @app.route("/")
    def index():
        return "original"

    response = client.get("/")
    assert response.status_code == 202
    assert response.text == "replaced"


def test_after_request_runs_on_error_responses(app, client) -> None:
    @app.after_request
    def tag(response):
        response.headers["X-Tagged"] = str(response.status_code)
        return response

    @app.route("/forbidden")
    def forbidden():
        abort(403)

    assert client.get("/forbidden").headers["X-Tagged"] == "403"
    assert client.get("/missing").headers["X-Tagged"] == "404"


def test_after_request_runs_on_a_500(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.after_request
    def tag(response):
        response.headers["X-Tagged"] = str(response.status_code)
        return response

    @app.route("/")
    def index():
        raise RuntimeError("boom")

    assert client.get("/").headers["X-Tagged"] == "500"


def test_a_failing_after_request_hook_becomes_a_500(app, client, caplog) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.after_request
    def broken(response):
        raise RuntimeError("hook failed")

    @app.route("/")
    def index():
        return "fine"

    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    assert "hook failed" not in response.text
    assert "hook failed" in caplog.text


def test_teardown_request_runs_after_the_response(app, client) -> None:
    events: list = []

    @app.teardown_request
    def first(exc):
        events.append(("first", exc))

    @app.teardown_request
    def second(exc):
        events.append(("second", exc, request.path))

    @app.route("/")
    def index():
        events.append("view")
        return "x"

    client.get("/")
    assert events == ["view", ("second", None, "/"), ("first", None)]


def test_teardown_request_gets_the_propagated_exception(app, client) -> None:
    seen: list = []

    @app.teardown_request
    def cleanup(exc):
        seen.append(exc)

    @app.route("/")
    def index():
        raise LookupError("lost")

    with pytest.raises(LookupError):
        client.get("/")
    assert len(seen) == 1 and isinstance(seen[0], LookupError)


def test_teardown_request_runs_even_if_a_hook_fails(app, client, caplog) -> None:
    seen: list[str] = []

    @app.teardown_request
    def ok(exc):
        seen.append("ok")

    @app.teardown_request
    def broken(exc):
        raise RuntimeError("teardown broke")

    @app.route("/")
    def index():
        return "fine"

    with caplog.at_level(logging.ERROR):
        assert client.get("/").text == "fine"
    assert seen == ["ok"]
    assert "teardown broke" in caplog.text


def test_teardown_request_runs_before_teardown_appcontext(app, client) -> None:
    order: list[str] = []

    @app.teardown_appcontext
    def appctx(exc):
        order.append("appcontext")

    @app.teardown_request
    def req(exc):
        order.append("request")

    @app.route("/")
    def index():
        return "x"

    client.get("/")
    assert order == ["request", "appcontext"]


def test_blueprint_teardown_runs_before_app_teardown(app, client) -> None:
    order: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.teardown_request
    def app_teardown(exc):
        order.append("app")

    @bp.teardown_request
    def bp_teardown(exc):
        order.append("bp")

    @bp.route("/")
    def index():
        return "x"

    app.register_blueprint(bp)
    client.get("/")
    assert order == ["bp", "app"]


def test_hooks_see_g_and_request(app, client) -> None:
    @app.before_request
    def start():
        g.started = request.path

    @app.after_request
    def finish(response):
        response.headers["X-Started"] = g.started
        return response

    @app.route("/here")
    def here():
        return "x"

    assert client.get("/here").headers["X-Started"] == "/here"


def test_hooks_run_for_automatic_options(app, client) -> None:
    seen: list[str] = []

    @app.before_request
    def record():
        seen.append(request.method)

    @app.route("/")
    def index():
        return "x"

    response = client.options("/")
    assert response.status_code == 200
    assert seen == ["OPTIONS"]
