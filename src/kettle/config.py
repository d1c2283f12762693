"""Application configuration: a ``dict`` that knows how to fill itself.

``Config`` keeps Flask's ``flask.Config`` surface so existing settings files and
habits carry over: load from objects, Python files, data files (JSON, TOML...),
an environment variable naming a file, or ``KETTLE_*`` environment variables.
Only UPPERCASE keys are taken from objects, files and mappings, so helper
variables in a settings module never leak into the configuration.
"""

from __future__ import annotations

import errno
import os
import types
from collections.abc import Callable, Mapping
from datetime import timedelta
from importlib import import_module
from typing import IO, Any, Generic, TypeVar, overload

import msgspec

T = TypeVar("T")

DEFAULT_CONFIG: dict[str, Any] = {
    # Debug mode: detailed error pages and reloading; never in production.
    "DEBUG": False,
    # Testing mode: exceptions propagate to the test client instead of 500 pages.
    "TESTING": False,
    # Re-raise unhandled exceptions; None means "when DEBUG or TESTING".
    "PROPAGATE_EXCEPTIONS": None,
    # Key used to sign sessions and other tokens; sessions are off while None.
    "SECRET_KEY": None,
    # Old secret keys still accepted for verification during a key rotation.
    "SECRET_KEY_FALLBACKS": None,
    # Lifetime of a permanent session (its cookie's Max-Age).
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    # Host (and port) the app serves; needed for url_for outside a request.
    "SERVER_NAME": None,
    # Path the app is mounted at; used for cookie paths and external URLs.
    "APPLICATION_ROOT": "/",
    # Scheme of URLs built outside a request.
    "PREFERRED_URL_SCHEME": "http",
    # Largest request body accepted, in bytes (413 beyond); None for no limit.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Largest non-file form field kept in memory, in bytes.
    "MAX_FORM_MEMORY_SIZE": 500_000,
    # Most multipart parts (fields and files) accepted in one form.
    "MAX_FORM_PARTS": 1000,
    # Deepest nesting accepted in a JSON request body.
    "MAX_JSON_DEPTH": 64,
    # Most request header fields accepted (431 beyond); None for no limit.
    "MAX_REQUEST_HEADERS": 100,
    # Longest request header line ("Name: value") accepted, in bytes (431 beyond).
    "MAX_REQUEST_HEADER_SIZE": 8190,
    # ASGI: call sync (def) views on the event loop instead of a worker thread, saving the
    # thread hop; only for apps whose views never block. A route's inline= overrides it.
    "SYNC_VIEWS_INLINE": False,
    # Host names the app answers to (400 otherwise); None accepts any host.
    "TRUSTED_HOSTS": None,
    # Trusted proxy counts per X-Forwarded-* header, e.g.
    # {"x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 0, "x_prefix": 0};
    # None trusts no X-Forwarded-* header at all.
    "PROXY_FIX": None,
    # Sort object keys when serialising JSON responses.
    "JSON_SORT_KEYS": False,
    # Content type of JSON responses.
    "JSONIFY_MIMETYPE": "application/json",
    # Cache max-age for static files, in seconds; None sends no max-age (conditional only).
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    # X-Frame-Options sent with every HTML response (clickjacking protection), e.g.
    # "SAMEORIGIN" or "DENY"; None sends none.
    "X_FRAME_OPTIONS": "SAMEORIGIN",
    # Most byte ranges honoured in one Range header; more are ignored (the whole file, 200).
    "SEND_FILE_MAX_RANGES": 16,
    # Reload templates when they change; None means "when DEBUG".
    "TEMPLATES_AUTO_RELOAD": None,
    # Log how each template was looked up, to debug loaders.
    "EXPLAIN_TEMPLATE_LOADING": False,
    # Name of the session cookie.
    "SESSION_COOKIE_NAME": "session",
    # Domain of the session cookie; None keeps it on the exact host.
    "SESSION_COOKIE_DOMAIN": None,
    # Path of the session cookie; None uses APPLICATION_ROOT.
    "SESSION_COOKIE_PATH": None,
    # Hide the session cookie from JavaScript.
    "SESSION_COOKIE_HTTPONLY": True,
    # Send the session cookie over HTTPS only.
    "SESSION_COOKIE_SECURE": False,
    # SameSite attribute of the session cookie: "Strict", "Lax", "None" or None.
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Put the session cookie in partitioned (CHIPS) storage; implies Secure.
    "SESSION_COOKIE_PARTITIONED": False,
    # Re-send a permanent session cookie on every request, sliding its expiry.
    "SESSION_REFRESH_EACH_REQUEST": True,
    # Re-raise HTTP exceptions instead of turning them into error responses.
    "TRAP_HTTP_EXCEPTIONS": False,
    # Re-raise bad-request errors (e.g. a missing form key); None means "when DEBUG".
    "TRAP_BAD_REQUEST_ERRORS": None,
    # Warn when a Set-Cookie header grows past this many bytes; 0 disables.
    "MAX_COOKIE_SIZE": 4093,
    # The debug page for unhandled errors (debug mode, loopback clients only); None means
    # "when the development server runs with its debugger" (app.run(debug=True)).
    "DEBUG_PAGE": None,
    # A link from each debug-page frame to an editor, e.g. "vscode://file/{path}:{line}".
    "DEBUG_EDITOR_URL": None,
    # Development server: seconds a client has to send a whole request head.
    "DEV_SERVER_HEADER_TIMEOUT": 10.0,
    # Development server: seconds a request body may stay silent.
    "DEV_SERVER_BODY_TIMEOUT": 30.0,
    # Development server: bytes of request line and headers; more is a 431.
    "DEV_SERVER_MAX_HEADER_SIZE": 16 * 1024,
    # Development server: header fields per request; more is a 431.
    "DEV_SERVER_MAX_HEADER_COUNT": 100,
    # Typed APIs (docs/openapi.md). Serve the OpenAPI document and docs pages:
    # None means "when DEBUG"; True in production too; False never.
    "OPENAPI_ENABLED": None,
    # Where the OpenAPI 3.1 document is served; None turns it off.
    "OPENAPI_URL": "/openapi.json",
    # Where Swagger UI is served; None turns it off.
    "OPENAPI_DOCS_URL": "/docs",
    # Where Redoc is served; None turns it off.
    "REDOC_URL": "/redoc",
    # The document's title; None uses the app's name.
    "OPENAPI_TITLE": None,
    # The API's version in the document.
    "OPENAPI_VERSION": "0.1.0",
    # The document's description.
    "OPENAPI_DESCRIPTION": None,
    # Servers listed in the document: URLs or server objects.
    "OPENAPI_SERVERS": None,
    # Security schemes by name ({"bearer": {"type": "http", "scheme": "bearer"}}),
    # referred to by routes' and blueprints' ``security=``.
    "OPENAPI_SECURITY_SCHEMES": None,
}

