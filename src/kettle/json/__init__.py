"""JSON on msgspec: ``jsonify``, ``dumps``/``loads`` and the app's ``JSONProvider``.

msgspec encodes dataclasses, datetimes (ISO 8601), UUIDs, Decimals (as strings,
as Flask does), enums and ``msgspec.Struct`` natively and several times faster
than the standard library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from ..app import Kettle
    from ..response import Response


def _default(value: Any) -> Any:
    """Types msgspec does not know: markup (``__html__``), subclasses of str/int/float
    (msgspec takes only the exact types), and anything with ``__json__``."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    if hasattr(value, "__json__"):
        return value.__json__()
    if hasattr(value, "model_dump"):  # pydantic v2 models
        return value.model_dump(mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encoder = msgspec.json.Encoder(enc_hook=_default, decimal_format="string")
_sorted_encoder = msgspec.json.Encoder(
    enc_hook=_default, decimal_format="string", order="sorted"
)


def dumps(obj: Any, sort_keys: bool = False) -> str:
    """Serialize ``obj`` to a JSON string."""
    return (_sorted_encoder if sort_keys else _encoder).encode(obj).decode()


def dumpb(obj: Any, sort_keys: bool = False) -> bytes:
    """Serialize ``obj`` to JSON bytes (what responses send)."""
    return (_sorted_encoder if sort_keys else _encoder).encode(obj)


def loads(data: str | bytes) -> Any:
    """Parse JSON strictly: no NaN or Infinity, no trailing data."""
    return msgspec.json.decode(data)


def dump(obj: Any, fp: Any, sort_keys: bool = False) -> None:
    """Serialize ``obj`` as JSON into the text file ``fp`` (Flask's ``json.dump``)."""
    fp.write(dumps(obj, sort_keys=sort_keys))


def load(fp: Any) -> Any:
    """Parse the JSON in the file ``fp`` (text or binary; Flask's ``json.load``)."""
    return loads(fp.read())


class JSONProvider:
    """How an app reads and writes JSON; ``app.json``. Subclass to change the encoding."""

    def __init__(self, app: Kettle) -> None:
        self._app = app
        self._mimetype: str | None = None
        self._frozen: (
            tuple[Callable[[Any], bytes], Callable[..., Response], tuple[str, str]] | None
        ) = None

    @property
    def mimetype(self) -> str:
        """Content type of JSON responses: ``config["JSONIFY_MIMETYPE"]`` unless set here."""
        return self._mimetype or self._app.config.get("JSONIFY_MIMETYPE") or "application/json"

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self._mimetype = value
        self._frozen = None

    @property
    def sort_keys(self) -> bool:
        return bool(self._app.config.get("JSON_SORT_KEYS", False))

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return dumps(obj, sort_keys=kwargs.get("sort_keys", self.sort_keys))

    def dumpb(self, obj: Any) -> bytes:
        return dumpb(obj, self.sort_keys)

    def loads(self, data: str | bytes, **kwargs: Any) -> Any:
        return loads(data)

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
        """Read the JSON settings once; the app calls this when it starts serving."""
        from ..response import Response, content_type_for

        response_class = self._app.response_class
        plain = response_class.direct.__func__ is Response.direct.__func__  # type: ignore[attr-defined]
        if type(self).dumpb is JSONProvider.dumpb and plain:
            header = ("Content-Type", content_type_for(self.mimetype))
            encoder = _sorted_encoder if self.sort_keys else _encoder
            self._frozen = (encoder.encode, response_class.direct, header)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response: ``jsonify({"a": 1})``, ``jsonify(a=1)`` or ``jsonify(1, 2)``."""
    from ..context import current_context
    from ..response import Response

    ctx = current_context()
    if ctx is not None:
        return ctx.app.json.response(*args, **kwargs)
    if args and kwargs:
        raise TypeError("jsonify() takes either positional or keyword arguments, not both")
    data: Any = (args[0] if len(args) == 1 else list(args)) if args else kwargs
    return Response(_encoder.encode(data), mimetype="application/json")
