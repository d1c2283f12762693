"""One ASGI app per framework for ``asgi_inprocess.py`` and ``e2e.py``, doing the same work.

Each framework module exposes ``create_app()`` (the scenario endpoints) and
``create_routing_app()`` (the 150-route table), both returning an ASGI callable, plus
``VERSION``. ``bare_app`` holds the bare WSGI and ASGI callables of the end-to-end run.

The payloads and the route table are ``benchmarks/apps/common.py``, loaded here from its
path under the package name ``inprocess.py`` gives it (``kettle_benchmark_apps``), so this
package works whatever name it is imported under (``apps_asgi`` under granian,
``kettle_benchmark_apps_asgi`` in the benchmark scripts) and never shadows another ``apps``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

APPS_PACKAGE = "kettle_benchmark_apps"


def _load_common() -> ModuleType:
    package = sys.modules.get(APPS_PACKAGE)
    if package is None:
        folder = Path(__file__).resolve().parent.parent / "apps"
        spec = importlib.util.spec_from_file_location(
            APPS_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[APPS_PACKAGE] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[APPS_PACKAGE]
            raise
    return importlib.import_module(f"{APPS_PACKAGE}.common")


common = _load_common()
HELLO: str = common.HELLO
JSON_MESSAGE = common.JSON_MESSAGE
ROUTES = common.ROUTES
render = common.render
route_text = common.route_text
#: The typed scenarios' msgspec models (kettle, Litestar).
typed_models = importlib.import_module(f"{APPS_PACKAGE}.typed_models")


def typed_view(
    label: str,
    segments: tuple[Any, ...],
    types: dict[str, str],
    wrap: Callable[[str], Any] | None = None,
    names: dict[str, Any] | None = None,
) -> Callable[..., Any]:
    """An ``async def`` view for one route of the table with one named, annotated parameter per
    path variable (``async def view(id: int, mid: int)``), as a user of a framework that binds
    parameters from the signature writes it. It returns ``route_text(label, params)``, passed
    through ``wrap`` if given (a framework's text-response constructor). ``types`` maps ``int``
    and ``str`` to annotations, which may use the objects in ``names``."""
    variables = [seg for seg in segments if not isinstance(seg, str)]
    params = ", ".join(f"{name}: {types[conv]}" for conv, name in variables)
    mapping = "{" + ", ".join(f"{name!r}: {name}" for _, name in variables) + "}"
    result = f"route_text(label, {mapping})"
    if wrap is not None:
        result = f"wrap({result})"
    returns = "" if wrap is not None else " -> str"
    source = f"async def view({params}){returns}:\n    return {result}\n"
    namespace: dict[str, Any] = {
        **(names or {}), "__name__": __name__, "route_text": route_text, "label": label,
        "wrap": wrap,
    }
    exec(source, namespace)
    view: Callable[..., Any] = namespace["view"]
    view.__name__ = view.__qualname__ = label.replace(".", "_")
    return view
