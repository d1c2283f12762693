"""Straight-line matching code generated from the route tree (the idea of Falcon's compiler).

``compiler._first_choice`` walks the tree: at each segment the static child, else the
first variable edge that accepts the text. This module writes that same walk out as one
Python function with the tree's strings and converters inlined, so a request pays for
comparisons, not for looking up nodes. Where the walk would give up (``None``), so does
the generated code, and the full search runs. ``matcher_source`` shows the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .rules import Rule

FirstChoice = Callable[[list[str], str], "tuple[Rule, dict[str, Any]] | None"]
_WIDE = 6  # static children above this count are dispatched through a dict, not a chain


def _live(node: Any) -> bool:
    """Whether a variable edge lies below ``node``: only then can the walk end in code."""
    return bool(node.dynamic) or any(_live(child) for child in node.static.values())


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}

    def const(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def node(self, node: Any, depth: int, values: list[str], indent: int) -> None:
        """Code that matches the rest of the path from ``node``; every path through it returns."""
        self.emit(indent, f"if n == {depth}:")
        if node.methods is not None:
            methods = self.const("M", node.methods)
            self.emit(indent + 1, f"r = {methods}.get(method)")
            self.emit(indent + 1, "if r is None:")
            self.emit(indent + 2, "return None")
            self.emit(indent + 1, f"return {self._arguments(node, values)}")
        else:
            self.emit(indent + 1, "return None")
        part = f"p{depth}"
        self.emit(indent, f"{part} = segments[{depth}]")
        self._static(node, depth, values, indent, part)
        for seg in node.dynamic:
            self._dynamic(seg, depth, values, indent, part)
        self.emit(indent, "return None")

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
        return f"arguments(r, ({found}))"

    def _static(self, node: Any, depth: int, values: list[str], indent: int, part: str) -> None:
        live = [(text, child) for text, child in node.static.items() if _live(child)]
        dead = frozenset(text for text, child in node.static.items() if not _live(child))
        if len(live) > _WIDE:
            index = self.const("S", {text: i for i, (text, _) in enumerate(live)})
            self.emit(indent, f"k = {index}.get({part})")
            self.emit(indent, "if k is not None:")
            self._bisect(live, 0, len(live), depth, values, indent + 1)
        else:
            for text, child in live:
                self.emit(indent, f"if {part} == {text!r}:")
                self.node(child, depth + 1, values, indent + 1)
        if dead:  # the walk would enter a static branch that cannot end here: give up
            self.emit(indent, f"if {part} in {self.const('D', dead)}:")
            self.emit(indent + 1, "return None")

    def _bisect(
        self, live: list[tuple[str, Any]], low: int, high: int, depth: int, values: list[str],
        indent: int,
    ) -> None:
        if high - low == 1:
            self.node(live[low][1], depth + 1, values, indent)
            return
        middle = (low + high) // 2
        self.emit(indent, f"if k < {middle}:")
        self._bisect(live, low, middle, depth, values, indent + 1)
        self._bisect(live, middle, high, depth, values, indent)

    def _dynamic(self, seg: Any, depth: int, values: list[str], indent: int, part: str) -> None:
        from .compiler import _PLAIN_INT, _PLAIN_STRING
        from .converters import MAX_NUMBER_LENGTH

        value = f"v{depth}"
        if seg.plain == _PLAIN_INT:
            self.emit(
                indent,
                f"if {part}.isdigit() and {part}.isascii() and len({part}) <= {MAX_NUMBER_LENGTH}:",
            )
            self.emit(indent + 1, f"{value} = int({part})")
            self.node(seg.child, depth + 1, [*values, value], indent + 1)
        elif seg.plain == _PLAIN_STRING:
            self.emit(indent, f"if {part}:")
            self.emit(indent + 1, f"{value} = {part}")
            self.node(seg.child, depth + 1, [*values, value], indent + 1)
        else:
            self.emit(indent, f"{value} = []")
            self.emit(indent, f"if {self.const('E', seg)}.match({part}, {value}):")
            self.node(seg.child, depth + 1, [*values, f"*{value}"], indent + 1)


def arguments(rule: Rule, values: tuple[Any, ...]) -> tuple[Rule, dict[str, Any]] | None:
    """``(rule, view arguments)`` merged over the rule's defaults; ``None`` when the rule wants
    a redirect to its trailing slash (the full search answers that)."""
    if rule._redirects:
        return None
    args = dict(zip(rule._names, values))  # noqa: B905 - same length by construction
    return rule, {**rule.defaults, **args} if rule.defaults else args


def generate(root: Any) -> tuple[str, dict[str, Any]]:
    """The source of ``first_choice(segments, method)`` for the tree under ``root``."""
    writer = _Writer()
    writer.constants["arguments"] = arguments
    writer.emit(0, "def first_choice(segments, method):")
    writer.emit(1, "n = len(segments)")
    writer.node(root, 0, [], 1)
    return "\n".join(writer.lines) + "\n", writer.constants


def compile_first_choice(root: Any) -> tuple[FirstChoice, str]:
    """The generated matcher and its source (kept for reading: ``Map.matcher_source``)."""
    source, constants = generate(root)
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<kettle routes>", "exec"), namespace)  # our own generated code
    return namespace["first_choice"], source
