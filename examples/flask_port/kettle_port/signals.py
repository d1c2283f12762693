"""Signal receivers: the app counts its requests and keeps the names of rendered templates
(and the API's audit trail, written from a worker thread)."""

from __future__ import annotations

from typing import Any

from kettle import Kettle, request_started, template_rendered


def connect(app: Kettle) -> None:
    log: dict[str, Any] = {"requests": 0, "templates": [], "audit": []}
    app.extensions["shelf_log"] = log

    def count_request(sender: Any, **extra: Any) -> None:
        log["requests"] += 1

    def note_template(sender: Any, template: Any, context: Any, **extra: Any) -> None:
        log["templates"].append(template.name)

    request_started.connect(count_request, app, weak=False)
    template_rendered.connect(note_template, app, weak=False)
