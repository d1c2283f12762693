"""The typed scenarios' models, for the frameworks that bind from types (kettle, Litestar)."""

from __future__ import annotations

from typing import Annotated

import msgspec


class Owner(msgspec.Struct):
    name: str
    email: str


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    quantity: Annotated[int, msgspec.Meta(ge=1)]
    owner: Owner
    tags: list[str] = []


class SearchResult(msgspec.Struct):
    q: str
    limit: int
    tags: list[str]
