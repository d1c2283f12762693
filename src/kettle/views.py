"""Class-based views, as Flask's ``flask.views``: ``View`` and ``MethodView``.

``app.add_url_rule("/users/<int:id>", view_func=UserAPI.as_view("user"))`` registers a
plain function that builds the class (once per request unless ``init_every_request`` is
``False``) and calls ``dispatch_request``. Handlers may be ``async def``: the doors await
what they return, under WSGI and ASGI alike.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from .concurrency import is_async_callable
from .context import request

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The handler names ``MethodView`` looks for.
http_method_funcs = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """Subclass and implement :meth:`dispatch_request`; register with :meth:`as_view`.

    Class attributes configure the registered function: ``methods`` (the HTTP methods of
    the rule), ``provide_automatic_options``, ``decorators`` (applied to the function, in
    order) and ``init_every_request``.
    """

    #: The methods the rule answers; ``None`` is ``GET`` (and ``HEAD``, ``OPTIONS``).
    methods: ClassVar[Collection[str] | None] = None
    #: Whether kettle answers ``OPTIONS`` itself; ``None`` decides as for a function view.
    provide_automatic_options: ClassVar[bool | None] = None
    #: Decorators applied to the function ``as_view`` returns, first one innermost.
    decorators: ClassVar[list[Callable[..., Any]]] = []
    #: ``False`` builds one instance at registration and reuses it for every request
    #: (faster; the instance must then keep no per-request state).
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **kwargs: Any) -> Any:
        """The view itself: receives the URL's values, returns what a view function would."""
        raise NotImplementedError()

    @classmethod
    def _is_async(cls) -> bool:
        return is_async_callable(cls.dispatch_request)

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> Callable[..., Any]:
        """A view function for ``add_url_rule``, named ``name`` (the endpoint); the class is
        built with ``class_args`` and ``class_kwargs``."""
        shared = None if cls.init_every_request else cls(*class_args, **class_kwargs)

        def instance() -> View:
            if shared is not None:
                return shared
            made: View = view.view_class(*class_args, **class_kwargs)
            return made

        view: Any
        if cls._is_async():

            async def view(**kwargs: Any) -> Any:
                rv = instance().dispatch_request(**kwargs)
                return await rv if inspect.isawaitable(rv) else rv
        else:

            def view(**kwargs: Any) -> Any:
                return instance().dispatch_request(**kwargs)  # the door awaits a coroutine

        view.view_class = cls
        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls
        view.__name__ = name
        view.__qualname__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        if cls.provide_automatic_options is not None:  # None: decided as for a function view
            view.provide_automatic_options = cls.provide_automatic_options
        return view  # type: ignore[no-any-return]


class MethodView(View):
    """Dispatches to the method named after the request's (``get``, ``post``...); ``HEAD``
    falls back to ``get``. ``methods`` is filled from the handlers a subclass defines."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                methods.update(getattr(base, "methods", None) or ())
            methods.update(key.upper() for key in http_method_funcs if hasattr(cls, key))
            if methods:
                cls.methods = methods

    @classmethod
    def _is_async(cls) -> bool:
        """Async when every handler is: the door then awaits the view on the event loop."""
        handlers = [getattr(cls, key) for key in http_method_funcs if hasattr(cls, key)]
        return bool(handlers) and all(is_async_callable(h) for h in handlers)

    def dispatch_request(self, **kwargs: Any) -> Any:
        handler = getattr(self, request.method.lower(), None)
        if handler is None and request.method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            raise AssertionError(f"Unimplemented method {request.method!r}")
        return handler(**kwargs)