# Errors that mean "the file is not there", which ``silent=True`` forgives.
_MISSING_ERRNOS = (errno.ENOENT, errno.EISDIR, errno.ENOTDIR)


def _import_string(name: str) -> Any:
    """Import ``"pkg.module"``, ``"pkg.module:Name"`` or ``"pkg.module.Name"``."""
    if ":" in name:
        module_name, _, attr = name.partition(":")
    else:
        try:
            return import_module(name)
        except ModuleNotFoundError as e:
            # Only fall back to "module.attr" when *this* name is what is missing,
            # not some module that the target itself failed to import.
            if e.name != name or "." not in name:
                raise
        module_name, _, attr = name.rpartition(".")
    module = import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(f"module {module_name!r} has no attribute {attr!r}") from None


class ConfigAttribute(Generic[T]):
    """An attribute that reads and writes one config key: ``debug = ConfigAttribute("DEBUG")``
    on a ``Kettle`` subclass (``get_converter`` turns the stored value into the result)."""

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> ConfigAttribute[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.config[self.__name__]  # type: ignore[attr-defined]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value

    def __set__(self, obj: object, value: Any) -> None:
        obj.config[self.__name__] = value  # type: ignore[attr-defined]


class Config(dict[str, Any]):
    """A ``dict`` of settings with loaders for objects, files and the environment.

    Args:
        root_path: Directory that relative file names are resolved against;
            the application's root path when the app creates its config.
        defaults: Initial values, typically :data:`DEFAULT_CONFIG`.
    """

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: dict[str, Any] | None = None
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_object(self, obj: object | str) -> None:
        """Copy the UPPERCASE attributes of a module or class.

        A string is imported first (``"app.settings"``, ``"app.settings:Prod"``
        or ``"app.settings.Prod"``), so defaults can live in a plain module.
        A ``dict`` does not work here (its keys are not attributes); use
        :meth:`from_mapping`.
        """
        if isinstance(obj, str):
            obj = _import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Update like :meth:`dict.update`, but take UPPERCASE keys only.

        Returns:
            Always ``True``, for symmetry with the file loaders.
        """
        items: dict[str, Any] = {}
        if mapping is not None:
            items.update(mapping)
        items.update(kwargs)
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file as a module and copy its UPPERCASE names.

        Args:
            filename: Absolute, or relative to :attr:`root_path`.
            silent: Return ``False`` instead of raising when the file is missing.

        Returns:
            ``True`` if the file was loaded.

        Raises:
            OSError: The file cannot be read (its message says which one).
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, mode="rb") as f:
                source = f.read()
        except OSError as e:
            if silent and e.errno in _MISSING_ERRNOS:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        # Compile with the real path so tracebacks point into the settings file.
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and pass the result to :meth:`from_mapping`.

        ``app.config.from_file("config.json", load=json.load)`` or
        ``app.config.from_file("config.toml", load=tomllib.load, text=False)``.

        Args:
            filename: Absolute, or relative to :attr:`root_path`.
            load: Reads an open file and returns a mapping.
            silent: Return ``False`` instead of raising when the file is missing.
            text: Open in text mode; ``False`` for loaders wanting bytes.

        Returns:
            ``True`` if the file was loaded.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as f:
                obj = load(f)
        except OSError as e:
            if silent and e.errno in _MISSING_ERRNOS:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        return self.from_mapping(obj)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable.

        Lets deployments point at their settings without code changes:
        ``KETTLE_SETTINGS=/etc/app.cfg``.

        Returns:
            ``True`` if the file was loaded.

        Raises:
            RuntimeError: The variable is not set (unless ``silent``).
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set and as such"
                " configuration could not be loaded. Set this variable and make it"
                " point to a configuration file."
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "KETTLE", *, loads: Callable[[str], Any] = msgspec.json.decode
    ) -> bool:
        """Load every ``{prefix}_*`` environment variable, dropping the prefix.

        Values are parsed with ``loads`` (JSON by default, so ``true`` and
        ``8000`` become ``True`` and ``8000``); a value that does not parse stays
        a string. ``KETTLE_DB__HOST=x`` sets ``config["DB"]["HOST"]``, creating
        missing intermediate dicts. Variables are applied in sorted order.

        Returns:
            Always ``True``.

        Raises:
            TypeError: A ``__`` path runs through a value that is not a dict.
        """
        prefix = f"{prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(prefix):
                continue
            raw = os.environ[env_key]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            *parents, tail = env_key.removeprefix(prefix).split("__")
            current: dict[str, Any] = self
            for part in parents:
                child = current.setdefault(part, {})
                if not isinstance(child, dict):
                    raise TypeError(
                        f"Cannot set {env_key}: config key {part!r} holds a"
                        f" {type(child).__name__}, not a dict."
                    )
                current = child
            current[tail] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the settings whose keys start with ``namespace``.

        Handy for passing a group of options as keyword arguments:
        ``get_namespace("IMAGE_STORE_")`` turns ``IMAGE_STORE_PATH`` into ``path``.

        Args:
            namespace: Key prefix, including any trailing ``_``.
            lowercase: Lowercase the resulting keys.
            trim_namespace: Drop the prefix from the resulting keys.
        """
        result: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            if trim_namespace:
                key = key[len(namespace) :]
            if lowercase:
                key = key.lower()
            result[key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"

