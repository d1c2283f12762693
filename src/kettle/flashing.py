"""Flash messages: ``flash()`` now, ``get_flashed_messages()`` on the next page, shown once.

Messages wait in the session under ``_flashes`` as a list of ``(category, message)``
pairs, exactly where Flask keeps them, so a session cookie carries them across apps.
The first ``get_flashed_messages()`` of a request takes them out of the session and
keeps them on the request, so every later call in that request sees the same list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .context import _cv_context
from .signals import message_flashed

_KEY = "_flashes"


def flash(message: Any, category: str = "message") -> None:
    """Keep ``message`` for the next ``get_flashed_messages()`` (usually the next page).

    ``category`` is free text; ``"message"``, ``"error"``, ``"info"`` and ``"warning"``
    are the usual ones.
    """
    ctx = _request_context()
    session = ctx.app.open_session_for(ctx)
    flashes = list(session.get(_KEY, ()))
    flashes.append((category, message))
    session[_KEY] = flashes
    if message_flashed.receivers:
        message_flashed.send(
            ctx.app, _async_wrapper=ctx.app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """The messages flashed so far (removed from the session): ``[message, ...]``, or
    ``[(category, message), ...]`` with ``with_categories=True``; ``category_filter``
    keeps only the given categories."""
    ctx = _request_context()
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.app.open_session_for(ctx)
        flashes = ctx.flashes = list(session.pop(_KEY)) if _KEY in session else []
    if category_filter:
        wanted = set(category_filter)
        flashes = [pair for pair in flashes if pair[0] in wanted]
    if with_categories:
        return [(category, message) for category, message in flashes]
    return [message for _, message in flashes]


def _request_context() -> Any:
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            "Flash messages live in the session: they need an active request "
            "(inside a view, or 'with app.test_request_context():')."
        )
    return ctx._request_owner or ctx
