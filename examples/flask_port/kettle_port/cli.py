"""A CLI command: ``add-book TITLE AUTHOR CENTS``."""

from __future__ import annotations

import click
from kettle.cli import with_appcontext

from .shelf import Shelf


@click.command("add-book")
@click.argument("title")
@click.argument("author")
@click.argument("cents", type=int)
@with_appcontext
def add_book_command(title: str, author: str, cents: int) -> None:
    """Put a book on the shelf."""
    book = Shelf.current().add(title, author, cents)
    click.echo(f"Added #{book.id}: {book.title} ({book.price})")
