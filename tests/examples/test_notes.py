"""The notes example, end to end.

Tests taking ``api`` run twice: through kettle's test client, and over a real socket
against ``gunicorn wsgi:app`` (one database for the whole gunicorn run, so every test
makes its own users and unique words). The rest use the app object directly.
"""

from __future__ import annotations

import os
import runpy
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from apps.live_server import API
from click.testing import CliRunner
from notes import create_app
from notes.auth import check_password, hash_password
from notes.db import get_db, init_db

from kettle import Kettle
from kettle.cli import ScriptInfo, cli

NOTES = Path(__file__).resolve().parents[2] / "examples" / "notes"
PASSWORD = "correct horse battery staple"


def unique(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def path_of(url: str) -> str:
    """``/notes/1?x=y`` from an absolute URL, to request it through either client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class User:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_user(api: API) -> User:
    username = unique()
    credentials = {"username": username, "password": PASSWORD}
    assert api.post("/auth/register", json=credentials).status_code == 201
    response = api.post("/auth/login", json=credentials)
    assert response.status_code == 200
    return User(username, response.json["token"])


@pytest.fixture
def user(api: API) -> User:
    return make_user(api)


@pytest.fixture
def other_user(api: API) -> User:
    return make_user(api)


@pytest.fixture
def new_note(api: API, user: User) -> Callable[..., dict[str, Any]]:
    """Create a note as ``user``; returns its JSON."""

    def create(title: str = "A note", body: str = "") -> dict[str, Any]:
        response = api.post("/notes/", json={"title": title, "body": body}, headers=user.headers)
        assert response.status_code == 201, response.text
        return dict(response.json)

    return create


def assert_json_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers.get("Content-Type") == "application/json"
    assert response.json["error"] == error
    assert response.json["message"]


# -- the HTML index ------------------------------------------------------------
def test_index_links_to_the_api(api: API) -> None:
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers.get("Content-Type") == "text/html; charset=utf-8"
    assert '<form method=post action="/auth/login">' in response.text
    for href in ("/auth/register", "/auth/login", "/notes/", "/notes/1"):
        assert f'href="{href}"' in response.text


def test_unknown_page_is_an_html_404(api: API) -> None:
    response = api.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers.get("Content-Type") == "text/html; charset=utf-8"
    assert '<a href="/">Home</a>' in response.text


# -- accounts ------------------------------------------------------------------
def test_register_with_json(api: API) -> None:
    username = unique()
    response = api.post("/auth/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201
    assert response.json["username"] == username
    assert isinstance(response.json["id"], int)
    assert response.json["login_url"] == f"{api.base_url}/auth/login"


def test_register_and_login_with_a_form(api: API) -> None:
    username = unique()
    form = {"username": username, "password": PASSWORD}
    assert api.post("/auth/register", data=form).status_code == 201
    response = api.post("/auth/login", data=form)
    assert response.status_code == 200
    assert response.json["user"]["username"] == username
    assert response.json["token_type"] == "Bearer"


def test_register_twice_is_a_conflict(api: API) -> None:
    username = unique()
    credentials = {"username": username, "password": PASSWORD}
    assert api.post("/auth/register", json=credentials).status_code == 201
    response = api.post("/auth/register", data={"username": username, "password": "other"})
    assert_json_error(response, 409, "conflict")
    assert username in response.json["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "someone"},
        {"password": PASSWORD},
        {"username": "   ", "password": PASSWORD},
        {"username": 42, "password": PASSWORD},
        {"username": "someone", "password": ["a", "list"]},
        ["username", "password"],
    ],
)
def test_register_rejects_bad_input(api: API, body: Any) -> None:
    assert_json_error(api.post("/auth/register", json=body), 400, "bad request")


def test_malformed_json_is_a_400(api: API) -> None:
    response = api.post(
        "/auth/register", data=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert_json_error(response, 400, "bad request")


def test_login_returns_a_fresh_token_each_time(api: API) -> None:
    user = make_user(api)
    again = api.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert again.status_code == 200
    second = User(user.username, again.json["token"])
    assert second.token != user.token
    for who in (user, second):
        assert api.get("/auth/me", headers=who.headers).json["username"] == user.username
    assert again.json["notes_url"] == f"{api.base_url}/notes/"


@pytest.mark.parametrize("password", ["wrong", PASSWORD.upper(), PASSWORD + " "])
def test_wrong_password_is_a_401(api: API, user: User, password: str) -> None:
    response = api.post("/auth/login", json={"username": user.username, "password": password})
    assert_json_error(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert "token" not in response.json


def test_unknown_user_is_a_401(api: API) -> None:
    response = api.post("/auth/login", json={"username": unique(), "password": PASSWORD})
    assert_json_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_requests_without_a_valid_token_are_401(
    api: API, user: User, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.get("/auth/me", headers=headers)
    assert_json_error(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate") == 'Bearer realm="notes"'


def test_token_authenticates_its_user(api: API, user: User, other_user: User) -> None:
    assert api.get("/auth/me", headers=user.headers).json["username"] == user.username
    assert api.get("/auth/me", headers=other_user.headers).json["username"] == other_user.username
    lower = {"Authorization": f"bearer {user.token}"}  # the scheme is case-insensitive
    assert api.get("/auth/me", headers=lower).status_code == 200


def test_logout_revokes_only_that_token(api: API, user: User) -> None:
    other = api.post("/auth/login", json={"username": user.username, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json['token']}"}
    assert api.post("/auth/logout", headers=user.headers).status_code == 204
    assert api.get("/auth/me", headers=user.headers).status_code == 401
    assert api.post("/auth/logout", headers=user.headers).status_code == 401
    assert api.get("/auth/me", headers=other_headers).status_code == 200


# -- notes CRUD ----------------------------------------------------------------
def test_note_lifecycle(api: API, user: User) -> None:
    fields = {"title": "  Groceries ", "body": "milk"}
    created = api.post("/notes/", json=fields, headers=user.headers)
    assert created.status_code == 201
    note = created.json
    assert note["title"] == "Groceries"
    assert note["body"] == "milk"
    assert note["author"] == user.username
    assert note["url"] == f"{api.base_url}/notes/{note['id']}"
    assert created.headers.get("Location") == note["url"]

    fetched = api.get(path_of(note["url"]))  # reading needs no token
    assert fetched.status_code == 200
    assert fetched.json == note

    updated = api.put(f"/notes/{note['id']}", json={"title": "Shopping"}, headers=user.headers)
    assert updated.status_code == 200
    assert updated.json["title"] == "Shopping"
    assert updated.json["body"] == "milk"  # untouched fields are kept

    updated = api.put(f"/notes/{note['id']}", data={"body": "eggs"}, headers=user.headers)
    assert (updated.json["title"], updated.json["body"]) == ("Shopping", "eggs")
    assert api.get(f"/notes/{note['id']}").json["body"] == "eggs"

    deleted = api.delete(f"/notes/{note['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert deleted.text == ""
    assert_json_error(api.get(f"/notes/{note['id']}"), 404, "not found")


def test_create_with_a_form(api: API, user: User) -> None:
    response = api.post("/notes/", data={"title": "From a form"}, headers=user.headers)
    assert response.status_code == 201
    assert (response.json["title"], response.json["body"]) == ("From a form", "")


@pytest.mark.parametrize(
    "body", [{}, {"body": "no title"}, {"title": ""}, {"title": "  "}, {"title": 3}, []]
)
def test_create_rejects_bad_input(api: API, user: User, body: Any) -> None:
    assert_json_error(api.post("/notes/", json=body, headers=user.headers), 400, "bad request")


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": None, "body": None}, {"body": 1}])
def test_update_rejects_bad_input(api: API, user: User, new_note: Any, body: Any) -> None:
    note = new_note()
    response = api.put(f"/notes/{note['id']}", json=body, headers=user.headers)
    assert_json_error(response, 400, "bad request")


def test_writing_needs_a_token(api: API, new_note: Any) -> None:
    note = new_note()
    assert_json_error(api.post("/notes/", json={"title": "x"}), 401, "unauthorized")
    assert_json_error(api.put(f"/notes/{note['id']}", json={"title": "x"}), 401, "unauthorized")
    assert_json_error(api.delete(f"/notes/{note['id']}"), 401, "unauthorized")


def test_only_the_author_may_change_a_note(
    api: API, user: User, other_user: User, new_note: Any
) -> None:
    note = new_note(title="Mine", body="hands off")
    path = f"/notes/{note['id']}"
    put = api.put(path, json={"title": "Yours now"}, headers=other_user.headers)
    assert_json_error(put, 403, "forbidden")
    assert_json_error(api.delete(path, headers=other_user.headers), 403, "forbidden")
    assert api.get(path, headers=other_user.headers).json == note  # reading is fine
    assert api.put(path, json={"title": "Still mine"}, headers=user.headers).status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_missing_note_is_a_json_404(api: API, user: User, method: str) -> None:
    kwargs: dict[str, Any] = {"headers": user.headers}
    if method == "put":
        kwargs["json"] = {"title": "x"}
    response = getattr(api, method)("/notes/999999999", **kwargs)
    assert_json_error(response, 404, "not found")
    assert response.json["message"] == "Note 999999999 doesn't exist."


@pytest.mark.parametrize("path", ["/notes/abc", "/notes/1/extra", "/auth/nothing", "/auth"])
def test_unknown_api_url_is_a_json_404(api: API, path: str) -> None:
    assert_json_error(api.get(path), 404, "not found")


def test_wrong_method_is_a_json_405(api: API) -> None:
    response = api.delete("/notes/")
    assert_json_error(response, 405, "method not allowed")
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert {"GET", "POST"} <= allowed


# -- listing and search --------------------------------------------------------
def test_search_and_limit(api: API, user: User, new_note: Any) -> None:
    word = uuid.uuid4().hex
    first = new_note(title=f"{word} in the title")
    second = new_note(title="Body match", body=f"the {word.upper()} is in here")  # LIKE: any case
    third = new_note(title=f"{word}_underscored")
    new_note(title="Unrelated")

    found = api.get(f"/notes/?q={word}")
    assert found.status_code == 200
    assert [n["id"] for n in found.json["notes"]] == [third["id"], second["id"], first["id"]]
    assert found.json["count"] == 3

    limited = api.get(f"/notes/?q={word}&limit=2")
    assert [n["id"] for n in limited.json["notes"]] == [third["id"], second["id"]]
    link = urlsplit(limited.json["links"]["self"])
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{api.base_url}/notes/"
    assert parse_qs(link.query) == {"q": [word], "limit": ["2"]}

    # "_" and "%" are matched literally, not as LIKE wildcards.
    assert [n["id"] for n in api.get(f"/notes/?q={word}_").json["notes"]] == [third["id"]]
    assert api.get(f"/notes/?q={word}%25").json["notes"] == []


def test_list_is_newest_first_and_capped(api: API, new_note: Any) -> None:
    ids = [new_note(title=f"note {i}")["id"] for i in range(3)]
    listed = api.get("/notes/?limit=3").json
    assert [n["id"] for n in listed["notes"]] == ids[::-1]
    assert listed["links"]["login"] == f"{api.base_url}/auth/login"
    assert len(api.get("/notes/").json["notes"]) <= 20  # DEFAULT_LIMIT


@pytest.mark.parametrize("limit", ["0", "-1", "101", "abc", "2.5", ""])
def test_bad_limit_is_a_400(api: API, limit: str) -> None:
    assert_json_error(api.get(f"/notes/?limit={limit}"), 400, "bad request")


# -- links ---------------------------------------------------------------------
def test_links_use_the_request_host(api: API, user: User) -> None:
    headers = {**user.headers, "Host": "notes.example:8080"}
    note = api.post("/notes/", json={"title": "Hosted"}, headers=headers).json
    assert note["url"] == f"http://notes.example:8080/notes/{note['id']}"
    listed = api.get("/notes/?limit=1", headers={"Host": "notes.example"}).json
    assert listed["links"]["login"] == "http://notes.example/auth/login"


# -- the app object: CLI, config, database lifetime ----------------------------
def test_init_db_command_resets_the_database(notes_app: Kettle) -> None:
    client = notes_app.test_client()
    ann = {"username": "ann", "password": "pw"}
    assert client.post("/auth/register", json=ann).status_code == 201
    result = notes_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized the database" in result.output
    with notes_app.app_context():
        assert get_db().execute("SELECT count(*) FROM user").fetchone()[0] == 0


def test_kettle_command_finds_the_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "cli" / "notes.sqlite"
    monkeypatch.setenv("NOTES_DATABASE", str(database))
    result = CliRunner().invoke(cli, ["--app", "notes", "init-db"], obj=ScriptInfo())
    assert result.exit_code == 0, result.output
    assert database.exists()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ``NOTES_*`` variables from the outside world."""
    for key in os.environ:
        if key.startswith("NOTES_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_config_defaults(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "dev"
    assert app.config["DATABASE"] == str(tmp_path / "notes.sqlite")
    assert app.config["DEFAULT_LIMIT"] == 20
    assert not app.testing
    assert create_app({"TESTING": True}, instance_path=str(tmp_path)).testing


def test_default_instance_path_is_beside_the_package(clean_env: pytest.MonkeyPatch) -> None:
    app = create_app()
    assert app.instance_path == str(NOTES / "instance")
    assert app.config["DATABASE"] == str(NOTES / "instance" / "notes.sqlite")


def test_config_from_instance_file(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.py").write_text(
        f"SECRET_KEY = 'from-file'\nDATABASE = {str(tmp_path / 'file.sqlite')!r}\n"
        "DEFAULT_LIMIT = 3\nhelper = 'lowercase names are ignored'\n"
    )
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["DATABASE"] == str(tmp_path / "file.sqlite")
    assert app.config["DEFAULT_LIMIT"] == 3
    assert "helper" not in app.config


def test_config_precedence_file_env_test_config(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-file'\nDEFAULT_LIMIT = 3\n")
    clean_env.setenv("NOTES_SECRET_KEY", "from-env")
    clean_env.setenv("NOTES_DATABASE", str(tmp_path / "env.sqlite"))
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite")
    assert app.config["DEFAULT_LIMIT"] == 3
    app = create_app({"SECRET_KEY": "from-test"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-test"


def test_config_from_environment_is_used(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    database = tmp_path / "env" / "notes.sqlite"
    clean_env.setenv("NOTES_DATABASE", str(database))
    clean_env.setenv("NOTES_DEFAULT_LIMIT", "2")  # JSON-decoded: the int 2
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.config["DEFAULT_LIMIT"] == 2
    with app.app_context():
        init_db()
    assert database.exists()
    client = app.test_client()
    credentials = {"username": "env", "password": "pw"}
    client.post("/auth/register", json=credentials)
    token = client.post("/auth/login", json=credentials).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(3):
        client.post("/notes/", json={"title": f"n{i}"}, headers=headers)
    assert client.get("/notes/").json["count"] == 2


def test_wsgi_module_creates_a_missing_database(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "fresh" / "notes.sqlite"
    clean_env.setenv("NOTES_DATABASE", str(database))
    app = runpy.run_path(str(NOTES / "wsgi.py"))["app"]
    assert database.exists()
    client = app.test_client()
    assert client.post("/auth/register", json={"username": "w", "password": "p"}).status_code == 201
    runpy.run_path(str(NOTES / "wsgi.py"))  # a second start keeps the data
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT username FROM user").fetchall() == [("w",)]


def test_teardown_closes_the_connection(notes_app: Kettle) -> None:
    seen: list[sqlite3.Connection] = []

    @notes_app.get("/_spy")
    def spy() -> str:
        seen.append(get_db())
        assert get_db() is seen[-1]  # one connection per request
        return "ok"

    client = notes_app.test_client()
    assert client.get("/_spy").text == "ok"
    assert client.get("/_spy").text == "ok"
    first, second = seen
    assert first is not second
    for connection in (first, second):
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")


def test_app_context_closes_the_connection(notes_app: Kettle) -> None:
    with notes_app.app_context():
        db = get_db()
        assert db.execute("SELECT 1").fetchone()[0] == 1
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


def test_secrets_are_not_stored_in_clear(notes_app: Kettle) -> None:
    client = notes_app.test_client()
    credentials = {"username": "sam", "password": "hunter2"}
    client.post("/auth/register", json=credentials)
    token = client.post("/auth/login", json=credentials).json["token"]
    with notes_app.app_context():
        db = get_db()
        stored = db.execute("SELECT password FROM user").fetchone()[0]
        digests = [row[0] for row in db.execute("SELECT digest FROM token")]
    assert stored.startswith("scrypt:") and "hunter2" not in stored
    assert digests and token not in digests


def test_password_hashes() -> None:
    hashed = hash_password("pw")
    assert hashed != hash_password("pw")  # salted
    assert check_password(hashed, "pw")
    assert not check_password(hashed, "pW")
    assert not check_password("garbage", "pw")


def test_body_over_max_content_length_is_a_json_413(notes_app: Kettle) -> None:
    notes_app.config["MAX_CONTENT_LENGTH"] = 1024  # read at the first request
    client = notes_app.test_client()
    response = client.post("/auth/register", json={"username": "big", "password": "x" * 2048})
    assert_json_error(response, 413, "content too large")


def test_unhandled_error_is_a_json_500_on_api_paths(notes_app: Kettle) -> None:
    notes_app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @notes_app.get("/notes/boom/<int:n>")
    def boom(n: int) -> str:
        raise RuntimeError("kaboom")

    response = notes_app.test_client().get("/notes/boom/1")
    assert_json_error(response, 500, "internal server error")
    assert "kaboom" not in response.text
