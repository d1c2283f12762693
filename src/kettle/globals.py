"""Flask's ``flask.globals``: the context proxies under the names extensions import.

``app_ctx`` and ``request_ctx`` both resolve to kettle's one active context (it is
the app context and the request context at once); ``request_ctx`` outside a request
raises ``RuntimeError``, as Flask's does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .context import (
    Context,
    LocalProxy,
    current_app,
    g,
    get_context,
    get_request_context,
    request,
    session,
)

if TYPE_CHECKING:
    app_ctx: Context
    request_ctx: Context
else:
    app_ctx = LocalProxy(get_context, "app_ctx")
    request_ctx = LocalProxy(get_request_context, "request_ctx")

__all__ = ["app_ctx", "current_app", "g", "request", "request_ctx", "session"]
