"""The WSGI entry point: ``gunicorn --chdir examples/notes wsgi:app``.

Creates the database tables when they are missing (never touches existing data),
so a fresh checkout serves straight away.
"""

from notes import create_app
from notes.db import init_db

app = create_app()

with app.app_context():
    init_db(reset=False)
