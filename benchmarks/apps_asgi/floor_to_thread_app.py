"""The floor with ``floor.to_thread()`` as the thread hand-off."""

from .floor import ONLY, VERSION, make_app, to_thread

__all__ = ["ONLY", "VERSION", "create_app"]


def create_app():  # type: ignore[no-untyped-def]
    return make_app(to_thread())
