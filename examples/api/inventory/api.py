"""The inventory's endpoints: categories and items, typed end to end.

Parameters and bodies are validated from the signatures (422 problem details when they are
wrong); the return annotations are the documented response schemas.
"""

from __future__ import annotations

import datetime
import enum
import json
import sqlite3
from typing import Annotated, Any

from kettle import Blueprint, Path, Query
from kettle.errors import Conflict, NotFound
from kettle.openapi import ProblemDetails, describe_blueprint

from .auth import require_token_for_writes
from .db import get_db
from .models import Category, CategoryIn, Item, ItemIn, ItemPage, StockChange

#: Ids are SQLite integers: anything larger is refused before it reaches the database.
Id = Annotated[int, Path(ge=1, le=2**62)]

NOT_FOUND = {404: ProblemDetails}
WRITE_ERRORS = {401: ProblemDetails}

categories = Blueprint("categories", __name__, url_prefix="/categories")
items = Blueprint("items", __name__, url_prefix="/items")
for blueprint in (categories, items):
    blueprint.before_request(require_token_for_writes)


# -- categories ------------------------------------------------------------------------
def _category(row: sqlite3.Row) -> Category:
    return Category(id=row["id"], name=row["name"], description=row["description"])


def _category_or_404(category_id: int) -> Category:
    row = get_db().execute("SELECT * FROM category WHERE id = ?", (category_id,)).fetchone()
    if row is None:
        raise NotFound(f"No category has the id {category_id}.")
    return _category(row)


@categories.get("", strict_slashes=False)
def list_categories() -> list[Category]:
    """List all categories, by name."""
    rows = get_db().execute("SELECT * FROM category ORDER BY name, id").fetchall()
    return [_category(row) for row in rows]


@categories.post("", strict_slashes=False, status_code=201, security="bearer",
                 responses={**WRITE_ERRORS, 409: ProblemDetails})
def create_category(category: CategoryIn) -> Category:
    """Create a category; its name must be new."""
    db = get_db()
    try:
        cursor = db.execute(
            "INSERT INTO category (name, description) VALUES (?, ?)",
            (category.name, category.description),
        )
    except sqlite3.IntegrityError:
        raise Conflict(f"A category named {category.name!r} exists.") from None
    db.commit()
    assert cursor.lastrowid is not None
    return _category_or_404(cursor.lastrowid)


@categories.get("/<int:category_id>", responses=NOT_FOUND)
def get_category(category_id: Id) -> Category:
    """One category."""
    return _category_or_404(category_id)


@categories.delete("/<int:category_id>", status_code=204, security="bearer",
                   responses={**WRITE_ERRORS, **NOT_FOUND, 409: ProblemDetails})
def delete_category(category_id: Id) -> None:
    """Delete an empty category (a category with items is a 409)."""
    _category_or_404(category_id)
    db = get_db()
    used = db.execute("SELECT 1 FROM item WHERE category_id = ?", (category_id,)).fetchone()
    if used is not None:
        raise Conflict("The category still has items.")
    db.execute("DELETE FROM category WHERE id = ?", (category_id,))
    db.commit()


# -- items -----------------------------------------------------------------------------
class SortOrder(enum.Enum):
    NAME = "name"
    PRICE = "price"
    NEWEST = "newest"


_ORDER_BY = {
    SortOrder.NAME: "name, id", SortOrder.PRICE: "price, id", SortOrder.NEWEST: "id DESC",
}


def _item(row: sqlite3.Row) -> Item:
    return Item(
        id=row["id"], name=row["name"], sku=row["sku"], price=row["price"],
        quantity=row["quantity"], category_id=row["category_id"], tags=json.loads(row["tags"]),
        created_at=datetime.datetime.fromisoformat(row["created_at"]),
    )


