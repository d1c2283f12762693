"""The compiled router: a dict for static paths and a segment tree for the rest.

Built once from the map's rules (lazily, at the first match). Per request:

* a static path costs one dict lookup (``path -> {method: rule}``);
* a dynamic path walks the tree one segment at a time. At each node the static child is
  tried first, then the one-segment converters in weight order (``int``/``uuid``/
  ``float``/``any`` before ``string``), then the converters that span ``/`` (``path``),
  which match the rest of the path with one regex. A branch that fails (no child, a
  converter's ``ValidationError``, no rule for the method below) backtracks to the next.

The search stops at the first rule that allows the method; on its way it collects the
methods of the rules whose URL matches, to tell a 405 from a 404 if it finds none.
Trailing slashes behave as Werkzeug's: a strict rule ``/a/`` found for ``/a`` means a
redirect, a non-strict one simply matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import HTTPException, MethodNotAllowed, NotFound, RequestRedirect
from .codegen import arguments, compile_matcher
from .converters import MAX_NUMBER_LENGTH, BaseConverter, IntegerConverter, ValidationError
from .rules import ConverterKey, Piece, Rule, Variable

_NO_SLASH: tuple[str, ...] = ()
#: The longest path the full search runs for (a longer one is a 404 unless the straight
#: walk of the generated matcher took it). Servers cap the request line lower (gunicorn
#: 4 KiB), but not all do, and ``path`` converters' regexes cost more than linear time on
#: hostile text.
MAX_PATH_LENGTH = 8 * 1024
_WEBSOCKET = "WEBSOCKET"
_REPEATED_SLASHES = re.compile("/{2,}")


class _Node:
    """A point in the tree: the rules ending here and the ways to go one segment further."""

    __slots__ = ("allowed", "dynamic", "methods", "rules", "static", "tails")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[_Segment] = []
        self.tails: list[_Segment] = []
        self.rules: list[Rule] = []
        self.methods: dict[str, Rule] | None = None
        self.allowed: frozenset[str] = frozenset()

    def finish(self) -> None:
        """Order the children and index the rules by method, recursively."""
        self.dynamic.sort(key=lambda seg: seg.order)
        self.tails.sort(key=lambda seg: seg.order)
        if self.rules:
            methods: dict[str, Rule] = {}
            for rule in self.rules:  # methods the user named win over automatic ones
                methods.update(dict.fromkeys(rule._real_methods, rule))
            for rule in self.rules:
                for method in rule.methods:
                    methods.setdefault(method, rule)
            self.methods = methods
            self.allowed = frozenset(methods) - {_WEBSOCKET}
        for child in self.static.values():
            child.finish()
        for seg in (*self.dynamic, *self.tails):
            seg.child.finish()


_PLAIN_INT = 1  # ``<int:x>`` without options
_PLAIN_STRING = 2  # ``<x>`` / ``<string:x>`` without options


class _Segment:
    """A variable edge out of a node; ``match`` appends the converted values if the text fits."""

    __slots__ = ("child", "key", "order", "plain")

    def __init__(self, key: tuple[Any, ...], pieces: Sequence[Piece]) -> None:
        self.plain = 0
        self.key = key
        self.child = _Node()
        # More static text first (more specific), then by the converters' weights.
        static_count = sum(1 for p in pieces if isinstance(p, str) and p != "/")
        weights = tuple(p.converter.weight for p in pieces if isinstance(p, Variable))
        self.order = (-static_count, weights)

    def match(self, text: str, values: list[Any]) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class _ConverterSegment(_Segment):
    """A whole segment is one variable: ``/<int:id>``."""

    __slots__ = ("fullmatch", "to_python")

    def __init__(self, key: tuple[Any, ...], pieces: Sequence[Piece]) -> None:
        super().__init__(key, pieces)
        variable = pieces[0]
        assert isinstance(variable, Variable)
        converter = variable.converter
        # ``<int:x>`` without options, the most common converter: checked without a regex.
        if type(converter) is IntegerConverter and not (
            converter.signed or converter.fixed_digits
            or converter.min is not None or converter.max is not None
        ):
            self.plain = _PLAIN_INT
        self.to_python: Callable[[str], Any] | None = None
        if type(converter).to_python is not BaseConverter.to_python:
            self.to_python = converter.to_python
        # The default ``[^/]+`` needs no regex: a segment never holds '/'.
        regex = converter.regex
        self.fullmatch: Callable[[str], object] | None = (
            None if regex == "[^/]+" else re.compile(regex).fullmatch
        )
        if self.fullmatch is None and self.to_python is None:
            self.plain = _PLAIN_STRING

    def match(self, text: str, values: list[Any]) -> bool:
        if self.plain == _PLAIN_INT:
            if text.isdigit() and text.isascii() and len(text) <= MAX_NUMBER_LENGTH:
                values.append(int(text))
                return True
            return False
        if self.fullmatch is None:
            if not text:
                return False
        elif self.fullmatch(text) is None:
            return False
        if self.to_python is None:
            values.append(text)
            return True
        try:
            values.append(self.to_python(text))
        except ValidationError:
            return False
        return True


class _PatternSegment(_Segment):
    """Variables with static text (``/page-<int:n>.html``), or the rest of the path (tails)."""

    __slots__ = ("fullmatch", "groups")

    def __init__(self, key: tuple[Any, ...], pieces: Sequence[Piece]) -> None:
        super().__init__(key, pieces)
        parts: list[str] = []
        groups: list[tuple[str, BaseConverter]] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(re.escape(piece))
            else:
                group = f"_{len(groups)}"
                groups.append((group, piece.converter))
                parts.append(f"(?P<{group}>{piece.converter.regex})")
        self.groups = tuple(groups)
        self.fullmatch = re.compile("".join(parts)).fullmatch

    def match(self, text: str, values: list[Any]) -> bool:
        found = self.fullmatch(text)
        if found is None:
            return False
        try:
            converted = [conv.to_python(found[group]) for group, conv in self.groups]
        except ValidationError:
            return False
        values.extend(converted)
        return True


def _segments(pieces: Iterable[Piece]) -> list[list[Piece]]:
    """Cut a rule's pieces at each ``/``: one list per path segment, the leading '' dropped."""
    segments: list[list[Piece]] = [[]]
    for piece in pieces:
        if isinstance(piece, Variable):
            segments[-1].append(piece)
            continue
        first, *rest = piece.split("/")
        if first:
            segments[-1].append(first)
        segments.extend([text] if text else [] for text in rest)
    return segments[1:]


