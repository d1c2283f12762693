"""The floor's baseline: the same bare app calling the no-op function on the loop."""

from .floor import ONLY, VERSION, make_app

__all__ = ["ONLY", "VERSION", "create_app"]


def create_app():  # type: ignore[no-untyped-def]
    return make_app(None)
