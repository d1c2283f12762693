"""URL building (``url_for``'s engine): endpoint and values back to a path and query string.

The rules of one endpoint are tried most specific first, as Werkzeug does: more
arguments (variables and defaults) first, then more defaults, then registration order.
The first rule whose arguments are all given (or defaulted) and whose defaults agree
with the given values wins; values it does not use become the query string.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from ..errors import BuildError
from .converters import ValidationError
from .rules import Rule, Variable


def _build_order(rule: Rule) -> tuple[int, int]:
    defaults = rule.defaults or {}
    return -len(rule.arguments | defaults.keys()), -len(defaults)


def _suitable(rule: Rule, values: Mapping[str, Any]) -> bool:
    """All arguments given or defaulted, and no given value contradicting a default."""
    defaults = rule.defaults or {}
    if any(name not in values and name not in defaults for name in rule.arguments):
        return False
    return all(
        values[k] == v for k, v in defaults.items() if k in values and k not in rule.arguments
    )


def _query_pairs(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Flatten values for ``urlencode``: lists and tuples repeat the key; None is dropped."""
    pairs: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, list | tuple):
            pairs.extend((key, item) for item in value if item is not None)
        else:
            pairs.append((key, value))
    return pairs


class UrlBuilder:
    """An endpoint index over a map's rules; made again when rules are added."""

    __slots__ = ("_by_endpoint",)

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._by_endpoint: dict[str | None, list[Rule]] = {}
        for rule in rules:
            self._by_endpoint.setdefault(rule.endpoint, []).append(rule)
        for candidates in self._by_endpoint.values():
            candidates.sort(key=_build_order)  # stable: registration order breaks ties

    def build(
        self, endpoint: str, values: Mapping[str, Any] | None = None, method: str | None = None
    ) -> str:
        """The path (with ``?query`` for unused values) for ``endpoint``; see :meth:`Map.build`."""
        return self.build_with_domain(endpoint, values, method)[1]

    def build_with_domain(
        self, endpoint: str, values: Mapping[str, Any] | None = None, method: str | None = None
    ) -> tuple[str, str]:
        """``(domain, path)``: the rule's host or subdomain (``""`` if none) and its path."""
        candidates = self._by_endpoint.get(endpoint)
        if not candidates:
            raise BuildError(self._unknown_endpoint(endpoint))
        given = {k: v for k, v in (values or {}).items() if v is not None}
        suitable = [rule for rule in candidates if _suitable(rule, given)]
        if not suitable:
            raise BuildError(self._unsuitable(endpoint, candidates, given))
        rule = suitable[0]
        if method is not None:
            upper = method.upper()
            rule = next((r for r in suitable if upper in r.methods), rule)
        path = self._join(endpoint, rule, rule._build_parts, given)
        domain = self._join(endpoint, rule, rule._domain_parts, given) if rule.domain else ""
        defaults = rule.defaults or {}
        extra = {k: v for k, v in given.items() if k not in rule.arguments and k not in defaults}
        if extra:
            path += "?" + urlencode(_query_pairs(extra))
        return domain, path

    def _join(
        self, endpoint: str, rule: Rule, parts: tuple[str | Variable, ...],
        values: Mapping[str, Any],
    ) -> str:
        """Join static text and converted values (of the rule's path or of its domain)."""
        defaults = rule.defaults or {}
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values[part.name] if part.name in values else defaults[part.name]
            try:
                out.append(part.converter.to_url(value))
            except (ValueError, TypeError, ValidationError) as exc:
                raise BuildError(
                    f"Could not build url for endpoint {endpoint!r}: the value {value!r} for "
                    f"{part.name!r} is refused by the {type(part.converter).__name__} of rule "
                    f"{rule.rule!r} ({exc})."
                ) from None
        return "".join(out)

    def _unknown_endpoint(self, endpoint: str) -> str:
        message = f"Could not build url for endpoint {endpoint!r}."
        names = [str(name) for name in self._by_endpoint if name is not None]
        close = difflib.get_close_matches(str(endpoint), names, n=3)
        if close:
            message += " Did you mean " + " or ".join(repr(name) for name in close) + " instead?"
        return message

    @staticmethod
    def _unsuitable(endpoint: str, candidates: list[Rule], given: Mapping[str, Any]) -> str:
        """Say, rule by rule, which values are missing or contradict a default."""
        reasons: list[str] = []
        for rule in candidates:
            defaults = rule.defaults or {}
            missing = sorted(a for a in rule.arguments if a not in given and a not in defaults)
            if missing:
                reasons.append(f"rule {rule.rule!r} needs {', '.join(map(repr, missing))}")
            else:
                clash = sorted(
                    k for k, v in defaults.items()
                    if k in given and given[k] != v and k not in rule.arguments
                )
                reasons.append(
                    f"rule {rule.rule!r} has defaults for {', '.join(map(repr, clash))}"
                    " that differ from the values given"
                )
        return (
            f"Could not build url for endpoint {endpoint!r} with values {sorted(given)!r}: "
            + "; ".join(reasons)
            + "."
        )
