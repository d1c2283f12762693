"""The benchmark app in Litestar: ``@get``/``@post`` handlers, parameters bound by signature
(``FromPath[int]``, ``FromQuery[...]``, ``JSONBody[...]``: Litestar 2.2x's explicit markers)."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated, Any

from litestar import Litestar, MediaType, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from . import HELLO, ROUTES, render, typed_models, typed_view

Item = typed_models.Item

VERSION = version("litestar")


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return HELLO


@get("/json")
async def json() -> dict[str, Any]:
    return {"message": HELLO}


@get("/user/{id:int}")
async def user(id: FromPath[int]) -> dict[str, Any]:
    return {"id": id}


@get("/search")
async def search(q: FromQuery[str], limit: FromQuery[int]) -> dict[str, Any]:
    return {"q": q, "limit": limit}


@post("/echo", status_code=200)
async def echo(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


@get("/items")
async def items(
    q: FromQuery[str],
    limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
    tags: Annotated[list[str] | None, Parameter()] = None,
) -> dict[str, Any]:
    return {"q": q, "limit": limit, "tags": tags or []}


@post("/items", status_code=200)
async def create_item(data: JSONBody[Item]) -> Item:
    return data


def create_app() -> Litestar:
    return Litestar(route_handlers=[plaintext, json, user, search, echo, items, create_item])


def create_routing_app() -> Litestar:
    handlers = []
    for label, segments in ROUTES:
        view = typed_view(label, segments, {"int": "FromPath[int]", "str": "FromPath[str]"},
                          names={"FromPath": FromPath})
        handlers.append(
            get(render(segments, "{{{}:int}}", "{{{}:str}}"), media_type=MediaType.TEXT,
                name=label)(view)
        )
    return Litestar(route_handlers=handlers)
