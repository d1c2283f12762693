"""``Kettle``: the application object — registration, start-up freeze, and both protocol doors.

The same object is a WSGI application (``app(environ, start_response)``) and
an ASGI one (``await app(scope, receive, send)``), told apart by its arguments.
Everything is registered before the first request; then the app *freezes*:
routes compile, each route's hooks resolve into a ``RoutePlan`` and limits are
read from config, so the per-request path only looks things up.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import sys
import weakref
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from . import asgi, wsgi
from .app_dispatch import OVERRIDABLE, AppDispatch
from .body import RequestLimits
from .cli import AppGroup
from .coercion import make_response
from .concurrency import ThreadHandoff
from .config import DEFAULT_CONFIG, Config
from .context import Context, _AppGlobals
from .ctx import AppContext, RequestContext
from .dispatch import RoutePlan, ready_not_found
from .errors import Aborter, BuildError, HTTPException, NotFound, SecurityError
from .headerlimits import header_gate
from .json import JSONProvider
from .lifespan import Lifespan
from .params import ROUTE_OPTIONS
from .request import Request
from .response import Response, frame_options_header, redirect
from .routing import Map, MapAdapter, Rule
from .routing.compiler import Routed
from .routing.hosts import server_name_for_matching, subdomain_of
from .scaffold import Scaffold, endpoint_from_view_func, iter_methods
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import AppTemplating
from .url_building import UrlBuilder, host_is_trusted

if TYPE_CHECKING:
    from .blueprints import Blueprint
    from .plain import PlainAnswer
    from .testing import KettleClient, KettleCliRunner
    from .types import Receive, Scope, Send, StartResponse, WSGIEnvironment

F = TypeVar("F", bound=Callable[..., Any])

#: Route options kept per endpoint in ``view_options``: serving ones, then typed-API ones.
_VIEW_OPTION_KEYS = ("stream", "inline", *ROUTE_OPTIONS)


class Kettle(AppDispatch, AppTemplating, Scaffold):
    """The application: ``app = Kettle(__name__)``, then routes, then serve ``app``."""

    request_class = Request
    response_class = Response
    json_provider_class = JSONProvider
    app_ctx_globals_class = _AppGlobals
    aborter_class = Aborter
    config_class = Config
    url_map_class = Map
    url_rule_class = Rule
    #: The class ``test_client()`` makes (``None``: ``KettleClient``).
    test_client_class: type[KettleClient] | None = None
    #: The class ``test_cli_runner()`` makes (``None``: ``KettleCliRunner``).
    test_cli_runner_class: type[KettleCliRunner] | None = None
    session_interface: SessionInterface = SecureCookieSessionInterface()
    default_config: dict[str, Any] = DEFAULT_CONFIG

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError("If an instance path is provided it must be absolute.")
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json = self.json_provider_class(self)
        self.url_map = self.url_map_class(host_matching=host_matching)
        #: Match routes on the subdomain relative to ``SERVER_NAME`` (Flask's flag).
        self.subdomain_matching = subdomain_matching
        #: ``f(error, endpoint, values)`` tried when ``url_for`` fails (``handle_url_build_error``).
        self.url_build_error_handlers: list[Callable[..., Any]] = []
        self._match: Callable[[str, str], tuple[Rule, dict[str, Any]]] = self.url_map.match
        #: ``match(domain, path, method)`` when rules differ by host or subdomain (at freeze).
        self._domain_match: Callable[[str, str, str], tuple[Rule, dict[str, Any]]] | None = None
        self._server_name: str | None = None
        self.blueprints: dict[str, Blueprint] = {}
        self.teardown_appcontext_funcs: list[Callable[..., Any]] = []
        self.extensions: dict[str, Any] = {}
        self.cli = AppGroup(self.name)
        #: Functions returning names for ``kettle shell`` (``@app.shell_context_processor``).
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self._frozen = False
        self._plans: dict[str, RoutePlan] = {}
        self._unmatched_plan: RoutePlan | None = None
        #: The 404 page made once, when it may be (``ready_not_found``), and the plan of the
        #: requests it answers (set at freeze).
        self._not_found_page: PlainAnswer | None = None
        self._untrusted_plan: RoutePlan | None = None
        self._limits = RequestLimits()
        #: ``MAX_REQUEST_HEADERS`` as the doors' first gate (``len()`` of what the server gave).
        self._header_gate = 100
        #: ``SERVER_SOFTWARE`` -> the fewest environ keys that are not headers, less a
        #: margin, seen from that server (``headerlimits.count_environ_headers``).
        self._environ_floors: dict[Any, int] = {}
        self._trusted_hosts: tuple[str, ...] | None = None
        self._proxy_fix: dict[str, int] | None = None
        self._urls = UrlBuilder(self)
        self._logger: logging.Logger | None = None
        #: Per-endpoint serving options (``stream=``, ``inline=``), read into route plans.
        self.view_options: dict[str, dict[str, Any]] = {}
        self.lifespan = Lifespan()
        self._sync_handoff: ThreadHandoff | None = None
        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError("Invalid static_host/host_matching combination")
            self._add_static_route(static_host)

        async def asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
            await asgi.handle(self, scope, receive, send)

        def wsgi_callable(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
            return self.wsgi_app(environ, start_response)

        #: The ASGI application as a plain coroutine function, for servers told the interface.
        self.asgi = asgi_app
        #: The WSGI application as a plain function.
        self.wsgi = wsgi_callable

    # -- identity and flags --------------------------------------------------
    @property
    def name(self) -> str:
        """The import name, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            fn = getattr(sys.modules["__main__"], "__file__", None)
            return "__main__" if fn is None else os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    def _config_flag(key: str) -> property:  # type: ignore[misc]
        def getter(self: Kettle) -> bool:
            return bool(self.config[key])

        def setter(self: Kettle, value: bool) -> None:
            self.config[key] = value

        return property(getter, setter, doc=f"``config[{key!r}]``.")

    debug = _config_flag("DEBUG")
    testing = _config_flag("TESTING")
    del _config_flag

    @property
    def secret_key(self) -> Any:
        return self.config["SECRET_KEY"]

    @secret_key.setter
    def secret_key(self, value: Any) -> None:
        self.config["SECRET_KEY"] = value

    @property
    def permanent_session_lifetime(self) -> timedelta:
        value = self.config["PERMANENT_SESSION_LIFETIME"]
        return value if isinstance(value, timedelta) else timedelta(seconds=value)

    @property
    def propagate_exceptions(self) -> bool:
        """Whether unhandled errors reach the server (or test) instead of becoming a 500."""
        value = self.config["PROPAGATE_EXCEPTIONS"]
        return bool(value if value is not None else self.testing or self.debug)

    @property
    def logger(self) -> logging.Logger:
        """``logging.getLogger(app.name)``, with a stderr handler when logging is unconfigured."""
        if self._logger is None:
            logger = logging.getLogger(self.name)
            if self.debug and not logger.level:
                logger.setLevel(logging.DEBUG)
            if not logger.handlers and not logging.getLogger().handlers:
                handler = logging.StreamHandler()
                handler.setFormatter(
                    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
                )
                logger.addHandler(handler)
            self._logger = logger
        return self._logger

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's package (or module)."""
        module = sys.modules.get(self.import_name)
        if module is not None and hasattr(module, "__path__"):
            return os.path.join(os.path.dirname(self.root_path), "instance")
        return os.path.join(self.root_path, "instance")

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open a file relative to the app's root path (read-only)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding or "utf-8")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> Any:
        """Open a file relative to ``instance_path`` (writing allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding or "utf-8")

    def _add_static_route(self, static_host: str | None) -> None:
        """``<static_url_path>/<path:filename>``, endpoint ``static``, as Flask registers it.

        The view holds the app weakly: the app's route table must not keep the app alive.
        """
        app_ref = weakref.ref(self)

        def static(filename: str) -> Response:
            app = app_ref()
            assert app is not None
            return app.send_static_file(filename)

        self.add_url_rule(
            f"{self.static_url_path}/<path:filename>", endpoint="static", view_func=static,
            host=static_host,
        )

    # -- registration --------------------------------------------------------
    def _check_setup_finished(self, what: str) -> None:
        if self._frozen:
            raise AssertionError(
                f"The app has already handled its first request; {what} must happen before "
                "that. Make sure all routes, hooks and blueprints are registered at start-up."
            )

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Map URL ``rule`` to ``endpoint``, served by ``view_func`` (which may be bound later)."""
        self._check_setup_finished("adding a route")
        if endpoint is None:
            endpoint = endpoint_from_view_func(view_func)
        serving: dict[str, Any] = {
            key: options.pop(key) for key in _VIEW_OPTION_KEYS if key in options
        }
        if serving:
            self.view_options[endpoint] = serving
        methods = iter_methods(options.pop("methods", None))
        if methods is None:
            methods = list(getattr(view_func, "methods", None) or ("GET",))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(
                view_func, "provide_automatic_options", "OPTIONS" not in methods
            )
        rule_obj = self.url_rule_class(
            rule, endpoint=endpoint, methods=methods,
            provide_automatic_options=bool(provide_automatic_options), **options,
        )
        if view_func is not None:
            old = self.view_functions.get(endpoint)
            if old is not None and old is not view_func:
                raise AssertionError(
                    f"View function mapping is overwriting an existing endpoint function: "
                    f"{endpoint} (rule {rule!r}). Give one of them another endpoint name."
                )
        self.url_map.add(rule_obj)  # may refuse a conflicting rule: then nothing has changed
        if view_func is not None:
            self.view_functions[endpoint] = view_func

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Add a blueprint's routes, hooks and handlers (``url_prefix=``, ``name=`` ...)."""
        self._check_setup_finished("registering a blueprint")
        blueprint.register(self, options)

    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(exc)`` when an app context ends, including after every request."""
        self._check_setup_finished("adding a teardown_appcontext function")
        self.teardown_appcontext_funcs.append(f)
        return f

    # -- start-up ------------------------------------------------------------
    def freeze(self) -> None:
        """Compile routes and resolve each route's hooks; done once, on the first request."""
        if self._frozen:
            return
        from .openapi.docs import register_docs_routes

        register_docs_routes(self)  # /openapi.json, /docs, /redoc when enabled
        self._plans = {
            endpoint: RoutePlan(self, endpoint, view)
            for endpoint, view in self.view_functions.items()
        }
        for rule in self.url_map.iter_rules():
            plan = self._plans.get(rule.endpoint)  # type: ignore[arg-type]
            if plan is None:
                raise AssertionError(
                    f"The rule {rule.rule!r} has the endpoint {rule.endpoint!r}, but no view "
                    "function is bound to it (use @app.endpoint or add_url_rule(view_func=))."
                )
            rule.target = plan
        from .binding import install_binders

        install_binders(self, self._plans)  # typed views only; the others keep their view
        self._unmatched_plan = RoutePlan(self, None, None)
        # A request for an untrusted host (or with headers over the limits) is answered
        # 400 (431) before any hook or view sees it;
        # after_request hooks are skipped too, as they may rely on what before hooks set up.
        untrusted = self._untrusted_plan = RoutePlan(self, None, None)
        untrusted.preprocessors = untrusted.before = untrusted.after = ()
        self._match = self.url_map.compile()
        self._route = self.url_map.compile_router()
        self._server_name = server_name_for_matching(self.config.get("SERVER_NAME"))
        url_map = self.url_map
        if url_map.uses_domains or (self.subdomain_matching and self._server_name):
            self._domain_match = url_map.compile_domains()  # else: path matching only
        self._limits = RequestLimits.from_config(self.config)
        self._header_gate = header_gate(self._limits)
        hosts = self.config.get("TRUSTED_HOSTS")
        self._trusted_hosts = tuple(h.lower() for h in hosts) if hosts else None
        if self._domain_match is None and self._trusted_hosts is None:
            self._path_match = self._route
        self._proxy_fix = self.config.get("PROXY_FIX") or None
        self._frame_options = frame_options_header(self.config.get("X_FRAME_OPTIONS"))
        if self._jinja_env is not None:  # made before serving: follow DEBUG set since then
            self._jinja_env.auto_reload = self.templates_auto_reload
        self.json.freeze()
        response_class = self.response_class
        self._plain_response = (
            response_class.__init__ is Response.__init__
            and response_class.default_mimetype == "text/html"
            and response_class.default_status == 200
            and response_class.direct.__func__ is Response.direct.__func__  # type: ignore[attr-defined]
            and response_class.html.__func__ is Response.html.__func__  # type: ignore[attr-defined]
        )
        self._plain_make_response = (  # the class itself: ``make_response`` builds with it
            response_class
            if type(self).make_response is Kettle.make_response and self._plain_response
            else None
        )
        from .signals import track

        track(self)  # connecting a request signal later moves the app to the full pipeline
        self._not_found_page = ready_not_found(self)
        self._not_found_plan = RoutePlan(self, None, None)
        self._frozen = True

    # -- per request ---------------------------------------------------------
    def match_request(self, request: Request, websocket: bool = False) -> RoutePlan:
        """Route ``request``: its rule and view arguments, or the error to raise in the pipeline.

        WebSocket handshakes match only ``@app.websocket`` rules (their method is ``WEBSOCKET``).
        """
        if request._refused is not None:  # refused by the door: 431 (headers)
            request.routing_exception = request._refused
            assert self._untrusted_plan is not None
            return self._untrusted_plan
        if self._trusted_hosts is not None:
            try:  # a malformed Host is a 400 before it is compared
                host = request.host
                if not host_is_trusted(host, self._trusted_hosts):
                    raise SecurityError(f"Host {host!r} is not trusted.")
            except HTTPException as exc:  # 400, or 431 for an over-long Host
                request.routing_exception = exc
                assert self._untrusted_plan is not None
                return self._untrusted_plan
        try:
            domain_match = self._domain_match
            if domain_match is None:
                rule, args = self._route(
                    request.path, "WEBSOCKET" if websocket else request.method
                )
                if rule is None:
                    return self._no_route(request, args)
            else:
                rule, args = domain_match(
                    self.request_domain(request), request.path,
                    "WEBSOCKET" if websocket else request.method,
                )
        except Exception as exc:  # NotFound, MethodNotAllowed, RequestRedirect (400: bad Host)
            return self._no_route(request, exc)
        request.url_rule = rule
        request.view_args = args
        return rule.target  # type: ignore[no-any-return]

    #: ``route(path, method)`` when the path and method alone decide the route (no
    #: ``TRUSTED_HOSTS``, no host or subdomain rules): both doors then call it directly
    #: for a request the door did not refuse, else ``match_request`` (set at freeze).
    #: A miss is returned, not raised: ``(None, error)``, ``None`` for a plain 404.
    _path_match: Callable[[str, str], Routed] | None = None
    #: The map's ``route`` (set at freeze).
    _route: Callable[[str, str], Routed]
    _not_found_plan: RoutePlan

    def _no_route(self, request: Request, exc: Exception | None) -> RoutePlan:
        """The plan of a request no rule took; the error (404 for ``None``, 405, a slash
        redirect that keeps the query) is its routing exception."""
        if exc is None:
            exc = NotFound()
        # Drop the traceback: it holds this frame, which holds the request (a cycle per 404).
        request.routing_exception = self._redirect_with_query(request, exc.with_traceback(None))
        assert self._unmatched_plan is not None
        return self._unmatched_plan

    @staticmethod
    def _redirect_with_query(request: Request, exc: Exception) -> Exception:
        """The slash redirect keeps the query; both are percent-encoded for ``Location``.

        The query is the client's text: a raw LF, NUL or non-ASCII byte must not reach a
        header (ASCII only, as PEP 3333 and ASGI need). ``&=+%`` and the other URL
        delimiters are kept, so an already-encoded query goes out as it came in.
        """
        new_url = getattr(exc, "new_url", None)
        if new_url is not None:
            from urllib.parse import quote

            from .request import _QUERY_SAFE

            location = quote(request.root_path + new_url)
            if request.query_string:
                location = f"{location}?{quote(request.query_string, _QUERY_SAFE)}"
            exc.new_url = location  # type: ignore[attr-defined]
        return exc

    def make_response(self, rv: Any) -> Response:
        """Coerce a view's return value into a ``Response`` (Flask's rules)."""
        return make_response(self, rv)

    def make_default_options_response(self) -> Response:
        """The automatic answer to ``OPTIONS``: an empty 200 with ``Allow``."""
        from .context import request

        response = self.response_class()
        url_map = self.url_map
        if self._domain_match is None and not url_map.uses_domains:
            allowed = url_map.allowed_methods(request.path)
        else:
            allowed = url_map.allowed_methods(request.path, self.request_domain(request))
        response.headers.set("Allow", ", ".join(allowed))
        return response

    def request_domain(self, request: Request) -> str:
        """What routes are matched against for ``request``: its host (``host_matching``),
        its subdomain relative to ``SERVER_NAME`` (``subdomain_matching``), else the
        map's default subdomain. A host outside ``SERVER_NAME`` has no rule (a 404)."""
        url_map = self.url_map
        if url_map.host_matching:
            return request.host.lower()
        if not self.subdomain_matching:
            return url_map.default_subdomain
        server_name = self._server_name if self._frozen else server_name_for_matching(
            self.config.get("SERVER_NAME")
        )
        return subdomain_of(request.host.lower(), server_name, request.scheme)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """A :class:`~kettle.routing.MapAdapter` for ``request`` (or, without one, for
        ``SERVER_NAME``; ``None`` if that is not set either), as Flask's."""
        config = self.config
        if request is not None:
            server_name = None if self.url_map.host_matching else config.get("SERVER_NAME")
            subdomain = self.request_domain(request) if not self.url_map.host_matching else None
            return self.url_map.bind(
                server_name or request.host, request.root_path, subdomain,
                request.scheme, request.method, request.path, request.query_string,
            )
        if config.get("SERVER_NAME") is None:
            return None
        return self.url_map.bind(
            config["SERVER_NAME"], config.get("APPLICATION_ROOT"),
            url_scheme=config.get("PREFERRED_URL_SCHEME") or "http",
        )

    def has_teardown(self, plan: RoutePlan | None) -> bool:
        """Whether ending a context with ``plan`` runs any function (most often not)."""
        return bool((plan is not None and plan.teardown) or self.teardown_appcontext_funcs)

    def open_session_for(self, ctx: Context) -> Any:
        """The request's session, opened on first use; every use marks it ``accessed``
        (the response then carries ``Vary: Cookie``), as in Flask."""
        session = ctx.session
        if session is None:
            assert ctx.request is not None
            interface = self.session_interface
            session = interface.open_session(self, ctx.request)
            if session is None:
                session = interface.make_null_session(self)
            ctx.session = session
        session.accessed = True
        return session

    def log_exception(self, exc: BaseException) -> None:
        from .context import current_context

        ctx = current_context()
        where = f" on {ctx.request.path} [{ctx.request.method}]" if ctx and ctx.request else ""
        self.logger.error(f"Exception{where}", exc_info=(type(exc), exc, exc.__traceback__))

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build the URL of ``endpoint``; extra values become the query string."""
        try:
            return self._urls.build(endpoint, values, _anchor, _method, _scheme, _external)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let the ``url_defaults`` functions of the app and the endpoint's blueprints fill
        in ``values`` (``url_for`` does this before building)."""
        self._urls.inject_defaults(endpoint, values)

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response (what ``kettle.redirect`` makes), with this app's class."""
        return redirect(location, code, self.response_class)

    def make_config(self, instance_relative: bool = False) -> Config:
        """The app's ``config``: a ``config_class`` rooted at the root or instance path."""
        root = self.instance_path if instance_relative else self.root_path
        return self.config_class(root, self.default_config)

    def make_aborter(self) -> Aborter:
        """``app.aborter``, which ``abort()`` calls: an ``aborter_class`` instance."""
        return self.aborter_class()

    # -- contexts and testing ------------------------------------------------
    def app_context(self) -> AppContext:
        """A context with this app active and no request: ``with app.app_context(): ...``."""
        return AppContext(self)

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context for a made-up request (arguments as the test client's ``open``)."""
        from .testing import app_environ

        return self.request_context(app_environ(self, *args, **kwargs))

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for the WSGI ``environ``, routed (not pushed yet)."""
        if self._frozen:
            request = wsgi.request_from_environ(environ, self._limits, self.request_class)
        else:  # as in Flask, this does not end set-up: settings are read, nothing is frozen
            limits = RequestLimits.from_config(self.config)
            request = wsgi.request_from_environ(environ, limits, self.request_class)
        proxy_fix = self._proxy_fix if self._frozen else self.config.get("PROXY_FIX")
        if proxy_fix:
            from .proxies import apply_proxy_fix

            apply_proxy_fix(request, proxy_fix)
        ctx = RequestContext(self, request)
        ctx.match_request()
        return ctx

    def _plan_unfrozen(self, request: Request) -> RoutePlan:
        """Route ``request`` before the app serves: a plan made for this one context."""
        try:
            url_map = self.url_map
            domain = None
            if url_map.uses_domains or self.subdomain_matching:
                domain = self.request_domain(request)
            rule, args = url_map.match(request.path, request.method, domain)
        except Exception as exc:  # NotFound, MethodNotAllowed, RequestRedirect
            request.routing_exception = self._redirect_with_query(request, exc)
            return RoutePlan(self, None, None)
        request.url_rule = rule
        request.view_args = args
        assert rule.endpoint is not None
        return RoutePlan(self, rule.endpoint, self.view_functions.get(rule.endpoint))

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> KettleClient:
        """A client that calls the app in-process: ``app.test_client().get("/")``."""
        from .testing import KettleClient

        cls = self.test_client_class or KettleClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def shell_context_processor(self, f: F) -> F:
        """Add the names ``f()`` returns (a dict) to ``kettle shell``'s namespace."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """``kettle shell``'s namespace: ``app``, ``g`` and the shell context processors'."""
        from .context import g

        namespace: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    def test_cli_runner(self, **kwargs: Any) -> KettleCliRunner:
        """A runner for ``app.cli`` commands, inside the app context."""
        from .testing import KettleCliRunner

        cls = self.test_cli_runner_class or KettleCliRunner
        return cls(self, **kwargs)

    # -- serving -------------------------------------------------------------
    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI application; wrap this (not ``app``) with WSGI middleware."""
        return wsgi.handle(self, environ, start_response)

    #: Whether ``wsgi_app`` was replaced (middleware) or overridden: then calls go through it.
    _wsgi_wrapped = False

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "wsgi_app":
            object.__setattr__(self, "_wsgi_wrapped", True)
        object.__setattr__(self, name, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.wsgi_app is not Kettle.wsgi_app:
            cls._wsgi_wrapped = True
        # Flask's request methods overridden: requests take the full pipeline (full_door)
        cls._overridden = any(
            getattr(cls, name) is not getattr(Kettle, name) for name in OVERRIDABLE
        )

    def __call__(self, environ: Any, start_response: Any, send: Any = None) -> Any:
        """WSGI ``(environ, start_response)``, or ASGI ``(scope, receive, send)``.

        The arity is fixed (servers probe it) and the method is marked as a coroutine
        function (below) so ASGI servers detect ASGI 3, while a WSGI call still returns
        its body iterable directly.
        """
        if send is None:
            if self._wsgi_wrapped:
                return self.wsgi_app(environ, start_response)
            return wsgi.handle(self, environ, start_response)  # no middleware: go straight
        return asgi.handle(self, environ, start_response, send)

    # -- lifespan ------------------------------------------------------------
    def on_startup(self, f: F) -> F:
        """Run ``f()`` (sync or async) once per process before serving: load models here."""
        self.lifespan.startup_funcs.append(f)
        return f

    def on_shutdown(self, f: F) -> F:
        """Run ``f()`` once per process when the server stops (or the interpreter exits)."""
        self.lifespan.shutdown_funcs.append(f)
        return f

    @property
    def _started(self) -> bool:
        return self.lifespan.started

    #: Frozen and started: the one check each door makes per request.
    _ready = False
    _asgi_ready = False
    #: ``make_response`` is kettle's own, so a view's ``str`` may skip the call: then this is
    #: ``response_class`` (set at freeze), else ``None``.
    _plain_make_response: type[Response] | None = None
    #: ``response_class`` builds as ``Response`` does, so ``Response.direct`` may stand in for
    #: its ``__init__`` (set at freeze).
    _plain_response = False
    #: ``("X-Frame-Options", value)`` for HTML responses, or ``None`` (set at freeze).
    _frame_options: tuple[str, str] | None = None

    def startup(self) -> None:
        """Run the start-up functions now, if they have not run (WSGI does this by itself)."""
        self.lifespan.start_sync(self)

    async def startup_async(self, from_lifespan: bool = False) -> None:
        await self.lifespan.start_async(self, from_lifespan)

    async def shutdown_async(self) -> None:
        try:
            await self.lifespan.stop_async(self)
        finally:  # the server is done with the app: its idle worker threads end
            if self._sync_handoff is not None:
                self._sync_handoff.shutdown()

    @property
    def sync_handoff(self) -> ThreadHandoff:
        """The worker threads that run sync views and hooks under ASGI: ``SYNC_THREADS`` at
        most (default 40), started as needed (``concurrency.ThreadHandoff``)."""
        handoff = self._sync_handoff
        if handoff is None:
            size = int(self.config.get("SYNC_THREADS") or 40)
            handoff = self._sync_handoff = ThreadHandoff(size)
        return handoff

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        use_reloader: bool | None = None,
        threaded: bool = True,
        ssl_context: Any = None,
        **options: Any,
    ) -> None:
        """Serve the app on the development server (not for production).

        ``debug`` turns on the reloader and the debug page unless ``use_reloader`` or
        ``use_debugger`` say otherwise. Under ``kettle run`` (``KETTLE_RUN_FROM_CLI`` set)
        this returns at once, so a module calling ``app.run()`` is not served twice.
        """
        if os.environ.get("KETTLE_RUN_FROM_CLI", "").lower() not in ("", "0", "false"):
            from .dev import is_running_from_reloader

            if not is_running_from_reloader():
                print(" * Ignoring a call to 'app.run()' that would block the current 'kettle' "
                      "command.\n   Only call 'app.run()' in an 'if __name__ == \"__main__\"' "
                      "guard.", file=sys.stderr)
            return
        if load_dotenv:
            from . import cli

            loader = getattr(cli, "load_dotenv", None)
            if loader is not None:
                loader()
            if "KETTLE_DEBUG" in os.environ:
                from .helpers import get_debug_flag

                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        from .devserver import run_simple

        options.setdefault("use_debugger", self.debug)
        run_simple(
            self,
            host or "127.0.0.1",
            port or 5000,
            use_reloader=self.debug if use_reloader is None else bool(use_reloader),
            threaded=threaded,
            ssl_context=ssl_context,
            **options,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"



# ASGI servers (uvicorn's auto mode, its gunicorn worker) treat the object as ASGI 3 only when
# ``__call__`` looks like a coroutine function; it stays synchronous for WSGI calls.
if sys.version_info >= (3, 12):  # pragma: no cover - the CI Python is 3.11
    inspect.markcoroutinefunction(Kettle.__call__)
else:
    Kettle.__call__._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
