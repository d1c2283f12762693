"""Flask's signals, on blinker: the same names, senders and keyword arguments.

Extensions (Flask-Login, Flask-Principal ...) and tests connect to these. A request
pays for them only while one of them has a receiver: connecting one switches every
app to the full pipeline (``app.full_dispatch_request()`` and friends, which send
them); the fast path never looks at a signal.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from blinker import Namespace, Signal

if TYPE_CHECKING:
    from .app import Kettle

_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")

#: The signals a request may send: while any has a receiver, requests take the full pipeline.
REQUEST_SIGNALS = (
    request_started, request_finished, request_tearing_down, got_request_exception,
    appcontext_tearing_down, appcontext_pushed, appcontext_popped,
)


class _State:
    """Whether a request signal may have a receiver (kept up to date by blinker's own
    ``receiver_connected`` / ``receiver_disconnected`` signals)."""

    active = False


state = _State()
#: Apps that have served: told to leave their fast path when a receiver connects.
_serving_apps: weakref.WeakSet[Kettle] = weakref.WeakSet()


def track(app: Kettle) -> None:
    """Remember a frozen app, so connecting a receiver later can switch it to the full path."""
    _serving_apps.add(app)


def _on_connect(signal: Signal, /, **kwargs: Any) -> None:
    if not state.active:
        state.active = True
        for app in list(_serving_apps):
            app._ready = app._asgi_ready = False  # the doors' next check picks the full path


def has_request_receivers() -> bool:
    """Whether a request signal has a receiver connected for some sender (or for any).

    Not ``signal.receivers``: blinker keeps a receiver there after
    ``disconnect(receiver, sender)`` until it is disconnected from every sender, and
    ``has_receivers_for`` needs a sender (and counts a sender's emptied bucket). The
    per-sender buckets (``_by_sender``) are what ``send`` reads.
    """
    return any(bucket for signal in REQUEST_SIGNALS for bucket in signal._by_sender.values())


def _on_disconnect(signal: Signal, /, **kwargs: Any) -> None:
    # A receiver dropped by garbage collection leaves this True: correct, a little slower.
    state.active = has_request_receivers()


for _signal in REQUEST_SIGNALS:
    _signal.receiver_connected.connect(_on_connect, weak=False)
    _signal.receiver_disconnected.connect(_on_disconnect, weak=False)
del _signal

__all__ = [
    "Namespace",
    "Signal",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]
