"""Flask's ``flask.ctx``: ``AppContext``, ``RequestContext`` and their helpers.

kettle keeps ONE context per request (``context.Context``: the app context and the
request context at once, so a request costs one ``ContextVar`` set). These two classes
are that context under Flask's names, for code that builds and pushes contexts by hand:
``app.app_context()`` returns an ``AppContext``, ``app.test_request_context()`` and
``app.request_context(environ)`` a ``RequestContext``. Contexts the doors make for a
request are plain ``Context`` objects with the same methods.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar

from .context import Context, _cv_context, has_app_context, has_request_context
from .helpers import after_this_request

F = TypeVar("F", bound=Callable[..., Any])


class AppContext(Context):
    """An app context without a request: ``with app.app_context(): ...``."""


class RequestContext(Context):
    """A request context: pushing it makes ``request`` and ``session`` available and, as in
    Flask, opens the session at once (``ctx.session``)."""

    #: Whether ``push`` opens the session; the full door clears it, so a request opens its
    #: session when it is first used, as on the fast path (a 431 Cookie header stays a 431).
    _open_session_on_push = True

    def push(self) -> None:
        first = self._token is None
        super().push()
        if (
            first and self._open_session_on_push and self.session is None
            and self._request_owner is None
        ):
            assert self.request is not None
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            self.session = session if session is not None else interface.make_null_session(
                self.app
            )


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so it runs in a copy of the current request context: for a thread
    or a greenlet started in a view, which otherwise sees no request."""
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is "
            "active, such as in a view function."
        )
    copied = ctx.copy()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]
