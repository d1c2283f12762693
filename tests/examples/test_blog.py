"""The blog example through the test client, both doors: every page and every rule
(accounts, who may write, edit and delete, flash messages, escaping, the CLI)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOG = ROOT / "examples" / "blog"
if str(BLOG) not in sys.path:
    sys.path.insert(0, str(BLOG))

from blog import create_app  # noqa: E402
from blog.db import init_db  # noqa: E402

from kettle import Kettle  # noqa: E402
from kettle.testing import KettleClient  # noqa: E402

PASSWORD = "correct horse battery"


@pytest.fixture
def blog(tmp_path: Path) -> Kettle:
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite"), "SECRET_KEY": "test"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        init_db()
    return app


@pytest.fixture(params=["wsgi", "asgi"])
def client(blog: Kettle, request: pytest.FixtureRequest) -> Iterator[KettleClient]:
    client = blog.test_client(asgi=request.param == "asgi")
    yield client
    client.close()


def register(client: KettleClient, username: str = "ada", password: str = PASSWORD) -> None:
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert response.status_code == 302, response.text


def login(client: KettleClient, username: str = "ada", password: str = PASSWORD) -> None:
    response = client.post("/auth/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.text


def create_post(client: KettleClient, title: str = "First", body: str = "Hello.") -> str:
    response = client.post("/create", data={"title": title, "body": body})
    assert response.status_code == 302, response.text
    return response.location or ""


def rows(app: Kettle, sql: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(app.config["DATABASE"])
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# -- pages and layout ---------------------------------------------------------------------


def test_empty_index_invites_to_register(client: KettleClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "No posts yet." in response.text
    assert 'href="/auth/register"' in response.text
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("path", ["/", "/auth/register", "/auth/login"])
def test_every_page_extends_the_layout_and_links_the_stylesheet(
    client: KettleClient, path: str
) -> None:
    text = client.get(path).text
    assert '<link rel="stylesheet" href="/static/style.css">' in text
    assert "Kettle Blog</a>" in text
    assert "Served by kettle" in text


def test_the_stylesheet_is_served(client: KettleClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert ".flash-success" in response.text


# -- accounts -------------------------------------------------------------------------------


def test_register_then_log_in_with_flash_messages(client: KettleClient) -> None:
    assert "Create account" in client.get("/auth/register").text
    response = client.post("/auth/register", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    page = client.get("/auth/login").text
    assert "Your account is ready. Please log in." in page
    assert "Your account is ready" not in client.get("/auth/login").text  # shown once

    response = client.post("/auth/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    index = client.get("/").text
    assert "Welcome back, ada!" in index
    assert "Signed in as <strong>ada</strong>" in index
    assert 'href="/create"' in index


def test_passwords_are_stored_salted_and_hashed(blog: Kettle, client: KettleClient) -> None:
    register(client, "ada")
    register(client, "bob")
    stored = [row["password"] for row in rows(blog, "SELECT password FROM user")]
    assert all(value.startswith("scrypt$") for value in stored)
    assert all(PASSWORD not in value for value in stored)
    assert stored[0] != stored[1]  # same password, different salts


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ab", PASSWORD, "A username has 3 to 30 characters."),
        ("x" * 31, PASSWORD, "A username has 3 to 30 characters."),
        ("", PASSWORD, "A username has 3 to 30 characters."),
        ("carol", "short", "A password has at least 8 characters."),
    ],
)
def test_register_refuses_bad_input(
    client: KettleClient, username: str, password: str, message: str
) -> None:
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert response.status_code == 400
    assert message in response.text
    assert 'class="flash flash-error"' in response.text


def test_register_refuses_a_taken_username(client: KettleClient) -> None:
    register(client, "ada")
    response = client.post("/auth/register", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400
    assert "The username &#39;ada&#39; is already taken." in response.text


def test_register_keeps_the_username_when_refused(client: KettleClient) -> None:
    response = client.post("/auth/register", data={"username": "dora", "password": "x"})
    assert 'value="dora"' in response.text


@pytest.mark.parametrize(
    ("username", "password"), [("ada", "wrong password"), ("nobody", PASSWORD)]
)
def test_login_refuses_wrong_credentials_alike(
    client: KettleClient, username: str, password: str
) -> None:
    register(client, "ada")
    response = client.post("/auth/login", data={"username": username, "password": password})
    assert response.status_code == 400
    assert "Incorrect username or password." in response.text
    assert "Signed in as" not in client.get("/").text


def test_login_returns_to_the_page_asked_for(client: KettleClient) -> None:
    register(client)
    response = client.get("/create")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=%2Fcreate"
    assert "Please log in first." in client.get("/auth/login").text
    response = client.post(
        "/auth/login?next=/create", data={"username": "ada", "password": PASSWORD}
    )
    assert response.location == "/create"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client: KettleClient, target: str) -> None:
    register(client)
    response = client.post(
        "/auth/login", query_string={"next": target},
        data={"username": "ada", "password": PASSWORD},
    )
    assert response.location == "/"


def test_logout_is_a_post_and_forgets_the_user(client: KettleClient) -> None:
    register(client)
    login(client)
    assert client.get("/auth/logout").status_code == 405
    response = client.post("/auth/logout")
    assert response.status_code == 302
    page = client.get("/").text
    assert "You are logged out." in page
    assert "Signed in as" not in page
    assert client.get("/create").status_code == 302


def test_session_cookie_is_httponly_and_lax(client: KettleClient) -> None:
    register(client)
    response = client.post("/auth/login", data={"username": "ada", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# -- posts ----------------------------------------------------------------------------------


def test_create_show_and_list_a_post(client: KettleClient) -> None:
    register(client)
    login(client)
    assert "Publish" in client.get("/create").text
    location = create_post(client, "Hello, kettle", "Line one.\n\nLine two.")
    assert location == "/1"
    page = client.get(location).text
    assert "Published \u201cHello, kettle\u201d." in page
    assert "<h1>Hello, kettle</h1>" in page
    assert "<p>Line one.</p><p>Line two.</p>" in page
    assert "by <strong>ada</strong>" in page
    index = client.get("/").text
    assert 'href="/1">Hello, kettle</a>' in index
    assert 'href="/1/update">Edit</a>' in index


def test_posts_are_listed_newest_first(client: KettleClient) -> None:
    register(client)
    login(client)
    for title in ("one", "two", "three"):
        create_post(client, title)
    index = client.get("/").text
    assert index.index(">three<") < index.index(">two<") < index.index(">one<")


def test_anyone_reads_but_only_members_write(client: KettleClient) -> None:
    register(client)
    login(client)
    create_post(client, "Public")
    client.post("/auth/logout")
    assert client.get("/1").status_code == 200
    assert "Edit</a>" not in client.get("/1").text
    for path in ("/create", "/1/update"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/auth/login?next=")
    assert client.post("/create", data={"title": "x", "body": "y"}).status_code == 302
    assert client.post("/1/delete").status_code == 302
    assert client.get("/1").status_code == 200


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "body", "A post needs a title."),
        ("   ", "body", "A post needs a title."),
        ("t" * 201, "body", "A title has at most 200 characters."),
        ("ok", "b" * 20_001, "A post has at most 20000 characters."),
    ],
)
def test_create_refuses_bad_posts(
    blog: Kettle, client: KettleClient, title: str, body: str, message: str
) -> None:
    register(client)
    login(client)
    response = client.post("/create", data={"title": title, "body": body})
    assert response.status_code == 400
    assert message in response.text
    assert rows(blog, "SELECT * FROM post") == []


def test_author_edits_a_post(client: KettleClient) -> None:
    register(client)
    login(client)
    create_post(client, "Draft", "old body")
    form = client.get("/1/update").text
    assert 'value="Draft"' in form
    assert ">old body</textarea>" in form
    assert "Delete this post" in form
    response = client.post("/1/update", data={"title": "Final", "body": "new body"})
    assert response.status_code == 302
    assert response.location == "/1"
    page = client.get("/1").text
    assert "Your changes are saved." in page
    assert "<h1>Final</h1>" in page
    assert "new body" in page
    bad = client.post("/1/update", data={"title": "", "body": "x"})
    assert bad.status_code == 400
    assert "A post needs a title." in bad.text


def test_others_may_not_edit_or_delete(blog: Kettle, client: KettleClient) -> None:
    register(client, "ada")
    register(client, "bob")
    login(client, "ada")
    create_post(client, "Ada's post")
    client.post("/auth/logout")
    login(client, "bob")
    assert "Edit</a>" not in client.get("/").text
    for response in (
        client.get("/1/update"),
        client.post("/1/update", data={"title": "hacked", "body": "x"}),
        client.post("/1/delete"),
    ):
        assert response.status_code == 403
        assert "Only its author may change a post." in response.text
    assert [row["title"] for row in rows(blog, "SELECT title FROM post")] == ["Ada's post"]


def test_missing_posts_are_404(client: KettleClient) -> None:
    register(client)
    login(client)
    for response in (
        client.get("/99"),
        client.get("/99/update"),
        client.post("/99/update", data={"title": "x"}),
        client.post("/99/delete"),
    ):
        assert response.status_code == 404
        assert "There is no post 99." in response.text


def test_author_deletes_a_post(blog: Kettle, client: KettleClient) -> None:
    register(client)
    login(client)
    create_post(client, "Short-lived")
    assert client.get("/1/delete").status_code == 405
    response = client.post("/1/delete")
    assert response.status_code == 302
    assert response.location == "/"
    index = client.get("/").text
    assert "Deleted \u201cShort-lived\u201d." in index
    assert "No posts yet." in index
    assert client.get("/1").status_code == 404
    assert rows(blog, "SELECT * FROM post") == []


# -- escaping ---------------------------------------------------------------------------------

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>\'x'


def test_user_content_is_escaped_on_every_page(client: KettleClient) -> None:
    register(client, "mallory")
    login(client, "mallory")
    create_post(client, XSS, XSS)
    for path in ("/", "/1", "/1/update"):
        text = client.get(path).text
        assert "<script>" not in text, path
        assert "<img" not in text, path
        assert "&lt;script&gt;" in text, path
    form = client.get("/1/update").text
    assert 'value="&#34;&gt;&lt;script&gt;' in form  # the attribute stays closed
    response = client.post("/auth/login", data={"username": XSS, "password": "x"})
    assert "<script>" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;' in response.text


# -- the database: CLI and start-up ------------------------------------------------------------


def test_init_db_command_wipes_the_database(blog: Kettle, client: KettleClient) -> None:
    register(client)
    result = blog.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized the database at" in result.output
    assert rows(blog, "SELECT * FROM user") == []


def test_app_py_creates_a_missing_database(tmp_path: Path) -> None:
    database = tmp_path / "sub" / "blog.sqlite"
    code = (
        "import app; c = app.app.test_client(); "
        "print(c.get('/').status_code, 'No posts yet.' in c.get('/').text)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BLOG, capture_output=True, text=True, timeout=60,
        env={**os.environ, "BLOG_DATABASE": str(database), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True"]
    assert database.exists()
