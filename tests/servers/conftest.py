"""Fixtures for the real-server tests: ``examples/realtime/app.py`` (one module-level ``app``)
served by each server configuration of ``apps.live_server.server_configs`` on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:  # tests/apps
    sys.path.insert(0, str(ROOT / "tests"))

from apps.live_server import (  # noqa: E402
    LiveServer,
    ServerConfig,
    free_port,
    serve_command,
    server_configs,
)

REALTIME = ROOT / "examples" / "realtime"
CONFIGS = server_configs(REALTIME)

Serve = Callable[..., AbstractContextManager[LiveServer]]


@pytest.fixture(scope="session")
def realtime_configs() -> dict[str, ServerConfig]:
    return CONFIGS


@pytest.fixture(scope="module")
def serve_realtime(tmp_path_factory: pytest.TempPathFactory) -> Serve:
    """``with serve_realtime(config, **env) as server:`` runs the example app under
    ``config`` (a name or a ``ServerConfig``) with extra environment variables."""

    @contextmanager
    def serve(config: ServerConfig | str, **env: str) -> Iterator[LiveServer]:
        if isinstance(config, str):
            config = CONFIGS[config]
        port = free_port()
        tmp = tmp_path_factory.mktemp(config.name)
        with serve_command(
            config.name,
            config.command(port),
            port=port,
            cwd=REALTIME,
            log=tmp / "server.log",
            env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **env},
        ) as server:
            yield server

    return serve
