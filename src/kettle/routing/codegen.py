"""Straight-line matching code generated from the route tree (the idea of Falcon's compiler).

``compiler._first_choice`` walks the tree: at each segment the static child, else the
first variable edge that accepts the text. This module writes that same walk out as one
Python function, ``match(path, method)``, with the tree's strings and converters inlined,
so a request pays for comparisons, not for looking up nodes or calling helpers:

* a static path is one dict lookup, as before the tree;
* otherwise the path is split once and dispatched on its number of segments, which are
  unpacked into locals; under each count only the branches that can end at that depth
  are written out (a route with two segments costs nothing to a path with five);
* an ``<int:>`` segment is ``isdigit()``/``isascii()`` then ``int()``; the length bound
  of the converter is checked on the whole path, once per branch (a segment is never
  longer than its path), so an over-long number still never reaches ``int()``.

Wherever the walk would give up, the generated code calls the matcher's full search
(``SLOW``), which answers exactly what the walk-then-search answered before: backtracking,
trailing slashes, ``path`` converters, 405s. ``Map.matcher_source`` shows the code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..errors import NotFound
from .converters import MAX_NUMBER_LENGTH
from .rules import Rule

_WIDE = 6  # static children above this count are dispatched through a dict, not a chain
#: An ``if`` body longer than this many lines is written as ``while True: if not ...: break``.
#: CPython 3.11 specialises a comparison only when a short conditional jump follows it; a
#: jump over a long body takes an ``EXTENDED_ARG`` and leaves ``==`` on the generic path.
_LONG = 14
#: The segment depth down to which long bodies are turned into loops (Python allows 20
#: nested loops; the count dispatch takes a few of them).
_LOOP_DEPTH = 3
_SLOW = "return SLOW(path, method)"
#: A path no rule can take, not even for a 405 or a redirect: ``route`` returns ``MISS``,
#: ``match`` raises ``NotFound`` (the line is replaced in its source).
_MISS = "return MISS"
_RAISE = "raise NotFound()"
#: The test for "the first segment leads nowhere" at the top level, where ``p0`` is not
#: unpacked: the path starts with one '/' and the text up to the next is not a root child.
_TOP_FIRST = "n > 1 and not segments[0] and segments[1] and segments[1] not in FIRST"


def _ends(
    node: Any, remaining: int, varied: bool, ends: Callable[[Any, int, bool], bool]
) -> bool:
    """Whether the walk from ``node`` can end at a rule after exactly ``remaining`` segments,
    having taken a variable edge (``varied`` if one was taken above): a path of static
    segments only is a static rule's, which the dict lookup answers (``ends`` recurses)."""
    if remaining == 0:
        return varied and node.methods is not None
    return any(ends(child, remaining - 1, varied) for child in node.static.values()) or any(
        ends(seg.child, remaining - 1, True) for seg in node.dynamic
    )


def _depth(node: Any) -> int:
    """The most segments a walk from ``node`` can use (tails are the search's)."""
    children = (*node.static.values(), *(seg.child for seg in node.dynamic))
    return 1 + max(map(_depth, children)) if children else 0


def _accepts(seg: Any, text: str) -> bool:
    """Whether the edge ``seg`` may take ``text`` (true when unsure: a converter decides)."""
    from .compiler import _PLAIN_INT, _PLAIN_STRING

    if seg.plain == _PLAIN_INT:
        return text.isdigit() and text.isascii() and len(text) <= MAX_NUMBER_LENGTH
    if seg.plain == _PLAIN_STRING:
        return bool(text)
    return True


