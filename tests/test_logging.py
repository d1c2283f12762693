"""``kettle.logging``: Flask's logger helpers."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from kettle import Kettle, current_app
from kettle.logging import create_logger, default_handler, has_level_handler, wsgi_errors_stream
from kettle.testing import KettleClient


@pytest.fixture
def clean_logger() -> Iterator[logging.Logger]:
    """The logger of an app named ``log_app``, restored afterwards. It does not propagate:
    pytest's own capture handler on the root logger stays out of the way."""
    logger = logging.getLogger("log_app")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield _reset(logger)
    logger.handlers[:], logger.level, logger.propagate = saved


def _reset(logger: logging.Logger) -> logging.Logger:
    """No handler, no level (pytest's capture handlers are attached as the test starts)."""
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = False
    return logger


def test_create_logger_adds_the_default_handler(clean_logger: logging.Logger) -> None:
    _reset(clean_logger)
    app = Kettle("log_app")
    logger = create_logger(app)
    assert logger is clean_logger
    assert default_handler in logger.handlers
    assert logger.level == logging.NOTSET  # not in debug mode


def test_create_logger_debug_level(clean_logger: logging.Logger) -> None:
    _reset(clean_logger)
    app = Kettle("log_app")
    app.debug = True
    assert create_logger(app).level == logging.DEBUG
    clean_logger.setLevel(logging.ERROR)
    assert create_logger(app).level == logging.ERROR  # a level set by the user stays


def test_create_logger_respects_configured_logging(clean_logger: logging.Logger) -> None:
    clean_logger.propagate = True  # to the root logger, where pytest has a handler
    assert has_level_handler(clean_logger)
    assert default_handler not in create_logger(Kettle("log_app")).handlers


def test_has_level_handler(clean_logger: logging.Logger) -> None:
    _reset(clean_logger)
    assert not has_level_handler(clean_logger)
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(logging.ERROR)
    clean_logger.addHandler(handler)
    clean_logger.setLevel(logging.INFO)
    assert not has_level_handler(clean_logger)  # the handler's level is above the logger's
    handler.setLevel(logging.INFO)
    assert has_level_handler(clean_logger)
    child = logging.getLogger("log_app.child")
    assert has_level_handler(child)
    child.propagate = False
    assert not has_level_handler(child)
    child.propagate = True


def test_wsgi_errors_stream_writes_to_the_request_stream(
    app: Kettle, client: KettleClient, door: str, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = io.StringIO()

    @app.route("/log")
    def log() -> str:
        print("to the errors stream", file=wsgi_errors_stream, end="")
        return "ok"

    client.get("/log", environ_overrides={"wsgi.errors": errors})
    if door == "wsgi":
        assert errors.getvalue() == "to the errors stream"
    else:  # ASGI has no error stream: stderr
        assert capsys.readouterr().err == "to the errors stream"
    print("outside", file=wsgi_errors_stream, end="")
    assert capsys.readouterr().err == "outside"


def test_default_handler_format(app: Kettle) -> None:
    record = logging.LogRecord("x", logging.WARNING, "mod.py", 1, "careful", None, None)
    assert default_handler.format(record).endswith("WARNING in mod: careful")
    with app.app_context():
        assert current_app.name == app.name
