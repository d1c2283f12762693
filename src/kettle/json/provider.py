"""JSON providers, as Flask's ``flask.json.provider``: ``JSONProvider`` and ``DefaultJSONProvider``.

``app.json`` is an instance of ``app.json_provider_class``. ``DefaultJSONProvider`` encodes
with msgspec; subclass it to handle more types (override ``default``) or change
``sort_keys``/``compact``/``ensure_ascii``/``mimetype``; subclass ``JSONProvider`` to use
another JSON library (implement ``dumps`` and ``loads``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import msgspec

from . import _default, _encoder, _sorted_encoder

if TYPE_CHECKING:
    from ..app import Kettle
    from ..response import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]

_non_ascii_re = re.compile(r"[^\x00-\x7f]")


def _escape_non_ascii(text: str) -> str:
    """``\\uXXXX`` escapes for non-ASCII characters (surrogate pairs beyond the BMP)."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _non_ascii_re.sub(escape, text)


class JSONProvider:
    """How an app reads and writes JSON (``app.json``); Flask's base class.

    A subclass implements :meth:`dumps` and :meth:`loads`; ``dump``, ``load`` and
    ``response`` (``jsonify``) are built on them.
    """

    #: Set by ``freeze`` when responses can be encoded without calling ``dumps``.
    _frozen: tuple[Callable[[Any], bytes], Callable[..., Response], tuple[str, str]] | None = None
    _mimetype: str | None = None

    def __init__(self, app: Kettle) -> None:
        self._app = app

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON string or bytes."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        fp.write(self.dumps(obj, **kwargs))

    def load(self, fp: IO[str] | IO[bytes], **kwargs: Any) -> Any:
        return self.loads(fp.read(), **kwargs)

    def dumpb(self, obj: Any) -> bytes:
        """``obj`` as JSON bytes: what a response sends."""
        return self.dumps(obj).encode()

    @property
    def mimetype(self) -> str:
        """Content type of JSON responses: ``config["JSONIFY_MIMETYPE"]`` unless set here."""
        return self._mimetype or self._app.config.get("JSONIFY_MIMETYPE") or "application/json"

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self._mimetype = value
        self._frozen = None

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response of ``args`` (one value, or a list of several) or ``kwargs``."""
        if args and kwargs:
            raise TypeError("jsonify() takes either positional or keyword arguments, not both")
        data: Any = (args[0] if len(args) == 1 else list(args)) if args else kwargs
        return self.response_for(data)

    def response_for(self, data: Any) -> Response:
        """A JSON response of one value: what a view returning a dict or list gets."""
        frozen = self._frozen
        if frozen is not None:  # settings read once when the app started serving
            encode, direct, header = frozen
            return direct(encode(data), header)
        return self._app.response_class(self.dumpb(data), mimetype=self.mimetype)

    def freeze(self) -> None:
        """Read the settings once, when the app starts serving (nothing to read here)."""


class DefaultJSONProvider(JSONProvider):
    """kettle's provider: msgspec, several times faster than the standard library.

    Encodes dataclasses, datetimes (ISO 8601), UUIDs, Decimals (as strings), enums,
    ``msgspec.Struct``, markup (``__html__``) and pydantic models. Decoding is strict:
    no NaN, no trailing data.
    """

    #: Called for objects msgspec cannot encode; override (as a ``staticmethod`` or method)
    #: to support more types, calling the parent's for the rest.
    default: Callable[[Any], Any] = staticmethod(_default)
    #: ``True`` escapes non-ASCII characters as ``\\uXXXX``. kettle sends UTF-8 by default
    #: (Flask escapes): both decode to the same values.
    ensure_ascii = False
    #: ``False`` indents the output (two spaces); ``None`` and ``True`` are compact.
    compact: bool | None = None
    _sort_keys: bool | None = None

    def __init__(self, app: Kettle) -> None:
        super().__init__(app)
        custom = type(self).default is not DefaultJSONProvider.default
        self._encoders = (
            (msgspec.json.Encoder(enc_hook=self.default, decimal_format="string"),
             msgspec.json.Encoder(enc_hook=self.default, decimal_format="string",
                                  order="sorted"))
            if custom else (_encoder, _sorted_encoder)
        )

    @property
    def sort_keys(self) -> bool:
        """Sort object keys: ``config["JSON_SORT_KEYS"]`` unless set here."""
        if self._sort_keys is not None:
            return self._sort_keys
        return bool(self._app.config.get("JSON_SORT_KEYS", False))

    @sort_keys.setter
    def sort_keys(self, value: bool) -> None:
        self._sort_keys = value
        self._frozen = None

    def _encode(self, obj: Any, sort_keys: bool) -> bytes:
        data = self._encoders[1 if sort_keys else 0].encode(obj)
        if self.compact is False:
            data = msgspec.json.format(data, indent=2)
        if self.ensure_ascii:
            data = _escape_non_ascii(data.decode()).encode()
        return data

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj, kwargs.get("sort_keys", self.sort_keys)).decode()

    def dumpb(self, obj: Any) -> bytes:
        return self._encode(obj, self.sort_keys)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return msgspec.json.decode(s)

    def freeze(self) -> None:
        """Read the JSON settings once; the app calls this when it starts serving."""
        from ..response import Response, content_type_for

        response_class = self._app.response_class
        plain = response_class.direct.__func__ is Response.direct.__func__  # type: ignore[attr-defined]
        cls = type(self)
        untouched = (
            cls.dumpb is DefaultJSONProvider.dumpb and cls.dumps is DefaultJSONProvider.dumps
            and not self.ensure_ascii and self.compact is not False
        )
        if untouched and plain:
            header = ("Content-Type", content_type_for(self.mimetype))
            encoder = self._encoders[1 if self.sort_keys else 0]
            self._frozen = (encoder.encode, response_class.direct, header)
