"""``run_simple``: the development server's entry point (``app.run()``, ``kettle run``).

It binds the socket (or takes the one the reloader passed down), picks the app's door
(``choose_interface``), prints the banner and serves: threads for WSGI, asyncio for
ASGI. With ``use_reloader`` it becomes the reloader's parent process instead.
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
from typing import TYPE_CHECKING

from ..interface import Interface as Door
from ..interface import choose_interface
from .http11 import ServerLimits, configure_logging

if TYPE_CHECKING:
    from ..app import Kettle

#: Set in the child process the reloader runs (Werkzeug's ``WERKZEUG_RUN_MAIN``).
RUN_MAIN_ENV = "KETTLE_RUN_MAIN"
#: The file descriptor of the listening socket the reloader's parent bound.
SERVER_FD_ENV = "KETTLE_SERVER_FD"

SSLContextArg = ssl.SSLContext | tuple[str, str] | str | None


def is_running_from_reloader() -> bool:
    """Whether this process is the reloader's child (the one that serves)."""
    return os.environ.get(RUN_MAIN_ENV) == "true"


def run_simple(
    app: Kettle,
    host: str,
    port: int,
    *,
    use_reloader: bool = False,
    use_debugger: bool = False,
    threaded: bool = True,
    ssl_context: SSLContextArg = None,
    extra_files: list[str] | None = None,
    exclude_patterns: list[str] | None = None,
    reloader_type: str = "auto",
) -> None:
    """Serve ``app`` on ``host:port`` until Ctrl-C (not for production).

    ``use_debugger`` shows the debug page for unhandled errors to loopback clients when
    the app is in debug mode; ``use_reloader`` restarts the server when a source file,
    template, config file or one of ``extra_files`` changes.
    """
    configure_logging()
    if use_debugger and app.config.get("DEBUG_PAGE") is None:
        app.config["DEBUG_PAGE"] = True
    context = make_ssl_context(ssl_context)
    if use_reloader and not is_running_from_reloader():
        from .reloader import run_with_reloader

        sock = bind_socket(host, port)
        _print_address(sock, context is not None, reloading=True)
        run_with_reloader(
            app, sock, extra_files=extra_files, exclude_patterns=exclude_patterns,
            reloader_type=reloader_type,
        )
        return
    sock = inherited_socket() or bind_socket(host, port)
    door, reason = choose_interface(app)
    print_banner(app, sock, door, reason, context is not None, use_reloader, use_debugger)
    serve(app, sock, door, threaded=threaded, ssl_context=context)


def serve(
    app: Kettle,
    sock: socket.socket,
    door: Door,
    *,
    threaded: bool = True,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Serve ``app`` through ``door`` on the listening ``sock`` until SIGINT or SIGTERM."""
    configure_logging()
    limits = ServerLimits.from_config(app.config)
    try:
        if door == "asgi":
            from .asgi_server import ASGIServer

            ASGIServer(app.asgi, sock, limits, ssl_context).run()
        else:
            from .wsgi_server import WSGIServer

            WSGIServer(app, sock, limits, ssl_context, threaded).serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"Cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def inherited_socket() -> socket.socket | None:
    """The listening socket passed down by the reloader's parent, if any."""
    fd = os.environ.get(SERVER_FD_ENV)
    if not fd or not is_running_from_reloader():
        return None
    return socket.socket(fileno=int(fd))


def make_ssl_context(value: SSLContextArg) -> ssl.SSLContext | None:
    """An ``SSLContext`` from a context, a ``(cert, key)`` pair of file names, or ``None``."""
    if value is None or isinstance(value, ssl.SSLContext):
        return value
    if isinstance(value, tuple):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(value[0], value[1])
        return context
    raise ValueError(
        f"ssl_context={value!r} is not supported: pass an ssl.SSLContext or a (cert, key) "
        "tuple of file names (for a local certificate, see 'mkcert' or 'openssl req -x509')."
    )


def _url(sock: socket.socket, secure: bool) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if secure else 'http'}://{host}:{port}/"


def _print_address(sock: socket.socket, secure: bool, reloading: bool) -> None:
    note = " with the reloader" if reloading else ""
    print(f" * Running on {_url(sock, secure)}{note} (Press CTRL+C to quit)", file=sys.stderr)
    sys.stderr.flush()


def print_banner(
    app: Kettle,
    sock: socket.socket,
    door: Door,
    reason: str,
    secure: bool,
    reloading: bool,
    debugger: bool,
) -> None:
    """What is served, where, through which door and why; and that this is not production."""
    lines = [
        f" * Serving kettle app '{app.name}' through its {door.upper()} door ({reason})",
        f" * Debug mode: {'on' if app.debug else 'off'}",
        " * WARNING: This is a development server. Do not use it in a production deployment."
        " Use a production server instead ('kettle serve', gunicorn, uvicorn or granian).",
    ]
    if app.debug and debugger and app.config.get("DEBUG_PAGE"):
        lines.append(" * Debug page: on, for clients on this machine (loopback) only")
    if not reloading:
        lines.append(f" * Running on {_url(sock, secure)} (Press CTRL+C to quit)")
    print("\n".join(lines), file=sys.stderr)
    sys.stderr.flush()

