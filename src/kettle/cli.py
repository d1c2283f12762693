"""The ``kettle`` command: app discovery, ``.env`` files and the built-in commands.

``kettle run`` (development server), ``kettle routes``, ``kettle shell``, ``kettle serve``
(production servers, in ``serving.py``) and the app's own ``app.cli`` commands, which run
inside the app context as in Flask. Discovery follows ``flask --app``.
"""

from __future__ import annotations

import ast
import importlib
import logging
import os
import platform
import re
import sys
import traceback
from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .context import current_context

if TYPE_CHECKING:
    from .app import Kettle

F = TypeVar("F", bound=Callable[..., Any])

#: Environment variables that steer the command line; they never become config keys.
CLI_VARIABLES = ("KETTLE_APP", "KETTLE_SKIP_DOTENV", "KETTLE_RUN_FROM_CLI", "KETTLE_RUN_MAIN")
#: Frames from these folders are not the user's: kettle's, the import machinery's, click's.
_NOT_USER_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, importlib.__file__ or "", click.__file__ or "")
)


class NoAppException(click.UsageError):
    """The app could not be found; the message says what was tried."""


class AppLoadError(click.ClickException):
    """Importing the app's module (or calling its factory) raised: shown as one line saying
    what failed, then the traceback of the user's code only, never a click stack trace."""

    def __init__(self, what: str, exc: BaseException) -> None:
        summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        super().__init__(f"{what} raised {summary.splitlines()[-1]}\n{user_traceback(exc)}")
        self.original = exc

    @property
    def files(self) -> list[str]:
        """The user's source files in the traceback (a reloader watches them for the fix)."""
        frames = traceback.extract_tb(self.original.__traceback__)
        found = [f.filename for f in frames if _is_user_frame(f.filename)]
        if isinstance(self.original, SyntaxError) and self.original.filename:
            found.append(self.original.filename)
        return [f for f in dict.fromkeys(found) if os.path.isfile(f)]


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the import machinery's, click's or kettle's frames."""
    tb = traceback.TracebackException.from_exception(exc)
    tb.stack = traceback.StackSummary.from_list(
        [frame for frame in tb.stack if _is_user_frame(frame.filename)]
    )
    return "".join(tb.format()).rstrip()


def _is_user_frame(filename: str) -> bool:
    return not filename.startswith(("<frozen", *_NOT_USER_DIRS))


# -- finding the app -----------------------------------------------------------------------
def prepare_import(path: str) -> str:
    """The module name for ``path`` (a file, a folder or a dotted name relative to the current
    folder), putting the folder it imports from first on ``sys.path`` (Flask's rule: a file
    inside packages imports as ``package.module``)."""
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts: list[str] = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def locate_app(import_spec: str) -> Kettle:
    """Import ``module``, ``module:name``, ``module:factory(args)`` or ``path/file.py[:name]``
    and return the app found there."""
    path, _, app_name = _split_spec(import_spec)
    module_name = prepare_import(path)
    module = _import_module(module_name)
    return _find_app_in_module(module, app_name or None)


