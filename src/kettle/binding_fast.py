"""A typed view's binder written for its signature: query values and a JSON body.

``Binder.bind`` is general: it walks every field of every source, one call per step. A view
such as ``items(q: str, limit: Annotated[int, Query(ge=1, le=100)] = 10, tags: list[str] =
[])`` or ``create(item: Item)`` gets instead, once at freeze, a function of straight-line
code that reads each value from ``request.args`` by its key (the body through ``read_json``)
and calls the view with them. It only knows the plain case: every value present and already
right, or a string whose ``int`` is its own spelling and in bounds, and a body that decodes.
Anything else (a missing required value, a value msgspec must convert and refuses, a
``MultiDict`` subclass, a body that does not validate) calls the general binder from
scratch, so every value and every 422 is the general binder's.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .body_binding import read_json
from .concurrency import is_async_callable
from .context import _cv_context
from .datastructures import MultiDict
from .problems import RequestValidationError
from .request import Request

if TYPE_CHECKING:
    from .binding import Binder, Field, ViewSignature


def int_bounds(annotation: Any) -> tuple[float, float] | None:
    """The closed bounds of an ``int`` annotation (``Query(ge=1, le=100)``: ``(1, 100)``);
    ``None`` for any other type, or an ``int`` with ``multiple_of``."""
    info = msgspec.inspect.type_info(annotation)
    if info.__class__ is not msgspec.inspect.IntType or info.multiple_of is not None:
        return None
    lows = [info.ge, None if info.gt is None else info.gt + 1]
    highs = [info.le, None if info.lt is None else info.lt - 1]
    low = max([bound for bound in lows if bound is not None], default=-math.inf)
    high = min([bound for bound in highs if bound is not None], default=math.inf)
    return low, high


def fast_binder(
    view: Callable[..., Any], signature: ViewSignature, binder: Binder
) -> Callable[..., Any] | None:
    """``view`` wrapped by a function written for its query fields and JSON body; ``None``
    when the view takes anything else the general binder must read (headers, cookies, a
    form, converted path values) or a name that is also a path value's."""
    body = signature.body
    if signature.header or signature.cookie or signature.path or (body and body.form):
        return None
    fields = signature.query
    given = {field.name: f"_v{index}" for index, field in enumerate(fields)}
    if body is not None:
        given[body.name] = "_body"
    if signature.request_param is not None:
        given[signature.request_param] = "request"
    path_names = signature.path_names
    if not (fields or body) or not path_names.isdisjoint(given):
        return None
    is_async = is_async_callable(view)
    await_ = "await " if is_async else ""
    fallback = f"return {await_}_view(**_bind(kwargs))"
    namespace: dict[str, Any] = {
        "__name__": __name__, "_view": view, "_bind": binder.bind, "_cv_context": _cv_context,
        "_MultiDict": MultiDict,
        "_get": dict.get, "_copy": copy.copy, "_Invalid": msgspec.ValidationError,
        "_read_json": read_json, "_body_field": body, "_BodyInvalid": RequestValidationError,
    }
    lines = [
        f"{'async ' if is_async else ''}def bound(**kwargs):",
        "    request = _cv_context.get().request",
    ]
    if not path_names:  # what the door passes is then always empty: keywords only
        lines += ["    if kwargs:", f"        {fallback}"]
    if fields:
        lines += _args_lines(namespace, fallback)
    for index, field in enumerate(fields):
        lines += _field_lines(field, index, namespace, fallback)
    if body is not None:  # after the query, as the general binder reads them
        lines += [
            "    try:",
            "        _body = _read_json(_body_field, request)",
            "    except _BodyInvalid:",
            f"        {fallback}",
        ]
    lines.append(f"    return {await_}_view({_arguments(view, given, bool(path_names))})")
    # Source built above from names, reprs and indexes; named for tracebacks.
    where = f"<kettle binder of {getattr(view, '__qualname__', 'view')}>"
    exec(compile("\n".join(lines), where, "exec"), namespace)
    return wrapped_like(namespace["bound"], view)


