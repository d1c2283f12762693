"""Rules: the Werkzeug rule syntax (``/post/<int(min=1):id>``) parsed once, at registration.

A rule's string is parsed when the :class:`Rule` is created (so syntax errors surface
where the route is declared); its converters are made when a map binds it, because the
map decides which converter names exist. The result is a flat tuple of *pieces*: static
text (which may contain ``/``) and :class:`Variable` objects; the compiler cuts it into
path segments and the URL builder joins it back.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .converters import SEGMENT_SAFE, BaseConverter

if TYPE_CHECKING:
    from . import Map

_VARIABLE_RE = re.compile(
    r"""
    <
    (?:
        (?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)   # converter name
        (?:\((?P<args>.*?)\))?                  # converter arguments
        :
    )?
    (?P<name>[a-zA-Z_][a-zA-Z0-9_]*)            # variable name
    >
    """,
    re.VERBOSE,
)

# One converter argument: ``name=value`` or ``value``; a value is a quoted string (with an
# optional prefix) or a bare token up to the next comma.
_ARG_RE = re.compile(
    r"""
    \s*
    (?:(?P<keyword>[a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*)?
    (?P<value>
        [uUrRbB]?"(?:[^"\\]|\\.)*"
      | [uUrRbB]?'(?:[^'\\]|\\.)*'
      | [^,"'\s][^,]*?
    )
    \s*(?:,|\Z)
    """,
    re.VERBOSE,
)
_BARE_WORD_RE = re.compile(r"[\w.\-]+")

#: A converter's identity for tree sharing and conflict checks: its class and arguments.
ConverterKey = tuple[type[BaseConverter], tuple[Any, ...], tuple[tuple[str, Any], ...]]

#: A parsed variable before binding: converter name, args, kwargs, variable name.
_RawVariable = tuple[str, tuple[Any, ...], dict[str, Any], str]


@dataclass(frozen=True, slots=True)
class Variable:
    """A bound ``<converter:name>`` of a rule."""

    name: str
    converter: BaseConverter
    key: ConverterKey


Piece = str | Variable


def _literal(token: str) -> Any:
    """One converter argument as a Python value: a literal, or a bare word taken as a string."""
    try:
        value = ast.literal_eval(token)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if _BARE_WORD_RE.fullmatch(token):
            return token
        raise ValueError(f"cannot parse converter argument {token!r}") from None
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError(f"converter argument {token!r} is not a string, number, bool or None")
    return value


def parse_converter_args(argstr: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse ``1, max=9, "a b"`` safely (``ast.literal_eval`` per argument, never ``eval``)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    pos, end = 0, len(argstr)
    if not argstr.strip():
        return (), {}
    while pos < end:
        match = _ARG_RE.match(argstr, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot parse converter arguments {argstr!r} at {argstr[pos:]!r}")
        value = _literal(match["value"])
        keyword = match["keyword"]
        if keyword is None:
            if kwargs:
                raise ValueError(f"positional argument after keyword in {argstr!r}")
            args.append(value)
        elif keyword in kwargs:
            raise ValueError(f"argument {keyword!r} repeated in {argstr!r}")
        else:
            kwargs[keyword] = value
        pos = match.end()
    return tuple(args), kwargs


def parse_rule(rule: str, domain: bool = False) -> tuple[str | _RawVariable, ...]:
    """Split a rule string (or a ``domain`` pattern: a host or subdomain) into static text
    and raw variables, checking its syntax."""
    if not domain and not rule.startswith("/"):
        raise ValueError(f"URL rule {rule!r} must start with '/'")
    pieces: list[str | _RawVariable] = []
    names: set[str] = set()
    pos = 0
    for match in _VARIABLE_RE.finditer(rule):
        static = rule[pos : match.start()]
        if "<" in static:
            raise ValueError(f"malformed URL rule {rule!r}: unbalanced '<' in {static!r}")
        if static:
            pieces.append(static)
        name = match["name"]
        if name in names:
            raise ValueError(f"URL rule {rule!r} uses the variable name {name!r} twice")
        names.add(name)
        try:
            args, kwargs = parse_converter_args(match["args"] or "")
        except ValueError as exc:
            raise ValueError(f"URL rule {rule!r}: {exc}") from None
        pieces.append((match["converter"] or "default", args, kwargs, name))
        pos = match.end()
    static = rule[pos:]
    if "<" in static:
        raise ValueError(f"malformed URL rule {rule!r}: unbalanced '<' in {static!r}")
    if static:
        pieces.append(static)
    return tuple(pieces)


def _normalise_methods(
    methods: Iterable[str] | None, websocket: bool, automatic_options: bool
) -> tuple[frozenset[str], frozenset[str]]:
    """(all methods, the methods the user asked for) for a rule's arguments."""
    if isinstance(methods, str):
        raise TypeError("'methods' should be a list of strings, not a string")
    given = frozenset(m.upper() for m in methods) if methods is not None else None
    if websocket:
        if given is not None and not given <= {"GET", "HEAD", "OPTIONS", "WEBSOCKET"}:
            raise ValueError(f"a websocket rule cannot take the methods {sorted(given)}")
        real = frozenset({"WEBSOCKET"})
        return real, real
    real = given if given is not None else frozenset({"GET"})
    extra = set()
    if "GET" in real:
        extra.add("HEAD")
    if automatic_options:
        extra.add("OPTIONS")
    return real | extra, real


