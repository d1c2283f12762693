"""Signal receivers: the app counts its requests and keeps the names of rendered templates
(and the API's audit trail, written from a worker thread)."""

from __future__ import annotations

from typing import Any

from kettle import Kettle, request_started, template_rendered


def connect(app: Kettle) -> None:
    """Connect this app's receivers; ``disconnect(app)`` undoes it (tests do, at the end)."""
    log: dict[str, Any] = {"requests": 0, "templates": [], "audit": []}
    app.extensions["shelf_log"] = log

    def count_request(sender: Any, **extra: Any) -> None:
        log["requests"] += 1

    def note_template(sender: Any, template: Any, context: Any, **extra: Any) -> None:
        log["templates"].append(template.name)

    receivers = [(request_started, count_request), (template_rendered, note_template)]
    for signal, receiver in receivers:
        signal.connect(receiver, app, weak=False)
    app.extensions["shelf_receivers"] = receivers


def disconnect(app: Kettle) -> None:
    for signal, receiver in app.extensions.pop("shelf_receivers", []):
        signal.disconnect(receiver)  # from every sender: blinker forgets it only then
