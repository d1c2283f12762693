"""HTTP header vocabulary: options headers, ``Accept``, dates, entity tags, byte ranges and
the preconditions of conditional requests.

Small pure functions over header strings, with no request or app involved, so
requests, responses, sessions and static files can share them. Parsers are
lenient: a malformed part of a client's header is skipped, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import overload
from urllib.parse import unquote

__all__ = [
    "ByteRange",
    "ETags",
    "MIMEAccept",
    "content_range",
    "evaluate_preconditions",
    "http_date",
    "if_range_allows",
    "parse_accept_header",
    "parse_date",
    "parse_etags",
    "parse_options_header",
    "parse_range_header",
    "quote_etag",
    "satisfiable_ranges",
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
    if not rest:  # the common case, a bare type (``application/json``)
        return main.strip(" \t").lower(), {}
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

    def is_strong(self, etag: str) -> bool:
        """Whether ``etag`` (unquoted) is one of the strong tags."""
        return etag in self._strong

    def is_weak(self, etag: str) -> bool:
        """Whether ``etag`` (unquoted) is one of the weak tags."""
        return etag in self._weak

    def to_header(self) -> str:
        """The header value: ``*`` or the quoted tags, strong then weak."""
        if self.star_tag:
            return "*"
        tags = [f'"{t}"' for t in sorted(self._strong)] + [f'W/"{t}"' for t in sorted(self._weak)]
        return ", ".join(tags)

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


# -- conditional requests (RFC 9110 section 13) -------------------------------------------


def evaluate_preconditions(
    method: str,
    header: Callable[[str], str | None],
    etag: str | None,
    last_modified: int | None,
) -> int | None:
    """Apply ``If-Match``, ``If-Unmodified-Since``, ``If-None-Match`` and
    ``If-Modified-Since`` in RFC 9110's order (13.2.2) to a representation.

    Args:
        method: The request method; 304 is only for ``GET`` and ``HEAD``.
        header: Gives a request header's value, or ``None`` (``request.headers.get``).
        etag: The representation's strong entity tag, unquoted, or ``None``.
        last_modified: Its modification time, in whole seconds since the epoch, or ``None``.

    Returns:
        ``412`` (a precondition failed), ``304`` (not modified: send no body), or ``None``
        to answer normally. A malformed date is ignored, as the RFC asks.
    """
    if_match = header("If-Match")
    if if_match is not None:
        tags = parse_etags(if_match)
        if not (tags.star_tag or (etag is not None and tags.contains(etag))):
            return 412
    elif last_modified is not None:
        since = parse_date(header("If-Unmodified-Since"))
        if since is not None and last_modified > since.timestamp():
            return 412
    safe = method == "GET" or method == "HEAD"
    if_none_match = header("If-None-Match")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        if tags.star_tag or (etag is not None and tags.contains_weak(etag)):
            return 304 if safe else 412
    elif safe and last_modified is not None:
        since = parse_date(header("If-Modified-Since"))
        if since is not None and last_modified <= since.timestamp():
            return 304
    return None


def if_range_allows(value: str | None, etag: str | None, last_modified: int | None) -> bool:
    """Whether a ``Range`` may be honoured given ``If-Range`` (RFC 9110 13.1.5): absent, or
    naming the current representation by strong entity tag or by exact ``Last-Modified``."""
    if value is None:
        return True
    value = value.strip()
    if value.startswith(("\"", "W/", "w/")):
        tag, weak = unquote_etag(value)
        return not weak and etag is not None and tag == etag
    when = parse_date(value)
    return when is not None and last_modified is not None and int(when.timestamp()) == last_modified


# -- byte ranges (RFC 9110 section 14) -----------------------------------------------------

#: ``(first, last)`` of a ``bytes=first-last`` spec; ``None`` for an open end, or for the
#: first of a suffix range (``bytes=-500``: last 500 bytes, given as ``(None, 500)``).
ByteRange = tuple[int | None, int | None]
_range_spec_re = re.compile(r"[ \t]*(?:([0-9]+)[ \t]*-[ \t]*([0-9]*)|-[ \t]*([0-9]+))[ \t]*")


def parse_range_header(value: str | None, max_specs: int) -> list[ByteRange] | None:
    """Parse ``Range: bytes=0-99, 200-, -50`` into specs, without knowing the file size.

    Returns ``None`` (so the header is ignored and the whole file served, as RFC 9110
    allows) for a missing header, another unit, a syntax error, a spec whose last byte
    comes before its first, or more than ``max_specs`` specs.
    """
    if not value:
        return None
    unit, sep, specs = value.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = specs.split(",")
    if len(parts) > max_specs:
        return None
    ranges: list[ByteRange] = []
    for part in parts:
        if not part.strip():
            continue  # RFC 9110 list syntax tolerates empty elements
        match = _range_spec_re.fullmatch(part)
        if match is None:
            return None
        first, last, suffix = match.groups()
        if suffix is not None:
            ranges.append((None, _position(suffix)))
            continue
        start = _position(first)
        end = _position(last) if last else None
        if end is not None and end < start:
            return None
        ranges.append((start, end))
    return ranges or None


def _position(digits: str) -> int:
    """A byte position; beyond any file for more than 18 digits (``int()`` of thousands of
    digits is slow, and refused past 4300)."""
    return int(digits) if len(digits) <= 18 else 10**18


def satisfiable_ranges(specs: Iterable[ByteRange], size: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` byte spans (``stop`` exclusive) of ``specs`` that overlap a
    representation of ``size`` bytes, sorted, with overlapping or adjacent spans merged
    (RFC 9110 14.2 lets a server coalesce them). Empty: answer 416."""
    spans: list[tuple[int, int]] = []
    for first, last in specs:
        if first is None:  # suffix: the last ``last`` bytes
            if last:
                spans.append((max(size - last, 0), size))
        elif first < size:
            spans.append((first, size if last is None else min(last + 1, size)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def content_range(start: int, stop: int, size: int) -> str:
    """``Content-Range`` of the span ``[start, stop)``: ``"bytes 0-99/1000"``."""
    return f"bytes {start}-{stop - 1}/{size}"