class Rule:
    """One URL pattern, its endpoint and methods, as Flask's ``Rule``.

    ``target`` is a free slot for the application (the view, a dispatch plan...); the
    router never reads it. Add the rule to a :class:`~kettle.routing.Map` to use it.
    """

    __slots__ = (
        "_build_parts", "_domain_names", "_domain_parts", "_domain_raw", "_map", "_names",
        "_pieces", "_raw", "_real_methods", "_redirects", "_shape", "arguments", "defaults",
        "domain", "endpoint", "host", "methods", "provide_automatic_options", "rule",
        "strict_slashes", "subdomain", "target", "websocket",
    )

    def __init__(
        self,
        string: str,
        endpoint: str | None = None,
        methods: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        strict_slashes: bool | None = None,
        provide_automatic_options: bool = True,
        websocket: bool = False,
        subdomain: str | None = None,
        host: str | None = None,
    ) -> None:
        self.rule = string
        self.subdomain = subdomain
        self.host = host
        self.endpoint = endpoint
        self.defaults: dict[str, Any] | None = dict(defaults) if defaults is not None else None
        self.strict_slashes = strict_slashes
        self.provide_automatic_options = provide_automatic_options
        self.websocket = websocket
        self.methods, self._real_methods = _normalise_methods(
            methods, websocket, provide_automatic_options
        )
        self.target: Any = None
        self._raw = parse_rule(string)
        self._names = tuple(piece[3] for piece in self._raw if isinstance(piece, tuple))
        self.arguments: set[str] = set(self._names)
        #: The host (``host_matching`` maps) or subdomain pattern, set when a map binds it.
        self.domain = ""
        self._domain_raw: tuple[str | _RawVariable, ...] = ()
        self._domain_names: tuple[str, ...] = ()
        self._domain_parts: tuple[Piece, ...] = ()
        self._map: Map | None = None
        self._pieces: tuple[Piece, ...] = ()
        self._shape: tuple[Any, ...] = ()  # (domain shape, *path shape)
        self._build_parts: tuple[str | Variable, ...] = ()
        self._redirects = False

    def bind(self, map: Map) -> None:
        """Make the converters with ``map``'s converter table; called by :meth:`Map.add`.

        Raises:
            ValueError: the rule names an unknown converter, passes it bad arguments, or
                is already bound to another map.
        """
        if self._map is not None and self._map is not map:
            raise ValueError(f"URL rule {self.rule!r} is already bound to another map")
        self._bind_domain(map)
        pieces = self._bind_pieces(map, self._raw)
        self._map = map
        self._pieces = pieces
        domain_shape = tuple(p if isinstance(p, str) else p.key for p in self._domain_parts)
        self._shape = (
            domain_shape, *(p if isinstance(p, str) else p.key for p in pieces)
        )
        self._build_parts = tuple(
            quote(p, safe="/" + SEGMENT_SAFE) if isinstance(p, str) else p for p in pieces
        )
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        self._redirects = bool(self.strict_slashes) and self.rule.endswith("/")

    def _bind_domain(self, map: Map) -> None:
        """Parse the host (``host_matching``) or subdomain pattern that applies in ``map``."""
        if map.host_matching:
            if self.subdomain:
                raise ValueError(
                    f"URL rule {self.rule!r}: 'subdomain' does not apply when the map matches "
                    "hosts (host_matching=True); give 'host' instead"
                )
            domain = self.host or ""
        elif self.host is not None:
            raise ValueError(
                f"URL rule {self.rule!r}: 'host' needs a map with host_matching=True"
            )
        else:
            domain = self.subdomain if self.subdomain is not None else map.default_subdomain
        domain = domain.lower()
        self.domain = domain
        self._domain_raw = parse_rule(domain, domain=True)
        self._domain_parts = self._bind_pieces(map, self._domain_raw)
        self._domain_names = tuple(p.name for p in self._domain_parts if isinstance(p, Variable))
        clash = set(self._domain_names) & set(self._names)
        if clash:
            raise ValueError(
                f"URL rule {self.rule!r} uses the variable name(s) {sorted(clash)} in both its "
                "domain and its path"
            )
        self.arguments = set(self._names) | set(self._domain_names)

    def _bind_pieces(
        self, map: Map, raw_pieces: tuple[str | _RawVariable, ...]
    ) -> tuple[Piece, ...]:
        """Static text as is; each raw variable with its converter made from ``map``'s table."""
        pieces: list[Piece] = []
        for raw in raw_pieces:
            if isinstance(raw, str):
                pieces.append(raw)
                continue
            conv_name, args, kwargs, name = raw
            cls = map.converters.get(conv_name)
            if cls is None:
                raise ValueError(f"URL rule {self.rule!r} uses the unknown converter {conv_name!r}")
            try:
                converter = cls(map, *args, **kwargs)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"URL rule {self.rule!r}: bad arguments for converter {conv_name!r}: {exc}"
                ) from None
            key: ConverterKey = (cls, args, tuple(sorted(kwargs.items())))
            pieces.append(Variable(name, converter, key))
        return tuple(pieces)

    @property
    def is_static(self) -> bool:
        """True when the rule has no variables: it matches one path only."""
        return not self._names

    def __repr__(self) -> str:
        methods = ", ".join(sorted(self.methods))
        where = f"{self.domain}|" if self.domain else ""
        return f"<Rule {where + self.rule!r} ({methods}) -> {self.endpoint}>"
