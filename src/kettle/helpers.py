"""Module-level helpers that act on the current app and request (Flask's names)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .context import _cv_context, get_context
from .response import Response

F = TypeVar("F", bound=Callable[..., Any])


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """The URL of ``endpoint`` (``"index"``, ``"bp.view"``, ``".view"`` in a blueprint)."""
    return get_context().app.url_for(
        endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
    )


def make_response(*args: Any) -> Response:
    """A ``Response`` from what a view could return, to add headers or cookies before returning."""
    app = get_context().app
    if not args:
        return app.response_class()
    return app.make_response(args[0] if len(args) == 1 else args)


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after this request's view, before the ``after_request`` hooks."""
    get_context().add_after_request_function(f)
    return f


def stream_with_context(generator: Iterator[Any]) -> Iterator[Any]:
    """Keep the request context active while a streamed response's generator runs."""
    ctx = get_context()

    def wrapped() -> Iterator[Any]:
        iterator = iter(generator)
        while True:
            token = _cv_context.set(ctx)
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                _cv_context.reset(token)
            yield item

    return wrapped()


def get_debug_flag() -> bool:
    """Whether ``KETTLE_DEBUG`` asks for debug mode."""
    import os

    value = os.environ.get("KETTLE_DEBUG")
    return bool(value) and value.lower() not in ("0", "false", "no")
