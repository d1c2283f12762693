"""The development toolkit: the embedded server, the reloader and the debug page.

``run_simple`` serves an app for development (``app.run()``, ``kettle run``);
``choose_interface`` tells which door (WSGI or ASGI) suits an app, and why.
"""

from ..interface import choose_interface
from .server import is_running_from_reloader, run_simple

__all__ = ["choose_interface", "is_running_from_reloader", "run_simple"]
