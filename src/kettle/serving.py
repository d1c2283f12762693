"""``kettle serve``: hand the app to a production server (granian, uvicorn or gunicorn).

The command finds the app, chooses its door (``interface.choose_interface``), prints the
choice and why, then replaces itself with the server (``os.execv``). The server's workers
load the app with ``load_app`` below, through the same discovery as every ``kettle``
command, so ``--app`` specs, factories, ``.env`` files and ``KETTLE_*`` config all apply.
``server_command`` builds the command line and does nothing else, so it can be checked.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .cli import ScriptInfo, cli, configure_app_logger, pass_script_info
from .interface import Interface, choose_interface

if TYPE_CHECKING:
    from .app import Kettle

#: The servers ``kettle serve`` knows, in the order it prefers them.
SERVERS = ("granian", "uvicorn", "gunicorn")
#: What the servers import: a factory that loads the app as the ``kettle`` command does.
APP_FACTORY = "kettle.serving:load_app"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
INSTALL_HINT = "pip install 'kettle[servers]'"


class ServeError(click.UsageError):
    """The asked-for server cannot serve the app this way; the message says what to do."""


def load_app() -> Kettle:
    """The app for a server's worker: ``KETTLE_APP`` (set by ``kettle serve``) or the current
    folder's ``wsgi.py``/``app.py``, with ``app.logger`` at ``KETTLE_SERVE_LOG_LEVEL``."""
    app = ScriptInfo(os.environ.get("KETTLE_APP") or None).load_app()
    level = os.environ.get("KETTLE_SERVE_LOG_LEVEL", "info").upper()
    configure_app_logger(app, logging.getLevelNamesMapping().get(level, logging.INFO))
    return app


def installed_servers() -> list[str]:
    """The servers of ``SERVERS`` that can be imported here."""
    return [name for name in SERVERS if importlib.util.find_spec(name) is not None]


def uvicorn_worker_class() -> str | None:
    """gunicorn's worker class for ASGI: the ``uvicorn-worker`` package's, else uvicorn's own."""
    if importlib.util.find_spec("uvicorn_worker") is not None:
        return "uvicorn_worker.UvicornWorker"
    if importlib.util.find_spec("uvicorn") is not None:
        return "uvicorn.workers.UvicornWorker"
    return None


def pick_server(interface: Interface, installed: Sequence[str]) -> str:
    """The first installed server; for the WSGI door gunicorn comes before uvicorn, which
    serves ASGI only."""
    order = SERVERS if interface == "asgi" else ("granian", "gunicorn", "uvicorn")
    for name in order:
        if name in installed:
            return name
    raise ServeError(
        "No production server is installed. Install granian, uvicorn and gunicorn with: "
        f"{INSTALL_HINT} (or one of them: pip install granian)."
    )


def server_command(
    server: str,
    interface: Interface,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str = "info",
    worker_class: str | None = None,
    extra_args: Sequence[str] = (),
    python: str = sys.executable,
) -> list[str]:
    """The command line that serves ``APP_FACTORY`` with ``server`` through ``interface``.
    ``worker_class`` is gunicorn's for ASGI (``uvicorn_worker_class()``)."""
    common = ["--workers", str(workers), "--log-level", log_level]
    if server == "granian":
        return [
            python, "-m", "granian", "--interface", interface, "--host", host,
            "--port", str(port), *common, "--factory", *extra_args, APP_FACTORY,
        ]
    if server == "uvicorn":
        if interface != "asgi":
            raise ServeError("uvicorn serves the ASGI door only: use --interface asgi, or "
                             "--server granian or gunicorn for the WSGI door.")
        return [
            python, "-m", "uvicorn", "--interface", "asgi3", "--host", host,
            "--port", str(port), *common, "--factory", *extra_args, APP_FACTORY,
        ]
    if server == "gunicorn":
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        worker = []
        if interface == "asgi":
            if worker_class is None:
                raise ServeError(
                    "gunicorn serves the ASGI door only with uvicorn's worker, and uvicorn is "
                    "not installed: pip install uvicorn, or use --server granian."
                )
            worker = ["--worker-class", worker_class]
        return [
            python, "-m", "gunicorn", "--bind", bind, *common, *worker, *extra_args,
            f"{APP_FACTORY}()",
        ]
    raise ServeError(f"Unknown server {server!r}; kettle serve knows {', '.join(SERVERS)}.")


