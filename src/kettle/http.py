"""HTTP header vocabulary: options headers, ``Accept``, dates and entity tags.

Small pure functions over header strings, with no request or app involved, so
requests, responses, sessions and static files can share them. Parsers are
lenient: a malformed part of a client's header is skipped, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import overload
from urllib.parse import unquote

__all__ = [
    "ETags",
    "MIMEAccept",
    "http_date",
    "parse_accept_header",
    "parse_date",
    "parse_etags",
    "parse_options_header",
    "quote_etag",
    "unquote_etag",
]

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# One "; key=value" parameter, value a quoted-string or a (leniently) bare word.
_param_re = re.compile(
    rf'[ \t]*({_TOKEN})[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^\x00-\x20\x7f";]+)[ \t]*(?:;|\Z)',
    re.DOTALL,
)
_unescape_re = re.compile(r"\\(.)", re.DOTALL)
_accept_item_re = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+', re.DOTALL)
_mime_re = re.compile(rf"{_TOKEN}/{_TOKEN}")
_RFC2231_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "latin-1", "us-ascii": "ascii"}


def _decode_rfc2231(value: str) -> str | None:
    """Decode ``charset'lang'percent-encoded`` (``filename*=UTF-8''%E2%82%AC``)."""
    charset, _, rest = value.partition("'")
    _lang, sep, encoded = rest.partition("'")
    encoding = _RFC2231_CHARSETS.get(charset.lower() or "utf-8")
    if not sep or encoding is None:
        return None
    return unquote(encoded, encoding=encoding, errors="replace")


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header like ``Content-Type`` into its value and parameters.

    ``"text/html; charset=UTF-8"`` gives ``("text/html", {"charset": "UTF-8"})``.
    The value and parameter names are lowercased, parameter values are kept as
    sent (unquoted). Malformed parameters are skipped. An RFC 2231 extended
    parameter (``filename*=UTF-8''...``) is decoded and wins over the plain one.
    """
    if not value:
        return "", {}
    main, _, rest = value.partition(";")
    options: dict[str, str] = {}
    extended: dict[str, str] = {}
    pos, end = 0, len(rest)
    while pos < end:
        match = _param_re.match(rest, pos)
        if match is None:
            pos = rest.find(";", pos) + 1
            if pos == 0:
                break
            continue
        pos = match.end()
        key, raw = match.group(1).lower(), match.group(2)
        if raw[0] == '"':
            raw = _unescape_re.sub(r"\1", raw[1:-1])
        if len(key) > 1 and key.endswith("*") and (decoded := _decode_rfc2231(raw)) is not None:
            extended[key[:-1]] = decoded
        else:
            options[key] = raw
    options.update(extended)
    return main.strip(" \t").lower(), options


def _specificity(mime: str) -> int:
    """2 for ``type/sub``, 1 for ``type/*``, 0 for ``*/*``."""
    if mime == "*/*":
        return 0
    return 1 if mime.endswith("/*") else 2


def _mime_matches(pattern: str, mime: str) -> bool:
    p_type, _, p_sub = pattern.partition("/")
    m_type, _, m_sub = mime.partition("/")
    return (p_type == "*" or m_type == "*" or p_type == m_type) and (
        p_sub == "*" or m_sub == "*" or p_sub == m_sub
    )


def _normalize_offer(mime: str) -> str:
    """Lowercase an application-side mimetype and drop its parameters."""
    normal = mime.partition(";")[0].strip().lower()
    if not _mime_re.fullmatch(normal) or (normal.startswith("*/") and normal != "*/*"):
        raise ValueError(f"Invalid mimetype {mime!r}")
    return normal


class MIMEAccept:
    """A parsed ``Accept`` header: ``(mimetype, quality)`` pairs, best first.

    Pairs are sorted by quality, then specificity (``text/html`` before
    ``text/*`` before ``*/*``), then header order. Lookups follow RFC 9110: the
    most specific range matching a mimetype decides its quality, so
    ``text/*, text/plain;q=0`` accepts ``text/html`` but refuses ``text/plain``.
    Media-range parameters other than ``q`` are ignored. Iterate, index and
    ``len()`` it like a list; ``"text/html" in accept`` asks whether a mimetype
    is acceptable.

    An absent header gives an empty object with :attr:`provided` ``False``;
    nothing matches it, so pass a ``default`` to :meth:`best_match`.
    """

    __slots__ = ("_items", "provided")

    def __init__(self, items: Iterable[tuple[str, float]] = (), provided: bool = True) -> None:
        ranked = sorted(items, key=lambda item: (-item[1], -_specificity(item[0])))
        self._items: tuple[tuple[str, float], ...] = tuple(ranked)
        self.provided = provided

    @overload
    def __getitem__(self, index: int) -> tuple[str, float]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, float]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, float] | Sequence[tuple[str, float]]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return iter(self._items)

    def __contains__(self, mime: str) -> bool:
        """Whether ``mime`` is acceptable (quality above zero)."""
        return isinstance(mime, str) and self.quality(mime) > 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._items)!r})"

    def _lookup(self, mime: str) -> tuple[float, int]:
        """Quality and specificity of the most specific range matching ``mime``."""
        quality, specificity = 0.0, -1
        for pattern, q in self._items:
            if _mime_matches(pattern, mime):
                spec = _specificity(pattern)
                if spec > specificity:
                    quality, specificity = q, spec
        return quality, specificity

    def quality(self, mime: str) -> float:
        """The client's quality for ``mime``; 0 when it is not acceptable.

        Raises:
            ValueError: ``mime`` is not a ``type/subtype`` (a programming error).
        """
        return self._lookup(_normalize_offer(mime))[0]

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Choose among the mimetypes the server can produce.

        The highest quality wins, then the most specific matching range, then
        the earlier entry in ``matches``. Mimetypes with quality 0 are excluded.

        Args:
            matches: Mimetypes the server can send, in order of preference.
            default: Returned when none is acceptable.
        """
        result = default
        best = (0.0, -1)
        for mime in matches:
            score = self._lookup(_normalize_offer(mime))
            if score[0] > 0 and score > best:
                result, best = mime, score
        return result

    @property
    def best(self) -> str | None:
        """The client's most preferred range, or ``None``."""
        if self._items and self._items[0][1] > 0:
            return self._items[0][0]
        return None

    @property
    def accept_json(self) -> bool:
        """Whether the client accepts ``application/json``."""
        return self.quality("application/json") > 0

    @property
    def accept_html(self) -> bool:
        """Whether the client accepts ``text/html`` or XHTML."""
        return self.quality("text/html") > 0 or self.quality("application/xhtml+xml") > 0


