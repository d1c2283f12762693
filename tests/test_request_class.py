"""``app.request_class``: the app's own ``Request`` subclass is what views see, through
both doors and in request contexts, as in Flask."""

from __future__ import annotations

import json
from typing import Any

from kettle import Kettle, Request, request


class ShoutingRequest(Request):
    """A subclass as Flask apps write them: a property of its own, and an override."""

    @property
    def shout(self) -> str:
        return self.path.upper()

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        return {"fallback": True}


def _app() -> Kettle:
    app = Kettle("request_class")
    app.request_class = ShoutingRequest

    @app.route("/who")
    def who() -> dict[str, Any]:
        current = request._get_current_object()  # type: ignore[attr-defined]
        return {
            "class": isinstance(current, ShoutingRequest),
            "shout": request.shout,  # type: ignore[attr-defined]
            "query": request.args.get("q"),
            "remote": request.remote_addr,
        }

    @app.post("/json")
    def body() -> Any:
        return request.get_json()

    return app


def test_views_get_the_apps_request_class(door: str) -> None:
    with _app().test_client(asgi=door == "asgi") as client:
        answer = client.get("/who?q=tea")
    assert answer.get_json() == {
        "class": True, "shout": "/WHO", "query": "tea", "remote": "127.0.0.1",
    }


def test_an_override_of_the_request_class_is_used_by_kettles_own_reads(door: str) -> None:
    with _app().test_client(asgi=door == "asgi") as client:
        answer = client.post("/json", data=b"{not json", content_type="application/json")
    assert (answer.status_code, answer.get_json()) == (200, {"fallback": True})


def test_the_default_class_stays_on_the_fast_doors(door: str) -> None:
    app = Kettle("plain")

    @app.route("/")
    def index() -> str:
        return type(request._get_current_object()).__name__  # type: ignore[attr-defined]

    with app.test_client(asgi=door == "asgi") as client:
        name = client.get("/").get_data(as_text=True)
    assert name in {"Request", "ScopeRequest"}
    assert not app._full_pipeline()


def test_request_context_builds_the_apps_class() -> None:
    app = _app()
    with app.test_request_context("/who", data=json.dumps([1]), content_type="application/json"):
        assert isinstance(request._get_current_object(), ShoutingRequest)  # type: ignore[attr-defined]
        assert request.get_json() == [1]