def _edge(edges: list[_Segment], key: tuple[Any, ...], pieces: Sequence[Piece]) -> _Node:
    """The child under the edge with ``key``, made if new (same key = same matching)."""
    for edge in edges:
        if edge.key == key:
            return edge.child
    seg: _Segment
    if len(pieces) == 1 and isinstance(pieces[0], Variable):
        seg = _ConverterSegment(key, pieces)
    else:
        seg = _PatternSegment(key, pieces)
    edges.append(seg)
    return seg.child


def _key(pieces: Iterable[Piece]) -> tuple[str | ConverterKey, ...]:
    return tuple(p if isinstance(p, str) else p.key for p in pieces)


def _insert(root: _Node, rule: Rule) -> None:
    """Place ``rule`` at the end of its path through the tree."""
    node = root
    segments = _segments(rule._pieces)
    for index, segment in enumerate(segments):
        spans = any(isinstance(p, Variable) and not p.converter.part_isolating for p in segment)
        if spans:  # the rest of the rule is matched as one regex against the rest of the path
            rest = segments[index:]
            slash = len(rest) > 1 and not rest[-1]
            if slash:
                rest.pop()
            pieces: list[Piece] = []
            for i, seg in enumerate(rest):
                pieces.extend(["/", *seg] if i else seg)
            node = _edge(node.tails, _key(pieces), pieces)
            if slash:
                node = node.static.setdefault("", _Node())
            break
        if all(isinstance(p, str) for p in segment):
            text = "".join(p for p in segment if isinstance(p, str))
            node = node.static.setdefault(text, _Node())
        else:
            node = _edge(node.dynamic, _key(segment), segment)
    node.rules.append(rule)


def _at_end(node: _Node, method: str, allowed: set[str]) -> Rule | None:
    """The path is used up at ``node``: a rule here, or one that wants a trailing slash."""
    methods = node.methods
    if methods is not None:
        rule = methods.get(method)
        if rule is not None:
            return rule
        allowed |= node.allowed
    slash = node.static.get("")
    if slash is not None and slash.methods is not None:
        return slash.methods.get(method)  # strict: the caller redirects; else it matches
    return None


def _lax(node: _Node, method: str, allowed: set[str]) -> Rule | None:
    """Only a trailing '' is left: rules without the slash match if not strict about it."""
    lax = [rule for rule in node.rules if not rule.strict_slashes]
    for rule in lax:
        if method in rule.methods:
            return rule
    allowed.update(m for rule in lax for m in rule.methods if m != _WEBSOCKET)
    return None


