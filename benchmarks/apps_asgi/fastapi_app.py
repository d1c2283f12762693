"""The benchmark app in FastAPI: path operations on ``async def`` functions, typed parameters."""

from __future__ import annotations

from typing import Annotated, Any

import fastapi
import pydantic
from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse

from . import HELLO, ROUTES, render, typed_view

VERSION = fastapi.__version__


class Owner(pydantic.BaseModel):
    name: str
    email: str


class Item(pydantic.BaseModel):
    name: Annotated[str, pydantic.Field(min_length=1, max_length=50)]
    price: Annotated[float, pydantic.Field(gt=0)]
    quantity: Annotated[int, pydantic.Field(ge=1)]
    owner: Owner
    tags: list[str] = []


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return HELLO

    @app.get("/json")
    async def json() -> dict[str, Any]:
        return {"message": HELLO}

    @app.get("/user/{id}")
    async def user(id: int) -> dict[str, Any]:
        return {"id": id}

    @app.get("/search")
    async def search(q: str, limit: int) -> dict[str, Any]:
        return {"q": q, "limit": limit}

    @app.post("/echo")
    async def echo(data: dict[str, Any]) -> dict[str, Any]:
        return data

    @app.get("/items")
    async def items(
        q: str,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        tags: Annotated[list[str], Query()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "tags": tags}

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    return app


def create_routing_app() -> FastAPI:
    app = FastAPI()
    for label, segments in ROUTES:
        # Path parameters are typed by the function's annotations; the path says ``{id}``.
        view = typed_view(label, segments, {"int": "int", "str": "str"})
        app.add_api_route(render(segments, "{{{}}}", "{{{}}}"), view,
                          response_class=PlainTextResponse, name=label)
    return app
