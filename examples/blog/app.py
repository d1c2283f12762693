"""Run the blog: ``python app.py`` (development server), or ``gunicorn app:app``.

The database is created on start-up when it does not exist yet, so a fresh checkout
serves straight away; ``kettle --app app init-db`` wipes it and starts again.
"""

from __future__ import annotations

import os

from blog import create_app
from blog.db import init_db

app = create_app()

with app.app_context():
    if not os.path.exists(app.config["DATABASE"]):
        init_db()

if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "5000")))
