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


# -- typed scenarios: validated query parameters and a validated JSON body -------------
#: ``GET /items?...``: ``q`` (str), ``limit`` (int, 1..100), ``tags`` (repeated, list of str).
TYPED_QUERY = "q=kettle&limit=10&tags=wsgi&tags=asgi"
TYPED_QUERY_RESULT: dict[str, Any] = {"q": "kettle", "limit": 10, "tags": ["wsgi", "asgi"]}

#: ``POST /items``: an order line checked field by field, answered back as validated.
#: ``name`` 1..50 chars, ``price`` > 0, ``quantity`` >= 1, ``tags`` strings, ``owner`` with
#: ``name`` and ``email`` strings.
ITEM_PAYLOAD: dict[str, Any] = {
    "name": "kettle",
    "price": 19.5,
    "quantity": 3,
    "tags": ["wsgi", "asgi", "fast"],
    "owner": {"name": "Ada Lovelace", "email": "ada@example.com"},
}


def check_search(q: str | None, limit: str | None, tags: list[str]) -> dict[str, Any]:
    """Hand validation of the typed query (for frameworks without typed parameters);
    raises ``ValueError`` with a message on bad input."""
    if q is None:
        raise ValueError("q is required")
    number = int(limit) if limit is not None else 10
    if not 1 <= number <= 100:
        raise ValueError("limit must be between 1 and 100")
    return {"q": q, "limit": number, "tags": tags}


def check_item(data: Any) -> dict[str, Any]:
    """Hand validation of the typed body, as a careful user of a framework without schemas
    writes it; raises ``ValueError`` on the first problem."""
    if not isinstance(data, dict):
        raise ValueError("the body must be an object")
    name, price, quantity = data.get("name"), data.get("price"), data.get("quantity")
    if not isinstance(name, str) or not 1 <= len(name) <= 50:
        raise ValueError("name must be a string of 1 to 50 characters")
    if isinstance(price, bool) or not isinstance(price, int | float) or price <= 0:
        raise ValueError("price must be a number > 0")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError("quantity must be an integer >= 1")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags must be a list of strings")
    owner = data.get("owner")
    if not isinstance(owner, dict) or not all(
        isinstance(owner.get(k), str) for k in ("name", "email")
    ):
        raise ValueError("owner must have a name and an email")
    return {
        "name": name, "price": float(price), "quantity": quantity, "tags": tags,
        "owner": {"name": owner["name"], "email": owner["email"]},
    }


# -- return shapes: each way a Flask view answers, on an app of its own ----------------
#: ``POST /shapes/items`` with a body that fails the hand validation: answered 422.
BAD_ITEM_PAYLOAD: dict[str, Any] = {**ITEM_PAYLOAD, "price": -1}
BAD_ITEM_ERROR = {"error": "price must be a number > 0"}
TEXT_TYPE = "text/plain; charset=utf-8"
#: The list the ``list`` scenario answers as JSON.
SHAPE_LIST = ["wsgi", "asgi", "fast"]
NOT_FOUND_ERROR = {"error": "not found"}
