"""Blueprints: groups of routes, hooks and handlers recorded now, registered on an app later.

A blueprint writes nothing itself: each decorator records a function of the
registration state, replayed by ``app.register_blueprint``. The same blueprint
can be registered twice under different names (``name=``) and nested.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .scaffold import F, Scaffold, endpoint_from_view_func
from .templating import BlueprintTemplating

if TYPE_CHECKING:
    from .app import Kettle

DeferredSetupFunction = Callable[["BlueprintSetupState"], None]

#: ``cli_group``'s default: commands go in a group named after the blueprint (as in Flask).
_BLUEPRINT_NAME: Any = object()


class BlueprintSetupState:
    """Where and under which name a blueprint is being registered."""

    def __init__(
        self, blueprint: Blueprint, app: Kettle, options: dict[str, Any], first_registration: bool
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain = subdomain if subdomain is not None else blueprint.subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix = url_prefix if url_prefix is not None else blueprint.url_prefix
        self.name = options.get("name", blueprint.name)
        self.name_prefix = options.get("name_prefix", "")
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    @property
    def full_name(self) -> str:
        """The dotted name endpoints and hooks are stored under (``"parent.child"``)."""
        return f"{self.name_prefix}.{self.name}".lstrip(".")

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        if self.url_prefix is not None:
            rule = "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/"))) if rule else (
                self.url_prefix
            )
        if endpoint is None:
            endpoint = endpoint_from_view_func(view_func)
        if self.subdomain is not None:
            options.setdefault("subdomain", self.subdomain)
        defaults = dict(self.url_defaults)
        defaults.update(options.pop("defaults", None) or {})
        self.app.add_url_rule(
            rule,
            f"{self.full_name}.{endpoint}",
            view_func,
            defaults=defaults or None,
            **options,
        )


class Blueprint(BlueprintTemplating, Scaffold):
    """``Blueprint(name, import_name, url_prefix=...)``: a reusable part of an app."""

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _BLUEPRINT_NAME,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []
        self._got_registered_once = False
        from .cli import AppGroup

        self.cli = AppGroup(name)

    def _check_setup_finished(self, what: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The blueprint {self.name!r} has already been registered on an app; {what} "
                "now would not be applied consistently. Set the blueprint up completely "
                "before registering it."
            )

    def record(self, func: DeferredSetupFunction) -> None:
        """Run ``func(state)`` when the blueprint is registered on an app."""
        self._check_setup_finished("changing it")
        self.deferred_functions.append(func)

    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like ``record``, but only for the first registration."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one; its endpoints become ``"self.child.view"``."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._check_setup_finished("nesting a blueprint in it")
        self._blueprints.append((blueprint, options))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and hasattr(view_func, "__name__") and "." in view_func.__name__:
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        if provide_automatic_options is not None:
            options["provide_automatic_options"] = provide_automatic_options
        self.record(lambda s: s.add_url_rule(rule, endpoint, view_func, **options))

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Bind the decorated function to this blueprint's ``endpoint`` (``"bp.endpoint"``)."""
        if "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")

        def decorator(f: F) -> F:
            def register(state: BlueprintSetupState) -> None:
                state.app.endpoint(f"{state.full_name}.{endpoint}")(f)

            self.record(register)
            return f

        return decorator

    # Hooks and handlers: store locally, and copy into the app under the blueprint's name.
    def _record_hook(self, attribute: str, f: F, app_wide: bool = False) -> F:
        def register(state: BlueprintSetupState) -> None:
            key = None if app_wide else state.full_name
            getattr(state.app, attribute)[key].append(f)

        self.record_once(register) if app_wide else self.record(register)
        return f

    def before_request(self, f: F) -> F:
        return self._record_hook("before_request_funcs", f)

    def after_request(self, f: F) -> F:
        return self._record_hook("after_request_funcs", f)

    def teardown_request(self, f: F) -> F:
        return self._record_hook("teardown_request_funcs", f)

    def context_processor(self, f: F) -> F:
        return self._record_hook("template_context_processors", f)

    def url_value_preprocessor(self, f: F) -> F:
        return self._record_hook("url_value_preprocessors", f)

    def url_defaults(self, f: F) -> F:
        return self._record_hook("url_default_functions", f)

    def before_app_request(self, f: F) -> F:
        """Like ``before_request``, but for every request of the app."""
        return self._record_hook("before_request_funcs", f, app_wide=True)

    def after_app_request(self, f: F) -> F:
        """Like ``after_request``, but for every request of the app."""
        return self._record_hook("after_request_funcs", f, app_wide=True)

    def teardown_app_request(self, f: F) -> F:
        """Like ``teardown_request``, but for every request of the app."""
        return self._record_hook("teardown_request_funcs", f, app_wide=True)

    def app_context_processor(self, f: F) -> F:
        return self._record_hook("template_context_processors", f, app_wide=True)

    def app_url_value_preprocessor(self, f: F) -> F:
        return self._record_hook("url_value_preprocessors", f, app_wide=True)

    def app_url_defaults(self, f: F) -> F:
        return self._record_hook("url_default_functions", f, app_wide=True)

    def register_error_handler(
        self, code_or_exception: int | type[BaseException], f: Callable[..., Any]
    ) -> None:
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.record(
            lambda s: s.app.error_handler_spec[s.full_name][code].__setitem__(exc_class, f)
        )

    def app_errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Handle an error for every request of the app, not only this blueprint's."""

        def decorator(f: F) -> F:
            self.record_once(lambda s: s.app.register_error_handler(code_or_exception, f))
            return f

        return decorator

    def make_setup_state(
        self, app: Kettle, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state recorded functions receive on registration; override to extend it."""
        return BlueprintSetupState(self, app, options, first_registration)

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = "utf-8") -> Any:
        """Open a file relative to the blueprint's root path, for reading."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def register(self, app: Kettle, options: dict[str, Any]) -> None:
        """Replay everything recorded onto ``app``; called by ``app.register_blueprint``."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        if not self_name or "." in self_name:
            raise ValueError("'name' may not be empty or contain a dot '.' character.")
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            existing = app.blueprints[name]
            detail = "this" if existing is self else f"a different blueprint {existing.name!r}"
            raise ValueError(
                f"The name '{self_name}' is already registered for {detail}. Use 'name=' to "
                "provide a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                view_func=self.send_static_file,
            )
        for deferred in self.deferred_functions:
            deferred(state)
        if self.cli.commands:
            group = options.get("cli_group", self.cli_group)
            if group is None:  # the commands join the app's own
                app.cli.commands.update(self.cli.commands)
            else:
                self.cli.name = name if group is _BLUEPRINT_NAME else group
                app.cli.add_command(self.cli)
        for blueprint, bp_options in self._blueprints:
            bp_options = dict(bp_options)
            bp_url_prefix = bp_options.get("url_prefix", blueprint.url_prefix)
            if state.url_prefix is not None and bp_url_prefix is not None:
                bp_options["url_prefix"] = (
                    state.url_prefix.rstrip("/") + "/" + bp_url_prefix.lstrip("/")
                )
            elif state.url_prefix is not None:
                bp_options["url_prefix"] = state.url_prefix
            bp_subdomain = bp_options.get("subdomain")
            if bp_subdomain is None:
                bp_subdomain = blueprint.subdomain
            if state.subdomain is not None and bp_subdomain is not None:  # "child.parent"
                bp_options["subdomain"] = f"{bp_subdomain}.{state.subdomain}"
            elif bp_subdomain is not None or state.subdomain is not None:
                bp_options["subdomain"] = bp_subdomain or state.subdomain
            bp_options["name_prefix"] = name
            blueprint.register(app, bp_options)
