"""The entry point: ``gunicorn --chdir examples/api wsgi:app`` (or ``granian --interface
wsgi wsgi:app``). The database is created on first start."""

from inventory import create_app

app = create_app()
