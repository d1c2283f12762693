"""Host and subdomain dispatch: one compiled path matcher per domain pattern.

Used only when some rule names a host (``host_matching``) or a subdomain; a map without
them keeps the plain :class:`~.compiler.Matcher` and pays nothing for this. The domain
is the request's host (host matching) or its subdomain relative to ``SERVER_NAME``.
A static domain costs one dict lookup; patterns with variables (``<user>.example.com``)
are tried after it, the most specific first, and their values join the view arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import MethodNotAllowed, NotFound
from .compiler import Matcher
from .converters import ValidationError
from .hosts import INVALID_SUBDOMAIN
from .rules import Piece, Rule, Variable


class _DomainPattern:
    """A domain with variables: a regex over the whole domain, then the converters."""

    __slots__ = ("fullmatch", "groups", "matcher", "order")

    def __init__(self, pieces: tuple[Piece, ...], matcher: Matcher) -> None:
        parts: list[str] = []
        groups: list[tuple[str, str, Any]] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(re.escape(piece))
            else:
                group = f"_{len(groups)}"
                groups.append((group, piece.name, piece.converter))
                parts.append(f"(?P<{group}>{piece.converter.regex})")
        self.fullmatch: Callable[[str], re.Match[str] | None] = re.compile(
            "".join(parts)
        ).fullmatch
        self.groups = tuple(groups)
        self.matcher = matcher
        static_chars = sum(len(p) for p in pieces if isinstance(p, str))
        weights = tuple(p.converter.weight for p in pieces if isinstance(p, Variable))
        self.order = (-static_chars, weights)

    def values(self, domain: str) -> dict[str, Any] | None:
        """The converted variables if ``domain`` fits the pattern, else ``None``."""
        found = self.fullmatch(domain)
        if found is None:
            return None
        try:
            return {name: conv.to_python(found[group]) for group, name, conv in self.groups}
        except ValidationError:
            return None


class DomainMatcher:
    """The compiled form of a map whose rules are told apart by host or subdomain."""

    __slots__ = ("dynamic", "static")

    def __init__(self, rules: Iterable[Rule], merge_slashes: bool = False) -> None:
        by_domain: dict[tuple[Any, ...], list[Rule]] = {}
        for rule in rules:
            by_domain.setdefault(rule._shape[0], []).append(rule)
        #: domain -> the matcher of the rules of that (variable-free) domain.
        self.static: dict[str, Matcher] = {}
        self.dynamic: list[_DomainPattern] = []
        for group in by_domain.values():
            first = group[0]
            matcher = Matcher(group, merge_slashes)
            if first._domain_names:
                self.dynamic.append(_DomainPattern(first._domain_parts, matcher))
            else:
                self.static[first.domain] = matcher
        self.dynamic.sort(key=lambda pattern: pattern.order)

    def _candidates(self, domain: str) -> Iterator[tuple[Matcher, dict[str, Any] | None]]:
        """The matchers whose domain fits, the static one first, with the domain's values."""
        if domain == INVALID_SUBDOMAIN:  # a host outside SERVER_NAME: no rule is there
            return
        matcher = self.static.get(domain)
        if matcher is not None:
            yield matcher, None
        for pattern in self.dynamic:
            values = pattern.values(domain)
            if values is not None:
                yield pattern.matcher, values

    def match(self, domain: str, path: str, method: str) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` and ``method`` on ``domain``; errors as :meth:`Map.match`."""
        matcher = self.static.get(domain)
        if not self.dynamic:  # the common case: one dict lookup, then the path matcher
            if matcher is None:
                raise NotFound()
            return matcher.match(path, method)
        allowed: set[str] = set()
        if matcher is not None:
            try:
                return matcher.match(path, method)
            except MethodNotAllowed as exc:
                allowed.update(exc.valid_methods)
            except NotFound:
                pass
        if domain != INVALID_SUBDOMAIN:  # a host outside SERVER_NAME: no pattern applies
            for pattern in self.dynamic:
                values = pattern.values(domain)
                if values is None:
                    continue
                try:
                    rule, args = pattern.matcher.match(path, method)
                except MethodNotAllowed as exc:
                    allowed.update(exc.valid_methods)
                    continue
                except NotFound:
                    continue
                return rule, {**args, **values}
        if allowed:
            raise MethodNotAllowed(valid_methods=allowed)
        raise NotFound()

    def allowed_methods(self, domain: str, path: str) -> list[str]:
        """The methods of the rules on ``domain`` whose URL matches ``path``, sorted."""
        allowed: set[str] = set()
        for matcher, _ in self._candidates(domain):
            allowed.update(matcher.allowed_methods(path))
        return sorted(allowed)
