"""Parsed header values with Werkzeug's names: ``Accept`` lists, ``Authorization``,
``WWW-Authenticate``, ``Cache-Control``, header sets (``Vary``), ``Range``,
``Content-Range``, ``If-Range`` and ``Content-Security-Policy``.

Each object parses one header string and, on a response, writes itself back through an
``on_update`` callback whenever it is changed (``response.cache_control.max_age = 60``).
Parsing is strict where a value carries credentials (``Authorization``: malformed gives
``None``) and lenient elsewhere (junk items are skipped), never raising on client input.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, overload

from .http import http_date, parse_date, parse_options_header, parse_range_header, quote_etag
from .http import unquote_etag as _unquote_etag

OnUpdate = Callable[[Any], None] | None

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_token_re = re.compile(_TOKEN)
_token68_re = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_auth_param_re = re.compile(rf'\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|{_TOKEN})\s*(?:,|\Z)')
_unescape_re = re.compile(r"\\(.)")


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


# -- Authorization and WWW-Authenticate -----------------------------------------------------


def _parse_auth_params(text: str) -> dict[str, str] | None:
    """``realm="x", nonce=abc`` as a dict; ``None`` if it is not a clean list of params."""
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _auth_param_re.match(text, pos)
        if match is None:
            return None
        key, raw = match.group(1).lower(), match.group(2)
        params[key] = _unescape_re.sub(r"\1", raw[1:-1]) if raw.startswith('"') else raw
        pos = match.end()
    return params


class Authorization:
    """The ``Authorization`` header: ``type`` (lower-cased), ``parameters`` and ``token``.

    Basic credentials give ``username`` and ``password``; ``Bearer`` (and any scheme sent
    as one token68) gives ``token``; parameter schemes (``Digest``) give ``parameters``.
    """

    def __init__(
        self, auth_type: str, data: dict[str, str] | None = None, token: str | None = None
    ) -> None:
        self.type = auth_type.lower()
        self.parameters: dict[str, str] = dict(data or {})
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        """``auth.username``, ``auth.realm``...: a parameter, or ``None``."""
        if name.startswith("_") or name == "parameters":
            raise AttributeError(name)
        return self.parameters.get(name)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.parameters.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.parameters[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Authorization) and (
            (other.type, other.parameters, other.token) == (self.type, self.parameters, self.token)
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse the header; ``None`` for anything malformed (a bad request is not a 500)."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if not _token_re.fullmatch(scheme):
            return None
        scheme = scheme.lower()
        if scheme == "basic":
            return cls._basic(rest)
        if not rest:
            return cls(scheme)
        if _token68_re.fullmatch(rest):
            return cls(scheme, None, rest)
        params = _parse_auth_params(rest)
        return None if params is None else cls(scheme, params)

    @classmethod
    def _basic(cls, encoded: str) -> Authorization | None:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return None
        username, sep, password = decoded.partition(":")
        if not sep:
            return None
        return cls("basic", {"username": username, "password": password})

    def to_header(self) -> str:
        if self.type == "basic":
            raw = f"{self.parameters.get('username', '')}:{self.parameters.get('password', '')}"
            return f"Basic {base64.b64encode(raw.encode()).decode()}"
        name = self.type.title()
        if self.token is not None:
            return f"{name} {self.token}"
        if self.parameters:
            return f"{name} " + ", ".join(f"{k}={_quote(v)}" for k, v in self.parameters.items())
        return name

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type!r}>"


class WWWAuthenticate:
    """A ``WWW-Authenticate`` challenge (``Basic realm="x"``); changes write the header back."""

    def __init__(
        self,
        auth_type: str,
        values: dict[str, str] | None = None,
        token: str | None = None,
        on_update: OnUpdate = None,
    ) -> None:
        self._type = auth_type.lower()
        self._token = token
        self._on_update = on_update
        self.parameters = CallbackDict(values or {}, self._changed)

    def _changed(self, _: Any = None) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        self._type = value.lower()
        self._changed()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._changed()

    @property
    def realm(self) -> str | None:
        return self.parameters.get("realm")

    @realm.setter
    def realm(self, value: str | None) -> None:
        if value is None:
            self.parameters.pop("realm", None)
        else:
            self.parameters["realm"] = value

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> WWWAuthenticate | None:
        """Parse a challenge; ``None`` when it is malformed."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if not _token_re.fullmatch(scheme):
            return None
        if not rest:
            return cls(scheme, on_update=on_update)
        params = _parse_auth_params(rest)
        if params is not None:
            return cls(scheme, params, on_update=on_update)
        if _token68_re.fullmatch(rest):
            return cls(scheme, None, rest, on_update)
        return None

    def to_header(self) -> str:
        name = self._type.title()
        if self._token is not None:
            return f"{name} {self._token}"
        if self.parameters:
            pairs = (f'{k}="{_escape(v)}"' for k, v in self.parameters.items())
            return f"{name} " + ", ".join(pairs)
        return name

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


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