def _args_lines(namespace: dict[str, Any], fallback: str) -> list[str]:
    """``args = request.args``: the doors' own request classes call the property's function
    (a Python call, not a property read from C); a ``MultiDict`` subclass gives up."""
    from .asgi import ScopeRequest

    read_args = vars(Request)["args"].fget
    namespace.update(_Request=Request, _ScopeRequest=ScopeRequest, _read_args=read_args)
    return [
        "    cls = request.__class__",
        "    if cls is _Request or cls is _ScopeRequest:",
        "        args = _read_args(request)",
        "    else:",
        "        args = request.args",
        "    if args.__class__ is not _MultiDict:  # a subclass: read through its own methods",
        f"        {fallback}",
    ]


def _arguments(view: Callable[..., Any], given: dict[str, str], path_values: bool) -> str:
    """The view's arguments: positionally while a plain function's own parameters take them
    in order (a call CPython specialises; a decorator's wrapper gets keywords, as it would
    from the general binder), the rest by keyword, then the path values."""
    given = dict(given)
    passed = []
    code = getattr(view, "__code__", None)
    if inspect.isfunction(view) and code is not None and not code.co_posonlyargcount:
        for name in code.co_varnames[: code.co_argcount]:
            if name not in given:
                break
            passed.append(given.pop(name))
    passed += [f"{name}={value}" for name, value in given.items()]
    if path_values:
        passed.append("**kwargs")
    return ", ".join(passed)


def wrapped_like(wrapper: Callable[..., Any], view: Callable[..., Any]) -> Callable[..., Any]:
    """``wrapper`` named and documented as ``view``, which ``inspect.unwrap`` finds."""
    wrapper.__wrapped__ = view  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(view, "__name__", "view")
    wrapper.__doc__ = view.__doc__
    return wrapper


def _field_lines(field: Field, index: int, namespace: dict[str, Any], fallback: str) -> list[str]:
    """The lines that set ``_v{index}`` from ``args``, or give up to the general binder."""
    target = f"_v{index}"
    raw = "[*values]" if field.is_list else "values[0]"
    lines = [f"    values = _get(args, {field.key!r})", "    if values:"]
    bounds = None if field.is_list or field.convert is None else int_bounds(field.annotation)
    if field.convert is None:
        lines.append(f"        {target} = {raw}")
    elif bounds is not None:  # ``int()`` where it reads as msgspec does (``_int_converter``)
        lines += [
            f"        raw = {raw}",
            "        try:",
            f"            {target} = int(raw)",
            "        except ValueError:  # not an int (or too long for int()): msgspec says",
            f"            {fallback}",
            f"        if {_outside(target, *bounds)}str({target}) != raw:",
            f"            {fallback}",
        ]
    else:  # msgspec's own conversion; a failure is answered by the general binder
        namespace[f"_c{index}"] = field.convert
        lines += [
            "        try:",
            f"            {target} = _c{index}({raw})",
            "        except _Invalid:",
            f"            {fallback}",
        ]
    return lines + _default_lines(field, index, namespace, fallback)


def _outside(target: str, low: float, high: float) -> str:
    """The test (``or``-joined, ending in ``or``) that ``target`` is out of bounds, if any."""
    tests = []
    if low != -math.inf:
        tests.append(f"{target} < {low!r}")
    if high != math.inf:
        tests.append(f"{target} > {high!r}")
    return "".join(f"{test} or " for test in tests)


def _default_lines(field: Field, index: int, namespace: dict[str, Any], fallback: str) -> list[str]:
    """``else:`` a missing value: the default (a fresh copy of a list, dict or set), or the
    general binder's 422 for a required one."""
    if field.required:
        return ["    else:", f"        {fallback}"]
    namespace[f"_d{index}"] = field.default
    default = f"_d{index}"
    if field.default.__class__ is list:  # ``copy.copy``'s result, without its Python call
        default = f"[*_d{index}]"
    elif isinstance(field.default, list | dict | set):
        default = f"_copy(_d{index})"
    return ["    else:", f"        _v{index} = {default}"]
