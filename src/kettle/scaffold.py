"""Registration shared by ``Kettle`` and ``Blueprint``: routes, hooks and error handlers.

Both collect the same things with the same decorators; an app stores them for
itself (scope ``None``), a blueprint defers them until it is registered on an
app, which then stores them under the blueprint's dotted name.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, TypeVar

from .errors import HTTPException, exception_for
from .response import Response
from .sending import configured_max_age, send_from_directory

F = TypeVar("F", bound=Callable[..., Any])
Scope = str | None  # None: the app itself; otherwise a blueprint's dotted name
ErrorHandlers = dict[Scope, dict[int | None, dict[type[BaseException], Callable[..., Any]]]]


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name`` (the current folder for ``__main__``)."""
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None)
    if filename:
        return os.path.dirname(os.path.abspath(filename))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None or spec.origin in ("namespace", "built-in", "frozen"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


def endpoint_from_view_func(view_func: Callable[..., Any] | None) -> str:
    """Flask's default endpoint: the function's name."""
    if view_func is None:
        raise ValueError("expected a view function when no endpoint is given")
    return view_func.__name__


class Scaffold:
    """The decorators Flask users know, writing into per-scope registries."""

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.error_handler_spec: ErrorHandlers = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)
        self.after_request_funcs: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)
        self.teardown_request_funcs: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)
        self.url_value_preprocessors: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)
        self.url_default_functions: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)
        self.template_context_processors: dict[Scope, list[Callable[..., Any]]] = defaultdict(list)

    @cached_property
    def jinja_loader(self) -> Any:
        """A Jinja2 loader over ``template_folder``, or ``None`` when there is none."""
        from .templating import folder_loader

        return folder_loader(self.root_path, self.template_folder)

    # -- static files --------------------------------------------------------
    _static_folder: str | None = None
    _static_url_path: str | None = None

    @property
    def static_folder(self) -> str | None:
        """The static folder's absolute path (relative ones are under ``root_path``)."""
        if self._static_folder is None:
            return None
        return os.path.join(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = os.fspath(value).rstrip("\\/") if value is not None else None

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set (then a ``static`` route serves it)."""
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of the static route: ``/`` + the folder's name unless set."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self._static_folder is not None:
            return f"/{os.path.basename(self._static_folder)}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = value.rstrip("/") if value is not None else None

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` of files sent by ``send_static_file``/``send_file``:
        ``SEND_FILE_MAX_AGE_DEFAULT`` in seconds (``None``: browsers revalidate each time).
        Override it to cache some files longer (fingerprinted names, for example)."""
        return configured_max_age()

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` route: ``filename`` from ``static_folder``, never outside."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError("'static_folder' must be set to serve static files.")
        return send_from_directory(
            folder, filename, max_age=self.get_send_file_max_age(filename)
        )

    # -- routes --------------------------------------------------------------
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        raise NotImplementedError

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated function as the view of URL ``rule``."""

        def decorator(f: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to pass several methods.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def websocket(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated ``async def view(ws, **args)`` for WebSocket connections
        to ``rule`` (ASGI only; under WSGI such a URL answers 404)."""
        if "methods" in options:
            raise TypeError("WebSocket routes take no methods.")
        return self.route(rule, websocket=True, **options)

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Bind the decorated function to an endpoint added earlier without a view."""

        def decorator(f: F) -> F:
            self._check_setup_finished("binding an endpoint")
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks ---------------------------------------------------------------
    def _check_setup_finished(self, what: str) -> None:
        """Refuse a registration that comes too late to take effect (see ``Kettle.freeze``)."""

    def _add_hook(self, registry: dict[Scope, list[Callable[..., Any]]], f: F, what: str) -> F:
        self._check_setup_finished(what)
        registry[None].append(f)
        return f

    def before_request(self, f: F) -> F:
        """Run ``f`` before each view; a non-``None`` return value becomes the response."""
        return self._add_hook(self.before_request_funcs, f, "adding a before_request hook")

    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each view; it returns the response to send."""
        return self._add_hook(self.after_request_funcs, f, "adding an after_request hook")

    def teardown_request(self, f: F) -> F:
        """Run ``f(exc)`` when the request ends, even when the view raised."""
        return self._add_hook(self.teardown_request_funcs, f, "adding a teardown_request hook")

    def context_processor(self, f: F) -> F:
        """Add the dict ``f()`` returns to every template's context."""
        return self._add_hook(self.template_context_processors, f, "adding a context processor")

    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, view_args)`` before hooks, to pull values out of the URL."""
        return self._add_hook(self.url_value_preprocessors, f, "adding a url_value_preprocessor")

    def url_defaults(self, f: F) -> F:
        """Run ``f(endpoint, values)`` in ``url_for`` to fill in values."""
        return self._add_hook(self.url_default_functions, f, "adding a url_defaults function")

    # -- errors --------------------------------------------------------------
    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Handle a status code (``404``) or an exception class with the decorated function."""

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    def register_error_handler(
        self, code_or_exception: int | type[BaseException], f: Callable[..., Any]
    ) -> None:
        """Like ``@errorhandler(code_or_exception)``, without the decorator syntax."""
        self._check_setup_finished("registering an error handler")
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: int | type[BaseException],
    ) -> tuple[type[BaseException], int | None]:
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[BaseException] = type(exception_for(exc_class_or_code))
            except LookupError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a subclass "
                    "of HTTPException with that code instead."
                ) from None
            if exc_class is HTTPException:
                return HTTPException, exc_class_or_code
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, BaseException):
            raise TypeError(f"{exc_class!r} is an instance, not a class. Handlers take classes.")
        if not issubclass(exc_class, BaseException):
            raise ValueError(f"'{exc_class.__name__}' is not a subclass of Exception.")
        if issubclass(exc_class, HTTPException) and exc_class is not HTTPException:
            return exc_class, exc_class.code
        return exc_class, None  # HTTPException itself: every HTTP error, whatever its code


def iter_methods(methods: Iterable[str] | str | None) -> list[str] | None:
    """Normalise ``methods=``; a bare string is a common mistake and is refused."""
    if methods is None:
        return None
    if isinstance(methods, str):
        raise TypeError(
            "Allowed methods must be a list of strings, for example: "
            "@app.route(..., methods=['POST'])"
        )
    return [m.upper() for m in methods]
