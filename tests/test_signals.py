"""Flask's signals (``kettle.signals``, on blinker): sent where Flask sends them, with Flask's
sender and keyword arguments, through both doors; and apps leave their fast path only
while a request signal has a receiver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from blinker import Signal

import kettle
from kettle import Kettle, flash, render_template_string, signals, stream_template_string
from kettle.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)

ALL = {
    "request_started": request_started,
    "request_finished": request_finished,
    "got_request_exception": got_request_exception,
    "request_tearing_down": request_tearing_down,
    "appcontext_tearing_down": appcontext_tearing_down,
    "appcontext_pushed": appcontext_pushed,
    "appcontext_popped": appcontext_popped,
}


@contextmanager
def recording(app: Kettle, *names: str) -> Iterator[list[tuple[str, Any, dict[str, Any]]]]:
    """Connect a recorder to each named signal (for ``app`` as sender) while the block runs."""
    events: list[tuple[str, Any, dict[str, Any]]] = []
    with ExitStack() as stack:
        for name in names:
            signal: Signal = ALL.get(name) or getattr(signals, name)

            def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
                events.append((_name, sender, kwargs))

            stack.enter_context(signal.connected_to(receiver, sender=app))
        yield events


def test_flask_names_are_importable() -> None:
    for name in ("template_rendered", "before_render_template", "request_started",
                 "request_finished", "got_request_exception", "request_tearing_down",
                 "appcontext_tearing_down", "appcontext_pushed", "appcontext_popped",
                 "message_flashed"):
        assert isinstance(getattr(kettle.signals, name), Signal)
        assert getattr(kettle, name) is getattr(kettle.signals, name)


def test_request_signals_in_flask_order(app: Kettle, client) -> None:
    app.route("/")(lambda: "hello")
    with recording(app, *ALL) as events:
        response = client.get("/")
    assert response.text == "hello"
    assert [name for name, _, _ in events] == [
        "appcontext_pushed", "request_started", "request_finished",
        "request_tearing_down", "appcontext_tearing_down", "appcontext_popped",
    ]
    assert all(sender is app for _, sender, _ in events)
    kwargs = {name: kw for name, _, kw in events}
    assert kwargs["request_finished"]["response"].status_code == 200
    assert kwargs["request_tearing_down"] == {"exc": None}
    assert kwargs["appcontext_tearing_down"] == {"exc": None}
    assert kwargs["request_started"] == {} and kwargs["appcontext_pushed"] == {}


def test_got_request_exception(app: Kettle, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    with recording(app, "got_request_exception", "request_tearing_down") as events:
        assert client.get("/boom").status_code == 500
    (name, sender, kwargs), (_, _, teardown) = events
    assert name == "got_request_exception" and sender is app
    assert isinstance(kwargs["exception"], ValueError)
    assert teardown["exc"] is kwargs["exception"]


def test_got_request_exception_when_propagating(app: Kettle, client) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise KeyError("k")

    with recording(app, "got_request_exception") as events, pytest.raises(KeyError):
        client.get("/boom")
    assert isinstance(events[0][2]["exception"], KeyError)


def test_handled_errors_send_no_exception_signal(app: Kettle, client) -> None:
    @app.route("/missing")
    def missing() -> str:
        kettle.abort(404)

    with recording(app, "got_request_exception", "request_finished") as events:
        assert client.get("/missing").status_code == 404
    assert [name for name, _, _ in events] == ["request_finished"]


def test_template_signals(app: Kettle, client) -> None:
    @app.route("/page")
    def page() -> str:
        return render_template_string("Hi {{ name }}", name="ann")

    with recording(app, "before_render_template", "template_rendered") as events:
        assert client.get("/page").text == "Hi ann"
    assert [name for name, _, _ in events] == ["before_render_template", "template_rendered"]
    for _, sender, kwargs in events:
        assert sender is app
        assert kwargs["context"]["name"] == "ann"
        assert kwargs["template"].render(name="bob") == "Hi bob"


def test_template_rendered_after_a_stream_ends(app: Kettle, client) -> None:
    @app.route("/stream")
    def stream() -> Any:
        return stream_template_string("{% for i in range(3) %}{{ i }}{% endfor %}")

    with recording(app, "template_rendered") as events:
        assert client.get("/stream").text == "012"
    assert len(events) == 1 and events[0][1] is app


def test_message_flashed(app: Kettle, client) -> None:
    app.secret_key = "s3cret"

    @app.route("/flash")
    def flashing() -> str:
        flash("saved", "info")
        return "ok"

    with recording(app, "message_flashed") as events:
        client.get("/flash")
    assert events == [("message_flashed", app, {"message": "saved", "category": "info"})]


def test_app_context_signals_by_hand(app: Kettle) -> None:
    names = ("appcontext_pushed", "appcontext_tearing_down", "appcontext_popped")
    with recording(app, *names) as ev, app.app_context():
        assert [name for name, _, _ in ev] == ["appcontext_pushed"]
    assert [name for name, _, _ in ev] == [
        "appcontext_pushed", "appcontext_tearing_down", "appcontext_popped",
    ]


def test_async_receiver(app: Kettle, client) -> None:
    seen: list[Any] = []
    app.route("/")(lambda: "ok")

    async def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    with request_started.connected_to(receiver, sender=app):
        client.get("/")
    assert seen == [app]


def test_signals_for_another_app_are_not_received(app: Kettle, client) -> None:
    other = Kettle("other", root_path="/tmp")
    app.route("/")(lambda: "ok")
    with recording(other, "request_started") as events:
        assert client.get("/").text == "ok"
    assert events == []


# -- the fast path --------------------------------------------------------------------


def test_connecting_after_serving_switches_paths_and_back(app: Kettle, client) -> None:
    app.route("/")(lambda: "ok")
    assert client.get("/").text == "ok"
    assert not signals.state.active
    with recording(app, "request_started") as events:
        assert not (app._ready or app._asgi_ready)  # the doors will check again
        client.get("/")
        client.get("/")
    assert len(events) == 2
    assert not signals.state.active
    client.get("/")
    assert app._ready or app._asgi_ready  # back on the fast path
    assert len(events) == 2


def test_template_and_flash_signals_do_not_leave_the_fast_path(app: Kettle) -> None:
    with recording(app, "template_rendered", "message_flashed"):
        assert not signals.state.active


def test_full_pipeline_keeps_the_test_clients_context(app: Kettle, client) -> None:
    from kettle import request as current_request

    app.route("/kept")(lambda: "ok")
    with recording(app, "request_tearing_down") as events:
        with client:
            client.get("/kept?x=1")
            assert current_request.args["x"] == "1"  # ``with client:`` keeps the context
            assert events == []  # ...and its teardown waits
        assert [name for name, _, _ in events] == ["request_tearing_down"]


def test_full_pipeline_streams_with_context(app: Kettle, client) -> None:
    from kettle import request as current_request
    from kettle import stream_with_context

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "a="
            yield current_request.args["a"]

        return stream_with_context(generate())

    with recording(app, "request_tearing_down") as events:
        assert client.get("/stream?a=7").text == "a=7"
    assert [name for name, _, _ in events] == ["request_tearing_down"]
