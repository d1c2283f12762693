"""Reading a typed view's body: JSON through a msgspec decoder built at freeze (or a
pydantic model), or a form into a model. Errors are RFC 9457 problems (400, 415, 422)."""

from __future__ import annotations

import copy
import dataclasses
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .forms import is_form_mimetype
from .problems import MalformedBody, RequestValidationError, UnsupportedBodyType, msgspec_error
from .typehints import strip_optional, unwrap_annotated

if TYPE_CHECKING:
    from .request import Request

_MISSING: Any = inspect.Parameter.empty


@dataclasses.dataclass(slots=True)
class BodyField:
    """The request body: JSON (a msgspec decoder or a pydantic model) or a form model."""

    name: str
    annotation: Any
    default: Any
    form: bool
    media_type: str
    decode: Callable[[bytes], Any] | None = None
    #: The type decoded (constraints included).
    type: Any = None
    form_fields: tuple[tuple[str, bool], ...] = ()
    pydantic: bool = False

    @property
    def required(self) -> bool:
        return self.default is _MISSING



def read_json(body: BodyField, request: Request) -> Any:
    content_type = request._content_type()  # read in place under WSGI: no header view built
    is_json = request._is_json()
    data = request._body() if is_json else request.get_data()  # JSON is never multipart
    if not data and content_type is None:
        if not body.required:
            return copy.copy(body.default)
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "Field required", "type": "missing"}]
        )
    if not is_json:
        raise UnsupportedBodyType(
            f"The body must be JSON (Content-Type: application/json), not {content_type!r}."
        )
    assert body.decode is not None
    if body.pydantic:
        return _decode_pydantic(body.decode, data)
    try:
        return body.decode(data)
    except msgspec.ValidationError as exc:
        if "got `float`" in str(exc):  # 3.0 is an integer to JSON Schema, not to msgspec
            return _decode_integral_floats(body, data, exc)
        raise RequestValidationError([msgspec_error(exc, ["body"])]) from None
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise MalformedBody("The body is not valid UTF-8.") from None
    except RecursionError:
        raise MalformedBody("The body is nested too deeply.") from None


def _decode_integral_floats(body: BodyField, data: bytes, error: msgspec.ValidationError) -> Any:
    """Decode again with ``3.0`` read as ``3`` (JSON Schema's integers); strict otherwise."""
    try:
        return msgspec.convert(_integral_floats(msgspec.json.decode(data)), body.type)
    except msgspec.ValidationError as exc:
        raise RequestValidationError([msgspec_error(exc, ["body"])]) from None


def _integral_floats(value: Any) -> Any:
    if value.__class__ is float:
        return int(value) if value.is_integer() else value
    if value.__class__ is list:
        return [_integral_floats(v) for v in value]
    if value.__class__ is dict:
        return {k: _integral_floats(v) for k, v in value.items()}
    return value


def _decode_pydantic(decode: Callable[[bytes], Any], data: bytes) -> Any:
    import pydantic

    try:
        return decode(data)
    except pydantic.ValidationError as exc:
        items = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(item["type"] == "json_invalid" for item in items):
            raise MalformedBody(f"The body is not valid JSON: {items[0]['msg']}") from None
        raise RequestValidationError([
            {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
            for item in items
        ]) from None


def read_form(body: BodyField, request: Request) -> Any:
    if not is_form_mimetype(request.mimetype):
        raise UnsupportedBodyType(
            "The body must be a form (application/x-www-form-urlencoded or "
            f"multipart/form-data), not {request.content_type!r}."
        )
    form, files = request.form, request.files
    values: dict[str, Any] = {}
    for key, is_list in body.form_fields:
        if is_list:
            items = form.getlist(key) + files.getlist(key)
            if items:
                values[key] = items
        else:
            value = form.get(key)
            if value is None:
                value = files.get(key)
            if value is not None:
                values[key] = value
    model = strip_optional(unwrap_annotated(body.annotation)[0])
    try:
        return msgspec.convert(values, model, strict=False)
    except msgspec.ValidationError as exc:
        raise RequestValidationError([msgspec_error(exc, ["body"])]) from None

