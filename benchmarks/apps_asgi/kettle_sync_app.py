"""kettle with plain ``def`` views served over ASGI: the WSGI benchmark's app, unchanged.

Under ASGI kettle runs a sync view in its thread pool (the event loop never blocks), so this
column shows what that hop costs next to ``kettle_app``'s ``async def`` views.
"""

from __future__ import annotations

import importlib

from . import APPS_PACKAGE  # importing the package loads benchmarks/apps as APPS_PACKAGE

_wsgi_app = importlib.import_module(f"{APPS_PACKAGE}.kettle_app")

VERSION = _wsgi_app.VERSION
create_app = _wsgi_app.create_app
create_routing_app = _wsgi_app.create_routing_app
create_shapes_app = _wsgi_app.create_shapes_app
