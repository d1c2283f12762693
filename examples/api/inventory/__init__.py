"""An inventory API on kettle: categories and items in SQLite, typed end to end.

``create_app()`` is the app factory; ``wsgi.py`` beside this package serves it::

    gunicorn --chdir examples/api wsgi:app

Reads are public; writes need ``Authorization: Bearer <token>`` with a token from
``API_TOKENS`` (``INVENTORY_API_TOKENS='["..."]'`` in the environment). The OpenAPI
document is at ``/openapi.json``, its pages at ``/docs`` and ``/redoc``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kettle import HTTPException, Kettle
from kettle.openapi import http_bearer
from kettle.problems import problem_response

from . import api, db


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Kettle:
    """Build the app. Settings, last one wins: defaults, ``INVENTORY_*`` environment
    variables, then ``test_config``."""
    app = Kettle(__name__, instance_path=instance_path)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "inventory.sqlite"),
        API_TOKENS=[],
        OPENAPI_ENABLED=True,  # a public API documents itself, in production too
        OPENAPI_TITLE="Inventory API",
        OPENAPI_VERSION="1.0.0",
        OPENAPI_DESCRIPTION="Categories and items in stock. Writes need a bearer token.",
        OPENAPI_SECURITY_SCHEMES={"bearer": http_bearer()},
    )
    app.config.from_prefixed_env("INVENTORY")
    if test_config is not None:
        app.config.from_mapping(test_config)
    db.init_app(app)
    app.register_blueprint(api.categories)
    app.register_blueprint(api.items)
    # Every error (404, 405, 409, 401, the binding errors...) as RFC 9457 problem details.
    app.register_error_handler(HTTPException, problem_response)
    with app.app_context():
        db.init_db()
    return app
