"""How ``kettle`` finds the app (as ``flask --app``), loads ``.env`` files, puts ``KETTLE_*``
variables in ``app.config`` and reports an app that fails to import: each case in-process
through ``CliRunner`` and as the real console script."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from apps.cli_support import invoke, isolated, run_kettle, write

from kettle import Kettle
from kettle.cli import AppLoadError, load_dotenv, locate_app

MODULE_APP = """
    import click
    from kettle import Kettle, current_app

    app = Kettle(__name__)

    @app.route("/", endpoint="{endpoint}")
    def index():
        return "{endpoint}"

    @app.cli.command("config")
    @click.argument("key")
    def show_config(key):
        click.echo(repr(current_app.config.get(key)))
"""

FACTORY = """
    from kettle import Kettle

    def {name}(label="{default}"):
        app = Kettle(label)
        app.add_url_rule("/", label, lambda: label)
        return app
"""


def module_app(endpoint: str) -> str:
    return MODULE_APP.replace("{endpoint}", endpoint)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A folder of apps, one per way of naming them."""
    write(tmp_path, "hello.py", module_app("hello_mod"))
    write(tmp_path, "factory_mod.py", FACTORY.format(name="create_app", default="made"))
    write(tmp_path, "make_mod.py", FACTORY.format(name="make_app", default="by_make_app"))
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/web.py", module_app("pkg_web"))
    write(tmp_path, "sub/standalone.py", module_app("standalone"))
    with isolated(tmp_path) as folder:
        yield folder


def endpoints(output: str) -> list[str]:
    """The endpoints ``kettle routes`` lists, less the ``static`` route every app has."""
    listed = [line.split()[0] for line in output.splitlines()[2:]]
    return [endpoint for endpoint in listed if endpoint != "static"]


SPECS = [
    ("hello", "hello_mod"),
    ("hello:app", "hello_mod"),
    ("factory_mod", "made"),
    ("factory_mod:create_app", "made"),
    ("factory_mod:create_app('custom')", "custom"),
    ("factory_mod:create_app(label='by_keyword')", "by_keyword"),
    ("make_mod", "by_make_app"),
    ("pkg.web", "pkg_web"),
    ("pkg/web.py", "pkg_web"),
    ("sub/standalone.py", "standalone"),
    ("sub/standalone.py:app", "standalone"),
]


@pytest.mark.parametrize(("spec", "endpoint"), SPECS)
def test_app_option_finds_each_kind_of_spec(project: Path, spec: str, endpoint: str) -> None:
    result = invoke("--app", spec, "routes")
    assert result.exit_code == 0, result.output
    assert endpoints(result.output) == [endpoint]


@pytest.mark.parametrize(("spec", "endpoint"), SPECS)
def test_kettle_app_variable_names_the_app(project: Path, spec: str, endpoint: str) -> None:
    os.environ["KETTLE_APP"] = spec
    result = invoke("routes")
    assert result.exit_code == 0, result.output
    assert endpoints(result.output) == [endpoint]


@pytest.mark.parametrize(("spec", "endpoint"), SPECS)
def test_console_script_finds_each_kind_of_spec(project: Path, spec: str, endpoint: str) -> None:
    by_option = run_kettle("--app", spec, "routes", cwd=project)
    assert by_option.returncode == 0, by_option.stderr
    assert endpoints(by_option.stdout) == [endpoint]
    by_variable = run_kettle("routes", cwd=project, env={"KETTLE_APP": spec})
    assert endpoints(by_variable.stdout) == [endpoint]


def test_app_option_wins_over_the_variable(project: Path) -> None:
    result = run_kettle("--app", "hello", "routes", cwd=project, env={"KETTLE_APP": "make_mod"})
    assert endpoints(result.stdout) == ["hello_mod"]


@pytest.mark.parametrize(
    ("files", "endpoint"),
    [({"app.py"}, "from_app_py"), ({"wsgi.py"}, "from_wsgi_py"),
     ({"app.py", "wsgi.py"}, "from_wsgi_py")],  # Flask's order: wsgi.py first
)
def test_app_py_or_wsgi_py_in_the_current_folder(
    tmp_path: Path, files: set[str], endpoint: str
) -> None:
    for name in files:
        write(tmp_path, name, module_app(f"from_{name.replace('.', '_')}"))
    with isolated(tmp_path):
        assert endpoints(invoke("routes").output) == [endpoint]
    assert endpoints(run_kettle("routes", cwd=tmp_path).stdout) == [endpoint]