def _accept_item(item: str) -> tuple[str, float] | None:
    mime, params = parse_options_header(item)
    if mime == "*":
        mime = "*/*"  # Old clients send a bare "*".
    if not _mime_re.fullmatch(mime) or (mime.startswith("*/") and mime != "*/*"):
        return None
    try:
        quality = float(params.get("q", 1))
    except ValueError:
        return None
    if not 0 <= quality <= 1:  # also false for NaN
        return None
    return mime, quality


def parse_accept_header(value: str | None) -> MIMEAccept:
    """Parse an ``Accept`` header; malformed items and bad ``q`` values are skipped."""
    if not value:
        return MIMEAccept(provided=False)
    raw_items = value.split(",") if '"' not in value else _accept_item_re.findall(value)
    items = [item for raw in raw_items if (item := _accept_item(raw)) is not None]
    return MIMEAccept(items)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(value: datetime | date | int | float | None = None) -> str:
    """Format a time as an IMF-fixdate: ``"Sun, 06 Nov 1994 08:49:37 GMT"``.

    Formatted by hand so the result never depends on the process locale.

    Args:
        value: An aware ``datetime`` (converted to UTC), a naive one (taken as
            UTC), a ``date`` (midnight UTC), a Unix timestamp, or ``None`` for now.
    """
    if value is None:
        dt = datetime.now(UTC)
    elif isinstance(value, datetime):
        dt = value.astimezone(UTC) if value.tzinfo else value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        dt = datetime.fromtimestamp(value, UTC)
    return (
        f"{_DAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month - 1]} {dt.year:04d}"
        f" {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (IMF-fixdate, RFC 850 or asctime) into an aware UTC datetime.

    Returns:
        ``None`` for a missing or malformed date, so conditional-request code
        can simply ignore a bad ``If-Modified-Since``.
    """
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value.strip())
        if dt.tzinfo is None:
            return dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote an entity tag for the ``ETag`` header, ``W/``-prefixed when weak.

    Raises:
        ValueError: ``etag`` holds a ``"`` or a control character.
    """
    if '"' in etag or any(c < " " or c == "\x7f" for c in etag):
        raise ValueError(f"Invalid entity tag: {etag!r}")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(etag: str) -> tuple[str, bool]:
    """Undo :func:`quote_etag`: ``'W/"abc"'`` gives ``("abc", True)``."""
    etag = etag.strip()
    weak = etag[:2] in ("W/", "w/")
    if weak:
        etag = etag[2:]
    if len(etag) >= 2 and etag[0] == etag[-1] == '"':
        etag = etag[1:-1]
    return etag, weak


class ETags:
    """The entity tags of an ``If-Match`` / ``If-None-Match`` header.

    Holds strong and weak tags apart, because ``If-Match`` uses strong comparison
    (:meth:`contains`) and ``If-None-Match`` weak comparison (:meth:`contains_weak`).
    A ``*`` header matches any tag.
    """

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: Iterable[str] = (),
        weak_etags: Iterable[str] = (),
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags)
        self._weak = frozenset(weak_etags)
        self.star_tag = star_tag

    def contains(self, etag: str) -> bool:
        """Strong comparison: ``etag`` (unquoted) is one of the strong tags."""
        return self.star_tag or etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: ``etag`` (unquoted) is any of the tags, weak or strong."""
        return self.star_tag or etag in self._strong or etag in self._weak

    def contains_raw(self, etag: str) -> bool:
        """Like :meth:`contains`, for a quoted tag; a ``W/`` tag compares weakly."""
        value, weak = unquote_etag(etag)
        return self.contains_weak(value) if weak else self.contains(value)

    def as_set(self, include_weak: bool = False) -> set[str]:
        """The tags as a plain set, strong only unless ``include_weak``."""
        return set(self._strong | self._weak) if include_weak else set(self._strong)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strong)

    def __len__(self) -> int:
        return len(self._strong)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {sorted(self._strong | self._weak)!r} star={self.star_tag}>"


_etag_re = re.compile(r'([Ww]/)?"([^"]*)"|(\*)(?=\s*(?:,|$))|([^\s,"]+)')


def parse_etags(value: str | None) -> ETags:
    """Parse an ``If-Match`` / ``If-None-Match`` header; junk is skipped.

    Unquoted tags, which some clients send, are accepted as strong tags.
    """
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    for match in _etag_re.finditer(value):
        is_weak, quoted, star, bare = match.groups()
        if star:
            return ETags(star_tag=True)
        (weak if is_weak else strong).append(quoted if quoted is not None else bare)
    return ETags(strong, weak)
