"""The floor with ``floor.queue_handoff()`` as the thread hand-off."""

from .floor import ONLY, VERSION, make_app, queue_handoff

__all__ = ["ONLY", "VERSION", "create_app"]


def create_app():  # type: ignore[no-untyped-def]
    return make_app(queue_handoff())
