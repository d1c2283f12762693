"""The Flask bookshelf and its kettle port pass the same tests.

Every test runs against the Flask original (Flask is a test dependency) and against the
port through both of kettle's doors; only the framework module and the app factory differ.
The last tests check that the port is the original with its imports changed, nothing else.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import flask
import pytest

import kettle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask_port"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

import flask_original  # noqa: E402
import kettle_port  # noqa: E402
import port  # noqa: E402

ADMIN = {"Authorization": "Basic YWRtaW46czNjcmV0"}  # admin:s3cret
JSON = {"Accept": "application/json"}


@dataclass
class Target:
    """One way to run the bookshelf: the framework module, the app, a test client."""

    framework: ModuleType
    app: Any
    client: Any


@pytest.fixture(params=["flask", "kettle-wsgi", "kettle-asgi"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "flask":
        app = flask_original.create_app({"TESTING": True})
        yield Target(flask, app, app.test_client())
        flask_original.signals.disconnect(app)
        return
    app = kettle_port.create_app({"TESTING": True})
    client = app.test_client(asgi=request.param == "kettle-asgi")
    yield Target(kettle, app, client)
    client.close()
    kettle_port.signals.disconnect(app)  # a receiver left connected slows every later app


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def login(client: Any, name: str = "ann") -> Any:
    return client.post("/auth/login", data={"name": name}, follow_redirects=True)


def test_index_renders_the_books_in_the_base_layout(target: Target) -> None:
    response = target.client.get("/")
    assert response.status_code == 200
    page = text(response)
    assert "<title>Books - Bookshelf</title>" in page
    assert '<a href="/books/1">Dune</a> by Frank Herbert' in page
    assert "Stanisław Lem" in page
    assert '<a href="/auth/login">Log in</a>' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_login_form_session_and_flash(target: Target) -> None:
    client = target.client
    refused = client.post("/auth/login", data={"name": "  "})
    assert refused.status_code == 200 and "A name is required." in text(refused)
    welcomed = login(client)
    assert [r.status_code for r in welcomed.history] == [302]
    assert welcomed.history[0].headers["Location"] == "/"
    page = text(welcomed)
    assert '<p class="flash">Welcome, ann!</p>' in page
    assert '<span class="user">ann</span>' in page
    again = text(client.get("/"))
    assert "Welcome" not in again and '<span class="user">ann</span>' in again
    with client.session_transaction() as session:
        assert session["user"] == "ann"
    out = client.post("/auth/logout", follow_redirects=True)
    assert "Logged out." in text(out) and "Log in</a>" in text(out)


def test_method_view_form_adds_a_book(target: Target) -> None:
    client = target.client
    guest = client.get("/books/add")
    assert guest.status_code == 302 and guest.headers["Location"].endswith("/auth/login")
    login(client)
    assert '<input name="title"' in text(client.get("/books/add"))
    bad = client.post("/books/add", data={"title": "Emma", "author": "", "cents": "x"})
    assert bad.status_code == 400 and "are required" in text(bad)
    assert 'value="Emma"' in text(bad)
    added = client.post(
        "/books/add", data={"title": "Emma", "author": "Jane Austen", "cents": "799"},
        follow_redirects=True,
    )
    assert added.history[0].headers["Location"] == "/books/3"
    page = text(added)
    assert "<title>Emma - Bookshelf</title>" in page and "7.99 EUR" in page
    assert "Added Emma." in page
    assert client.delete("/books/add").status_code == 405


def test_api_lives_on_its_subdomain_with_a_custom_json_provider(target: Target) -> None:
    response = target.client.get("/books/", subdomain="api")
    assert response.status_code == 200
    assert response.get_json() == {
        "books": [
            {"author": "Frank Herbert", "id": 1, "price": "12.50 EUR", "title": "Dune"},
            {"author": "Stanisław Lem", "id": 2, "price": "9.90 EUR", "title": "Solaris"},
        ],
        "count": 2,
    }
    cache = response.headers["Cache-Control"]
    assert set(cache.split(", ")) == {"public", "max-age=60"}
    assert target.client.get("/books/").status_code == 404  # not on the main host
    assert target.client.get("/books/", subdomain="www").status_code == 404


def test_api_item_etag_and_conditional_requests(target: Target) -> None:
    client = target.client
    first = client.get("/books/1", subdomain="api")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.get_json()["title"] == "Dune"
    same = client.get("/books/1", subdomain="api", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b"" and same.headers["ETag"] == etag
    other = client.get("/books/1", subdomain="api", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200
    assert client.get("/books/2", subdomain="api").headers["ETag"] != etag
    ranged = client.get(
        "/books/1", subdomain="api", headers={"If-Match": '"nope"'}
    )
    assert ranged.status_code == 412


def test_api_writes_need_basic_auth(target: Target) -> None:
    client = target.client
    book = {"title": "Emma", "author": "Jane Austen", "cents": 799}
    anonymous = client.post("/books/", subdomain="api", json=book)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="shelf"'
    wrong = client.post(
        "/books/", subdomain="api", json=book, headers={"Authorization": "Basic YTpi"}
    )
    assert wrong.status_code == 401
    created = client.post("/books/", subdomain="api", json=book, headers=ADMIN)
    assert created.status_code == 201
    assert created.headers["Location"] == "http://api.shelf.test/books/3"
    assert created.get_json()["price"] == "7.99 EUR"
    assert target.app.extensions["shelf_log"]["audit"] == [
        "admin added 'Emma' from /books/ (POST)"  # written by a thread, in the request's context
    ]
    again = client.post("/books/", subdomain="api", json=book, headers=ADMIN)
    assert again.status_code == 409
    assert again.get_json() == {"error": "conflict", "detail": "'Emma' is already on the shelf."}
    bad = client.post("/books/", subdomain="api", json={"title": 1}, headers=ADMIN)
    assert bad.status_code == 400


def test_error_pages_follow_the_accept_header(target: Target) -> None:
    client = target.client
    html = client.get("/books/9")
    assert html.status_code == 404
    assert '<p class="detail">No book #9.</p>' in text(html)
    assert "<title>Not found - Bookshelf</title>" in text(html)
    as_json = client.get("/books/9", headers=JSON)
    assert as_json.status_code == 404
    assert as_json.get_json() == {"error": "not found", "detail": "No book #9."}
    api = client.get("/books/9", subdomain="api")
    assert api.get_json() == {"error": "not found", "detail": "No book #9."}


def test_external_urls_name_the_api_host(target: Target) -> None:
    page = text(target.client.get("/books/2"))
    assert '<a class="api" href="http://api.shelf.test/books/2">JSON</a>' in page
    url_for = target.framework.url_for
    with target.app.test_request_context("/"):
        assert url_for("api.item", book_id=1) == "http://api.shelf.test/books/1"
        assert url_for("books.detail", book_id=1) == "/books/1"
        assert url_for("books.detail", book_id=1, _external=True) == (
            "http://shelf.test/books/1"
        )
        assert url_for("books.index", _anchor="top", page=2) == "/?page=2#top"
        assert url_for("api.collection", _method="POST") == "http://api.shelf.test/books/"
    with target.app.test_request_context("/books/", subdomain="api"):
        assert url_for("api.item", book_id=1) == "/books/1"
        assert target.framework.request.blueprint == "api"


def test_app_context_pushed_by_hand(target: Target) -> None:
    ctx = target.app.app_context()
    ctx.push()
    try:
        shelf = target.framework.current_app.extensions["shelf"]
        assert sorted(book.title for book in shelf.books.values()) == ["Dune", "Solaris"]
        assert target.framework.url_for("books.index") == "http://shelf.test/"
    finally:
        ctx.pop()
    assert not target.framework.has_app_context()


def test_signal_receivers_see_requests_and_templates(target: Target) -> None:
    log = target.app.extensions["shelf_log"]
    assert log == {"requests": 0, "templates": [], "audit": []}
    target.client.get("/")
    target.client.get("/books/1")
    target.client.get("/books/", subdomain="api")  # JSON: no template
    target.client.get("/books/9")  # the 404 page is a template too
    assert log["requests"] == 4
    assert log["templates"] == ["books/index.html", "books/detail.html", "404.html"]


def test_request_context_pushed_by_hand(target: Target) -> None:
    fw = target.framework
    ctx_module = importlib.import_module(f"{fw.__name__}.ctx")
    globals_module = importlib.import_module(f"{fw.__name__}.globals")
    ctx = target.app.test_request_context("/books/2?x=1", headers=JSON)
    assert isinstance(ctx, ctx_module.RequestContext)
    ctx.push()
    try:
        assert globals_module.request_ctx.request.args["x"] == "1"
        assert fw.request.url_rule.endpoint == "books.detail"
        assert fw.request.view_args == {"book_id": 2}
        assert fw.request.accept_mimetypes.best == "application/json"
        fw.session["seen"] = True
        assert fw.session["seen"] is True
    finally:
        ctx.pop()
    assert not fw.has_request_context()


def test_disconnecting_the_receivers(target: Target) -> None:
    module = flask_original if target.framework is flask else kettle_port
    module.signals.disconnect(target.app)
    target.client.get("/")
    assert target.app.extensions["shelf_log"]["requests"] == 0
    assert not target.framework.request_started.receivers  # gone for good


def test_cli_command_adds_a_book(target: Target) -> None:
    result = target.app.test_cli_runner().invoke(args=["add-book", "Emma", "Jane Austen", "799"])
    assert result.exit_code == 0, result.output
    assert result.output == "Added #3: Emma (7.99 EUR)\n"
    assert target.client.get("/books/", subdomain="api").get_json()["count"] == 3


# -- the port is the original with its imports changed ------------------------------

_IMPORT = re.compile(r"^(from|import) (flask|kettle)\b")


def test_the_checked_in_diff_is_current() -> None:
    assert port.make_diff(port.ORIGINAL, port.PORT) == port.DIFF.read_text(encoding="utf-8")
    assert port.main(["--check"]) == 0


def test_the_diff_holds_only_imports_and_the_class_name() -> None:
    removed: list[str] = []
    added: list[str] = []
    for line in port.DIFF.read_text(encoding="utf-8").splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            assert line.startswith(" "), f"unexpected diff line: {line!r}"
    assert removed and len(removed) == len(added)
    for before, after in zip(removed, added, strict=True):
        if _IMPORT.match(before):
            assert _IMPORT.match(after), (before, after)
            assert before.replace("flask", "kettle").replace("Flask", "Kettle") == after
        else:
            assert "Flask" in before and before.replace("Flask", "Kettle") == after
    assert any("from kettle import" in line for line in added)
    templates = port.ORIGINAL / "templates"
    for path in templates.rglob("*.html"):  # templates are not touched at all
        ported = port.PORT / path.relative_to(port.ORIGINAL)
        assert ported.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
