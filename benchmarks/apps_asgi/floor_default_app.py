"""The floor with ``floor.default_executor()`` as the thread hand-off."""

from .floor import ONLY, VERSION, default_executor, make_app

__all__ = ["ONLY", "VERSION", "create_app"]


def create_app():  # type: ignore[no-untyped-def]
    return make_app(default_executor())
