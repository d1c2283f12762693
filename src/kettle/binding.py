"""Typed views: each signature analysed once, at freeze, into a plan that binds requests.

A view with no annotations (Flask's style) gets no binder at all: the route plan keeps
the view itself and the doors' fast path is unchanged. A typed view is wrapped once in a
function that reads the current request, converts and validates its parameters with
msgspec (a decoder per body type, built here), and calls the view with them.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import typing
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import msgspec

from .binding_fast import fast_binder, int_bounds, wrapped_like
from .body_binding import BodyField, read_form, read_json
from .concurrency import is_async_callable
from .context import _cv_context
from .datastructures import MultiDict
from .forms import FileStorage
from .params import Body, Form, Param, Path, Query, UploadedFile
from .problems import ErrorItem, RequestValidationError, msgspec_error
from .request import Request
from .response import Response
from .typehints import (
    converter_type,
    is_pydantic_model,
    is_sequence_type,
    is_structured,
    json_schema_hook,
    strip_optional,
    unwrap_annotated,
)

if TYPE_CHECKING:
    from .app import Kettle
    from .dispatch import RoutePlan

_MISSING: Any = inspect.Parameter.empty
_dict_get = dict.get


@dataclasses.dataclass(slots=True)
class Field:
    """One typed parameter: where it is read from and how it is converted."""

    name: str
    key: str
    source: str
    annotation: Any
    default: Any
    marker: Param | None = None
    is_list: bool = False
    #: ``None`` when the raw value is already right (a ``str`` for ``str``).
    convert: Callable[[Any], Any] | None = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def default_value(self) -> Any:
        default = self.default
        return copy.copy(default) if isinstance(default, list | dict | set) else default


#: Annotations a query/header string (or list of them) already satisfies.
_ALREADY_STRINGS: tuple[Any, ...] = (str, Any, list[str], str | None, Optional[str])  # noqa: UP045


def _scalar_converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How a query/header/path string becomes ``annotation``: ``None`` when it already is.

    ``msgspec.convert(raw, type=Annotated[int, ...])`` analyses the annotation on every call
    (only classes keep msgspec's analysis); a one-field array-like ``Struct`` of that type
    keeps it, so the value is converted as the field of that ``Struct``: the same rules,
    a third of the cost. A failure is converted again directly, for msgspec's own message.
    """
    if annotation in _ALREADY_STRINGS:
        return None
    direct = functools.partial(msgspec.convert, type=annotation, strict=False)
    try:
        box = msgspec.defstruct("Converted", [("value", annotation)], array_like=True)
        msgspec.inspect.type_info(box)  # a type msgspec refuses fails here, not per request
    except (TypeError, ValueError):
        return direct
    convert = msgspec.convert
    invalid = msgspec.ValidationError

    def converted(raw: Any) -> Any:
        try:
            return convert((raw,), box, strict=False).value  # type: ignore[attr-defined]
        except invalid:
            return direct(raw)  # raises, with the error located at the value itself

    return _int_converter(annotation, converted) or converted


