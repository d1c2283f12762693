"""The API's types: what clients send (``*In``) and what they get back.

They are ``msgspec.Struct`` classes: kettle validates request bodies against them, encodes
responses from them, and describes them in ``/openapi.json``.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
Sku = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9][A-Z0-9-]{2,19}$",
                                  description="Stock-keeping unit, e.g. KET-001.")]
Price = Annotated[float, msgspec.Meta(gt=0, le=1_000_000, description="Unit price in EUR.")]
Quantity = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True):
    """A category as clients create it."""

    name: Name
    description: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Category(msgspec.Struct):
    """A category of items."""

    id: int
    name: str
    description: str


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """An item as clients create or replace it."""

    name: Name
    sku: Sku
    price: Price
    quantity: Quantity = 0
    category_id: Annotated[int, msgspec.Meta(ge=1, le=2**62)] | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=10)] = []


class Item(msgspec.Struct):
    """An item in stock."""

    id: int
    name: str
    sku: str
    price: float
    quantity: int
    category_id: int | None
    tags: list[str]
    created_at: Annotated[datetime.datetime, msgspec.Meta(tz=True)]


class ItemPage(msgspec.Struct):
    """One page of items, and how many match in all."""

    items: list[Item]
    total: int
    limit: int
    offset: int


class StockChange(msgspec.Struct, forbid_unknown_fields=True):
    """Add to (or, negative, take from) an item's stock."""

    delta: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
