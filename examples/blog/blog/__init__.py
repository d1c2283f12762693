"""A small blog on kettle: accounts, posts by their authors, flash messages, templates.

``create_app()`` is the app factory; ``app.py`` beside this package serves it::

    cd examples/blog && python app.py                  # the development server
    gunicorn --chdir examples/blog app:app              # production-style
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kettle import Kettle

from . import auth, db, posts


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Kettle:
    """Build the app. Settings, last one wins: defaults, ``instance/config.py``,
    ``BLOG_*`` environment variables, then ``test_config``."""
    app = Kettle(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",  # replace it in instance/config.py or BLOG_SECRET_KEY
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("BLOG")
    if test_config is not None:
        app.config.from_mapping(test_config)

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(posts.bp)
    app.add_url_rule("/", endpoint="index", view_func=posts.index)
    return app
