"""``kettle serve``: the door it chooses (``choose_interface``), the exact command line it
hands each server, its refusals, and the real hand-off: every installed server started by
``kettle serve`` on a free port, through both doors, answering over a socket."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from apps.cli_support import invoke, isolated, kettle_server, write

from kettle import Blueprint, Kettle
from kettle.interface import choose_interface
from kettle.serving import (
    APP_FACTORY,
    ServeError,
    installed_servers,
    pick_server,
    plan_interface,
    server_command,
)

# -- choose_interface ----------------------------------------------------------------------


def sync_app() -> Kettle:
    app = Kettle("sync_app")

    @app.route("/")
    def index() -> str:
        return "sync"

    @app.route("/other")
    def other() -> str:
        return "other"

    return app


def test_all_plain_def_chooses_wsgi() -> None:
    door, reason = choose_interface(sync_app())
    assert door == "wsgi"
    assert "plain def" in reason


def test_an_async_view_chooses_asgi_and_is_named() -> None:
    app = sync_app()

    @app.route("/feed")
    async def feed() -> str:
        return "feed"

    assert choose_interface(app) == ("asgi", "async def view 'feed' (/feed)")


def test_a_websocket_route_chooses_asgi() -> None:
    app = sync_app()

    @app.websocket("/live")
    async def live(ws: object) -> None: ...

    assert choose_interface(app) == ("asgi", "WebSocket route '/live' (endpoint 'live')")


def test_an_async_view_in_a_blueprint_chooses_asgi() -> None:
    app = sync_app()
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/items")
    async def items() -> str:
        return "items"

    app.register_blueprint(bp)
    assert choose_interface(app) == ("asgi", "async def view 'api.items' (/api/items)")


def test_async_hooks_and_error_handlers_choose_asgi() -> None:
    app = sync_app()

    @app.errorhandler(404)
    async def not_found(error: Exception) -> tuple[str, int]:
        return "gone", 404

    door, reason = choose_interface(app)
    assert door == "asgi"
    assert "error handler" in reason and "not_found" in reason
    app = sync_app()

    @app.before_request
    async def check() -> None: ...

    assert choose_interface(app)[1].startswith("async def before_request hook")


# -- the command line of each server -------------------------------------------------------
PY = "/py"
COMMON = dict(host="0.0.0.0", port=8000, workers=4, log_level="warning", python=PY)


@pytest.mark.parametrize(
    ("server", "door", "expected"),
    [
        ("granian", "wsgi", [PY, "-m", "granian", "--interface", "wsgi", "--host", "0.0.0.0",
                             "--port", "8000", "--workers", "4", "--log-level", "warning",
                             "--factory", APP_FACTORY]),
        ("granian", "asgi", [PY, "-m", "granian", "--interface", "asgi", "--host", "0.0.0.0",
                             "--port", "8000", "--workers", "4", "--log-level", "warning",
                             "--factory", APP_FACTORY]),
        ("uvicorn", "asgi", [PY, "-m", "uvicorn", "--interface", "asgi3", "--host", "0.0.0.0",
                             "--port", "8000", "--workers", "4", "--log-level", "warning",
                             "--factory", APP_FACTORY]),
        ("gunicorn", "wsgi", [PY, "-m", "gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4",
                              "--log-level", "warning", f"{APP_FACTORY}()"]),
        ("gunicorn", "asgi", [PY, "-m", "gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4",
                              "--log-level", "warning", "--worker-class",
                              "uvicorn.workers.UvicornWorker", f"{APP_FACTORY}()"]),
    ],
)
def test_server_command(server: str, door: str, expected: list[str]) -> None:
    worker = "uvicorn.workers.UvicornWorker" if server == "gunicorn" else None
    assert server_command(server, door, worker_class=worker, **COMMON) == expected  # type: ignore[arg-type]


def test_server_command_extra_args_and_ipv6() -> None:
    argv = server_command("gunicorn", "wsgi", host="::1", port=9000, workers=1,
                          extra_args=["--timeout", "30"], python=PY)
    assert argv[3:5] == ["--bind", "[::1]:9000"]
    assert argv[-3:] == ["--timeout", "30", f"{APP_FACTORY}()"]
    granian = server_command("granian", "asgi", host="h", port=1, workers=1,
                             extra_args=["--blocking-threads", "8"], python=PY)
    assert granian[-3:] == ["--blocking-threads", "8", APP_FACTORY]


def test_server_refusals_say_what_to_do() -> None:
    with pytest.raises(ServeError, match="uvicorn serves the ASGI door only"):
        server_command("uvicorn", "wsgi", host="h", port=1, workers=1)
    with pytest.raises(ServeError, match="pip install uvicorn, or use --server granian"):
        server_command("gunicorn", "asgi", host="h", port=1, workers=1, worker_class=None)
    with pytest.raises(ServeError, match=r"pip install 'kettle\[servers\]'"):
        pick_server("wsgi", [])


@pytest.mark.parametrize(
    ("door", "installed", "expected"),
    [
        ("wsgi", ["granian", "uvicorn", "gunicorn"], "granian"),
        ("asgi", ["granian", "uvicorn", "gunicorn"], "granian"),
        ("asgi", ["uvicorn", "gunicorn"], "uvicorn"),
        ("wsgi", ["uvicorn", "gunicorn"], "gunicorn"),  # uvicorn has no WSGI door of its own
        ("wsgi", ["uvicorn"], "uvicorn"),
        ("asgi", ["gunicorn"], "gunicorn"),
    ],
)
def test_default_server(door: str, installed: list[str], expected: str) -> None:
    assert pick_server(door, installed) == expected  # type: ignore[arg-type]


def test_plan_interface_overrides_and_uvicorn() -> None:
    servers = ["granian", "uvicorn", "gunicorn"]
    assert plan_interface(sync_app(), None, "auto", servers)[:2] == ("granian", "wsgi")
    assert plan_interface(sync_app(), None, "asgi", servers) == (
        "granian", "asgi", "chosen with --interface")
    server, door, reason = plan_interface(sync_app(), "uvicorn", "auto", servers)
    assert (server, door) == ("uvicorn", "asgi")
    assert reason.startswith("uvicorn serves ASGI only")
    with pytest.raises(ServeError, match=r"granian is not installed: pip install 'kettle\[servers"):
        plan_interface(sync_app(), "granian", "auto", ["gunicorn"])


# -- the command, in-process (--dry-run) and for real --------------------------------------
SYNC_SOURCE = """
    from kettle import Kettle, current_app, request

    app = Kettle(__name__)

    @app.route("/")
    def index():
        current_app.logger.info("served index")
        door = "wsgi" if request.environ is not None else "asgi"
        return f"sync view via {door} {current_app.config.get('GREETING')}"