def _int_converter(annotation: Any, general: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
    """For ``int`` (bounded or not, e.g. ``Query(ge=1, le=100)``): a string that ``int()``
    reads and that is that int's own spelling (``"10"``, ``"-5"``: what msgspec reads the same
    way) is converted and bounds-checked here, at a fraction of msgspec's cost; every other
    value (``"010"``, ``"+5"``, ``"1e1"``, out of bounds...) goes to ``general``, which
    answers it as msgspec does. ``None`` for any other type."""
    bounds = int_bounds(annotation)
    if bounds is None:
        return None
    low, high = bounds

    def as_int(raw: Any) -> Any:
        try:
            value = int(raw)
        except (TypeError, ValueError):  # not a number, or too long for int(): msgspec says
            return general(raw)
        if low <= value <= high and str(value) == raw:
            return value
        return general(raw)

    return as_int


def _with_meta(annotation: Any, marker: Param | None) -> Any:
    """``annotation`` with the marker's constraints; on ``T | None`` they constrain ``T``."""
    meta = marker.meta() if marker is not None else None
    if meta is None:
        return annotation
    base, extras = unwrap_annotated(annotation)
    kept = [e for e in extras if not isinstance(e, Param)]
    inner = strip_optional(base)
    constrained = Annotated[(inner, *kept, meta)]  # type: ignore[valid-type]
    return Optional[constrained] if inner is not base else constrained  # noqa: UP045


def checked_type(annotation: Any, where: str) -> Any:
    """``annotation`` once msgspec can read it from a string: a bad type fails at freeze,
    not per request."""
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError as exc:
        raise TypeError(f"{where}: msgspec cannot validate this type: {exc}") from None
    members = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    for member in members:
        if isinstance(member, msgspec.inspect.CustomType):
            raise TypeError(
                f"{where}: msgspec cannot validate this type: {member.cls.__name__} is not "
                "read from a string"
            )
    return annotation


class ViewSignature:
    """What one view takes, analysed once: typed fields by source, the body, ``request``."""

    def __init__(
        self, view: Callable[..., Any], path_types: dict[str, type], options: dict[str, Any]
    ) -> None:
        self.view = view
        self.options = options
        self.path: list[Field] = []
        self.query: list[Field] = []
        self.header: list[Field] = []
        self.cookie: list[Field] = []
        self.body: BodyField | None = None
        self.request_param: str | None = None
        #: Every name the endpoint's rules pass as a path value (converted or not).
        self.path_names = frozenset(path_types)
        hints = _type_hints(view)
        self.return_annotation = hints.get("return", _MISSING)
        for param in inspect.signature(view).parameters.values():
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            self._add(param, hints.get(param.name, _MISSING), path_types)

    def _add(self, param: inspect.Parameter, hint: Any, path_types: dict[str, type]) -> None:
        name = param.name
        if hint is _MISSING:
            return  # Flask's behaviour: path values as given, nothing else
        base, extras = unwrap_annotated(hint)
        if isinstance(base, type) and issubclass(base, Request):
            self.request_param = name
            return
        marker = next((e for e in extras if isinstance(e, Param)), None)
        source = marker.source if marker is not None else None
        if source is None:
            if name in path_types:
                source = "path"
            elif is_structured(hint):
                source = "body"
            else:
                source = "query"
        if source in ("body", "form"):
            self._add_body(name, hint, param.default, marker, source == "form")
            return
        where = f"{self.view.__qualname__}({name})"
        try:
            annotation = checked_type(_with_meta(hint, marker), where)
        except TypeError as exc:
            if marker is not None or source == "path":
                raise
            # Flask ignores annotations: a ported view may annotate an injected default
            # (``cache: Cache = cache``). Leave it alone rather than refuse to start.
            warnings.warn(f"kettle: {exc}; the parameter is passed as Flask passes it.",
                          stacklevel=2)
            return
        if source == "path":
            if name not in path_types:
                raise TypeError(f"{self.view.__qualname__}: {name!r} is not a path value")
            needs = not (base is path_types[name] and not extras)
            field = Field(name, name, "path", annotation, _MISSING, marker)
            field.convert = _scalar_converter(annotation) if needs else None
            if field.convert is not None:
                self.path.append(field)
            return
        key = name
        if marker is not None and marker.alias:
            key = marker.alias
        elif source == "header" and getattr(marker, "convert_underscores", True):
            key = name.replace("_", "-")
        field = Field(name, key, source, annotation, param.default, marker)
        field.is_list = is_sequence_type(hint) and source != "cookie"  # one value per name
        field.convert = _scalar_converter(annotation)
        getattr(self, source).append(field)

    def _add_body(
        self, name: str, hint: Any, default: Any, marker: Param | None, form: bool
    ) -> None:
        if self.body is not None:
            raise TypeError(
                f"{self.view.__qualname__}: two body parameters ({self.body.name!r}, {name!r}); "
                "a view takes one body (wrap them in one model)."
            )
        base = strip_optional(unwrap_annotated(hint)[0])
        if marker is not None and marker.media_type:
            media_type = marker.media_type
        else:
            media_type = "application/x-www-form-urlencoded" if form else "application/json"
        body = BodyField(name, hint, default, form, media_type)
        if form:
            fields = msgspec.inspect.type_info(base)
            names = getattr(fields, "fields", ())
            body.form_fields = tuple(
                (f.encode_name, isinstance(f.type, msgspec.inspect.CollectionType))
                for f in names
            )
            if any(_is_file(f.type) for f in names):
                body.media_type = "multipart/form-data"
        elif is_pydantic_model(base):
            body.pydantic = True
            body.decode = base.model_validate_json
        else:
            body.type = _with_meta(hint, marker)
            body.decode = msgspec.json.Decoder(body.type).decode
        self.body = body

    @property
    def typed(self) -> bool:
        """Whether requests need a binder (else the view is called as Flask calls it)."""
        return bool(
            self.path or self.query or self.header or self.cookie or self.body
            or self.request_param or self.options.get("status_code")
            or self.options.get("response_model") is not None
        )


def _is_file(info: Any) -> bool:
    if isinstance(info, msgspec.inspect.CollectionType):
        info = info.item_type
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_is_file(t) for t in info.types)
    return isinstance(info, msgspec.inspect.CustomType) and info.cls is FileStorage