def _split_spec(import_spec: str) -> tuple[str, str, str]:
    """``module_or_path``, ``":"``, ``name``; a Windows drive's colon (``C:\\``) is no split."""
    parts = re.split(r":(?![\\/])", import_spec, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else (parts[0], "", "")


def _import_module(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        itself = module_name == missing or module_name.startswith(missing + ".")
        frames = traceback.extract_tb(exc.__traceback__)
        if itself and not any(_is_user_frame(frame.filename) for frame in frames):
            raise NoAppException(f"Could not import {module_name!r}.") from None
        raise AppLoadError(f"Importing {module_name!r}", exc) from None
    except Exception as exc:
        raise AppLoadError(f"Importing {module_name!r}", exc) from None


def _find_app_in_module(module: Any, name: str | None) -> Kettle:
    from .app import Kettle

    if name is None:
        for attr in ("app", "application"):
            if isinstance(getattr(module, attr, None), Kettle):
                return getattr(module, attr)  # type: ignore[no-any-return]
        found = [v for v in vars(module).values() if isinstance(v, Kettle)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NoAppException(
                f"Detected several kettle apps in module {module.__name__!r}. "
                f"Use '--app {module.__name__}:name' to pick one."
            )
        for factory_name in ("create_app", "make_app"):
            factory = getattr(module, factory_name, None)
            if callable(factory):
                return _call_factory(factory, [], {})
        raise NoAppException(
            f"Could not find a kettle app or factory in module {module.__name__!r}. "
            f"Use '--app {module.__name__}:name'."
        )
    target, args, kwargs, call = _parse_app_name(module, name)
    if isinstance(target, Kettle):
        return target
    if call or callable(target):
        return _call_factory(target, args, kwargs)
    raise NoAppException(f"A valid kettle app was not obtained from '{module.__name__}:{name}'.")


def _parse_app_name(module: Any, name: str) -> tuple[Any, list[Any], dict[str, Any], bool]:
    """``name`` or ``factory(literal, key=literal)``: the object found, its call's arguments
    and whether it was written as a call."""
    try:
        expr = ast.parse(name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(f"Failed to parse {name!r} as an attribute name or call.") from None
    if isinstance(expr, ast.Name):
        attr, args, kwargs, call = expr.id, [], {}, False
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        attr, call = expr.func.id, True
        try:
            args = [ast.literal_eval(a) for a in expr.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in expr.keywords if k.arg}
        except ValueError:
            raise NoAppException(
                f"Failed to parse arguments as literal values: {name!r}."
            ) from None
    else:
        raise NoAppException(f"Failed to parse {name!r} as an attribute name or call.")
    target = getattr(module, attr, None)
    if target is None:
        raise NoAppException(f"Failed to find attribute {attr!r} in {module.__name__!r}.")
    return target, args, kwargs, call


def _call_factory(factory: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Kettle:
    from .app import Kettle

    name = getattr(factory, "__name__", repr(factory))
    try:
        app = factory(*args, **kwargs)
    except Exception as exc:
        raise AppLoadError(f"Calling the factory {name!r}", exc) from None
    if not isinstance(app, Kettle):
        raise NoAppException(f"The factory {name!r} did not return a kettle app.")
    return app


def configure_from_env(app: Kettle) -> None:
    """``KETTLE_*`` variables into ``app.config`` (``KETTLE_SECRET_KEY`` -> ``SECRET_KEY``),
    except those that steer the command line; ``KETTLE_DEBUG`` as ``get_debug_flag`` reads it."""
    from .helpers import get_debug_flag

    saved = {key: app.config.get(key) for key in _cli_config_keys()}
    try:
        app.config.from_prefixed_env("KETTLE")
    except TypeError as exc:  # KETTLE_A__B=... where config["A"] is not a dict
        raise click.UsageError(str(exc)) from None
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value
    if "KETTLE_DEBUG" in os.environ:
        app.debug = get_debug_flag()


def _cli_config_keys() -> list[str]:
    serving = [k for k in os.environ if k.startswith(("KETTLE_SERVE_", "KETTLE_RELOADER_"))]
    return [k.removeprefix("KETTLE_") for k in (*CLI_VARIABLES, *serving)]


def configure_app_logger(app: Kettle, level: int) -> logging.Logger:
    """``app.logger`` (a stderr handler unless logging is configured) at ``level``, unless
    the app set a level itself. The handler is added once, so a reload adds none."""
    logger = app.logger
    if logger.level == logging.NOTSET:
        logger.setLevel(level)
    return logger


class ScriptInfo:
    """Finds and loads the app once for all the commands of one invocation."""

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[[], Kettle] | None = None,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.load_dotenv_defaults = load_dotenv_defaults
        self._loaded: Kettle | None = None

    def load_app(self) -> Kettle:
        """The app: from ``create_app``, ``--app``/``KETTLE_APP``, else ``wsgi.py`` or
        ``app.py`` in the current folder. Discovered apps get ``KETTLE_*`` config."""
        if self._loaded is not None:
            return self._loaded
        if self.create_app is not None:
            self._loaded = self.create_app()
            return self._loaded
        if not self.app_import_path:
            for candidate in ("wsgi.py", "app.py"):
                if os.path.exists(candidate):
                    self.app_import_path = candidate
                    break
            else:
                raise NoAppException(
                    "Could not locate a kettle application. Use 'kettle --app' or set "
                    "KETTLE_APP, or have a 'wsgi.py' or 'app.py' in the current folder."
                )
        app = locate_app(self.app_import_path)
        configure_from_env(app)
        self._loaded = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


# -- .env files ----------------------------------------------------------------------------
def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load ``.kettleenv`` and ``.env`` (the nearest ones, from the current folder upwards),
    then ``path``, into ``os.environ`` without overriding variables already set. Needs
    python-dotenv; without it, prints a hint when such files exist. Returns whether any
    variable was read."""
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".kettleenv"):
            click.secho(
                " * Tip: there are .env files present. Install python-dotenv to use them: "
                "pip install 'kettle[dotenv]' (or pip install python-dotenv).",
                fg="yellow", err=True,
            )
        return False
    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (".kettleenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")
    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


# -- groups --------------------------------------------------------------------------------
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
    """A click group whose commands run inside the app context (``app.cli``, ``bp.cli``)."""

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

    def group(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Group]:
        """A subgroup that is an ``AppGroup`` too."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)  # type: ignore[no-any-return]


class KettleGroup(AppGroup):
    """The ``kettle`` command: built-ins plus the loaded app's ``app.cli`` commands. ``.env``
    files are loaded before anything else, so they may set ``KETTLE_APP``."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        info = extra.get("obj")
        defaults = info.load_dotenv_defaults if isinstance(info, ScriptInfo) else True
        if defaults and not _env_flag("KETTLE_SKIP_DOTENV"):
            load_dotenv()
        return super().make_context(info_name, args, parent, **extra)

    def _app_commands(self, ctx: click.Context, quiet: bool) -> click.Group | None:
        try:
            return ctx.ensure_object(ScriptInfo).load_app().cli
        except NoAppException:
            return None
        except AppLoadError as exc:
            if quiet:
                click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
                return None
            raise

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        group = self._app_commands(ctx, quiet=False)
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
        group = self._app_commands(ctx, quiet=True)
        if group is not None:
            names.update(group.list_commands(ctx))
        return sorted(names)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        load_dotenv(value, load_defaults=False)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    click.echo(
        f"Kettle {version('kettle')}\nPython {platform.python_version()}\n"
        f"Click {version('click')}"
    )
    ctx.exit()


@click.group(cls=KettleGroup)
@click.option(
    "--env-file", "-e", type=click.Path(exists=True, dir_okay=False), expose_value=False,
    is_eager=True, callback=_load_env_file,
    help="Load environment variables from this file (after .env and .kettleenv; needs "
    "python-dotenv).",
)
@click.option(
    "--app", "-A", envvar="KETTLE_APP", expose_value=False, is_eager=True, callback=_set_app,
    help="The app to load: 'module', 'module:name', 'module:factory(args)' or 'path/app.py'.",
)
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
    help="Show the kettle, Python and click versions.",
)
def cli() -> None:
    """A kettle app's command line.

    The app comes from --app, KETTLE_APP, else wsgi.py or app.py in the current folder.
    .env and .kettleenv files are loaded first (with python-dotenv).
    """


from . import cli_commands  # noqa: E402 (the built-in commands register on ``cli``)

SeparatedPathType = cli_commands.SeparatedPathType

# -- Flask's names for the pieces above ------------------------------------------------------

#: Flask's ``--version`` callback.
get_version = _show_version


def find_best_app(module: Any) -> Kettle:
    """The app in ``module``: ``app``/``application``, the only app, or ``create_app()``."""
    return _find_app_in_module(module, None)


def find_app_by_string(module: Any, app_name: str) -> Kettle:
    """The app ``app_name`` names in ``module``: an attribute or a factory call."""
    return _find_app_in_module(module, app_name)


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """The lines printed when the development server starts."""
    if app_import_path is not None:
        click.echo(f" * Serving kettle app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


class CertParamType(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """``--cert``: a certificate file, ``adhoc``, or the import path of an ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import ssl

        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            value = click.STRING(value, param, ctx)
            if value.lower() == "adhoc":
                return "adhoc"
            try:
                obj = importlib.import_module(value.rpartition(".")[0]) if "." in value else None
                found = getattr(obj, value.rpartition(".")[2], None) if obj is not None else None
            except ImportError:
                found = None
            if isinstance(found, ssl.SSLContext):
                return found
            raise


def main() -> None:
    """Entry point of the ``kettle`` console script (and ``python -m kettle``)."""
    os.environ["KETTLE_RUN_FROM_CLI"] = "true"  # an app.run() in the app's module returns
    cli.main(obj=ScriptInfo())


__all__ = [
    "AppGroup",
    "AppLoadError",
    "CertParamType",
    "KettleGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "cli_commands",
    "configure_app_logger",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "prepare_import",
    "show_server_banner",
    "with_appcontext",
]