def _search(
    node: _Node, parts: Sequence[str], i: int, values: list[Any], method: str,
    allowed: set[str],
) -> Rule | None:
    """Depth-first search for a rule allowing ``method``; ``values`` gets the converted values.

    On the way, ``allowed`` collects the methods of the rules whose URL matches but not
    the method: if the search fails, they make the 405's ``Allow``.
    """
    if i == len(parts):
        return _at_end(node, method, allowed)
    part = parts[i]
    child = node.static.get(part)
    if child is not None:
        found = _search(child, parts, i + 1, values, method, allowed)
        if found is not None:
            return found
    mark = len(values)
    for seg in node.dynamic:
        if seg.match(part, values):
            found = _search(seg.child, parts, i + 1, values, method, allowed)
            if found is not None:
                return found
            del values[mark:]
    if node.tails:
        rest = "/".join(parts[i:])
        for seg in node.tails:
            # "a/b/" goes to a rule ending in '/' as "a/b", else whole (a path may end in '/').
            slash = seg.child.static.get("")
            if slash is not None and rest.endswith("/") and seg.match(rest[:-1], values):
                found = _at_end(slash, method, allowed)
                if found is not None:
                    return found
                del values[mark:]
            if seg.match(rest, values):
                found = _search(seg.child, _NO_SLASH, 0, values, method, allowed)
                if found is not None:
                    return found
                del values[mark:]
    if not part and i == len(parts) - 1 and node.rules:
        return _lax(node, method, allowed)
    return None


def _first_choice(root: _Node, segments: list[str], method: str) -> tuple[Rule, list[Any]] | None:
    """The path the search would try first, walked without recursion; ``None`` if it fails.

    At each segment the search tries the static child first, then the variable edges in
    order, and only backtracks when a branch fails. So when this straight walk reaches a
    rule for ``method``, it is exactly what the full search would return; otherwise the
    full search runs (backtracking, trailing slashes, ``path`` converters, 405s).
    """
    node = root
    values: list[Any] = []
    for part in segments:
        child = node.static.get(part)
        if child is None:
            for seg in node.dynamic:
                plain = seg.plain  # the two commonest converters, checked inline
                if plain == _PLAIN_INT:
                    if part.isdigit() and part.isascii() and len(part) <= MAX_NUMBER_LENGTH:
                        values.append(int(part))
                        child = seg.child
                        break
                elif plain == _PLAIN_STRING:
                    if part:
                        values.append(part)
                        child = seg.child
                        break
                elif seg.match(part, values):
                    child = seg.child
                    break
            else:
                return None
        node = child
    methods = node.methods
    if methods is None:
        return None
    rule = methods.get(method)
    return None if rule is None else (rule, values)


def _walked(root: _Node, segments: list[str], method: str) -> tuple[Rule, dict[str, Any]] | None:
    """``_first_choice`` with the view arguments built (``None`` for a slash redirect)."""
    found = _first_choice(root, segments, method)
    return None if found is None else arguments(found[0], tuple(found[1]))


def _one_leading_slash(path: str) -> str:
    """``//a`` is routed as ``/a``, as Werkzeug does; so a redirect never says ``//host``."""
    return "/" + path.lstrip("/") if path.startswith("//") else path


#: What :meth:`Matcher.route` answers for a plain 404: no exception is built for it (the
#: doors write the app's 404 page from it, or make the ``NotFound`` themselves).
MISS: tuple[None, None] = (None, None)  # the same in the generated ``route``
#: What ``route`` answers: ``(rule, its arguments)``, or ``(None, the error)`` (see
#: ``MISS``). Typed loosely: mypy does not narrow the second item by the first.
Routed = tuple[Rule | None, Any]