def plan_interface(
    app: Kettle, server: str | None, interface: str, installed: Sequence[str]
) -> tuple[str, Interface, str]:
    """``(server, interface, reason)`` for serving ``app``; ``interface`` is ``"auto"`` or an
    override. The reason says why that door (and notes a server's own limit)."""
    if server is not None and server not in installed:
        raise ServeError(f"{server} is not installed: {INSTALL_HINT} (or pip install {server}).")
    if interface == "auto":
        door, reason = choose_interface(app)
    else:
        door, reason = ("asgi" if interface == "asgi" else "wsgi"), "chosen with --interface"
    server = server or pick_server(door, installed)
    if server == "uvicorn" and door == "wsgi" and interface == "auto":
        door, reason = "asgi", f"uvicorn serves ASGI only (else WSGI: {reason})"
    return server, door, reason


def _default_workers() -> int:
    try:
        return max(1, int(os.environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        return 1


@cli.command(
    "serve", with_appcontext=False, short_help="Serve the app with a production server.",
    context_settings={"ignore_unknown_options": True},
)
@click.option("--server", type=click.Choice(SERVERS), default=None,
              help="The server (default: the first installed of granian, uvicorn, gunicorn).")
@click.option("--interface", type=click.Choice(["auto", "wsgi", "asgi"]), default="auto",
              show_default=True, help="The app's door: WSGI or ASGI (auto: from the views).")
@click.option("--host", "-h", default="127.0.0.1", show_default=True,
              help="The interface to bind to (0.0.0.0 in a container).")
@click.option("--port", "-p", default=8000, type=int, show_default=True,
              help="The port to bind to.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=_default_workers,
              help="Worker processes (default: WEB_CONCURRENCY, else 1).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info",
              show_default=True, help="The server's and app.logger's level.")
@click.option("--dry-run", is_flag=True, help="Print the server's command line and exit.")
@click.argument("server_args", nargs=-1, type=click.UNPROCESSED)
@pass_script_info
def serve_command(
    info: ScriptInfo, server: str | None, interface: str, host: str, port: int,
    workers: int, log_level: str, dry_run: bool, server_args: tuple[str, ...],
) -> None:
    """Serve the app with granian, uvicorn or gunicorn, for production.

    The door is WSGI when every view is a plain def (no thread hop per request), ASGI when a
    view is async def or a WebSocket route exists. Arguments after -- go to the server.
    """
    if info.create_app is not None:
        raise ServeError("kettle serve needs an app it can import: use --app or KETTLE_APP.")
    app = info.load_app()
    server, door, reason = plan_interface(app, server, interface, installed_servers())
    argv = server_command(
        server, door, host=host, port=port, workers=workers, log_level=log_level,
        worker_class=uvicorn_worker_class() if server == "gunicorn" else None,
        extra_args=server_args,
    )
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f" * Serving kettle app '{app.name}' with {server}, {workers} worker(s), "
               f"on http://{shown_host}:{port}/", err=True)
    click.echo(f" * Interface: {door.upper()}: {reason}", err=True)
    click.echo(f" * Command: {shlex.join(argv)}", err=True)
    if dry_run:
        click.echo(shlex.join(argv))
        return
    if info.app_import_path:
        os.environ["KETTLE_APP"] = info.app_import_path
    os.environ["KETTLE_SERVE_LOG_LEVEL"] = log_level
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