"""

ASYNC_SOURCE = """
    from kettle import Kettle, request

    def create_app(greeting="hi"):
        app = Kettle("async_site")

        @app.route("/")
        async def index():
            door = "wsgi" if request.environ is not None else "asgi"
            return f"async view via {door} {greeting}"

        return app
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    write(tmp_path, "app.py", SYNC_SOURCE)
    write(tmp_path, "async_site.py", ASYNC_SOURCE)
    with isolated(tmp_path) as folder:
        yield folder


def test_dry_run_prints_the_choice_and_the_command(project: Path) -> None:
    result = invoke("serve", "--server", "gunicorn", "--port", "9001", "--workers", "3",
                    "--dry-run")
    assert result.exit_code == 0, result.output
    assert " * Serving kettle app 'app' with gunicorn, 3 worker(s), on http://127.0.0.1:9001/" \
        in result.output
    assert " * Interface: WSGI: every view, hook and error handler is a plain def" \
        in result.output
    assert result.output.splitlines()[-1] == (
        f"{sys.executable} -m gunicorn --bind 127.0.0.1:9001 --workers 3 --log-level info "
        f"'{APP_FACTORY}()'"
    )
    asgi = invoke("--app", "async_site:create_app('hey')", "serve", "--dry-run")
    assert " * Interface: ASGI: async def view 'index' (/)" in asgi.output


def test_workers_default_from_web_concurrency(project: Path) -> None:
    import os

    os.environ["WEB_CONCURRENCY"] = "5"
    result = invoke("serve", "--server", "granian", "--dry-run")
    assert "--workers 5" in result.output.splitlines()[-1]


def test_serve_refuses_uvicorn_for_an_explicit_wsgi_door(project: Path) -> None:
    result = invoke("serve", "--server", "uvicorn", "--interface", "wsgi", "--dry-run")
    assert result.exit_code == 2
    assert "uvicorn serves the ASGI door only" in result.output


SERVERS = installed_servers()
CASES = [
    (server, spec, expected)
    for server in ("granian", "uvicorn", "gunicorn")
    for spec, expected in [
        ("app.py", "sync view via {door} from-env"),
        ("async_site:create_app('hey')", "async view via asgi hey"),
    ]
]


@pytest.mark.server
@pytest.mark.parametrize(("server", "spec", "expected"), CASES)
def test_serve_hands_off_to_the_server(
    project: Path, server: str, spec: str, expected: str
) -> None:
    if server not in SERVERS:
        pytest.skip(f"{server} is not installed")
    after = ["--", "--no-control-socket"] if server == "gunicorn" and _has_control_socket() else []
    with kettle_server("--app", spec, "serve", "--server", server, "--workers", "1",
                       "--host", "127.0.0.1", cwd=project, log=project / f"{server}.log",
                       env={"KETTLE_GREETING": "from-env"}, after=after) as srv:
        response = srv.client().get("/")
    log = srv.log_text()
    door = "asgi" if "async" in spec or server == "uvicorn" else "wsgi"
    assert response.status_code == 200, log
    assert response.text == expected.format(door=door)
    assert f" * Interface: {door.upper()}: " in log
    assert f"-m {server} " in log
    if "async" not in spec:
        assert "served index" in log  # app.logger at the --log-level, on stderr


def _has_control_socket() -> bool:
    from gunicorn.config import make_settings

    return "control_socket_disable" in make_settings()
