"""The books, kept in memory (one shelf per app)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from kettle import current_app


class Price:
    """A price in cents; the app's JSON provider writes it as ``"12.50 EUR"``."""

    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __str__(self) -> str:
        return f"{self.cents // 100}.{self.cents % 100:02d} EUR"


@dataclass
class Book:
    id: int
    title: str
    author: str
    price: Price

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "author": self.author, "price": self.price}

    @property
    def etag(self) -> str:
        text = f"{self.id}|{self.title}|{self.author}|{self.price.cents}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Shelf:
    books: dict[int, Book] = field(default_factory=dict)

    @staticmethod
    def current() -> Shelf:
        shelf: Shelf = current_app.extensions["shelf"]
        return shelf

    def add(self, title: str, author: str, cents: int) -> Book:
        book = Book(len(self.books) + 1, title, author, Price(cents))
        self.books[book.id] = book
        return book
