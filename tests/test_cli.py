"""The ``kettle`` command: app discovery, ``routes``, custom commands, clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from apps.cli_support import isolated
from click.testing import CliRunner

from kettle.cli import NoAppException, ScriptInfo, cli, locate_app

APP_SOURCE = textwrap.dedent(
    """
    import click
    from kettle import Kettle, Blueprint

    app = Kettle(__name__)
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @app.route("/")
    def index():
        return "index"

    @app.post("/items/<int:id>")
    def update(id):
        return "updated"

    @bp.route("/users")
    def users():
        return "users"

    app.register_blueprint(bp)

    @app.cli.command("greet")
    @click.option("--name", default="world")
    def greet(name):
        from kettle import current_app
        click.echo(f"hi {name} from {current_app.name}")

    def create_app(label="made"):
        other = Kettle(label)
        @other.route("/" + label)
        def made():
            return label
        return other
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "myapp.py").write_text(APP_SOURCE)
    with isolated(tmp_path):  # the command sets variables in os.environ: restored after
        yield tmp_path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo())


def test_routes_lists_endpoints_methods_and_rules(project):
    result = invoke("--app", "myapp", "routes")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    rows = [line.split(None, 2) for line in lines[2:]]
    assert ["admin.users", "GET", "/admin/users"] in rows
    assert ["index", "GET", "/"] in rows
    assert ["update", "POST", "/items/<int:id>"] in rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_routes_sorted_by_rule(project):
    result = invoke("--app", "myapp", "routes", "--sort", "rule")
    rules = [line.split()[-1] for line in result.output.splitlines()[2:]]
    assert rules == sorted(rules)


def test_custom_command_runs_in_app_context(project):
    result = invoke("--app", "myapp", "greet", "--name", "kettle")
    assert result.exit_code == 0, result.output
    assert result.output == "hi kettle from myapp\n"


def test_app_discovery_variants(project):
    assert locate_app("myapp").name == "myapp"
    assert locate_app("myapp:app").name == "myapp"
    assert locate_app("myapp:create_app").name == "made"
    assert locate_app("myapp:create_app('other')").name == "other"
    with pytest.raises(NoAppException, match="Failed to find attribute"):
        locate_app("myapp:nothing")
    with pytest.raises(NoAppException, match="Could not import"):
        locate_app("no_such_module_here")
    with pytest.raises(NoAppException, match="literal"):
        locate_app("myapp:create_app(os.getcwd())")


def test_app_py_is_found_in_current_folder(project):
    (project / "app.py").write_text(APP_SOURCE)
    sys.modules.pop("app", None)
    try:
        result = invoke("routes")
    finally:
        sys.modules.pop("app", None)
    assert result.exit_code == 0, result.output
    assert "admin.users" in result.output


def test_missing_app_is_a_clear_usage_error(tmp_path):
    with isolated(tmp_path):
        result = invoke("routes")
    assert result.exit_code == 2
    assert "Could not locate a kettle application" in result.output


def test_console_script_runs(project):
    kettle = Path(sys.executable).with_name("kettle")
    result = subprocess.run(
        [str(kettle), "--app", "myapp", "routes"], capture_output=True, text=True, cwd=project,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "/admin/users" in result.stdout
    version = subprocess.run([str(kettle), "--version"], capture_output=True, text=True, timeout=60)
    assert "0.1.0" in version.stdout


def test_plain_click_command_added_to_app_cli_gets_app_context(project):
    extra = textwrap.dedent(
        """
        @click.command("plain")
        def plain():
            from kettle import current_app
            click.echo(current_app.name)

        app.cli.add_command(plain)
        """
    )
    (project / "myapp.py").write_text(APP_SOURCE + extra)
    result = invoke("--app", "myapp", "plain")
    assert result.exit_code == 0, result.output
    assert result.output == "myapp\n"
    from myapp import app

    assert app.test_cli_runner().invoke(args=["plain"]).output == "myapp\n"
