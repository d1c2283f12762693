"""JSON Schemas for the types of typed views, shared as ``components.schemas``.

msgspec writes the schemas (``schema_components`` with OpenAPI's ``$ref`` template);
pydantic models, which msgspec does not know, are described by pydantic itself.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

import msgspec

from ..binding import is_pydantic_model, json_schema_hook, strip_optional, unwrap_annotated

REF_TEMPLATE = "#/components/schemas/{name}"


class ValidationErrorItem(msgspec.Struct):
    """One binding error: where, what, which kind."""

    loc: list[str | int]
    msg: str
    type: str


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem details object, as kettle answers binding errors."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ValidationErrorItem] | None = None


def _pydantic_model_of(tp: Any) -> Any:
    base = strip_optional(unwrap_annotated(tp)[0])
    if is_pydantic_model(base):
        return base
    if get_origin(base) in (list, tuple, set) and get_args(base):
        inner = strip_optional(unwrap_annotated(get_args(base)[0])[0])
        if is_pydantic_model(inner):
            return inner
    return None


class SchemaRegistry:
    """Collects the types a document names, then writes all their schemas at once."""

    def __init__(self) -> None:
        self._types: list[Any] = []
        self._schemas: list[dict[str, Any]] | None = None
        self.components: dict[str, Any] = {}

    def add(self, tp: Any) -> int:
        """Register ``tp``; its schema is ``schema(index)`` once ``build()`` has run."""
        self._types.append(tp)
        return len(self._types) - 1

    def build(self) -> None:
        plain = [t for t in self._types if _pydantic_model_of(t) is None]
        schemas, components = msgspec.json.schema_components(
            plain, schema_hook=json_schema_hook, ref_template=REF_TEMPLATE
        )
        self.components.update(components)
        by_type = iter(schemas)
        result: list[dict[str, Any]] = []
        for tp in self._types:
            model = _pydantic_model_of(tp)
            result.append(next(by_type) if model is None else self._pydantic_schema(tp, model))
        self._schemas = result

    def _pydantic_schema(self, tp: Any, model: Any) -> dict[str, Any]:
        full = model.model_json_schema(
            ref_template=REF_TEMPLATE.replace("{name}", "{model}"), mode="validation"
        )
        self.components.update(full.pop("$defs", {}))
        self.components[model.__name__] = full
        ref = {"$ref": REF_TEMPLATE.format(name=model.__name__)}
        base = strip_optional(unwrap_annotated(tp)[0])
        return ref if is_pydantic_model(base) else {"type": "array", "items": ref}

    def schema(self, index: int) -> dict[str, Any]:
        assert self._schemas is not None, "build() first"
        return self._schemas[index]
