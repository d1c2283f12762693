"""A custom JSON provider: prices as ``"12.50 EUR"``."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from .shelf import Price


class ShelfJSONProvider(DefaultJSONProvider):
    sort_keys = True

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Price):
            return str(o)
        return DefaultJSONProvider.default(o)
