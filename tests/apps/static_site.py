"""A kettle app serving ``$STATIC_SITE_FOLDER`` at ``/static``, for the real-server tests of
``tests/servers/test_static_serving.py``.

``/swap/<name>`` shows who reads the file it sends: it opens ``name`` through
``send_from_directory`` and then replaces it (by rename) with ``name.next`` before the
response is sent. A server that sends from the path (ASGI ``pathsend``) sends the new
content; kettle or a ``wsgi.file_wrapper``, which send from the open file, the old one.
"""

from __future__ import annotations

import os

from kettle import Kettle, Response, send_from_directory

FOLDER = os.environ["STATIC_SITE_FOLDER"]

app = Kettle(__name__, static_folder=FOLDER)


@app.get("/")
def index() -> str:
    return "static site"


@app.get("/swap/<name>")
def swap(name: str) -> Response:
    response = send_from_directory(FOLDER, name)
    os.replace(os.path.join(FOLDER, f"{name}.next"), os.path.join(FOLDER, name))
    return response
