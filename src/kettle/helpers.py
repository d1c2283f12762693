"""Module-level helpers that act on the current app and request (Flask's names)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any, TypeVar

from .context import _cv_context, get_context
from .response import _HTML_HEAD, Response
from .scaffold import get_root_path

__all__ = [
    "after_this_request", "get_debug_flag", "get_load_dotenv", "get_root_path",
    "make_response", "stream_with_context", "url_for",
]

F = TypeVar("F", bound=Callable[..., Any])
_new = object.__new__
#: ``make_response()``'s value when none is given (``None`` is a value: a view's error).
_NO_VALUE: Any = object()


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


def make_response(rv: Any = _NO_VALUE, /, *args: Any) -> Response:
    """A ``Response`` from what a view could return, to add headers or cookies before returning.

    The value is a parameter of its own, not unpacked from ``*args``: the usual call
    (one value) builds no argument tuple."""
    ctx = _cv_context.get()
    if rv.__class__ is str and ctx is not None and not args:
        app = ctx.app
        cls = app._plain_make_response  # ``response_class`` when the usual call may be
        if cls is not None:  # shortened: response_class.html(rv), that is ``built``'s
            # lines, written out: a call less
            response: Response = _new(cls)
            response._body = rv.encode()
            response._head = _HTML_HEAD
            response._headers = None
            response._on_close = None
            response.status_code = 200
            return response
        return app.make_response(rv)
    app = (ctx if ctx is not None else get_context()).app  # get_context: the error outside
    if rv is _NO_VALUE:
        return app.response_class()
    return app.make_response((rv, *args) if args else rv)


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after this request's view, before the ``after_request`` hooks."""
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active, "
            "such as in a view function."
        )
    (ctx._request_owner or ctx).add_after_request_function(f)
    return f


def stream_with_context(
    generator_or_function: Iterable[Any] | Callable[..., Iterable[Any]],
) -> Any:
    """Keep the request context active while a streamed response's generator runs.

    Pass a generator (``return stream_with_context(gen())``) or decorate a generator
    function. The request's teardown waits until the stream has ended or been closed.
    """
    if callable(generator_or_function) and not isinstance(generator_or_function, Iterator):
        func = generator_or_function

        @wraps(func)
        def decorator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return stream_with_context(func(*args, **kwargs))  # type: ignore[no-any-return]

        return decorator
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is active, "
            "such as in a view function."
        )
    iterator = iter(generator_or_function)

    def wrapped() -> Iterator[Any]:
        ctx.hold()
        error: BaseException | None = None
        try:
            yield None  # primed below, so that closing an unstarted stream still releases
            while True:
                token = _cv_context.set(ctx)
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    _cv_context.reset(token)
                yield item
        except Exception as exc:
            error = exc
            raise
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                token = _cv_context.set(ctx)
                try:
                    close()
                finally:
                    _cv_context.reset(token)
            ctx.release(error)

    stream = wrapped()
    next(stream)
    return stream


def get_debug_flag() -> bool:
    """Whether ``KETTLE_DEBUG`` asks for debug mode."""
    import os

    value = os.environ.get("KETTLE_DEBUG")
    return value is not None and value.lower() not in ("", "0", "false", "no")


def get_load_dotenv(default: bool = True) -> bool:
    """Whether the CLI should load ``.env`` files: ``default`` unless ``KETTLE_SKIP_DOTENV``
    is set (then ``False``, except for ``0``, ``false`` or ``no``)."""
    value = os.environ.get("KETTLE_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in ("0", "false", "no")
