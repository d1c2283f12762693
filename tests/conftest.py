"""Shared fixtures. ``client`` is parametrized over the app's protocol doors, so every
request/response test runs through each door the app has (WSGI now; and ASGI)."""

from __future__ import annotations

import os

import pytest

from kettle import Kettle
from kettle.signals import request_started


def _ignore_request_started(sender: object, **extra: object) -> None:
    """A no-op receiver: with it connected every app takes the full door (Flask's path)."""


@pytest.fixture(autouse=True, scope="session")
def _signal_receiver_mode():
    """``KETTLE_TEST_SIGNAL_RECEIVER=1`` runs the suite with a ``request_started`` receiver
    connected, so the full door must answer every request as the fast path does."""
    if os.environ.get("KETTLE_TEST_SIGNAL_RECEIVER") != "1":
        yield
        return
    request_started.connect(_ignore_request_started, weak=False)
    yield
    request_started.disconnect(_ignore_request_started)

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