# -- Range, Content-Range, If-Range -----------------------------------------------------------

#: At most this many specs in a ``Range`` header are parsed (``SEND_FILE_MAX_RANGES``'s default).
MAX_RANGE_SPECS = 16


class Range:
    """A ``Range: bytes=...`` header: ``ranges`` as ``(start, stop)`` pairs, ``stop``
    exclusive or ``None`` for an open end; a suffix range is ``(-n, None)`` (Werkzeug's form)."""

    def __init__(self, units: str, ranges: list[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges

    @classmethod
    def from_header(cls, value: str | None) -> Range | None:
        specs = parse_range_header(value, MAX_RANGE_SPECS)
        if specs is None:
            return None
        ranges: list[tuple[int, int | None]] = []
        for first, last in specs:
            if first is None:
                ranges.append((-(last or 0), None))
            else:
                ranges.append((first, None if last is None else last + 1))
        return cls("bytes", ranges)

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """The ``(start, stop)`` of a single range over ``length`` bytes, or ``None``."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                start += length
        start, stop = max(start, 0), min(stop, length)
        return (start, stop) if start < stop else None

    def make_content_range(self, length: int | None) -> ContentRange | None:
        span = self.range_for_length(length)
        return None if span is None else ContentRange(self.units, span[0], span[1], length)

    def to_header(self) -> str:
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(f"{start}-" if start >= 0 else str(start))
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        span = self.range_for_length(length)
        return None if span is None else f"{self.units} {span[0]}-{span[1] - 1}/{length}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


_content_range_re = re.compile(r"\s*(\w+)\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*")


class ContentRange:
    """A ``Content-Range`` header (``bytes 0-99/1000``): ``units``, ``start``, ``stop``
    (exclusive) and ``length``; changes write the header back."""

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: OnUpdate = None,
    ) -> None:
        self.on_update = None
        self.set(start, stop, length, units)
        self.on_update = on_update

    def set(
        self, start: int | None, stop: int | None, length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        self.units, self.start, self.stop, self.length = units, start, stop, length
        if self.on_update is not None:
            self.on_update(self)

    def unset(self) -> None:
        """Drop the header."""
        self.set(None, None, None, None)

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> ContentRange | None:
        match = _content_range_re.fullmatch(value or "")
        if match is None:
            return None
        units, start, stop, length = match.groups()
        size = None if length == "*" else int(length)
        if start is None:
            return cls(units, None, None, size, on_update)
        first, last = int(start), int(stop)
        if last < first or (size is not None and last >= size):
            return None
        return cls(units, first, last + 1, size, on_update)

    def to_header(self) -> str:
        if self.units is None:
            return ""
        length = "*" if self.length is None else str(self.length)
        if self.start is None or self.stop is None:
            return f"{self.units} */{length}"
        return f"{self.units} {self.start}-{self.stop - 1}/{length}"

    def __bool__(self) -> bool:
        return self.units is not None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class IfRange:
    """An ``If-Range`` header: an entity tag (``etag``) or a date (``date``), or neither."""

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    @classmethod
    def from_header(cls, value: str | None) -> IfRange:
        if not value:
            return cls()
        when = parse_date(value)
        if when is not None:
            return cls(date=when)
        return cls(_unquote_etag(value)[0])

    def to_header(self) -> str:
        if self.date is not None:
            return http_date(self.date)
        return quote_etag(self.etag) if self.etag is not None else ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


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
