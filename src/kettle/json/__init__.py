"""JSON on msgspec: ``jsonify``, ``dumps``/``loads`` and the app's ``JSONProvider``.

msgspec encodes dataclasses, datetimes (ISO 8601), UUIDs, Decimals (as strings,
as Flask does), enums and ``msgspec.Struct`` natively and several times faster
than the standard library.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
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


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON into the text file ``fp`` (the app's provider when active)."""
    fp.write(_current_json().dumps(obj, **kwargs) if _has_app() else dumps(obj, **kwargs))


def load(fp: IO[str] | IO[bytes], **kwargs: Any) -> Any:
    """Parse JSON read from the file ``fp``."""
    return _current_json().loads(fp.read(), **kwargs) if _has_app() else loads(fp.read())


def _has_app() -> bool:
    from ..context import current_context

    return current_context() is not None


def _current_json() -> Any:
    from ..context import current_context

    ctx = current_context()
    assert ctx is not None
    return ctx.app.json


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response: ``jsonify({"a": 1})``, ``jsonify(a=1)`` or ``jsonify(1, 2)``."""
    ctx = _cv_context.get()
    if ctx is not None:
        provider = ctx.app.json
        if type(provider).response is not BaseJSONProvider.response:  # the app's own
            return provider.response(*args, **kwargs)
        if not args:
            return provider.response_for(kwargs)
        if not kwargs and len(args) == 1:
            return provider.response_for(args[0])
        return provider.response(*args, **kwargs)
    if args and kwargs:
        raise TypeError("jsonify() takes either positional or keyword arguments, not both")
    from ..response import Response

    data: Any = (args[0] if len(args) == 1 else list(args)) if args else kwargs
    return Response(_encoder.encode(data), mimetype="application/json")


from ..context import _cv_context  # noqa: E402 (jsonify's per-call lookup, imported once)
from .provider import DefaultJSONProvider  # noqa: E402 (it builds on the functions above)
from .provider import JSONProvider as BaseJSONProvider  # noqa: E402

#: kettle's JSON provider under its old name (``app.json_provider_class``'s default):
#: ``DefaultJSONProvider``. Flask's abstract base is ``kettle.json.provider.JSONProvider``.
JSONProvider = DefaultJSONProvider

__all__ = [
    "BaseJSONProvider", "DefaultJSONProvider", "JSONProvider", "dump", "dumpb", "dumps",
    "jsonify", "load", "loads",
]
