"""A view's ``Response`` answered from the route's memo of its last head keeps every check.

Both doors answer a ``Response`` whose header pairs are the very tuple the route answered
last (``Response(text, mimetype=...)``, ``redirect``, ``make_response`` + a header) from
that memo, without a call. These tests first let a route fill its memo with a plain
response, then return one with the same head that must not be answered plainly (close
callbacks, a streamed body, a bodiless or unknown status, framing allowed, headers
changed after the head was shared), through both doors, and check what the client gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kettle import Kettle, Response, make_response, redirect, request
from kettle.testing import KettleClient

TEXT = "text/plain; charset=utf-8"


def _plain_then(client: KettleClient, variant: str) -> Any:
    """The answer to ``?v=variant`` after two plain answers of the same route (its memo)."""
    for _ in range(2):
        plain = client.get("/")
        assert (plain.status_code, plain.data) == (200, b"hi")
    return client.get(f"/?v={variant}")


def test_close_callbacks_run_on_a_remembered_head(app: Kettle, client: KettleClient) -> None:
    closed: list[str] = []

    @app.route("/")
    def index() -> Response:
        response = Response("hi", mimetype="text/plain")
        if request.args.get("v") == "close":
            response.call_on_close(lambda: closed.append("closed"))
        return response

    response = _plain_then(client, "close")
    assert (response.data, response.headers["Content-Type"]) == (b"hi", TEXT)
    assert closed == ["closed"]


def test_a_streamed_body_on_a_remembered_head_is_streamed(
    app: Kettle, client: KettleClient
) -> None:
    def chunks() -> Iterator[str]:
        yield "stream"
        yield "ed"

    @app.route("/")
    def index() -> Response:
        if request.args.get("v") == "stream":
            return Response(chunks(), mimetype="text/plain")
        return Response("hi", mimetype="text/plain")

    response = _plain_then(client, "stream")
    assert (response.status_code, response.data) == (200, b"streamed")
    assert response.headers["Content-Type"] == TEXT


@pytest.mark.parametrize("code", [204, 304])
def test_a_bodiless_status_on_a_remembered_head_sends_no_content_headers(
    app: Kettle, client: KettleClient, code: int
) -> None:
    @app.route("/")
    def index() -> Response:
        response = Response("hi", mimetype="text/plain")
        if request.args.get("v") == "bodiless":
            response.status_code = code
        return response

    response = _plain_then(client, "bodiless")
    assert (response.status_code, response.data) == (code, b"")
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers


def test_an_unknown_status_on_a_remembered_head_is_sent(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = Response("hi", mimetype="text/plain")
        if request.args.get("v") == "odd":
            response.status_code = 599
        return response

    response = _plain_then(client, "odd")
    assert (response.status_code, response.data) == (599, b"hi")


@pytest.mark.parametrize("shape", ["make_response", "redirect"])
def test_framing_allowed_on_a_remembered_html_head_drops_the_frame_header(
    app: Kettle, client: KettleClient, shape: str
) -> None:
    @app.route("/")
    def index() -> Response:
        if shape == "redirect":
            response = redirect("/elsewhere")
        else:
            response = make_response("hi")
            response.headers["Cache-Control"] = "no-store"
        if request.args.get("v") == "framable":
            response.allow_framing = True
        return response

    for _ in range(2):
        assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"
    response = client.get("/?v=framable")
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_headers_changed_after_a_remembered_head_are_sent(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("hi")
        response.headers["Cache-Control"] = "no-store"
        variant = request.args.get("v")
        if variant == "more":
            response.headers.add("X-Extra", "1")
        elif variant == "other":
            response.headers["Cache-Control"] = "max-age=60"
        return response

    for _ in range(2):
        assert client.get("/").headers["Cache-Control"] == "no-store"
    response = client.get("/?v=more")
    assert (response.headers["Cache-Control"], response.headers["X-Extra"]) == ("no-store", "1")
    assert client.get("/?v=other").headers["Cache-Control"] == "max-age=60"
    again = client.get("/")
    assert again.headers["Cache-Control"] == "no-store"
    assert "X-Extra" not in again.headers


def test_head_of_a_remembered_response_has_its_length_and_no_body(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("hi", mimetype="text/plain")

    for _ in range(2):
        assert client.get("/").data == b"hi"
    response = client.head("/")
    assert (response.status_code, response.data) == (200, b"")
    assert response.headers["Content-Length"] == "2"
    assert response.headers["Content-Type"] == TEXT


def test_a_tuple_memo_is_only_taken_for_the_same_body_kind_and_status(
    app: Kettle, client: KettleClient
) -> None:
    headers = {"Cache-Control": "no-store"}

    @app.route("/")
    def index() -> Any:
        variant = request.args.get("v")
        if variant == "json":
            return {"a": 1}, dict(headers)
        if variant == "status":
            return "hi", 404, dict(headers)
        if variant == "bad":
            return "hi", 200.5, dict(headers)
        if variant == "two":
            return "hi", dict(headers)
        return "hi", 200, dict(headers)

    for _ in range(2):
        response = client.get("/")
        assert (response.status_code, response.data) == (200, b"hi")
    json = client.get("/?v=json")
    assert (json.headers["Content-Type"], json.json) == ("application/json", {"a": 1})
    assert json.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Content-Type"] == "text/html; charset=utf-8"
    client.get("/?v=json")
    two = client.get("/?v=two")
    assert (two.headers["Content-Type"], two.data) == ("text/html; charset=utf-8", b"hi")
    assert client.get("/?v=status").status_code == 404
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/?v=bad").status_code == 500


class _EqualToAnyMapping(dict[str, str]):
    """Headers of another class that claim to equal any mapping (the route's memo too)."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


def _tuple_variant(variant: str | None) -> Any:
    headers = {"Cache-Control": "no-store"}
    return {
        "subclass": ("hi", _EqualToAnyMapping({"Cache-Control": "private"})),
        "subclass-status": ("hi", 200, _EqualToAnyMapping({"Cache-Control": "private"})),
        "no-content": ("hi", 204, headers),
        "float-status": ("hi", 201.0, headers),
        "bytes": (b"hi", 200, headers),
        "four": ("hi", 200, headers, None),
        "empty": (),
        "one": ("hi",),
    }.get(variant or "", ("hi", headers) if variant is None else ("hi", 200, headers))


@pytest.mark.parametrize(
    "variant",
    ["subclass", "subclass-status", "no-content", "float-status", "bytes", "four", "empty", "one"],
)
def test_a_tuple_memo_answers_only_its_own_kind_of_tuple(
    app: Kettle, client: KettleClient, variant: str
) -> None:
    """After a route answered ``(text, headers)`` plainly, a tuple the memo must not answer
    gets what a route that never answered plainly gives."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def remembered() -> Any:
        return _tuple_variant(request.args.get("v"))

    @app.route("/fresh")
    def fresh() -> Any:
        return _tuple_variant(request.args.get("v"))

    for query in ("", "?v=three", "", "?v=three"):  # both tuple forms fill the same memo
        plain = client.get(f"/{query}")
        assert (plain.status_code, plain.data) == (200, b"hi")
        assert plain.headers["Cache-Control"] == "no-store"
    expected = client.get(f"/fresh?v={variant}")
    got = client.get(f"/?v={variant}")
    assert (got.status_code, got.data) == (expected.status_code, expected.data)
    assert got.headers.get("Cache-Control") == expected.headers.get("Cache-Control")
    assert got.headers.get("Content-Length") == expected.headers.get("Content-Length")


def test_headers_set_on_a_shared_head_follow_each_name_and_value(
    app: Kettle, client: KettleClient
) -> None:
    # Names and values of this test only: the first set of each is a new remembered outcome.
    @app.route("/")
    def index() -> Response:
        if request.args.get("kind") == "text":  # another shared head
            response = Response("hi", mimetype="text/plain")
        else:
            response = make_response("hi")
        name = request.args.get("name", "X-Memo-Name")
        response.headers[name] = request.args.get("value", "memo-value")
        return response

    names = {"X-Memo-Name", "X-Memo-Other"}
    for query, name, value in [
        ("", "X-Memo-Name", "memo-value"),
        ("", "X-Memo-Name", "memo-value"),
        ("?value=memo-changed", "X-Memo-Name", "memo-changed"),
        ("?name=X-Memo-Other", "X-Memo-Other", "memo-value"),
        ("", "X-Memo-Name", "memo-value"),
        ("?kind=text", "X-Memo-Name", "memo-value"),
    ]:
        response = client.get(f"/{query}")
        assert response.headers.getlist(name) == [value]
        html = "kind=text" not in query
        assert response.headers["Content-Type"] == ("text/html; charset=utf-8" if html else TEXT)
        assert not any(other in response.headers for other in names - {name})
