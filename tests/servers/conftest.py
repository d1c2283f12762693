"""Server configurations for the real-server tests: each one serves ``examples/realtime/app.py``
(the same module-level ``app`` object) on a free port of 127.0.0.1, one worker.

``CONFIGS`` names every command line that the example's README documents. Where a server
detects the interface itself (uvicorn, hypercorn) the object is passed with no flag, so the
test proves that detection works; granian cannot detect and is told ``--interface``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REALTIME = ROOT / "examples" / "realtime"
if str(ROOT / "tests") not in sys.path:  # for tests/apps/live_server.py
    sys.path.insert(0, str(ROOT / "tests"))

from apps.live_server import LiveServer, _quiet_options, free_port, serve_command  # noqa: E402

PY = sys.executable
# hypercorn 0.18 picks ASGI when ``inspect.iscoroutinefunction(app.__call__)``; on 3.11 that
# ignores the ``_is_coroutine`` mark uvicorn honours, so its default mode serves kettle as WSGI.
HYPERCORN_DEFAULT_DOOR = "asgi" if sys.version_info >= (3, 12) else "wsgi"


@dataclass(frozen=True)
class ServerConfig:
    """How to run one server on the example app, and which door of the app it uses."""

    name: str
    door: str  # "wsgi" or "asgi"
    argv: Callable[[int], list[str]]

    @property
    def websockets(self) -> bool:
        return self.door == "asgi"

    def command(self, port: int) -> list[str]:
        return self.argv(port)


def _gunicorn(*args: str) -> Callable[[int], list[str]]:
    return lambda port: [
        PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--chdir", str(REALTIME), "--graceful-timeout", "5", *_quiet_options(), *args,
    ]


def _uvicorn(target: str) -> Callable[[int], list[str]]:
    return lambda port: [
        PY, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
        "--app-dir", str(REALTIME), "--log-level", "warning", target,
    ]


def _granian(interface: str) -> Callable[[int], list[str]]:
    return lambda port: [
        PY, "-m", "granian", "--interface", interface, "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--working-dir", str(REALTIME),
        "--log-level", "warning", "app:app",
    ]


def _hypercorn(target: str) -> Callable[[int], list[str]]:
    return lambda port: [PY, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", target]


CONFIGS = {
    c.name: c
    for c in [
        ServerConfig("gunicorn-sync", "wsgi", _gunicorn("app:app")),
        ServerConfig(
            "gunicorn-gthread", "wsgi", _gunicorn("-k", "gthread", "--threads", "8", "app:app")
        ),
        ServerConfig("uvicorn", "asgi", _uvicorn("app:app")),
        ServerConfig("uvicorn-app.asgi", "asgi", _uvicorn("app:app.asgi")),
        ServerConfig("granian-wsgi", "wsgi", _granian("wsgi")),
        ServerConfig("granian-asgi", "asgi", _granian("asgi")),
        ServerConfig("hypercorn", HYPERCORN_DEFAULT_DOOR, _hypercorn("app:app")),
        ServerConfig("hypercorn-app.asgi", "asgi", _hypercorn("app:app.asgi")),
    ]
}

#: The body limit the shared servers run with: above the 10 MiB upload, below hypercorn's
#: own 16 MiB WSGI buffer limit (which answers 400 itself), so the 413 comes from kettle.
TEST_MAX_CONTENT_LENGTH = 12 * 1024 * 1024


def base_env(**extra: str) -> dict[str, str]:
    return {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **extra}


def launch(
    config: ServerConfig, tmp: Path, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Serve the example with ``config``; a generator for fixtures (stops the server)."""
    port = free_port()
    with serve_command(
        config.name,
        config.command(port),
        port=port,
        cwd=REALTIME,
        log=tmp / f"{config.name}.log",
        env=base_env(**(env or {})),
    ) as server:
        yield server


@pytest.fixture(scope="module", params=list(CONFIGS))
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerConfig, LiveServer]]:
    """One server per configuration, shared by the tests of a module."""
    config = CONFIGS[str(request.param)]
    tmp = tmp_path_factory.mktemp(config.name)
    yield from launch(
        config, tmp, {"REALTIME_MAX_CONTENT_LENGTH": str(TEST_MAX_CONTENT_LENGTH)}
    )
