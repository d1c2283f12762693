"""Fixtures for the example apps: the notes app per test, and the same app under gunicorn.

``api`` is parametrized: every test that takes it runs once through the in-process
test client and once over a socket against ``gunicorn wsgi:app`` (marked ``server``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "examples" / "notes"
for folder in (NOTES, ROOT / "tests"):  # the example's package, and tests/apps
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from apps.live_server import API, HTTPClient, InProcessClient, serve_gunicorn  # noqa: E402
from notes import create_app  # noqa: E402
from notes.db import init_db  # noqa: E402

from kettle import Kettle  # noqa: E402


@pytest.fixture
def notes_app(tmp_path: Path) -> Kettle:
    """The notes app on a fresh database in ``tmp_path``."""
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "notes.sqlite")},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        init_db()
    return app


@pytest.fixture(scope="session")
def notes_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``gunicorn --chdir examples/notes wsgi:app`` on its own database; yields its base URL."""
    tmp = tmp_path_factory.mktemp("notes-gunicorn")
    with serve_gunicorn(
        "wsgi:app",
        chdir=NOTES,
        log=tmp / "gunicorn.log",
        env={"NOTES_DATABASE": str(tmp / "notes.sqlite"), "PYTHONDONTWRITEBYTECODE": "1"},
    ) as base_url:
        yield base_url


@pytest.fixture(params=["test_client", pytest.param("gunicorn", marks=pytest.mark.server)])
def api(request: pytest.FixtureRequest) -> API:
    """The notes API, in-process or over HTTP; one database is shared by all gunicorn tests."""
    if request.param == "test_client":
        app: Kettle = request.getfixturevalue("notes_app")
        return InProcessClient(app.test_client())
    return HTTPClient(request.getfixturevalue("notes_server"))
