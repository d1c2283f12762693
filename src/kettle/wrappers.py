"""Flask's ``flask.wrappers``: the request and response classes, under their usual import."""

from __future__ import annotations

from .request import Request
from .response import Response

__all__ = ["Request", "Response"]
