"""The benchmark app in Starlette: ``Route``s to ``async def`` endpoints taking the request."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import starlette
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import HELLO, ROUTES, common, render, route_text

VERSION = starlette.__version__


async def plaintext(request: Request) -> Response:
    return PlainTextResponse(HELLO)


async def json(request: Request) -> Response:
    return JSONResponse({"message": HELLO})


async def user(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["id"]})


async def search(request: Request) -> Response:
    params = request.query_params
    limit = params.get("limit")
    return JSONResponse({"q": params.get("q"), "limit": int(limit) if limit is not None else None})


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def items(request: Request) -> Response:
    params = request.query_params
    try:
        return JSONResponse(common.check_search(
            params.get("q"), params.get("limit"), params.getlist("tags")
        ))
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)


async def create_item(request: Request) -> Response:
    try:
        return JSONResponse(common.check_item(await request.json()))
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)


def create_app() -> Starlette:
    return Starlette(routes=[
        Route("/plaintext", plaintext),
        Route("/json", json),
        Route("/user/{id:int}", user),
        Route("/search", search),
        Route("/echo", echo, methods=["POST"]),
        Route("/items", items),
        Route("/items", create_item, methods=["POST"]),
    ])


def _endpoint(label: str) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(route_text(label, request.path_params))

    return endpoint


def create_routing_app() -> Starlette:
    return Starlette(routes=[
        Route(render(segments, "{{{}:int}}", "{{{}}}"), _endpoint(label), name=label)
        for label, segments in ROUTES
    ])
