"""The app's logger, as Flask's ``flask.logging``: ``create_logger``, ``default_handler``.

``create_logger(app)`` is ``logging.getLogger(app.name)`` at ``DEBUG`` in debug mode, with
``default_handler`` added only when nothing would otherwise print its records. The handler
writes to ``wsgi_errors_stream``: the server's ``wsgi.errors`` during a WSGI request,
``sys.stderr`` otherwise (ASGI has no error stream).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .app import Kettle

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


class _ErrorsStream:
    """A stream that writes to the current request's ``wsgi.errors``, else ``sys.stderr``."""

    def _target(self) -> TextIO:
        from .context import current_context

        ctx = current_context()
        environ = ctx.request.environ if ctx is not None and ctx.request is not None else None
        if environ is not None and "wsgi.errors" in environ:
            stream: TextIO = environ["wsgi.errors"]
            return stream
        return sys.stderr

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


#: The stream ``default_handler`` writes to (a proxy: looked up on every write).
wsgi_errors_stream: Any = _ErrorsStream()


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on ``logger`` or an ancestor it propagates to handles its
    effective level (then adding one would print records twice)."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: What ``create_logger`` adds when logging is not configured; remove it to configure your own.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Kettle) -> logging.Logger:
    """The logger named after the app, at ``DEBUG`` when ``app.debug`` and its level is
    unset, with ``default_handler`` when no handler would print its records."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
