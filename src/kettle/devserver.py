"""The development server's entry module: ``run_simple`` serves an app for ``app.run()``
and ``kettle run``; not for production. The server itself lives in ``kettle.dev``."""

from __future__ import annotations

from .dev import choose_interface, is_running_from_reloader, run_simple

__all__ = ["choose_interface", "is_running_from_reloader", "run_simple"]
