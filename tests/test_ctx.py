"""Flask's context API (``kettle.ctx``, ``kettle.globals``) over kettle's one context per request:
push/pop by hand, nesting, the wrong-pop error, copies for threads, and what teardown
functions are told."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kettle import Kettle, after_this_request, current_app, g, request, session
from kettle.ctx import (
    AppContext,
    RequestContext,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from kettle.globals import app_ctx, request_ctx


def test_module_paths_match_flask() -> None:
    import kettle.ctx
    import kettle.globals

    assert kettle.ctx.after_this_request is after_this_request
    assert kettle.globals.current_app is current_app
    assert kettle.globals.request is request
    assert kettle.globals.session is session
    assert kettle.globals.g is g


# -- push and pop by hand ------------------------------------------------------------------


def test_app_context_push_pop_by_hand(app: Kettle) -> None:
    ctx = app.app_context()
    assert isinstance(ctx, AppContext)
    assert not has_app_context()
    ctx.push()
    try:
        assert has_app_context() and not has_request_context()
        assert current_app.name == app.name
        assert app_ctx.app is app
        g.value = 1
        assert ctx.g.value == 1
    finally:
        ctx.pop()
    assert not has_app_context()


def test_request_context_push_pop_by_hand(app: Kettle) -> None:
    ctx = app.test_request_context("/hello?x=1")
    assert isinstance(ctx, RequestContext)
    ctx.push()
    try:
        assert request.args["x"] == "1"
        assert request_ctx.request is ctx.request
        assert ctx.app is app
    finally:
        ctx.pop()
    assert not has_request_context()


def test_request_context_opens_the_session_on_push(app: Kettle) -> None:
    app.secret_key = "s3cret"
    with app.test_request_context("/") as ctx:
        assert ctx.session is not None
        ctx.session["k"] = "v"
        assert session["k"] == "v"


def test_request_context_from_an_environ(app: Kettle) -> None:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/p", "QUERY_STRING": "a=b",
               "wsgi.url_scheme": "http", "SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    with app.request_context(environ):
        assert request.path == "/p"
        assert request.args["a"] == "b"


def test_pushing_one_context_twice_tears_down_once(app: Kettle) -> None:
    calls: list[Any] = []
    app.teardown_appcontext(lambda exc: calls.append(exc))
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert calls == [] and has_app_context()
    ctx.pop()
    assert calls == [None] and not has_app_context()


def test_a_context_can_be_pushed_again_after_pop(app: Kettle) -> None:
    ctx = app.app_context()
    with ctx:
        g.x = 1
    with ctx:
        assert current_app._get_current_object() is app


def test_popping_the_wrong_context_raises(app: Kettle) -> None:
    outer = app.app_context()
    inner = app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong context"):
        outer.pop()
    # outer's pop restored what was active before it: nothing
    assert not has_app_context()


def test_popping_the_wrong_request_context_raises(app: Kettle) -> None:
    first = app.test_request_context("/a")
    second = app.test_request_context("/b")
    first.push()
    second.push()
    with pytest.raises(AssertionError, match="Popped wrong context"):
        first.pop()


# -- nesting --------------------------------------------------------------------------------


def test_app_context_inside_a_request_context_keeps_the_request(app: Kettle) -> None:
    app.secret_key = "s3cret"
    with app.test_request_context("/outer") as outer:
        g.where = "request"
        with app.app_context():
            assert has_request_context()
            assert request.path == "/outer"
            assert "where" not in g  # a new app context has its own g, as in Flask
            session["seen"] = True
            assert request_ctx._get_current_object() is outer
        assert request.path == "/outer"
        assert g.where == "request"
        assert session["seen"] is True


def test_request_context_inside_an_app_context_shares_g(app: Kettle) -> None:
    torn: list[str] = []
    app.teardown_appcontext(lambda exc: torn.append("app"))
    app.teardown_request(lambda exc: torn.append("request"))
    with app.app_context():
        g.user = "ann"
        with app.test_request_context("/"):
            assert g.user == "ann"
            g.more = 1
        # the request ended; the app context is still the outer one's
        assert torn == ["request"]
        assert g.more == 1
    assert torn == ["request", "app"]


def test_app_context_of_another_app_in_a_request(app: Kettle) -> None:
    other = Kettle("other", root_path="/tmp")
    with app.test_request_context("/x"), other.app_context():
        assert current_app.name == "other"
        assert request.path == "/x"


# -- copy_current_request_context ------------------------------------------------------------


def test_copy_current_request_context_in_a_thread(app: Kettle, client) -> None:
    results: dict[str, Any] = {}

    @app.route("/work")
    def work() -> str:
        @copy_current_request_context
        def in_thread() -> None:
            results["path"] = request.path
            results["arg"] = request.args.get("n")
            results["app"] = current_app.name

        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        return "ok"

    assert client.get("/work?n=3").text == "ok"
    assert results == {"path": "/work", "arg": "3", "app": app.name}


def test_copy_current_request_context_needs_a_request(app: Kettle) -> None:
    with pytest.raises(RuntimeError, match="request context"):
        copy_current_request_context(lambda: None)
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        copy_current_request_context(lambda: None)


def test_copy_of_a_request_context(app: Kettle) -> None:
    with app.test_request_context("/c?q=1") as ctx:
        copied = ctx.copy()
        assert isinstance(copied, RequestContext)
    with copied:
        assert request.args["q"] == "1"


def test_match_request_routes_again(app: Kettle) -> None:
    @app.route("/item/<int:n>")
    def item(n: int) -> str:
        return str(n)

    ctx = app.test_request_context("/item/5")
    assert ctx.request.view_args == {"n": 5}
    ctx.request.path = "/item/6"
    ctx.match_request()
    assert ctx.request.view_args == {"n": 6}
    ctx.request.path = "/nowhere"
    ctx.match_request()
    assert ctx.request.routing_exception is not None
    assert ctx.request.routing_exception.code == 404


# -- teardown ----------------------------------------------------------------------------------


def test_teardown_order_and_no_error(app: Kettle, client) -> None:
    calls: list[tuple[str, Any]] = []
    app.teardown_request(lambda exc: calls.append(("request-1", exc)))
    app.teardown_request(lambda exc: calls.append(("request-2", exc)))
    app.teardown_appcontext(lambda exc: calls.append(("app-1", exc)))
    app.teardown_appcontext(lambda exc: calls.append(("app-2", exc)))
    app.route("/")(lambda: "ok")
    assert client.get("/").text == "ok"
    # last registered first, the request's before the app context's (as Flask)
    assert calls == [("request-2", None), ("request-1", None), ("app-2", None), ("app-1", None)]


def test_teardown_is_told_the_unhandled_error(app: Kettle, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(("request", exc)))
    app.teardown_appcontext(lambda exc: seen.append(("app", exc)))

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    assert client.get("/boom").status_code == 500
    assert [kind for kind, _ in seen] == ["request", "app"]
    assert all(isinstance(exc, ValueError) and str(exc) == "boom" for _, exc in seen)


def test_teardown_is_not_told_a_handled_error(app: Kettle, client) -> None:
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(exc))
    app.register_error_handler(KeyError, lambda e: ("handled", 400))

    @app.route("/handled")
    def handled() -> str:
        raise KeyError("k")

    response = client.get("/handled")
    assert response.status_code == 400
    assert seen == [None]


def test_with_block_tells_teardown_the_exception(app: Kettle) -> None:
    seen: list[Any] = []
    app.teardown_appcontext(lambda exc: seen.append(exc))
    with pytest.raises(ZeroDivisionError), app.app_context():
        1 / 0  # noqa: B018
    assert isinstance(seen[0], ZeroDivisionError)


def test_explicit_pop_exception_reaches_teardown(app: Kettle) -> None:
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(exc))
    ctx = app.test_request_context("/")
    ctx.push()
    error = RuntimeError("given")
    ctx.pop(error)
    assert seen == [error]


def test_after_this_request_in_a_nested_app_context(app: Kettle, client) -> None:
    @app.route("/")
    def index() -> str:
        with app.app_context():
            after_this_request(lambda r: (r.headers.set("X-After", "1"), r)[1])
        return "ok"

    assert client.get("/").headers["X-After"] == "1"
