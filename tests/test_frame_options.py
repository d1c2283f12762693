"""``X-Frame-Options`` on HTML responses: on by default, configurable per app, and a
response that sets or drops it wins; both doors, every way a response is built."""

from __future__ import annotations

import pytest

from kettle import Kettle, Response, abort, jsonify, make_response, redirect, render_template_string
from kettle.testing import KettleClient


def add_views(app: Kettle) -> None:
    @app.get("/str")
    def plain() -> str:
        return "<p>hi</p>"

    @app.get("/async")
    async def plain_async() -> str:
        return "<p>hi</p>"

    @app.get("/template")
    def template() -> str:
        return render_template_string("<p>{{ 1 }}</p>")

    @app.get("/response")
    def response() -> Response:
        return Response("<p>x</p>", headers={"X-Extra": "1"})

    @app.get("/status")
    def with_status() -> tuple[str, int]:
        return "<p>made</p>", 201

    @app.get("/xhtml")
    def xhtml() -> Response:
        return Response("<html/>", mimetype="application/xhtml+xml")

    @app.get("/json")
    def json() -> dict[str, int]:
        return {"a": 1}

    @app.get("/jsonify")
    def json_response() -> Response:
        return jsonify(a=1)

    @app.get("/text")
    def text() -> Response:
        return Response("plain", mimetype="text/plain")

    @app.get("/deny")
    def deny() -> Response:
        response = make_response("<p>own</p>")
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.get("/embeddable")
    def embeddable() -> Response:
        response = make_response("<p>frame me</p>")
        response.allow_framing = True
        return response

    @app.get("/redirect")
    def go() -> Response:
        return redirect("/str")

    @app.get("/abort")
    def fail() -> None:
        abort(403)

    @app.get("/stream")
    def stream() -> Response:
        return Response(iter(["<p>", "streamed", "</p>"]))


HTML_PATHS = ["/str", "/async", "/template", "/response", "/status", "/xhtml", "/redirect",
              "/abort", "/stream", "/missing"]
OTHER_PATHS = ["/json", "/jsonify", "/text"]


def test_html_responses_get_sameorigin_by_default(app: Kettle, client: KettleClient) -> None:
    add_views(app)
    for path in HTML_PATHS:
        response = client.get(path)
        assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert client.post("/str").headers["X-Frame-Options"] == "SAMEORIGIN"  # the 405 page
    assert client.head("/str").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_other_responses_get_no_frame_options(app: Kettle, client: KettleClient) -> None:
    add_views(app)
    for path in OTHER_PATHS:
        response = client.get(path)
        assert "X-Frame-Options" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_a_response_setting_or_dropping_the_header_wins(app: Kettle, client: KettleClient) -> None:
    add_views(app)
    assert client.get("/deny").headers.getlist("X-Frame-Options") == ["DENY"]
    assert "X-Frame-Options" not in client.get("/embeddable").headers


def test_after_request_hook_may_set_or_drop_it(app: Kettle, client: KettleClient) -> None:
    add_views(app)

    @app.after_request
    def frame_policy(response: Response) -> Response:
        if response.headers.get("X-Extra"):
            response.headers["X-Frame-Options"] = "DENY"
        elif response.status_code == 201:
            response.allow_framing = True
        return response

    assert client.get("/response").headers.getlist("X-Frame-Options") == ["DENY"]
    assert "X-Frame-Options" not in client.get("/status").headers
    assert client.get("/str").headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("value", ["DENY", "SAMEORIGIN"])
def test_the_app_chooses_the_value(app: Kettle, client: KettleClient, value: str) -> None:
    app.config["X_FRAME_OPTIONS"] = value
    add_views(app)
    for path in HTML_PATHS:
        assert client.get(path).headers.getlist("X-Frame-Options") == [value], path


@pytest.mark.parametrize("value", [None, ""])
def test_the_app_can_turn_it_off(app: Kettle, client: KettleClient, value: str | None) -> None:
    app.config["X_FRAME_OPTIONS"] = value
    add_views(app)
    for path in HTML_PATHS:
        response = client.get(path)
        assert "X-Frame-Options" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert client.get("/deny").headers["X-Frame-Options"] == "DENY"  # a view's own still goes


def test_a_header_injecting_value_is_refused_at_start_up(app: Kettle) -> None:
    app.config["X_FRAME_OPTIONS"] = "DENY\r\nSet-Cookie: x=1"
    add_views(app)
    with pytest.raises(ValueError):
        app.test_client().get("/str")
