"""The built-in commands of ``kettle``: ``run``, ``routes`` and ``shell`` (``serve`` lives in
``serving.py``). They register on ``kettle.cli.cli`` when that module is imported."""

from __future__ import annotations

import code
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from .cli import AppLoadError, ScriptInfo, cli, configure_app_logger, pass_script_info
from .context import get_context

if TYPE_CHECKING:
    from .app import Kettle


class SeparatedPathType(click.Path):
    """Several paths in one option, separated by ``os.pathsep`` (``:``, or ``;`` on Windows)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, list):
            return value
        return [super(SeparatedPathType, self).convert(item, param, ctx)
                for item in str(value).split(os.pathsep) if item]


class SeparatedListType(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """Several strings in one option, separated by ``os.pathsep`` (glob patterns)."""

    name = "patterns"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value if isinstance(value, list) else [v for v in str(value).split(os.pathsep) if v]


# -- kettle run ----------------------------------------------------------------------------
@cli.command("run", with_appcontext=False, short_help="Run the development server.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True,
              help="The interface to bind to.")
@click.option("--port", "-p", default=5000, type=int, show_default=True,
              help="The port to bind to.")
@click.option("--debug/--no-debug", default=None,
              help="Debug mode: reloader and debug page (default: KETTLE_DEBUG).")
@click.option("--reload/--no-reload", default=None,
              help="Restart when code changes (default: on in debug mode).")
@click.option("--debugger/--no-debugger", default=None,
              help="Show the debug page on errors (default: on in debug mode).")
@click.option("--with-threads/--without-threads", default=True, show_default=True,
              help="Handle each request in a thread.")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              help="A certificate file, to serve HTTPS (needs --key).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              help="The certificate's private key file.")
@click.option("--extra-files", default=None, type=SeparatedPathType(),
              help=f"More files that trigger a reload, separated by {os.pathsep!r}.")
@click.option("--exclude-patterns", default=None, type=SeparatedListType(),
              help=f"Glob patterns of files that never trigger a reload, separated by "
              f"{os.pathsep!r}.")
@pass_script_info
def run_command(
    info: ScriptInfo, host: str, port: int, debug: bool | None, reload: bool | None,
    debugger: bool | None, with_threads: bool, cert: str | None, key: str | None,
    extra_files: list[str] | None, exclude_patterns: list[str] | None,
) -> None:
    """Run the development server: not for production (use 'kettle serve' there).

    Debug mode (--debug or KETTLE_DEBUG=1) turns on the reloader and the debug page.
    """
    if (cert is None) != (key is None):
        raise click.BadParameter("--cert and --key go together.", param_hint="'--cert'/'--key'")
    os.environ["KETTLE_RUN_FROM_CLI"] = "true"  # an app.run() in the app's module returns
    extra_files = list(extra_files or [])
    app = _load_for_run(info, reload, debug, extra_files)
    if debug is None:
        debug = app.debug  # KETTLE_DEBUG, read by the app's loading
    app.debug = debug
    use_reloader = debug if reload is None else reload
    configure_app_logger(app, logging.DEBUG if debug else logging.INFO)
    click.echo(f" * Debug mode: {'on' if debug else 'off'}", err=True)
    from .devserver import run_simple

    run_simple(
        app, host, port,
        use_reloader=use_reloader,
        use_debugger=debug if debugger is None else debugger,
        threaded=with_threads,
        ssl_context=(cert, key) if cert and key else None,
        extra_files=extra_files or None,
        exclude_patterns=exclude_patterns,
    )


def _load_for_run(
    info: ScriptInfo, reload: bool | None, debug: bool | None, extra_files: list[str]
) -> Kettle:
    """The app; when reloading, an app whose every page raises the load error instead, so
    the reloader keeps watching (the failing files too: they are added to ``extra_files``)
    and the next save recovers without a restart by hand."""
    try:
        return info.load_app()
    except AppLoadError as exc:
        reloading = reload if reload is not None else (debug or _debug_from_env())
        if not reloading:
            raise
        click.secho(f"Error: {exc.format_message()}", err=True, fg="red")
        extra_files.extend(f for f in exc.files if f not in extra_files)
        return _failed_app(exc)


def _debug_from_env() -> bool:
    from .helpers import get_debug_flag

    return get_debug_flag()


def _failed_app(error: AppLoadError) -> Kettle:
    from .app import Kettle

    app = Kettle("kettle_load_error")

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def failed(path: str) -> Any:
        raise error.original

    return app


# -- kettle routes -------------------------------------------------------------------------
@cli.command("routes", with_appcontext=True, short_help="Show the routes of the app.")
@click.option("--sort", "-s", type=click.Choice(["endpoint", "methods", "rule", "match"]),
              default="endpoint", show_default=True,
              help="Order by endpoint, methods, rule, or 'match' (the order URLs are matched).")
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
def routes_command(sort: str, all_methods: bool) -> None:
    """Show the app's routes: endpoint, methods and rule."""
    app = get_context().app
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    if sort == "endpoint":
        rules.sort(key=lambda r: r.endpoint or "")
    elif sort == "rule":
        rules.sort(key=lambda r: r.rule)
    elif sort == "methods":
        rules.sort(key=lambda r: sorted(r.methods))
    rows = [(r.endpoint or "", ", ".join(sorted(r.methods - ignored)), r.rule) for r in rules]
    headers = ("Endpoint", "Methods", "Rule")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(fmt.format(*headers).rstrip())
    click.echo(fmt.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        click.echo(fmt.format(*row).rstrip())


# -- kettle shell --------------------------------------------------------------------------
@cli.command("shell", short_help="Run a shell in the app context.")
@click.option("--interpreter", type=click.Choice(["auto", "ipython", "python"]),
              default="auto", show_default=True,
              help="IPython when installed ('auto'), or the standard Python shell.")
def shell_command(interpreter: str) -> None:
    """Run an interactive Python shell in the app context, with 'app', 'g' and the names of
    the app's shell context processors defined."""
    app = get_context().app
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    ipython = _ipython() if interpreter != "python" else None
    if interpreter == "ipython" and ipython is None:
        raise click.UsageError("IPython is not installed: pip install ipython.")
    if ipython is not None:
        click.echo(banner)
        ipython.start_ipython(argv=[], user_ns=namespace)
        return
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        hook()  # readline and history, as in the standard interactive interpreter
    code.interact(banner=banner, local=namespace)


def _ipython() -> Any:
    try:
        import IPython  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return IPython


from . import serving  # noqa: E402,F401 (registers ``kettle serve``)
from .openapi.cli import openapi_command  # noqa: E402

cli.add_command(openapi_command)