def _type_hints(view: Callable[..., Any]) -> dict[str, Any]:
    """The view's resolved annotations. One that cannot be resolved (a name imported only
    for type checkers, say) is left out with a warning: that parameter keeps Flask's
    behaviour, as every parameter of a ported Flask view does."""
    target = inspect.unwrap(view)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # resolve what can be, one annotation at a time
        pass
    hints: dict[str, Any] = {}
    namespace = getattr(target, "__globals__", {})
    for name, annotation in inspect.get_annotations(target).items():
        try:
            hints[name] = typing.get_type_hints(
                _Annotated1(name, annotation), namespace, include_extras=True
            )[name]
        except Exception as exc:
            if name == "return":  # only documents the response: nothing to warn about
                continue
            warnings.warn(
                f"kettle: the annotation of {name!r} in view {view.__qualname__} cannot be "
                f"resolved ({exc}); the parameter is passed as Flask passes it.",
                stacklevel=2,
            )
    return hints


class _Annotated1:
    """An object with one annotation, for ``get_type_hints`` to resolve it alone."""

    def __init__(self, name: str, annotation: Any) -> None:
        self.__annotations__ = {name: annotation}


class Binder:
    """Per request: read, convert and validate every typed parameter; one 422 for all errors."""

    __slots__ = ("body", "cookie", "header", "path", "query", "request_param")

    def __init__(self, signature: ViewSignature) -> None:
        self.path = tuple(signature.path)
        self.query = tuple(signature.query)
        self.header = tuple(signature.header)
        self.cookie = tuple(signature.cookie)
        self.body = signature.body
        self.request_param = signature.request_param

    def bind(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``kwargs`` (the path values) completed with every typed parameter."""
        ctx = _cv_context.get()
        assert ctx is not None and ctx.request is not None
        request = ctx.request
        errors: list[ErrorItem] | None = None
        for field in self.path:
            try:
                kwargs[field.name] = field.convert(kwargs[field.name])  # type: ignore[misc]
            except msgspec.ValidationError as exc:
                errors = _add_error(errors, exc, ["path", field.key])
        if self.query:
            errors = _read_fields(self.query, request.args, kwargs, errors)
        if self.header:
            errors = _read_fields(self.header, request.headers, kwargs, errors)
        if self.cookie:
            errors = _read_fields(self.cookie, request.cookies, kwargs, errors)
        body = self.body
        if body is not None:
            try:
                kwargs[body.name] = read_form(body, request) if body.form else read_json(
                    body, request
                )
            except RequestValidationError as exc:
                errors = [*(errors or ()), *exc.errors]
        if errors:
            raise RequestValidationError(errors)
        if self.request_param is not None:
            kwargs[self.request_param] = request
        return kwargs


def _add_error(
    errors: list[ErrorItem] | None, exc: msgspec.ValidationError, prefix: list[str | int]
) -> list[ErrorItem]:
    errors = errors if errors is not None else []
    errors.append(msgspec_error(exc, prefix))
    return errors


def _read_fields(
    fields: Iterable[Field], source: Any, kwargs: dict[str, Any], errors: list[ErrorItem] | None
) -> list[ErrorItem] | None:
    # ``request.args`` itself: its lists are read from the dict, with no method call per
    # field (what ``get``/``getlist`` return: the first value or a copy, ``None`` if none).
    lists = source if source.__class__ is MultiDict else None
    for field in fields:
        if lists is not None:
            values = _dict_get(lists, field.key)
            if values:  # the commonest: the value is there
                raw = list(values) if field.is_list else values[0]
                convert = field.convert
                if convert is None:
                    kwargs[field.name] = raw
                    continue
            else:
                raw = None
        else:
            raw = source.getlist(field.key) if field.is_list else source.get(field.key)
            if field.is_list and field.source == "header":  # WSGI joins repeats with commas
                raw = [part.strip() for value in raw for part in value.split(",") if part.strip()]
        if raw is None or (field.is_list and not raw):
            if field.default is _MISSING:
                errors = errors if errors is not None else []
                errors.append(
                    {"loc": [field.source, field.key], "msg": "Field required", "type": "missing"}
                )
            else:
                kwargs[field.name] = field.default_value()
            continue
        convert = field.convert
        if convert is None:
            kwargs[field.name] = raw
            continue
        try:
            kwargs[field.name] = convert(raw)
        except msgspec.ValidationError as exc:
            errors = _add_error(errors, exc, [field.source, field.key])
    return errors


def _finisher(options: dict[str, Any]) -> Callable[[Any], Any] | None:
    """Output processing from the route options: ``response_model=`` and ``status_code=``."""
    model = options.get("response_model")
    status = options.get("status_code")
    if model is None and not status:
        return None

    def finish(rv: Any) -> Any:
        if isinstance(rv, Response) or rv.__class__ is tuple:
            return rv
        if model is not None and rv is not None:
            rv = filter_output(rv, model)
        if status:
            if rv is None and status == 204:
                return Response(status=204)
            return rv, status
        return rv

    return finish


def filter_output(value: Any, model: Any) -> Any:
    """``value`` as ``model`` (extra attributes dropped); a mismatch is a server error."""
    from .json import _default

    try:
        return msgspec.convert(value, model, from_attributes=True)
    except msgspec.ValidationError:
        return msgspec.convert(msgspec.to_builtins(value, enc_hook=_default), model)


def bound_view(view: Callable[..., Any], binder: Binder | None, options: dict[str, Any]) -> Any:
    """``view`` wrapped to take the path values only and bind the rest per request."""
    bind = binder.bind if binder is not None else None
    finish = _finisher(options)
    if is_async_callable(view):

        async def bound_async(**kwargs: Any) -> Any:
            rv = await view(**(bind(kwargs) if bind is not None else kwargs))
            return finish(rv) if finish is not None else rv

        wrapper: Callable[..., Any] = bound_async
    else:

        def bound_sync(**kwargs: Any) -> Any:
            rv = view(**(bind(kwargs) if bind is not None else kwargs))
            return finish(rv) if finish is not None else rv

        def bound_plain(**kwargs: Any) -> Any:  # the commonest: inputs, no output options
            return view(**bind(kwargs))  # type: ignore[misc]

        wrapper = bound_plain if bind is not None and finish is None else bound_sync
    return wrapped_like(wrapper, view)


def path_types(app: Kettle, endpoint: str) -> dict[str, type]:
    """The path values an endpoint's rules give, with the type their converter makes."""
    found: dict[str, type] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != endpoint:
            continue
        for piece in (*rule._domain_parts, *rule._pieces):  # host/subdomain variables too
            if not isinstance(piece, str):
                found[piece.name] = converter_type(piece.converter)
        for name in rule.defaults or ():
            found.setdefault(name, object)
    return found


def is_websocket_endpoint(app: Kettle, endpoint: str) -> bool:
    return any(r.websocket for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def analyse(app: Kettle, endpoint: str, view: Callable[..., Any]) -> ViewSignature:
    """The view's signature, analysed (once per view, at freeze and for the OpenAPI spec)."""
    options = app.view_options.get(endpoint, {})
    return ViewSignature(view, path_types(app, endpoint), options)


def install_binders(app: Kettle, plans: dict[str, RoutePlan]) -> None:
    """At freeze: give each typed view's plan its bound view; untyped views keep theirs."""
    for endpoint, plan in plans.items():
        view = plan.view
        if view is None or is_websocket_endpoint(app, endpoint):
            continue
        signature = analyse(app, endpoint, view)
        if not signature.typed:
            continue
        binder = Binder(signature)
        has_inputs = bool(
            binder.path or binder.query or binder.header or binder.cookie or binder.body
            or binder.request_param
        )
        fast = None
        if has_inputs and _finisher(signature.options) is None:
            fast = fast_binder(view, signature, binder)
        plan.view = fast or bound_view(view, binder if has_inputs else None, signature.options)


__all__ = [
    "Binder", "Body", "BodyField", "Field", "Form", "Path", "Query", "RequestValidationError",
    "UploadedFile", "ViewSignature", "analyse", "install_binders", "is_pydantic_model",
    "is_structured", "json_schema_hook", "strip_optional", "unwrap_annotated",
]