class _Writer:
    def __init__(self, root: Any) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._memo: dict[tuple[int, int, bool], bool] = {}
        #: The root's static children when they are its only way on (no variable edge, no
        #: ``path`` tail): a first segment outside them is a 404 without the search.
        self.first: frozenset[str] | None = None
        if not root.dynamic and not root.tails:
            self.first = self.constants["FIRST"] = frozenset(root.static)

    def give_up(self, indent: int, test: str) -> None:
        """The search, after ``MISS`` when ``test`` says the first segment leads nowhere.

        The full search would find nothing then: its first step from the root is the
        static child (none), a variable edge or tail (none); so no 405, no slash redirect,
        and a ``merge_slashes`` redirect keeps that first segment.
        """
        if self.first is not None:
            self.emit(indent, f"if {test}:")
            self.emit(indent + 1, _MISS)
        self.emit(indent, _SLOW)

    def const(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def branch(
        self, indent: int, condition: str, negation: str, body: Callable[[int], None],
        loop: bool = True,
    ) -> None:
        """``if condition: body`` (a body that always returns); a long one, when ``loop``,
        as ``while True: if negation: break`` then the body, so that the comparison is
        followed by a short jump and CPython specialises it (see ``_LONG``)."""
        start = len(self.lines)
        self.emit(indent, f"if {condition}:")
        body(indent + 1)
        if loop and len(self.lines) - start > _LONG:
            self.lines[start:start + 1] = [
                "    " * indent + "while True:",
                "    " * (indent + 1) + f"if {negation}:",
                "    " * (indent + 2) + "break",
            ]

    def bisect(self, keys: list[int], test: str, low: int, high: int, indent: int,
               body: Callable[[int, int], None],
               fallback: Callable[[int], None] | None = None) -> None:
        """``body(key, indent)`` for the key equal to ``test``'s value, found by halving
        ``keys`` (sorted); each body returns or falls through to the caller's ``SLOW``
        (``fallback(indent)`` writes it, when given)."""
        if high - low == 1:
            body(keys[low], indent)
            return
        middle = (low + high) // 2

        def lower(inner: int) -> None:
            self.bisect(keys, test, low, middle, inner, body, fallback)
            if fallback is None:
                self.emit(inner, _SLOW)
            else:
                fallback(inner)

        self.branch(indent, f"{test} < {keys[middle]}", f"{test} >= {keys[middle]}", lower)
        self.bisect(keys, test, middle, high, indent, body, fallback)

    def ends(self, node: Any, remaining: int, varied: bool) -> bool:
        """``_ends``, remembered: each node is asked once per depth."""
        key = (id(node), remaining, varied)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = _ends(node, remaining, varied, self.ends)
        return found

    def length(self, root: Any, count: int, indent: int) -> None:
        """The code for a path of ``count`` segments (``n == count + 1`` with the leading '')."""
        names = ", ".join(["s", *(f"p{i}" for i in range(count))])
        self.emit(indent, f"{names}{',' if count == 0 else ''} = segments")
        self.emit(indent, "if s:")  # no leading '/': the search treats it as before
        self.emit(indent + 1, _SLOW)
        self.node(root, 0, count, [], indent, bounded=False)

    def node(
        self, node: Any, depth: int, count: int, values: list[str], indent: int, bounded: bool
    ) -> None:
        """Code that matches segments ``depth..count`` from ``node``; every path through it
        returns. ``bounded``: the path's length was checked on this branch."""
        if depth == count:
            self._end(node, values, indent)
            return
        part = f"p{depth}"
        remaining = count - depth - 1
        varied = bool(values)
        live = [(text, child) for text, child in node.static.items()
                if self.ends(child, remaining, varied)]
        dead = [text for text, child in node.static.items()
                if not self.ends(child, remaining, varied)]
        # The variable edges the walk may take, up to the last one that can end here: a
        # match of an earlier one that cannot end here is the walk giving up.
        edges = list(node.dynamic)
        while edges and not self.ends(edges[-1].child, remaining, True):
            edges.pop()
        if len(live) > _WIDE:
            index = self.const("S", {text: i for i, (text, _) in enumerate(live)})
            self.emit(indent, f"k = {index}.get({part})")
            self.emit(indent, "if k is not None:")
            self.bisect(
                list(range(len(live))), "k", 0, len(live), indent + 1,
                lambda i, ind: self.node(live[i][1], depth + 1, count, values, ind, bounded),
            )
        else:
            for text, child in live:
                self.branch(
                    indent, f"{part} == {text!r}", f"{part} != {text!r}",
                    partial(self._below, child, depth + 1, count, values, bounded),
                    loop=depth < _LOOP_DEPTH,
                )
        # A static text the walk would enter and give up in: only a question when a
        # variable edge could take that text instead.
        dead = [text for text in dead if any(_accepts(seg, text) for seg in edges)]
        if dead:
            self.emit(indent, f"if {part} in {self.const('D', frozenset(dead))}:")
            self.emit(indent + 1, _SLOW)
        for seg in edges:
            self._dynamic(seg, depth, count, values, indent, bounded)
        if depth == 0:  # ``s`` is '' here: the path starts with '/'
            self.give_up(indent, "p0 and p0 not in FIRST")
        else:
            self.emit(indent, _SLOW)

    def _below(
        self, node: Any, depth: int, count: int, values: list[str], bounded: bool, indent: int
    ) -> None:
        """``node`` with the indent last (for ``branch``)."""
        self.node(node, depth, count, values, indent, bounded)

    def _end(self, node: Any, values: list[str], indent: int) -> None:
        """The path is used up at ``node``: its rule for the method, else the search."""
        if node.methods is None:
            self.emit(indent, _SLOW)
            return
        methods = self.const("M", node.methods)
        self.emit(indent, f"r = {methods}.get(method)")
        self.emit(indent, "if r is None:")
        self.emit(indent + 1, _SLOW)
        self.emit(indent, f"return {self._arguments(node, values)}")

    def _arguments(self, node: Any, values: list[str]) -> str:
        """The expression for ``(r, view arguments)``: a dict literal in the common case."""
        rules = set(node.methods.values())
        names = {rule._names for rule in rules}
        plain = all(not rule.defaults and not rule._redirects for rule in rules)
        if plain and len(names) == 1 and not any(v.startswith("*") for v in values):
            (only,) = names
            pairs = ", ".join(f"{n!r}: {v}" for n, v in zip(only, values, strict=True))
            return f"(r, {{{pairs}}})"
        found = ", ".join(values) + ("," if len(values) == 1 else "")
        return f"arguments(r, ({found})) or SLOW(path, method)"

    def _dynamic(
        self, seg: Any, depth: int, count: int, values: list[str], indent: int, bounded: bool
    ) -> None:
        from .compiler import _PLAIN_INT, _PLAIN_STRING

        part, value = f"p{depth}", f"v{depth}"
        ends = self.ends(seg.child, count - depth - 1, True)
        if seg.plain == _PLAIN_INT:
            self.emit(indent, f"if {part}.isdigit() and {part}.isascii():")
            if not ends:
                self.emit(indent + 1, _SLOW)
                return
            if not bounded:  # the converter's bound, for every segment of the path at once
                self.emit(indent + 1, f"if len(path) > {MAX_NUMBER_LENGTH}:")
                self.emit(indent + 2, _SLOW)
            self.emit(indent + 1, f"{value} = int({part})")
            self.node(seg.child, depth + 1, count, [*values, value], indent + 1, True)
        elif seg.plain == _PLAIN_STRING:
            self.emit(indent, f"if {part}:")
            if not ends:
                self.emit(indent + 1, _SLOW)
                return
            self.node(seg.child, depth + 1, count, [*values, part], indent + 1, bounded)
        else:
            self.emit(indent, f"{value} = []")
            self.emit(indent, f"if {self.const('E', seg)}.match({part}, {value}):")
            if not ends:
                self.emit(indent + 1, _SLOW)
                return
            self.node(seg.child, depth + 1, count, [*values, f"*{value}"], indent + 1, bounded)


def arguments(rule: Rule, values: tuple[Any, ...]) -> tuple[Rule, dict[str, Any]] | None:
    """``(rule, view arguments)`` merged over the rule's defaults; ``None`` when the rule wants
    a redirect to its trailing slash (the full search answers that)."""
    if rule._redirects:
        return None
    args = dict(zip(rule._names, values))  # noqa: B905 - same length by construction
    return rule, {**rule.defaults, **args} if rule.defaults else args


def generate(root: Any) -> tuple[str, dict[str, Any]]:
    """The source of ``match(path, method)`` for the tree under ``root``; it reads the
    constants ``STATIC`` (path -> {method: rule}) and ``SLOW`` (the full search)."""
    writer = _Writer(root)
    writer.constants["arguments"] = arguments
    writer.emit(0, "def match(path, method):")
    writer.emit(1, "entry = STATIC.get(path)")
    writer.emit(1, "if entry is not None:")
    writer.emit(2, "r = entry.get(method)")
    writer.emit(2, "if r is not None:")
    writer.emit(3, "return r, dict(r.defaults) if r.defaults else {}")
    counts = [count for count in range(1, _depth(root) + 1) if writer.ends(root, count, False)]
    if counts:
        writer.emit(1, "segments = path.split('/')")
        writer.emit(1, "n = len(segments)")
        writer.bisect(
            [count + 1 for count in counts], "n", 0, len(counts), 1,
            lambda n, indent: _one_length(writer, root, n, indent),
            lambda indent: writer.give_up(indent, _TOP_FIRST),
        )
        writer.give_up(1, _TOP_FIRST)
    else:
        writer.emit(1, _SLOW)
    return "\n".join(writer.lines) + "\n", writer.constants


def _one_length(writer: _Writer, root: Any, n: int, indent: int) -> None:
    writer.branch(
        indent, f"n == {n}", f"n != {n}", lambda inner: writer.length(root, n - 1, inner)
    )


def compile_matcher(
    root: Any, static: dict[str, dict[str, Rule]], slow: Callable[[str, str], Any],
    route_slow: Callable[[str, str], Any],
) -> tuple[Callable[[str, str], Any], Callable[[str, str], Any], str]:
    """The generated ``match`` (its fallback ``slow`` raises a miss) and ``route`` (the same
    code; ``route_slow`` and ``MISS`` return a miss), and ``match``'s source (kept for
    reading: ``Map.matcher_source``)."""
    source, constants = generate(root)
    raising = "\n".join(
        line.replace(_MISS, _RAISE) if line.strip() == _MISS else line
        for line in source.split("\n")
    )
    match = _define(raising, dict(constants, STATIC=static, SLOW=slow, NotFound=NotFound))
    route = _define(source, dict(constants, STATIC=static, SLOW=route_slow, MISS=(None, None)))
    return match, route, raising


def _define(source: str, namespace: dict[str, Any]) -> Callable[[str, str], Any]:
    exec(compile(source, "<kettle routes>", "exec"), namespace)  # our own generated code
    return namespace["match"]  # type: ignore[no-any-return]
