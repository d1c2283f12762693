"""Questions about type annotations that typed views ask at freeze: is this a body model,
a list, an optional value? And the JSON Schema of the types msgspec does not know."""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from .forms import FileStorage


def converter_type(converter: Any) -> type:
    """What a route converter gives the view: ``int`` for ``<int:>``, ``str`` for most."""
    from .routing.converters import FloatConverter, IntegerConverter, UUIDConverter

    if isinstance(converter, IntegerConverter):
        return int
    if isinstance(converter, FloatConverter):
        return float
    if isinstance(converter, UUIDConverter):
        return uuid.UUID
    return str


def unwrap_annotated(tp: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, a, b]`` as ``(T, [a, b])``; any other type as ``(tp, [])``."""
    if get_origin(tp) is Annotated:
        base, *extras = get_args(tp)
        return base, list(extras)
    return tp, []


def is_optional(tp: Any) -> bool:
    origin = get_origin(tp)
    return (origin is Union or origin is types.UnionType) and type(None) in get_args(tp)


def strip_optional(tp: Any) -> Any:
    """``T | None`` as ``T`` (one non-None member), else ``tp``."""
    if is_optional(tp):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_validate_json") and hasattr(
        tp, "model_fields"
    )


def is_structured(tp: Any) -> bool:
    """A type read from a body as a whole: Struct, dataclass, TypedDict, attrs, pydantic."""
    tp = strip_optional(unwrap_annotated(tp)[0])
    origin = get_origin(tp)
    if origin in (list, tuple, set, frozenset) and get_args(tp):
        return is_structured(get_args(tp)[0])
    if not isinstance(tp, type):
        return False
    return (
        issubclass(tp, msgspec.Struct)
        or dataclasses.is_dataclass(tp)
        or typing.is_typeddict(tp)
        or hasattr(tp, "__attrs_attrs__")
        or is_pydantic_model(tp)
    )


def is_sequence_type(tp: Any) -> bool:
    """Lists, sets and tuples: read from repeated query keys, form fields or headers."""
    tp = strip_optional(unwrap_annotated(tp)[0])
    return get_origin(tp) in (list, set, frozenset, tuple) or tp in (list, set, frozenset, tuple)



def json_schema_hook(tp: Any) -> dict[str, Any]:
    """JSON Schema for types msgspec does not know: uploaded files are binary strings."""
    if tp is FileStorage:
        return {"type": "string", "format": "binary"}
    raise NotImplementedError(f"no JSON Schema for {tp!r}")

