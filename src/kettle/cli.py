"""The ``kettle`` command: app discovery, ``kettle run``, ``kettle routes`` and ``app.cli``.

Commands added with ``@app.cli.command()`` run inside the app context, as in Flask.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .context import current_context

if TYPE_CHECKING:
    from .app import Kettle

F = TypeVar("F", bound=Callable[..., Any])


class NoAppException(click.UsageError):
    """The app could not be found or imported; the message says what was tried."""


def _find_app_in_module(module: Any, name: str | None) -> Kettle:
    from .app import Kettle

    if name is None:
        for attr in ("app", "application"):
            if isinstance(getattr(module, attr, None), Kettle):
                return getattr(module, attr)  # type: ignore[no-any-return]
        found = [v for v in vars(module).values() if isinstance(v, Kettle)]
        if len(found) == 1:
            return found[0]
        for factory_name in ("create_app", "make_app"):
            factory = getattr(module, factory_name, None)
            if callable(factory):
                return _call_factory(factory, [], {})
        raise NoAppException(
            f"Could not find a kettle app in module {module.__name__!r}. Use '--app module:name'."
        )
    try:
        expr = ast.parse(name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(f"Failed to parse {name!r} as an attribute name or call.") from None
    if isinstance(expr, ast.Name):
        target = getattr(module, expr.id, None)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        call = False
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        target = getattr(module, expr.func.id, None)
        try:
            args = [ast.literal_eval(a) for a in expr.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in expr.keywords if k.arg}
        except ValueError:
            raise NoAppException(
                f"Failed to parse arguments as literal values: {name!r}."
            ) from None
        call = True
    else:
        raise NoAppException(f"Failed to parse {name!r} as an attribute name or call.")
    if target is None:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.")
    if isinstance(target, Kettle):
        return target
    if call or callable(target):
        return _call_factory(target, args, kwargs)
    raise NoAppException(f"A valid kettle app was not obtained from '{module.__name__}:{name}'.")


def _call_factory(factory: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Kettle:
    from .app import Kettle

    app = factory(*args, **kwargs)
    if not isinstance(app, Kettle):
        raise NoAppException(f"The factory {factory.__name__!r} did not return a kettle app.")
    return app


def locate_app(import_spec: str) -> Kettle:
    """Import ``module`` or ``module:name`` / ``module:factory(args)`` and return the app."""
    module_name, _, app_name = import_spec.partition(":")
    if module_name.endswith(".py"):
        module_name = module_name[:-3].replace(os.sep, ".")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        raise
    return _find_app_in_module(module, app_name or None)


class ScriptInfo:
    """Finds and loads the app once for all commands of one invocation."""

    def __init__(
        self, app_import_path: str | None = None, create_app: Callable[[], Kettle] | None = None
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self._loaded: Kettle | None = None

    def load_app(self) -> Kettle:
        if self._loaded is not None:
            return self._loaded
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            app = locate_app(self.app_import_path)
        else:
            for candidate in ("wsgi.py", "app.py"):
                if os.path.exists(candidate):
                    app = locate_app(candidate)
                    break
            else:
                raise NoAppException(
                    "Could not locate a kettle application. Use 'kettle --app' or set KETTLE_APP, "
                    "or have a 'wsgi.py' or 'app.py' in the current folder."
                )
        self._loaded = app
        return app


def with_appcontext(f: F) -> F:
    """Run the command inside the app's context (loading the app if needed)."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if current_context() is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            with app.app_context():
                return ctx.invoke(f, *args, **kwargs)
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run inside the app context (``app.cli``)."""

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            command: click.Command = click.Group.command(self, *args, **kwargs)(f)
            return command

        return decorator


class KettleGroup(AppGroup):
    """The ``kettle`` command: built-ins plus the loaded app's own ``app.cli`` commands."""

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        try:
            return ctx.ensure_object(ScriptInfo).load_app().cli
        except NoAppException:
            return None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        group = self._app_commands(ctx)
        if group is None:
            return None
        command = group.get_command(ctx, name)
        active = current_context()
        app = ctx.ensure_object(ScriptInfo).load_app()
        if command is not None and (active is None or active.app is not app):
            # Plain click commands added with app.cli.add_command run in the app context too.
            ctx.with_resource(app.app_context())
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        group = self._app_commands(ctx)
        if group is not None:
            names.update(group.list_commands(ctx))
        return sorted(names)


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


@click.group(cls=KettleGroup)
@click.option(
    "--app", "-A", envvar="KETTLE_APP", expose_value=False, is_eager=True, callback=_set_app,
    help="The app to load: 'module', 'module:name' or 'module:factory(args)'.",
)
@click.version_option(package_name="kettle")
def cli() -> None:
    """A kettle app's command line."""


@cli.command("routes", with_appcontext=True)
@click.option("--sort", "-s", type=click.Choice(["endpoint", "methods", "rule", "match"]),
              default="endpoint", help="How to order the routes.")
def routes_command(sort: str) -> None:
    """Show the app's routes."""
    from .context import current_app

    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = {"HEAD", "OPTIONS"}
    rows = [(r.endpoint or "", ", ".join(sorted(r.methods - ignored)), r.rule) for r in rules]
    if sort != "match":
        index = {"endpoint": 0, "methods": 1, "rule": 2}[sort]
        rows.sort(key=lambda row: row[index])
    headers = ("Endpoint", "Methods", "Rule")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(fmt.format(*headers).rstrip())
    click.echo(fmt.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        click.echo(fmt.format(*row).rstrip())


@cli.command("run", with_appcontext=False)
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, type=int, help="The port to bind to.")
@click.option("--debug/--no-debug", default=None, help="Debug mode.")
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int, debug: bool | None) -> None:
    """Run the development server (not for production)."""
    from .helpers import get_debug_flag

    app = ctx.ensure_object(ScriptInfo).load_app()
    if debug is None and get_debug_flag():  # KETTLE_DEBUG=1, as FLASK_DEBUG
        debug = True
    app.run(host=host, port=port, debug=debug)


def main() -> None:
    """Entry point of the ``kettle`` console script."""
    cli.main(obj=ScriptInfo())