def test_no_app_anywhere_is_a_usage_error(tmp_path: Path) -> None:
    result = run_kettle("routes", cwd=tmp_path)
    assert result.returncode == 2
    assert "Could not locate a kettle application" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_module_and_attribute(project: Path) -> None:
    missing = run_kettle("--app", "no_such_module", "routes", cwd=project)
    assert missing.returncode == 2
    assert "Error: Could not import 'no_such_module'." in missing.stderr
    assert "Traceback" not in missing.stderr
    attribute = invoke("--app", "hello:nothing", "routes")
    assert attribute.exit_code == 2
    assert "Failed to find attribute 'nothing' in 'hello'" in attribute.output


def test_several_apps_in_a_module_ask_for_a_name(project: Path) -> None:
    write(project, "two.py", """
        from kettle import Kettle
        first = Kettle("first")
        second = Kettle("second")
    """)
    result = invoke("--app", "two", "routes")
    assert result.exit_code == 2
    assert "Detected several kettle apps in module 'two'" in result.output
    assert invoke("--app", "two:second", "routes").exit_code == 0


def test_factory_that_returns_something_else(project: Path) -> None:
    write(project, "not_app.py", "def create_app():\n    return 42\n")
    result = invoke("--app", "not_app", "routes")
    assert result.exit_code == 2
    assert "The factory 'create_app' did not return a kettle app." in result.output


