"""Helpers for the ``kettle`` command's tests: a project folder per test with the process's
environment, ``sys.path`` and imported modules restored afterwards, the command run through
``CliRunner`` and as the real console script, and a server started by it on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from apps.live_server import LiveServer, free_port, start_server, stop_server
from kettle.cli import ScriptInfo, cli

KETTLE = str(Path(sys.executable).with_name("kettle"))


@contextmanager
def isolated(folder: Path) -> Iterator[Path]:
    """Work in ``folder``; restore ``os.environ``, ``sys.path``, the modules imported from
    ``folder`` and the current folder afterwards (``load_dotenv`` writes ``os.environ``)."""
    saved_env, saved_path, saved_cwd = dict(os.environ), list(sys.path), os.getcwd()
    for key in [k for k in os.environ if k.startswith("KETTLE_")]:
        del os.environ[key]
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        prefix = str(folder.resolve())
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(prefix):
                del sys.modules[name]


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def invoke(*args: str, info: ScriptInfo | None = None, input: str | None = None) -> Result:
    """``kettle ARGS`` in-process, as the console script runs it."""
    return CliRunner().invoke(cli, list(args), obj=info or ScriptInfo(), input=input)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child ``kettle``: ours without ``KETTLE_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETTLE_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **extra}


def run_kettle(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, input: str | None = None,
    python_first: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real ``kettle`` console script; ``python_first`` runs Python code before it (in
    the same interpreter) to set up what a test needs."""
    command = [KETTLE, *args]
    if python_first is not None:
        launcher = f"{python_first}\nimport sys\nfrom kettle.cli import main\nmain()"
        command = [sys.executable, "-c", launcher, *args]
    return subprocess.run(
        command, cwd=cwd, env=clean_env(**(env or {})), input=input, capture_output=True,
        text=True, timeout=60,
    )


@contextmanager
def kettle_server(
    *args: str, cwd: Path, log: Path, env: Mapping[str, str] | None = None,
    after: Sequence[str] = (),
) -> Iterator[LiveServer]:
    """``kettle ARGS --port P AFTER`` (P free) in its own session; stopped by its PID after."""
    port = free_port()
    command = [KETTLE, *args, "--port", str(port), *after]
    server = start_server(
        " ".join(["kettle", *args]), command, port=port, cwd=cwd, log=log,
        env=clean_env(**(env or {})), timeout=30,
    )
    try:
        yield server
    finally:
        stop_server(server)
