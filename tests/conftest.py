"""Shared fixtures. ``client`` is parametrized over the app's protocol doors, so every
request/response test runs through each door the app has (WSGI now; and ASGI)."""

from __future__ import annotations

import pytest

from kettle import Kettle

DOORS = ["wsgi", "asgi"]


@pytest.fixture
def app() -> Kettle:
    app = Kettle("test_app", root_path="/tmp")
    app.config["TESTING"] = True
    return app


@pytest.fixture(params=DOORS)
def door(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(app: Kettle, door: str):
    client = app.test_client(asgi=door == "asgi")
    yield client
    client.close()
