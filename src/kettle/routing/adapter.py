"""``MapAdapter``: a map bound to one server, as Werkzeug's ``Map.bind`` returns.

It knows the host (or subdomain), script root and scheme, so it can match a path on that
host and build URLs that are relative when the rule lives on the same host and absolute
(``scheme://host/root/path``) when it lives on another, or when asked to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from . import Map
    from .rules import Rule


def domain_host(map: Map, domain: str, server_name: str) -> str:
    """The host a rule's built domain lives on: the host itself (``host_matching``), or
    the subdomain joined to ``server_name``."""
    if map.host_matching:
        return domain or server_name
    return f"{domain}.{server_name}" if domain else server_name


class MapAdapter:
    """Match and build for one server; see :meth:`Map.bind`."""

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: Mapping[str, Any] | str | None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        self.script_name = script_name if script_name.endswith("/") else script_name + "/"
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args

    @property
    def domain(self) -> str:
        """What rules are matched against: the host, or the subdomain."""
        return self.server_name if self.map.host_matching else self.subdomain

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """``(endpoint, view arguments)`` (``(rule, ...)`` with ``return_rule``).

        Raises:
            NotFound, MethodNotAllowed, RequestRedirect: as :meth:`Map.match`; a redirect's
                ``new_url`` is absolute here, with the bound host and script root, and
                keeps ``query_args``.
        """
        from ..errors import RequestRedirect

        path = path_info if path_info is not None else self.path_info
        if not path.startswith("/"):
            path = "/" + path
        verb = (method or self.default_method).upper()
        try:
            rule, args = self.map.match(path, verb, self.domain)
        except RequestRedirect as exc:
            query = query_args if query_args is not None else self.query_args
            raise RequestRedirect(self._external(self.domain, exc.new_url, query)) from None
        return (rule if return_rule else rule.endpoint), args

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether ``path_info`` matches a rule (a redirect counts as a match)."""
        from ..errors import NotFound, RequestRedirect

        try:
            self.match(path_info, method)
        except RequestRedirect:
            return True
        except NotFound:
            return False
        except Exception:  # 405: the URL exists
            return True
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        path = path_info if path_info is not None else self.path_info
        return self.map.allowed_methods(path, self.domain)

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL of ``endpoint``: relative to the server root when the rule is on the bound
        host (or subdomain), else absolute. ``append_unknown=False`` drops unused values
        instead of putting them in the query string."""
        if not append_unknown and values:
            used = {a for rule in self.map.iter_rules(endpoint) for a in _names(rule)}
            values = {k: v for k, v in values.items() if k in used}
        domain, path = self.map.build_with_domain(endpoint, values, method)
        rule_domain = domain or ("" if self.map.host_matching else self.map.default_subdomain)
        if not force_external and (
            (self.map.host_matching and (not domain or domain == self.server_name))
            or (not self.map.host_matching and rule_domain == self.subdomain)
        ):
            return self.script_name.rstrip("/") + path
        return self._external(rule_domain, path, None, url_scheme)

    def _external(
        self, domain: str, path: str, query: Mapping[str, Any] | str | None,
        url_scheme: str | None = None,
    ) -> str:
        host = domain_host(self.map, domain, self.server_name)
        url = f"{url_scheme or self.url_scheme}://{host}{quote(self.script_name.rstrip('/'))}{path}"
        if query:
            url += "?" + (query if isinstance(query, str) else urlencode(query, doseq=True))
        return url

    def __repr__(self) -> str:
        return f"<MapAdapter {self.url_scheme}://{self.server_name}{self.script_name}>"


def _names(rule: Rule) -> set[str]:
    return set(rule.arguments) | set(rule.defaults or ())
