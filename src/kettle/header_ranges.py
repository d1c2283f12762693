"""``Range``, ``Content-Range`` and ``If-Range`` as objects with Werkzeug's names, over the
byte-range parsing of ``http.py`` (shared with ``send_file``)."""

from __future__ import annotations

import re
from datetime import datetime

from .header_values import OnUpdate
from .http import http_date, parse_date, parse_range_header, quote_etag, unquote_etag

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
        return cls(unquote_etag(value)[0])

    def to_header(self) -> str:
        if self.date is not None:
            return http_date(self.date)
        return quote_etag(self.etag) if self.etag is not None else ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


