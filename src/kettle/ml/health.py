"""``/healthz`` (the process answers) and ``/readyz`` (start-up done, models loaded).

An orchestrator restarts a process whose liveness probe fails and sends traffic only
to processes whose readiness probe passes, so the two answer different questions:
``/healthz`` is 200 as long as the app can answer at all; ``/readyz`` is 503 until
start-up has finished and every model registered with ``kettle.ml.model`` has loaded,
when a model failed to load (the reason is in the log, not in the answer), and
again once shut-down has begun.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lifecycle import models

if TYPE_CHECKING:
    from ..app import Kettle


def add_health_routes(app: Kettle, healthz: str = "/healthz", readyz: str = "/readyz") -> None:
    """Add the liveness and readiness routes to ``app`` (cheap views run on the event loop)."""
    registry = models(app)

    def healthz_view() -> dict[str, Any]:
        return {"status": "ok"}

    def readyz_view() -> tuple[dict[str, Any], int]:
        ready = registry.ready
        states = {name: model.state for name, model in registry.by_name.items()}
        if not app.lifespan.started:
            status = "starting"
        elif app.lifespan.stopped:
            status = "stopping"
        else:
            status = "ready" if ready else "not ready"
        return {"status": status, "models": states}, 200 if ready else 503

    # inline: the views only read flags, so ASGI runs them without a thread hop.
    app.add_url_rule(healthz, "kettle_healthz", healthz_view, inline=True)
    app.add_url_rule(readyz, "kettle_readyz", readyz_view, inline=True)
