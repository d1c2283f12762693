"""The floor with ``floor.dedicated_pool()`` as the thread hand-off."""

from .floor import ONLY, VERSION, dedicated_pool, make_app

__all__ = ["ONLY", "VERSION", "create_app"]


def create_app():  # type: ignore[no-untyped-def]
    return make_app(dedicated_pool())
