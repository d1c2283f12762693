"""The built-in commands: ``routes``, ``shell``, ``run``, ``--version``, and the app's and
blueprints' own command groups. ``run`` is started as a real process on a free port."""

from __future__ import annotations

import importlib.util
import platform
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from apps.cli_support import KETTLE, clean_env, invoke, isolated, kettle_server, run_kettle, write

APP = """
    import click
    from kettle import Blueprint, Kettle, current_app, g

    app = Kettle(__name__)
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    flat = Blueprint("flat", __name__, cli_group=None)
    named = Blueprint("named", __name__, cli_group="people")

    @app.route("/")
    def index():
        current_app.logger.info("index was served")
        current_app.logger.debug("debug detail")
        return "index page"

    @app.route("/items/<int:id>", methods=["PUT", "DELETE"])
    def item(id):
        return "item"

    @app.websocket("/ws")
    async def socket(ws):
        await ws.close()

    @admin.route("/users")
    def users():
        return "users"

    @admin.cli.command("create-user")
    @click.argument("name")
    def create_user(name):
        click.echo(f"created {name} in {current_app.name}")

    @flat.cli.command("flat-cmd")
    def flat_cmd():
        click.echo(f"flat in {current_app.name}")

    @named.cli.command("list")
    def list_people():
        click.echo(f"people of {current_app.name}")

    app.register_blueprint(admin)
    app.register_blueprint(flat)
    app.register_blueprint(named)

    @app.cli.group()
    def db():
        "Database commands."

    @db.command()
    def init():
        g.ran = True
        click.echo(f"init {current_app.name} {g.ran}")

    @app.shell_context_processor
    def shell_names():
        return {"answer": 42, "admin_bp": admin}
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    write(tmp_path, "site_app.py", APP)
    with isolated(tmp_path) as folder:
        yield folder


def rows(output: str) -> list[list[str]]:
    """The table's rows, cut at the columns the dashed line under the header marks."""
    lines = output.splitlines()
    starts = [m.start() for m in re.finditer(r"-+", lines[1])]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [[line[a:b].strip() for a, b in bounds] for line in lines[2:]]


# -- routes --------------------------------------------------------------------------------
def test_routes_columns_and_default_order(project: Path) -> None:
    result = invoke("--app", "site_app", "routes")
    assert result.exit_code == 0, result.output
    header, rule = result.output.splitlines()[:2]
    assert header.split() == ["Endpoint", "Methods", "Rule"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert rows(result.output) == [
        ["admin.users", "GET", "/admin/users"],
        ["index", "GET", "/"],
        ["item", "DELETE, PUT", "/items/<int:id>"],
        ["socket", "WEBSOCKET", "/ws"],
        ["static", "GET", "/static/<path:filename>"],
    ]


@pytest.mark.parametrize("sort", ["endpoint", "methods", "rule", "match"])
def test_routes_sort_orders(project: Path, sort: str) -> None:
    result = invoke("--app", "site_app", "routes", "--sort", sort)
    listed = rows(result.output)
    from site_app import app  # the module the command imported

    rules = list(app.url_map.iter_rules())
    expected = {
        "endpoint": sorted(r.endpoint for r in rules),
        "rule": [r.endpoint for r in sorted(rules, key=lambda r: r.rule)],
        "methods": [r.endpoint for r in sorted(rules, key=lambda r: sorted(r.methods))],
        "match": [r.endpoint for r in rules],
    }[sort]
    assert [row[0] for row in listed] == expected


def test_routes_all_methods_shows_head_and_options(project: Path) -> None:
    listed = {row[0]: row[1] for row in rows(invoke("--app", "site_app", "routes",
                                                    "--all-methods").output)}
    assert listed["index"] == "GET, HEAD, OPTIONS"
    assert listed["item"] == "DELETE, OPTIONS, PUT"


def test_routes_of_an_app_without_routes(project: Path) -> None:
    source = "from kettle import Kettle\napp = Kettle('empty', static_folder=None)\n"
    write(project, "empty.py", source)
    assert invoke("--app", "empty", "routes").output == "No routes were registered.\n"


# -- app and blueprint command groups ------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["admin", "create-user", "ann"], "created ann in site_app\n"),  # group = bp name
        (["flat-cmd"], "flat in site_app\n"),  # cli_group=None: among the app's commands
        (["people", "list"], "people of site_app\n"),  # cli_group="people"
        (["db", "init"], "init site_app True\n"),  # app.cli.group(): app context, g
    ],
)
def test_app_and_blueprint_commands_run_in_the_app_context(
    project: Path, args: list[str], output: str
) -> None:
    result = invoke("--app", "site_app", *args)
    assert result.exit_code == 0, result.output
    assert result.output == output
    script = run_kettle("--app", "site_app", *args, cwd=project)
    assert script.stdout == output, script.stderr


def test_help_lists_builtin_app_and_blueprint_commands(project: Path) -> None:
    result = run_kettle("--app", "site_app", "--help", cwd=project)
    commands = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines()
                if line.strip()}
    assert commands == {
        "admin", "db", "flat-cmd", "openapi", "people", "routes", "run", "serve", "shell",
    }