def _item_or_404(item_id: int) -> Item:
    row = get_db().execute("SELECT * FROM item WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise NotFound(f"No item has the id {item_id}.")
    return _item(row)


def _check_category(category_id: int | None) -> None:
    if category_id is None:
        return
    found = get_db().execute("SELECT 1 FROM category WHERE id = ?", (category_id,)).fetchone()
    if found is None:
        # Valid input, but it names a category that is not there (or no longer): a conflict
        # with the current state, as a duplicate SKU is.
        raise Conflict(f"No category has the id {category_id}.")


@items.get("", strict_slashes=False)
def list_items(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name.")] = None,
    category_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    tag: Annotated[str | None, Query(max_length=30)] = None,
    min_price: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
    max_price: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
    in_stock: bool | None = None,
    sort: SortOrder = SortOrder.NAME,
) -> ItemPage:
    """List items, filtered and paginated."""
    where, params = _filters(q, category_id, tag, min_price, max_price, in_stock)
    db = get_db()
    total = db.execute(f"SELECT count(*) FROM item {where}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT * FROM item {where} ORDER BY {_ORDER_BY[sort]} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return ItemPage(items=[_item(row) for row in rows], total=total, limit=limit, offset=offset)


def _filters(
    q: str | None, category_id: int | None, tag: str | None, min_price: float | None,
    max_price: float | None, in_stock: bool | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if q:
        clauses.append("instr(lower(name), lower(?)) > 0")
        params.append(q)
    if category_id is not None:
        clauses.append("category_id = ?")
        params.append(category_id)
    if tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(item.tags) WHERE value = ?)")
        params.append(tag)
    if min_price is not None:
        clauses.append("price >= ?")
        params.append(min_price)
    if max_price is not None:
        clauses.append("price <= ?")
        params.append(max_price)
    if in_stock is not None:
        clauses.append("quantity > 0" if in_stock else "quantity = 0")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


@items.post("", strict_slashes=False, status_code=201, security="bearer",
            responses={**WRITE_ERRORS, 409: ProblemDetails})
def create_item(item: ItemIn) -> Item:
    """Add an item; its SKU must be new."""
    _check_category(item.category_id)
    db = get_db()
    created = datetime.datetime.now(datetime.UTC).isoformat()
    try:
        cursor = db.execute(
            "INSERT INTO item (name, sku, price, quantity, category_id, tags, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (item.name, item.sku, item.price, item.quantity, item.category_id,
             json.dumps(item.tags), created),
        )
    except sqlite3.IntegrityError:
        raise Conflict(f"An item with the SKU {item.sku!r} exists.") from None
    db.commit()
    assert cursor.lastrowid is not None
    return _item_or_404(cursor.lastrowid)


@items.get("/<int:item_id>", responses=NOT_FOUND)
def get_item(item_id: Id) -> Item:
    """One item."""
    return _item_or_404(item_id)


@items.put("/<int:item_id>", security="bearer",
           responses={**WRITE_ERRORS, **NOT_FOUND, 409: ProblemDetails})
def replace_item(item_id: Id, item: ItemIn) -> Item:
    """Replace an item's fields (its id and creation time stay)."""
    _item_or_404(item_id)
    _check_category(item.category_id)
    db = get_db()
    try:
        db.execute(
            "UPDATE item SET name = ?, sku = ?, price = ?, quantity = ?, category_id = ?,"
            " tags = ? WHERE id = ?",
            (item.name, item.sku, item.price, item.quantity, item.category_id,
             json.dumps(item.tags), item_id),
        )
    except sqlite3.IntegrityError:
        raise Conflict(f"Another item has the SKU {item.sku!r}.") from None
    db.commit()
    return _item_or_404(item_id)


@items.post("/<int:item_id>/stock", security="bearer",
            responses={**WRITE_ERRORS, **NOT_FOUND, 409: ProblemDetails})
def change_stock(item_id: Id, change: StockChange) -> Item:
    """Add to or take from the stock; it never goes below zero (409)."""
    item = _item_or_404(item_id)
    quantity = item.quantity + change.delta
    if not 0 <= quantity <= 1_000_000:
        raise Conflict(f"The stock would be {quantity}: it must stay within 0..1000000.")
    db = get_db()
    db.execute("UPDATE item SET quantity = ? WHERE id = ?", (quantity, item_id))
    db.commit()
    return _item_or_404(item_id)


@items.delete("/<int:item_id>", status_code=204, security="bearer",
              responses={**WRITE_ERRORS, **NOT_FOUND})
def delete_item(item_id: Id) -> None:
    """Remove an item."""
    _item_or_404(item_id)
    db = get_db()
    db.execute("DELETE FROM item WHERE id = ?", (item_id,))
    db.commit()


describe_blueprint(categories, tags=["categories"])
describe_blueprint(items, tags=["items"])