# -- errors while importing the app: one line, then the user's traceback only ------------
BROKEN = {
    "raises.py": (
        "def helper():\n    return 1 / 0\n\nvalue = helper()\n",
        "Error: Importing 'raises' raised ZeroDivisionError: division by zero",
        ["raises.py\", line 4, in <module>", "raises.py\", line 2, in helper"],
    ),
    "needs_dep.py": (
        "import not_installed_dep\n",
        "Error: Importing 'needs_dep' raised ModuleNotFoundError: "
        "No module named 'not_installed_dep'",
        ["needs_dep.py\", line 1, in <module>"],
    ),
    "typo.py": (
        "from kettle import Kettle\napp = Kettle(__name__\n",
        "Error: Importing 'typo' raised SyntaxError: '(' was never closed",
        ["typo.py\", line 2"],
    ),
    "bad_factory.py": (
        "def create_app():\n    raise RuntimeError('no database configured')\n",
        "Error: Calling the factory 'create_app' raised RuntimeError: no database configured",
        ["bad_factory.py\", line 2, in create_app"],
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_import_errors_show_the_users_traceback_only(project: Path, name: str) -> None:
    source, first_line, frames = BROKEN[name]
    write(project, name, source)
    result = run_kettle("--app", name[:-3], "routes", cwd=project)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == first_line
    assert lines[1] == "Traceback (most recent call last):" or name == "typo.py"
    for frame in frames:
        assert frame in result.stderr
    for noise in ("click", "importlib", os.sep + "kettle" + os.sep, "Usage:"):
        assert noise not in result.stderr
    in_process = invoke("--app", name[:-3], "routes")
    assert in_process.exit_code == 1
    assert in_process.output.splitlines()[0] == first_line


def test_help_still_works_when_the_app_is_broken(project: Path) -> None:
    write(project, "app.py", "raise RuntimeError('half-written')\n")
    result = run_kettle("--help", cwd=project)
    assert result.returncode == 0
    assert "routes" in result.stdout and "serve" in result.stdout
    assert "Error: Importing 'app' raised RuntimeError: half-written" in result.stderr


# -- .env and .kettleenv -------------------------------------------------------------------
def test_dotenv_files_name_the_app_and_fill_the_config(project: Path) -> None:
    (project / ".kettleenv").write_text("KETTLE_APP=hello\nKETTLE_GREETING=from-kettleenv\n")
    (project / ".env").write_text("KETTLE_GREETING=from-dotenv\nKETTLE_PORT_HINT=8000\n")
    result = invoke("config", "GREETING")
    assert result.exit_code == 0, result.output
    assert result.output == "'from-dotenv'\n"  # .env wins over .kettleenv, as in Flask
    assert invoke("config", "PORT_HINT").output == "8000\n"  # parsed as JSON
    script = run_kettle("config", "GREETING", cwd=project, env={"KETTLE_GREETING": "set"})
    assert script.stdout == "'set'\n"  # the environment wins over the files


def test_dotenv_is_found_in_a_parent_folder(project: Path) -> None:
    (project / ".env").write_text(f"KETTLE_APP={project / 'hello.py'}\nKETTLE_FROM_PARENT=1\n")
    child = project / "deeper" / "still"
    child.mkdir(parents=True)
    result = run_kettle("config", "FROM_PARENT", cwd=child)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


def test_env_file_option_and_skip_variable(project: Path) -> None:
    (project / ".env").write_text("KETTLE_APP=hello\nKETTLE_SOURCE=dotenv\n")
    (project / "prod.env").write_text("KETTLE_SOURCE=prod\nKETTLE_ONLY_PROD=yes\n")
    result = run_kettle("-e", "prod.env", "config", "ONLY_PROD", cwd=project)
    assert result.stdout == "'yes'\n"
    # .env is read first; the file adds what is not set yet (no override), as Flask's -e.
    assert run_kettle("-e", "prod.env", "config", "SOURCE", cwd=project).stdout == "'dotenv'\n"
    skipped = run_kettle("--app", "hello", "config", "SOURCE", cwd=project,
                         env={"KETTLE_SKIP_DOTENV": "1"})
    assert skipped.stdout == "None\n"


def test_load_dotenv_reports_whether_it_read_anything(project: Path) -> None:
    assert load_dotenv() is False
    (project / "extra.env").write_text("KETTLE_EXTRA=1\n")
    assert load_dotenv("extra.env") is True
    assert os.environ["KETTLE_EXTRA"] == "1"


def test_without_python_dotenv_a_hint_names_the_extra(project: Path) -> None:
    (project / ".env").write_text("KETTLE_APP=hello\n")
    without_dotenv = "import sys; sys.modules['dotenv'] = None  # as if not installed"
    result = run_kettle("--app", "hello", "routes", cwd=project, python_first=without_dotenv)
    assert result.returncode == 0, result.stderr
    assert "pip install 'kettle[dotenv]'" in result.stderr
    assert "python-dotenv" in result.stderr
    no_files = run_kettle("--app", "hello", "routes", cwd=project / "sub",
                          python_first=without_dotenv)
    assert "Tip" not in no_files.stderr


# -- KETTLE_* variables into app.config ----------------------------------------------------
def test_prefixed_variables_reach_the_config(project: Path) -> None:
    env = {
        "KETTLE_SECRET_KEY": "s3cret", "KETTLE_MAX_CONTENT_LENGTH": "1024",
        "KETTLE_DB__HOST": "db.internal", "KETTLE_APP": "hello",
    }
    results = {key: run_kettle("config", key, cwd=project, env=env).stdout.strip()
               for key in ("SECRET_KEY", "MAX_CONTENT_LENGTH", "DB", "APP", "RUN_FROM_CLI")}
    assert results == {
        "SECRET_KEY": "'s3cret'", "MAX_CONTENT_LENGTH": "1024",
        "DB": "{'HOST': 'db.internal'}",
        "APP": "None", "RUN_FROM_CLI": "None",  # variables of the command line itself
    }


@pytest.mark.parametrize(("value", "expected"), [("1", "True"), ("true", "True"),
                                                  ("0", "False"), ("no", "False")])
def test_kettle_debug_sets_debug(project: Path, value: str, expected: str) -> None:
    os.environ["KETTLE_DEBUG"] = value
    assert invoke("--app", "hello", "config", "DEBUG").output == f"{expected}\n"


def test_test_cli_runner_apps_keep_their_own_config(project: Path) -> None:
    os.environ["KETTLE_SECRET_KEY"] = "from-env"
    app = Kettle("programmatic")

    @app.cli.command("key")
    def key() -> None:
        import click

        click.echo(repr(app.config["SECRET_KEY"]))

    assert app.test_cli_runner().invoke(args=["key"]).output == "None\n"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_load_errors_name_the_users_files_for_the_reloader(project: Path, name: str) -> None:
    write(project, name, BROKEN[name][0])
    with pytest.raises(AppLoadError) as caught:
        locate_app(name[:-3])
    assert caught.value.files == [str(project / name)]


def test_a_nested_variable_through_a_non_dict_is_a_clear_error(project: Path) -> None:
    result = run_kettle("--app", "hello", "routes", cwd=project,
                        env={"KETTLE_SECRET_KEY__PART": "x", "KETTLE_SECRET_KEY": "k"})
    assert result.returncode == 2
    assert "Error: Cannot set KETTLE_SECRET_KEY__PART: config key 'SECRET_KEY' holds a str" \
        in result.stderr
    assert "Traceback" not in result.stderr