class Matcher:
    """The compiled form of a map's rules, made again by the map when rules were added.

    ``match`` is generated code (``codegen``) that answers the common requests itself and
    calls the full search for the rest; if generation fails, a walk of the tree stands in.
    ``route`` is the same code for the doors: a miss is returned, not raised.
    """

    __slots__ = ("match", "merge_slashes", "root", "route", "source", "static")

    #: ``match(path, method)``: the rule and its arguments; see :meth:`Map.match`.
    match: Callable[[str, str], tuple[Rule, dict[str, Any]]]
    #: ``route(path, method)``: ``match`` without raising: ``(rule, arguments)``, else
    #: ``(None, error)``, the error ``None`` for a plain 404 (``MISS``), else the
    #: ``MethodNotAllowed`` or ``RequestRedirect`` that ``match`` would raise.
    route: Callable[[str, str], Routed]

    def __init__(self, rules: Iterable[Rule], merge_slashes: bool = False) -> None:
        self.merge_slashes = merge_slashes
        self.root = _Node()
        static_rules: list[Rule] = []
        for rule in rules:
            _insert(self.root, rule)
            if rule.is_static:
                static_rules.append(rule)
        self.root.finish()
        #: path -> {method: rule}, sharing the tree leaves' dicts.
        self.static: dict[str, dict[str, Rule]] = {}
        for rule in static_rules:
            node = self.root
            for part in rule.rule.split("/")[1:]:
                node = node.static[part]
            assert node.methods is not None
            self.static[rule.rule] = node.methods
        try:
            self.match, self.route, self.source = compile_matcher(
                self.root, self.static, self._raise_miss, self._after_walk
            )
        except (SyntaxError, RecursionError, MemoryError):  # a tree too deep to write out
            self.match, self.source = self._walk_then_search, ""
            self.route = self._walk_then_route

    def _walk_then_search(self, path: str, method: str) -> tuple[Rule, dict[str, Any]]:
        """What the generated ``match`` does, by walking the tree (when generation failed)."""
        return _raised(self._walk_then_route(path, method))

    def _walk_then_route(
        self, path: str, method: str
    ) -> Routed:
        """What the generated ``route`` does, by walking the tree (when generation failed)."""
        entry = self.static.get(path)
        if entry is not None:
            rule = entry.get(method)
            if rule is not None:
                return rule, dict(rule.defaults) if rule.defaults else {}
        return self._find(path, method, walked=False)

    def search(self, path: str, method: str) -> tuple[Rule, dict[str, Any]]:
        """The rule for a path that is not a static rule's: the straight walk, then the full
        search with backtracking; raises ``NotFound``, ``MethodNotAllowed`` or
        ``RequestRedirect`` as :meth:`Map.match` says."""
        return _raised(self._find(path, method, walked=False))

    def _raise_miss(self, path: str, method: str) -> tuple[Rule, dict[str, Any]]:
        """The generated ``match``'s fallback: the full search, its miss raised."""
        return _raised(self._find(path, method))

    def _after_walk(
        self, path: str, method: str
    ) -> Routed:
        """The generated ``route``'s fallback: the full search, its miss returned."""
        return self._find(path, method)

    def _find(
        self, path: str, method: str, walked: bool = True
    ) -> Routed:
        """The full search with backtracking, as ``route`` answers.

        ``walked``: the generated code already took the straight walk and it failed, so it
        is not taken again (~1.4k instructions per 404), except for a path over
        ``MAX_PATH_LENGTH``, where the walk (linear, bounded) is all that runs: the
        generated code gives up on a long path with an ``<int:>`` segment that the walk
        may still take.
        """
        if path.startswith("//"):
            path = _one_leading_slash(path)
        segments = path[1:].split("/")
        too_long = len(path) > MAX_PATH_LENGTH
        if not walked or too_long:
            first = _walked(self.root, segments, method)  # one segment at a time: linear
            if first is not None:
                return first
            if too_long:  # the full search runs path converters' regexes
                return MISS
        allowed: set[str] = set()
        values: list[Any] = []
        rule = _search(self.root, ["", *segments], 1, values, method, allowed)
        if rule is not None:
            if rule._redirects and not path.endswith("/"):
                return None, RequestRedirect(path + "/")
            args = dict(zip(rule._names, values))  # noqa: B905 - same length by construction
            return rule, {**rule.defaults, **args} if rule.defaults else args
        if allowed:
            return None, MethodNotAllowed(valid_methods=allowed)
        if self.merge_slashes and "//" in path:
            return self._redirect_merged(path, method)
        return MISS

    def _redirect_merged(
        self, path: str, method: str
    ) -> tuple[None, HTTPException | None]:
        """``/a//b`` matching nothing redirects to ``/a/b`` if that matches (Werkzeug's
        ``merge_slashes``); only 404s pay for the check. A slash redirect of the merged
        path is answered as is."""
        merged = _REPEATED_SLASHES.sub("/", path)
        rule, found = self.route(merged, method)
        if rule is not None:
            return None, RequestRedirect(merged)
        if isinstance(found, RequestRedirect):
            return None, found
        return MISS

    def allowed_methods(self, path: str) -> list[str]:
        """The methods of all rules whose URL matches ``path``, sorted, without WEBSOCKET."""
        allowed: set[str] = set()
        if len(path) > MAX_PATH_LENGTH:
            return []
        _search(self.root, _one_leading_slash(path).split("/"), 1, [], "", allowed)
        return sorted(allowed)


def _raised(
    found: Routed,
) -> tuple[Rule, dict[str, Any]]:
    """``route``'s answer as ``match`` gives it: a miss raised (``NotFound`` for ``MISS``)."""
    rule, args = found
    if rule is None:
        raise args or NotFound()
    return rule, args
