"""Tagged JSON: Flask's session format, so sessions move between Flask and kettle.

JSON has no tuples, bytes, markup, UUIDs or datetimes. A value of such a type is written
as a one-key object whose key is a *tag* (``{" t": [...]}`` for a tuple) and turned back
on loading. The tags, their keys and their JSON forms are exactly Flask's
(``flask.json.tag``), and the JSON text is compact, so a session cookie written by one
framework is read by the other:

- ``tuple``: ``{" t": [tagged items]}``
- ``bytes``: ``{" b": "<base64>"}``
- ``Markup`` (anything with ``__html__``): ``{" m": "<html>"}``
- ``UUID``: ``{" u": "<hex>"}``
- ``datetime``: ``{" d": "<HTTP date>"}`` (read back as aware UTC, to the second)
- a dict whose only key is a tag key: ``{" di": {key + "__": tagged value}}``

Add a type by subclassing :class:`JSONTag` and registering it::

    class TagDecimal(JSONTag):
        key = " dec"
        def check(self, value): return isinstance(value, Decimal)
        def to_json(self, value): return str(value)
        def to_python(self, value): return Decimal(value)

    app.session_interface.serializer.register(TagDecimal, index=0)

Encoding uses msgspec, decoding too (about ten times faster than the standard library
for a small session); the standard library takes over for the rare values msgspec
cannot write as Python's ``json`` does (``NaN``, lone surrogates).
"""

from __future__ import annotations

import dataclasses
import decimal
import json as stdlib_json
import math
from base64 import b64decode, b64encode
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from markupsafe import Markup

from ..http import http_date, parse_date

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One extra type: how to recognise it, write it as JSON and read it back."""

    __slots__ = ("serializer",)

    #: The key marking a value of this type; empty for a tag that only walks a container.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """``value`` as JSON-able data (without the tag around it)."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """The Python value back from :meth:`to_json`'s data (the tag already removed)."""
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """``value`` as JSON-able data wrapped in this tag: ``{key: to_json(value)}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is a tag key: the key gets a ``__`` suffix, so the dict is
    not mistaken for a tagged value on loading."""

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:
            return False
        return next(iter(value)) in self.serializer.tags

    def to_json(self, value: Any) -> Any:
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: Any) -> Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Any other dict: its values are tagged, the dict itself is not."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: its items are tagged, the list itself is not."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` (markupsafe's protocol); always read back as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime as an HTTP date: read back as an aware UTC datetime, to the second."""

    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return http_date(value)

    def to_python(self, value: Any) -> Any:
        return parse_date(value)


_DEFAULT_TAGS: list[type[JSONTag]] = [
    TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime,
]
_NO_TAG_NEEDED = frozenset({str, int, bool, type(None)})


class _NonFinite(float):
    """``NaN`` or an infinity on its way out: msgspec would write ``null``, so meeting one
    hands the encoding to the standard library (which writes ``NaN`` as Flask does)."""


class _NeedsStdlib(Exception):
    pass


def _plain(value: Any) -> Any:
    """An untagged leaf as Flask's JSON encoder writes it (its ``default`` function)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else _NonFinite(value)
    if isinstance(value, str | int):  # bool, enums and subclasses: msgspec's hook below
        return value
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _enc_hook(value: Any) -> Any:
    """What msgspec meets but does not take natively: subclasses of the JSON types."""
    if isinstance(value, _NonFinite):
        raise _NeedsStdlib
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return _plain(float.__float__(value))
    return _plain(value)


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="string")
_decode = msgspec.json.decode


class TaggedJSONSerializer:
    """Dumps and loads JSON with tagged types: the ``serializer`` itsdangerous is given.

    ``register`` adds a :class:`JSONTag`; the default tags are Flask's, in Flask's order.
    """

    __slots__ = ("_default_order", "order", "tags")

    #: Tag classes every new serializer starts with, in the order they are tried.
    default_tags: list[type[JSONTag]] = list(_DEFAULT_TAGS)

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._default_order = False
        for cls in self.default_tags:
            self.register(cls)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag, tried after the others (or at ``index`` in the order).

        Raises:
            KeyError: a tag with the same key exists and ``force`` is not set.
        """
        tag = tag_class(self)
        if tag.key:
            if not force and tag.key in self.tags:
                raise KeyError(f"Tag '{tag.key}' is already registered.")
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        # With exactly Flask's tags, plain values need no search through the order.
        self._default_order = [type(t) for t in self.order] == _DEFAULT_TAGS

    def tag(self, value: Any) -> Any:
        """``value`` as JSON-able data, tagged where JSON has no such type."""
        if self._default_order:
            cls = value.__class__
            if cls in _NO_TAG_NEEDED:
                return value
            if cls is float:
                return _plain(value)
            if cls is dict:
                if len(value) == 1 and next(iter(value)) in self.tags:
                    return self.order[0].tag(value)
                tag = self.tag
                return {k: tag(v) for k, v in value.items()}
            if cls is list:
                tag = self.tag
                return [tag(item) for item in value]
        for tagger in self.order:
            if tagger.check(value):
                return tagger.tag(value)
        return _plain(value)

    def untag(self, value: dict[str, Any]) -> Any:
        """The Python value a one-key tagged dict stands for (other dicts unchanged)."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tagger = self.tags.get(key)
        if tagger is None:
            return value
        return tagger.to_python(value[key])

    def _untag_scan(self, value: Any) -> Any:
        cls = value.__class__
        if cls is dict:
            scan = self._untag_scan
            value = {k: scan(v) for k, v in value.items()}
            return self.untag(value) if len(value) == 1 else value
        if cls is list:
            scan = self._untag_scan
            return [scan(item) for item in value]
        return value

    def dumps(self, value: Any) -> str:
        """``value`` tagged and written as compact JSON."""
        tagged = self.tag(value)
        try:
            return _encoder.encode(tagged).decode()
        except (_NeedsStdlib, UnicodeEncodeError):
            return stdlib_json.dumps(tagged, separators=(",", ":"), default=_plain)

    def loads(self, value: str | bytes) -> Any:
        """JSON read and its tagged values turned back into Python values."""
        try:
            data = _decode(value)
        except msgspec.DecodeError:  # NaN, Infinity or a lone surrogate Python's json wrote
            data = stdlib_json.loads(value)
        return self._untag_scan(data)
