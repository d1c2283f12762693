"""Descriptor factories for header-backed attributes of ``Request`` and ``Response``.

``content_language = list_header_property("Content-Language")`` gives a property that
reads the header when accessed (nothing is parsed before) and, on a response, writes it:
assigning ``None`` removes the header, and a parsed object (``HeaderSet``,
``ResponseCacheControl``...) changed in place writes itself back. Request properties are
read-only, as the client's headers are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from .header_values import HeaderSet
from .http import http_date, parse_date


class _HasHeaders(Protocol):
    headers: Any


def _write(headers: Any, name: str, value: str | None) -> None:
    """Set header ``name``; ``None`` or an empty value removes it."""
    if value is None or value == "":
        headers.remove(name)
    else:
        headers.set(name, value)


def _property(
    name: str,
    read: Callable[[Any, str | None], Any],
    dump: Callable[[Any], str | None],
    doc: str,
    read_only: bool,
) -> property:
    """A property over header ``name``: ``read(owner, raw_value)`` to get, ``dump`` to set."""

    def get(self: _HasHeaders) -> Any:
        return read(self, self.headers.get(name))

    if read_only:
        return property(get, doc=doc)

    def set_(self: _HasHeaders, value: Any) -> None:
        _write(self.headers, name, None if value is None else dump(value))

    def delete(self: _HasHeaders) -> None:
        self.headers.remove(name)

    return property(get, set_, delete, doc=doc)


def header_property(name: str, doc: str | None = None, read_only: bool = False) -> property:
    """The header's value as a string, or ``None``."""
    return _property(name, lambda _, raw: raw, str, doc or f"The ``{name}`` header.", read_only)


def _to_int(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    return int(raw) if raw.isdigit() and raw.isascii() and len(raw) <= 18 else None


def int_header_property(name: str, doc: str | None = None, read_only: bool = False) -> property:
    """The header as a non-negative int; ``None`` when absent or not a number."""
    doc = doc or f"The ``{name}`` header as an int."
    return _property(name, lambda _, raw: _to_int(raw), lambda v: str(int(v)), doc, read_only)


def _dump_date(value: datetime | date | int | float | str) -> str:
    return value if isinstance(value, str) else http_date(value)


def date_header_property(name: str, doc: str | None = None, read_only: bool = False) -> property:
    """The header as an aware UTC ``datetime``; ``None`` when absent or malformed.
    Assign a ``datetime``, a ``date`` or a Unix timestamp."""
    doc = doc or f"The ``{name}`` header as a datetime."
    return _property(name, lambda _, raw: parse_date(raw), _dump_date, doc, read_only)


def _dump_seconds(value: timedelta | int | str) -> str:
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    return str(value) if isinstance(value, str) else str(int(value))


def seconds_header_property(
    name: str, doc: str | None = None, read_only: bool = False
) -> property:
    """The header as a ``timedelta`` of seconds (``Age``); assign seconds or a timedelta."""

    def read(_: Any, raw: str | None) -> timedelta | None:
        seconds = _to_int(raw)
        return None if seconds is None else timedelta(seconds=seconds)

    return _property(name, read, _dump_seconds, doc or f"The ``{name}`` header.", read_only)


def _dump_list(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "to_header"):
        return str(value.to_header())
    return ", ".join(str(item) for item in value)


def parsed_header_property(
    name: str,
    parse: Callable[[str | None, Callable[[Any], None] | None], Any],
    doc: str,
    read_only: bool = False,
) -> property:
    """The header parsed by ``parse(raw, on_update)``; on a response the object writes
    itself back (``to_header()``) when changed, and assigning a string or object sets it."""

    def read(owner: _HasHeaders, raw: str | None) -> Any:
        if read_only:
            return parse(raw, None)
        headers = owner.headers
        return parse(raw, lambda obj: _write(headers, name, obj.to_header()))

    return _property(name, read, _dump_list, doc, read_only)


def list_header_property(name: str, doc: str | None = None, read_only: bool = False) -> property:
    """The comma-separated header as a ``HeaderSet`` (``response.vary.add("Cookie")``)."""
    doc = doc or f"The ``{name}`` header as a set of values."
    return parsed_header_property(name, HeaderSet.from_header, doc, read_only)


def bool_header_property(name: str, doc: str | None = None) -> property:
    """``True`` when the header is ``true`` (``Access-Control-Allow-Credentials``);
    assigning ``False`` removes it."""
    return _property(
        name, lambda _, raw: raw == "true", lambda v: "true" if v else None,
        doc or f"The ``{name}`` header as a bool.", False,
    )

