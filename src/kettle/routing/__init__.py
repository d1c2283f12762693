"""URL routing: Werkzeug's rule syntax and ``Map``/``Rule`` surface, matched by a compiled tree.

``Map`` holds the rules in registration order and refuses ones that would shadow each
other (same shape, a shared method). Matching and building use compiled forms that are
made at the first call after a change, so registering routes stays cheap and a request
never pays for a route table it does not need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from ..errors import RoutingConflict
from .adapter import MapAdapter
from .compiler import Matcher, Routed
from .converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .domains import DomainMatcher
from .rules import Rule
from .urls import UrlBuilder

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NumberConverter",
    "PathConverter",
    "Rule",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]

class Map:
    """The route table: add rules, then match request paths and build URLs.

    Args:
        rules: Rules to add at once, in order.
        strict_slashes: The default for rules that do not say: when true, ``/a`` redirects
            to a rule ``/a/`` and ``/a/`` does not match a rule ``/a``.
        converters: Extra or replacement converters by name, on top of
            :attr:`default_converters`. ``map.converters["name"] = Cls`` works too, before
            adding rules that use it.
        default_subdomain: The subdomain of rules that do not name one.
        host_matching: Rules match on the full host (their ``host=`` pattern) instead of
            on a subdomain.
        merge_slashes: A path with repeated slashes (``/a//b``) that matches no rule as
            it is redirects to the merged path (``/a/b``) when that matches one.
    """

    #: The converters every map starts with (read-only: change a map's ``converters``).
    default_converters: ClassVar[Mapping[str, type[BaseConverter]]] = MappingProxyType(
        dict(DEFAULT_CONVERTERS)
    )

    def __init__(
        self,
        rules: Iterable[Rule] | None = None,
        strict_slashes: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        *,
        default_subdomain: str = "",
        host_matching: bool = False,
        merge_slashes: bool = True,
    ) -> None:
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.default_subdomain = default_subdomain
        self.host_matching = host_matching
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._by_shape: dict[tuple[Any, ...], list[Rule]] = {}
        self._matcher: Matcher | None = None
        self._domain_matcher: DomainMatcher | None = None
        self._has_domains = False
        self._builder: UrlBuilder | None = None
        for rule in rules or ():
            self.add(rule)

    def add(self, rule: Rule) -> None:
        """Bind ``rule`` and add it to the table.

        Raises:
            ValueError: the rule is malformed for this map (unknown converter, bad arguments).
            RoutingConflict: an existing rule matches exactly the same URLs (same static
                text and converters, whatever the variable names) for a method both name.
                The automatic HEAD and OPTIONS do not count.
        """
        rule.bind(self)
        same_shape = self._by_shape.setdefault(rule._shape, [])
        for other in same_shape:
            shared = rule._real_methods & other._real_methods  # automatic ones never count
            if shared:
                raise RoutingConflict(
                    f"URL rule {rule.rule!r} (endpoint {rule.endpoint!r}) conflicts with "
                    f"{other.rule!r} (endpoint {other.endpoint!r}): both match the same URLs "
                    f"for {', '.join(sorted(shared))}"
                )
        same_shape.append(rule)
        self._rules.append(rule)
        self._has_domains = self._has_domains or bool(rule.domain)
        self._matcher = None
        self._domain_matcher = None
        self._builder = None

    @property
    def uses_domains(self) -> bool:
        """Whether rules are told apart by host or subdomain (then matching needs the domain)."""
        return self.host_matching or self._has_domains

    def match(
        self, path: str, method: str, domain: str | None = None
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule for a request and its arguments (converted, merged over the rule's defaults).

        Args:
            path: The percent-decoded request path, starting with ``/``.
            method: The request method, upper case (``"WEBSOCKET"`` for a websocket).
            domain: The request's host (``host_matching``) or subdomain; ``None`` is the
                default subdomain (or no host).

        Raises:
            NotFound: no rule matches the path.
            MethodNotAllowed: rules match the path, none for ``method``; ``valid_methods``
                lists theirs (for the ``Allow`` header).
            RequestRedirect: the match is a strict rule ending in ``/`` and the path lacks
                it; ``new_url`` is the path with the slash (the app adds the query string).
        """
        if domain is not None or self.uses_domains:
            return self._compile_domains().match(self._domain(domain), path, method)
        matcher = self._matcher
        if matcher is None:
            matcher = self._compile()
        return matcher.match(path, method)

    @property
    def matcher_source(self) -> str:
        """The Python source generated for the dynamic rules (to read, as Falcon's)."""
        matcher = self._matcher or self._compile()
        return matcher.source

    def allowed_methods(self, path: str, domain: str | None = None) -> list[str]:
        """The sorted methods of the rules matching ``path``, for an ``OPTIONS`` answer."""
        if domain is not None or self.uses_domains:
            return self._compile_domains().allowed_methods(self._domain(domain), path)
        matcher = self._matcher
        if matcher is None:
            matcher = self._compile()
        return matcher.allowed_methods(path)

    def build(
        self, endpoint: str, values: Mapping[str, Any] | None = None, method: str | None = None
    ) -> str:
        """The URL path for ``endpoint``; values the rule does not use become the query string.

        Args:
            endpoint: The endpoint name of the rule(s).
            values: Variable values; None values are dropped; lists and tuples repeat
                their key in the query string.
            method: Prefer a rule allowing this method when several fit.

        Raises:
            BuildError: the endpoint is unknown (close names are suggested), values are
                missing for every rule of the endpoint, or a converter refuses a value.
        """
        return self._url_builder().build(endpoint, values, method)

    def build_with_domain(
        self, endpoint: str, values: Mapping[str, Any] | None = None, method: str | None = None
    ) -> tuple[str, str]:
        """``(domain, path)``: as :meth:`build`, with the rule's host or subdomain (built
        from ``values`` where it has variables; ``""`` for rules without one)."""
        return self._url_builder().build_with_domain(endpoint, values, method)

    def _url_builder(self) -> UrlBuilder:
        builder = self._builder
        if builder is None:
            builder = self._builder = UrlBuilder(self._rules)
        return builder

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> MapAdapter:
        """An adapter that matches and builds URLs for one server (Werkzeug's ``Map.bind``).

        ``server_name`` is the host (``host_matching``) or the name subdomains hang from;
        ``subdomain`` defaults to :attr:`default_subdomain`.
        """
        return MapAdapter(
            self, server_name.lower(), script_name or "/",
            self.default_subdomain if subdomain is None else subdomain,
            url_scheme, path_info or "/", default_method, query_args,
        )

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """The rules in registration order, or only those of ``endpoint``."""
        if endpoint is None:
            return iter(self._rules)
        return (rule for rule in self._rules if rule.endpoint == endpoint)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"<Map {len(self._rules)} rules>"

    def compile(self) -> Callable[[str, str], tuple[Rule, dict[str, Any]]]:
        """Build the matcher now; returns its ``match`` (the app calls it directly per request)."""
        return self._compile().match

    def compile_router(self) -> Callable[[str, str], Routed]:
        """The matcher's ``route`` (built now unless ``compile`` just did): ``match`` that
        returns a miss (``(None, error)``, ``error`` ``None`` for a plain 404) instead of
        raising it."""
        return (self._matcher or self._compile()).route

    def compile_domains(self) -> Callable[[str, str, str], tuple[Rule, dict[str, Any]]]:
        """Build the host/subdomain matcher now; returns its ``match(domain, path, method)``."""
        return self._compile_domains().match

    def _domain(self, domain: str | None) -> str:
        """``domain`` lower case; ``None`` is the default subdomain (or no host)."""
        if domain is None:
            return "" if self.host_matching else self.default_subdomain
        return domain.lower()

    def _compile(self) -> Matcher:
        """Make the matcher for the current rules (again if rules were added since)."""
        self._matcher = matcher = Matcher(self._rules, self.merge_slashes)
        return matcher

    def _compile_domains(self) -> DomainMatcher:
        matcher = self._domain_matcher
        if matcher is None:
            matcher = self._domain_matcher = DomainMatcher(self._rules, self.merge_slashes)
        return matcher
