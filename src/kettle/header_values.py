"""Parsed header values with Werkzeug's names: ``Accept`` lists, ``Cache-Control``,
header sets (``Vary``) and ``Content-Security-Policy`` (credentials are in
``header_auth.py``, ranges in ``header_ranges.py``).

Each object parses one header string and, on a response, writes itself back through an
``on_update`` callback whenever it is changed (``response.cache_control.max_age = 60``).
Parsing is strict where a value carries credentials (``Authorization``: malformed gives
``None``) and lenient elsewhere (junk items are skipped), never raising on client input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, overload

from .http import parse_options_header

OnUpdate = Callable[[Any], None] | None

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_token_re = re.compile(_TOKEN)


def _quote(value: str) -> str:
    """A header parameter value: bare when it is a token, else a quoted string."""
    if _token_re.fullmatch(value):
        return value
    return f'"{_escape(value)}"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _split_list(value: str | None) -> list[str]:
    """The items of a comma-separated header, stripped, empty ones dropped."""
    if not value:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


class CallbackDict(dict[str, Any]):
    """A dict that calls ``on_update(self)`` after every change (``mimetype_params``)."""

    def __init__(self, initial: Any = (), on_update: OnUpdate = None) -> None:
        super().__init__(initial)
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def clear(self) -> None:
        super().clear()
        self._changed()


# -- Accept-Language, Accept-Charset, Accept-Encoding ---------------------------------------


class Accept:
    """An ``Accept-*`` header as ``(value, quality)`` pairs, best first (Werkzeug's ``Accept``).

    ``"gzip" in accept`` asks whether a value is acceptable; :meth:`best_match` chooses
    among what the server offers; :meth:`values` lists the values in preference order.
    """

    __slots__ = ("_items", "provided")

    def __init__(self, items: Iterable[tuple[str, float]] = (), provided: bool = True) -> None:
        self._items = tuple(sorted(items, key=lambda item: -item[1]))
        self.provided = provided

    @staticmethod
    def _normalize(value: str) -> str:
        return value.strip().lower()

    def _matches(self, pattern: str, offer: str) -> bool:
        return pattern == "*" or pattern == offer

    def quality(self, key: str) -> float:
        """The client's quality for ``key``; 0 when it does not accept it."""
        offer = self._normalize(key)
        for pattern, q in self._items:
            if self._matches(pattern, offer):
                return q
        return 0.0

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.quality(key) > 0

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    @overload
    def __getitem__(self, key: int) -> tuple[str, float]: ...
    @overload
    def __getitem__(self, key: str) -> float: ...
    def __getitem__(self, key: int | str) -> tuple[str, float] | float:
        """``accept[0]`` is the best pair; ``accept["de"]`` the quality of a value."""
        return self.quality(key) if isinstance(key, str) else self._items[key]

    def values(self) -> Iterator[str]:
        """The accepted values, best first."""
        return (value for value, _ in self._items)

    def find(self, key: str) -> int:
        """The index of ``key`` among the pairs, or -1."""
        key = self._normalize(key)
        return next((i for i, (value, _) in enumerate(self._items) if value == key), -1)

    def index(self, key: str) -> int:
        position = self.find(key)
        if position < 0:
            raise ValueError(key)
        return position

    @property
    def best(self) -> str | None:
        """The most preferred value, or ``None``."""
        return self._items[0][0] if self._items and self._items[0][1] > 0 else None

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The offer with the highest quality (the earlier offer on a tie), else ``default``."""
        result, best = default, 0.0
        for offer in matches:
            quality = self.quality(offer)
            if quality > best:
                result, best = offer, quality
        return result

    def to_header(self) -> str:
        return ",".join(v if q == 1 else f"{v};q={q:g}" for v, q in self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._items)!r})"


class LanguageAccept(Accept):
    """``Accept-Language``: ``en`` also accepts ``en-US`` (RFC 4647 basic filtering)."""

    __slots__ = ()

    @staticmethod
    def _normalize(value: str) -> str:
        return value.strip().lower().replace("_", "-")

    def _matches(self, pattern: str, offer: str) -> bool:
        return pattern == "*" or pattern == offer or offer.startswith(pattern + "-")


class CharsetAccept(Accept):
    """``Accept-Charset``."""

    __slots__ = ()


def parse_accept(value: str | None, cls: type[Accept] = Accept) -> Accept:
    """Parse an ``Accept-*`` header; items with a malformed or out-of-range ``q`` are skipped."""
    if not value:
        return cls(provided=False)
    items: list[tuple[str, float]] = []
    for raw in value.split(","):
        name, params = parse_options_header(raw)
        if not name or not _token_re.fullmatch(name):
            continue
        try:
            quality = float(params.get("q", 1))
        except ValueError:
            continue
        if 0 <= quality <= 1:
            items.append((cls._normalize(name), quality))
    return cls(items)


# -- Cache-Control ---------------------------------------------------------------------------


def _flag(name: str) -> property:
    def get(self: _CacheControl) -> bool:
        return name in self

    def set_(self: _CacheControl, value: bool | None) -> None:
        if value:
            self[name] = None
        else:
            self.pop(name, None)

    return property(get, set_, doc=f"The ``{name}`` directive.")


def _seconds(name: str) -> property:
    def get(self: _CacheControl) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            return None

    def set_(self: _CacheControl, value: int | None) -> None:
        if value is None:
            self.pop(name, None)
        else:
            self[name] = str(int(value))

    return property(get, set_, doc=f"The ``{name}`` directive in seconds, or ``None``.")


class _CacheControl(CallbackDict):
    """``Cache-Control`` directives: a dict of name to value (``None`` for flags), with
    attribute access (``cc.max_age``, ``cc.no_store``)."""

    no_cache = _flag("no-cache")
    no_store = _flag("no-store")
    no_transform = _flag("no-transform")
    max_age = _seconds("max-age")

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> Any:
        directives: dict[str, str | None] = {}
        for item in _split_list(value):
            name, sep, raw = item.partition("=")
            name = name.strip().lower()
            if not _token_re.fullmatch(name):
                continue
            raw = raw.strip()
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                raw = raw[1:-1]
            directives[name] = raw if sep else None
        return cls(directives, on_update)

    def to_header(self) -> str:
        return ", ".join(k if v is None else f"{k}={_quote(v)}" for k, v in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class RequestCacheControl(_CacheControl):
    """The directives a client sent (``request.cache_control``)."""

    max_stale = _seconds("max-stale")
    min_fresh = _seconds("min-fresh")
    only_if_cached = _flag("only-if-cached")
    stale_if_error = _seconds("stale-if-error")


class ResponseCacheControl(_CacheControl):
    """The directives of a response (``response.cache_control``); changes write the header."""

    public = _flag("public")
    private = _flag("private")
    must_revalidate = _flag("must-revalidate")
    proxy_revalidate = _flag("proxy-revalidate")
    must_understand = _flag("must-understand")
    immutable = _flag("immutable")
    s_maxage = _seconds("s-maxage")
    stale_while_revalidate = _seconds("stale-while-revalidate")
    stale_if_error = _seconds("stale-if-error")


# -- header sets (Vary, Allow, Content-Language...) ----------------------------------------


class HeaderSet:
    """A comma-separated header as an ordered, case-insensitive set (``response.vary``)."""

    def __init__(self, items: Iterable[str] = (), on_update: OnUpdate = None) -> None:
        self._items: list[str] = []
        for item in items:
            if item.lower() not in self._lowered():
                self._items.append(item)
        self.on_update = on_update

    def _lowered(self) -> set[str]:
        return {item.lower() for item in self._items}

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> HeaderSet:
        return cls(_split_list(value), on_update)

    def add(self, item: str) -> None:
        if item.lower() not in self._lowered():
            self._items.append(item)
            self._changed()

    def update(self, items: Iterable[str]) -> None:
        lowered = self._lowered()
        for item in items:
            if item.lower() not in lowered:
                self._items.append(item)
                lowered.add(item.lower())
        self._changed()

    def discard(self, item: str) -> None:
        key = item.lower()
        self._items = [i for i in self._items if i.lower() != key]
        self._changed()

    def remove(self, item: str) -> None:
        if item.lower() not in self._lowered():
            raise KeyError(item)
        self.discard(item)

    def clear(self) -> None:
        self._items.clear()
        self._changed()

    def find(self, item: str) -> int:
        key = item.lower()
        return next((i for i, v in enumerate(self._items) if v.lower() == key), -1)

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        return set(self._items) if preserve_casing else self._lowered()

    def to_header(self) -> str:
        return ", ".join(self._items)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and item.lower() in self._lowered()

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __getitem__(self, index: int) -> str:
        return self._items[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HeaderSet | set | frozenset | list | tuple):
            return self._lowered() == {str(i).lower() for i in other}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


# -- Content-Security-Policy -----------------------------------------------------------------


def _directive(name: str) -> property:
    def get(self: ContentSecurityPolicy) -> str | None:
        value: str | None = self.get(name)
        return value

    def set_(self: ContentSecurityPolicy, value: str | None) -> None:
        if value is None:
            self.pop(name, None)
        else:
            self[name] = value

    return property(get, set_, doc=f"The ``{name}`` directive.")


class ContentSecurityPolicy(CallbackDict):
    """A ``Content-Security-Policy`` header as directive name to value; changes write back."""

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> ContentSecurityPolicy:
        directives: dict[str, str] = {}
        for item in (value or "").split(";"):
            name, _, rest = item.strip().partition(" ")
            if name and _token_re.fullmatch(name):
                directives[name.lower()] = rest.strip()
        return cls(directives, on_update)

    def to_header(self) -> str:
        return "; ".join(f"{k} {v}".strip() for k, v in self.items())

    def __str__(self) -> str:
        return self.to_header()


_CSP_DIRECTIVES = (
    "base-uri", "child-src", "connect-src", "default-src", "font-src", "form-action",
    "frame-ancestors", "frame-src", "img-src", "manifest-src", "media-src", "navigate-to",
    "object-src", "prefetch-src", "plugin-types", "report-to", "report-uri", "sandbox",
    "script-src", "script-src-attr", "script-src-elem", "style-src", "style-src-attr",
    "style-src-elem", "worker-src",
)
for _name in _CSP_DIRECTIVES:
    setattr(ContentSecurityPolicy, _name.replace("-", "_"), _directive(_name))
