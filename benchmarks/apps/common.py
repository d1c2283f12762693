"""What every benchmark app serves: the payloads and the 150-route table, framework-neutral.

A route is a tuple of segments; a segment is literal text or ``(converter, name)`` with
converter ``"int"`` or ``"str"``. Each app module spells the table in its own syntax
(``<int:id>``, ``<id:int>``, ``{id:int}``) and registers it in this order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Segment = str | tuple[str, str]

HELLO = "Hello, World!"
JSON_MESSAGE = {"message": HELLO}

# ~200 bytes of JSON: what the POST scenario sends, and expects echoed back.
ECHO_PAYLOAD: dict[str, Any] = {
    "id": 12345,
    "name": "kettle",
    "active": True,
    "score": 9.75,
    "tags": ["wsgi", "asgi", "fast"],
    "owner": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "description": "A small JSON document to echo back.",
}

# Fifty static routes and a hundred with one or two parameters, under three prefixes.
PREFIXES = ("api/v1", "api/v2", "admin")
RESOURCES = (
    "users", "orders", "products", "invoices", "customers",
    "teams", "projects", "tickets", "articles", "events",
)
STATIC_SUFFIXES = ("", "search", "stats", "export", "recent")
DYNAMIC_SUFFIXES: tuple[tuple[str, tuple[Segment, ...]], ...] = (
    ("item", (("int", "id"),)),
    ("by_name", ("by-name", ("str", "name"))),
    ("history", (("int", "id"), "history")),
    ("settings", (("int", "id"), "settings")),
    ("comments", (("int", "id"), "comments")),
    ("comment", (("int", "id"), "comments", ("int", "cid"))),
    ("file", (("int", "id"), "files", ("int", "fid"))),
    ("tag", (("int", "id"), "tags", ("str", "tag"))),
    ("link", (("int", "id"), "links", ("str", "slug"))),
    ("member", (("int", "id"), "members", ("int", "mid"))),
)


def _prefix(index: int) -> str:
    return PREFIXES[index * len(PREFIXES) // len(RESOURCES)]


def _build_routes() -> list[tuple[str, tuple[Segment, ...]]]:
    static: list[tuple[str, tuple[Segment, ...]]] = []
    dynamic: list[tuple[str, tuple[Segment, ...]]] = []
    for index, resource in enumerate(RESOURCES):
        base: tuple[Segment, ...] = (*_prefix(index).split("/"), resource)
        for suffix in STATIC_SUFFIXES:
            name = f"{resource}.{suffix or 'index'}"
            static.append((name, (*base, suffix) if suffix else base))
        for suffix, segments in DYNAMIC_SUFFIXES:
            dynamic.append((f"{resource}.{suffix}", (*base, *segments)))
    # Static routes first, as most apps declare them; the parametrised ones after.
    return static + dynamic


#: ``(label, segments)`` in registration order: 50 static routes, then 100 dynamic ones.
ROUTES = _build_routes()
assert len(ROUTES) == 150 and sum(all(isinstance(s, str) for s in r) for _, r in ROUTES) == 50

#: The route the routing scenario hits: the last resource's two-parameter ``member`` route,
#: the last entry of the table.
ROUTING_PATH = "/admin/events/42/members/7"
ROUTING_LABEL = "events.member"
ROUTING_BODY = "events.member id=42,mid=7"


def route_text(label: str, params: Mapping[str, Any]) -> str:
    """The body every routing-table view returns: its label and its (converted) parameters."""
    return label + " " + ",".join(f"{k}={params[k]}" for k in sorted(params))


def render(segments: tuple[Segment, ...], int_var: str, str_var: str) -> str:
    """A route's path in a framework's syntax, e.g. ``render(s, "<int:{}>", "<{}>")``."""
    parts = []
    for seg in segments:
        if isinstance(seg, str):
            parts.append(seg)
        else:
            conv, name = seg
            parts.append((int_var if conv == "int" else str_var).format(name))
    return "/" + "/".join(parts)
