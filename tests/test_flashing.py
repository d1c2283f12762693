"""Flash messages: kept in the session under ``_flashes``, shown once, with categories
and filters, readable from templates; both doors."""

from __future__ import annotations

from typing import Any

import pytest

from kettle import (
    Kettle,
    flash,
    get_flashed_messages,
    redirect,
    render_template_string,
    session,
)
from kettle.testing import KettleClient


@pytest.fixture
def app(app: Kettle) -> Kettle:
    app.config["SECRET_KEY"] = "flash secret"

    @app.post("/flash")
    def add() -> Any:
        from kettle import request

        for message in request.form.getlist("message"):
            flash(message, request.form.get("category", "message"))
        return redirect("/show")

    @app.get("/show")
    def show() -> dict[str, Any]:
        return {"messages": get_flashed_messages()}

    @app.get("/raw")
    def raw() -> dict[str, Any]:
        return {"stored": session.get("_flashes")}

    return app


def pairs(value: Any) -> list[tuple[Any, ...]]:
    """The stored ``(category, message)`` pairs, whether the session kept tuples or lists."""
    return [tuple(pair) for pair in value]


def test_messages_show_once_on_the_next_page(client: KettleClient) -> None:
    response = client.post("/flash", data={"message": ["Saved.", "And mailed."]})
    assert response.status_code == 302
    assert client.get("/show").json == {"messages": ["Saved.", "And mailed."]}
    assert client.get("/show").json == {"messages": []}


def test_stored_in_the_session_as_flask_does(client: KettleClient) -> None:
    client.post("/flash", data={"message": "hello", "category": "info"})
    stored = client.get("/raw").json["stored"]
    assert pairs(stored) == [("info", "hello")]
    assert client.get("/show").json == {"messages": ["hello"]}
    assert client.get("/raw").json == {"stored": None}


def test_messages_accumulate_until_shown(client: KettleClient) -> None:
    client.post("/flash", data={"message": "one"})
    client.post("/flash", data={"message": "two", "category": "error"})
    assert client.get("/show").json == {"messages": ["one", "two"]}


def test_categories_and_filters(app: Kettle, client: KettleClient) -> None:
    @app.get("/mixed")
    def mixed() -> dict[str, Any]:
        flash("plain")
        flash("bad", "error")
        flash("careful", "warning")
        flash("worse", "error")
        return {
            "all": pairs(get_flashed_messages(with_categories=True)),
            "errors": get_flashed_messages(category_filter=["error"]),
            "errors_and_warnings": pairs(get_flashed_messages(
                with_categories=True, category_filter=("error", "warning")
            )),
            "messages": get_flashed_messages(),
            "none": get_flashed_messages(category_filter=["info"]),
        }

    data = client.get("/mixed").json
    assert pairs(data["all"]) == [
        ("message", "plain"), ("error", "bad"), ("warning", "careful"), ("error", "worse")
    ]
    assert data["errors"] == ["bad", "worse"]
    assert pairs(data["errors_and_warnings"]) == [
        ("error", "bad"), ("warning", "careful"), ("error", "worse")
    ]
    assert data["messages"] == ["plain", "bad", "careful", "worse"]
    assert data["none"] == []
    assert client.get("/show").json == {"messages": []}  # read this request: gone


def test_every_call_in_one_request_sees_the_same_messages(
    app: Kettle, client: KettleClient
) -> None:
    @app.get("/twice")
    def twice() -> dict[str, Any]:
        return {"first": get_flashed_messages(), "second": get_flashed_messages()}

    client.post("/flash", data={"message": "once"})
    assert client.get("/twice").json == {"first": ["once"], "second": ["once"]}
    assert client.get("/twice").json == {"first": [], "second": []}


def test_templates_show_flashes_escaped(app: Kettle, client: KettleClient) -> None:
    @app.get("/page")
    def page() -> str:
        return render_template_string(
            "{% for category, message in get_flashed_messages(with_categories=true) %}"
            '<li class="{{ category }}">{{ message }}</li>{% endfor %}'
        )

    client.post("/flash", data={"message": "<script>alert(1)</script>",
                                "category": '"><img src=x onerror=alert(1)>'})
    text = client.get("/page").text
    assert "<script>" not in text and "<img" not in text
    assert text == (
        '<li class="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">'
        "&lt;script&gt;alert(1)&lt;/script&gt;</li>"
    )
    assert client.get("/page").text == ""


def test_async_views_flash(app: Kettle, client: KettleClient) -> None:
    @app.get("/async-flash")
    async def async_flash() -> Any:
        flash("from async", "info")
        return redirect("/show")

    client.get("/async-flash")
    assert client.get("/show").json == {"messages": ["from async"]}


def test_reading_flashes_without_any_leaves_no_cookie(client: KettleClient) -> None:
    response = client.get("/show")
    assert response.json == {"messages": []}
    assert "Set-Cookie" not in response.headers


def test_flash_without_a_secret_key_explains(client: KettleClient, app: Kettle) -> None:
    app.config["SECRET_KEY"] = None
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        client.post("/flash", data={"message": "x"})


def test_flashing_needs_a_request(app: Kettle) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError, match="request"):
            flash("x")
        with pytest.raises(RuntimeError, match="request"):
            get_flashed_messages()