# -- shell ---------------------------------------------------------------------------------
def test_shell_has_app_g_and_the_shell_context(project: Path) -> None:
    script = "print('APP', app.name, type(g).__name__, answer, admin_bp.name, request)\n"
    result = run_kettle("--app", "site_app", "shell", "--interpreter", "python", cwd=project,
                        input=script)
    assert result.returncode == 0, result.stderr
    assert "NameError: name 'request' is not defined" in result.stderr
    script = "print('APP', app.name, g._get_current_object() is not None, answer, admin_bp.name)\n"
    result = run_kettle("--app", "site_app", "shell", cwd=project, input=script)
    assert "APP site_app True 42 admin" in result.stdout
    assert f"Python {platform.python_version()}" in result.stderr
    assert "App: site_app" in result.stderr


def test_shell_context_is_an_app_context(project: Path) -> None:
    script = "from kettle import current_app, g\ng.x = 1\nprint('CTX', current_app.name, g.x)\n"
    result = run_kettle("--app", "site_app", "shell", "--interpreter", "python", cwd=project,
                        input=script)
    assert "CTX site_app 1" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("IPython") is not None, reason="IPython installed")
def test_shell_asking_for_ipython_without_it(project: Path) -> None:
    result = run_kettle("--app", "site_app", "shell", "--interpreter", "ipython", cwd=project)
    assert result.returncode == 2
    assert "IPython is not installed: pip install ipython." in result.stderr


def test_the_command_tells_app_run_it_is_running(project: Path) -> None:
    """``KETTLE_RUN_FROM_CLI`` lets an unguarded ``app.run()`` in the module return at once."""
    write(project, "seen.py", """
        import os
        from kettle import Kettle
        app = Kettle(__name__)
        print("RUN_FROM_CLI", os.environ.get("KETTLE_RUN_FROM_CLI"))
    """)
    for command in ([KETTLE], [sys.executable, "-m", "kettle"]):
        result = subprocess.run([*command, "--app", "seen", "routes"], cwd=project,
                                env=clean_env(), capture_output=True, text=True, timeout=60)
        assert result.stdout.splitlines()[0] == "RUN_FROM_CLI true", result.stderr


def test_shell_hands_the_namespace_to_ipython_when_installed(project: Path) -> None:
    """A stand-in ``IPython`` package on the path records what kettle hands to it."""
    write(project, "fake_site/IPython/__init__.py", """
        def start_ipython(argv, user_ns):
            print("IPYTHON", argv, sorted(k for k in user_ns if not k.startswith("__")))
    """)
    env = {"PYTHONPATH": str(project / "fake_site")}
    result = run_kettle("--app", "site_app", "shell", cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    assert "IPYTHON [] ['admin_bp', 'answer', 'app', 'g']" in result.stdout
    plain = run_kettle("--app", "site_app", "shell", "--interpreter", "python", cwd=project,
                       env=env, input="print('PLAIN', answer)\n")
    assert "IPYTHON" not in plain.stdout and "PLAIN 42" in plain.stdout


# -- version -------------------------------------------------------------------------------
def test_version_names_kettle_python_and_click(tmp_path: Path) -> None:
    result = run_kettle("--version", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        f"Kettle {version('kettle')}",
        f"Python {platform.python_version()}",
        f"Click {version('click')}",
    ]


# -- run -----------------------------------------------------------------------------------
@pytest.mark.server
def test_run_serves_the_app_and_logs_through_app_logger(project: Path) -> None:
    with kettle_server("--app", "site_app", "run", cwd=project, log=project / "run.log") as srv:
        response = srv.client().get("/")
        assert (response.status_code, response.text) == (200, "index page")
        assert srv.client().get("/admin/users").text == "users"
    log = srv.log_text()
    assert "Debug mode: off" in log
    assert "index was served" in log  # app.logger at INFO under kettle run
    assert "debug detail" not in log


@pytest.mark.server
def test_run_debug_flag_from_environment(project: Path) -> None:
    with kettle_server("--app", "site_app", "run", "--no-reload", cwd=project,
                       log=project / "run.log", env={"KETTLE_DEBUG": "1"}) as srv:
        assert srv.client().get("/").text == "index page"
    assert "Debug mode: on" in srv.log_text()
    assert "debug detail" in srv.log_text()  # app.logger at DEBUG in debug mode


@pytest.mark.server
def test_run_with_reload_serves_the_import_error_until_fixed(project: Path) -> None:
    write(project, "broken.py", "raise RuntimeError('half-written module')\n")
    with kettle_server("--app", "broken", "run", "--reload", cwd=project,
                       log=project / "run.log") as srv:
        response = srv.client().get("/anything")
        assert response.status_code == 500
    assert "Error: Importing 'broken' raised RuntimeError: half-written module" in srv.log_text()


def test_run_without_reload_stops_on_an_import_error(project: Path) -> None:
    write(project, "broken.py", "raise RuntimeError('half-written module')\n")
    result = run_kettle("--app", "broken", "run", "--no-reload", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Importing 'broken' raised RuntimeError")


def test_run_cert_needs_key(project: Path) -> None:
    write(project, "cert.pem", "not really a certificate")
    result = invoke("--app", "site_app", "run", "--cert", "cert.pem")
    assert result.exit_code == 2
    assert "--cert and --key go together." in result.output
