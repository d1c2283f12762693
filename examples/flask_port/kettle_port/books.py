"""The HTML pages: the list of books, one book, and a form to add one (logged in)."""

from __future__ import annotations

from typing import Any

from kettle import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from kettle.views import MethodView

from .shelf import Shelf

bp = Blueprint("books", __name__)


@bp.before_request
def load_user() -> None:
    g.user = session.get("user")


@bp.route("/")
def index() -> str:
    books = sorted(Shelf.current().books.values(), key=lambda book: book.title)
    return render_template("books/index.html", books=books)


@bp.route("/books/<int:book_id>")
def detail(book_id: int) -> str:
    book = Shelf.current().books.get(book_id)
    if book is None:
        abort(404, description=f"No book #{book_id}.")
    api_url = url_for("api.item", book_id=book_id, _external=True)
    return render_template("books/detail.html", book=book, api_url=api_url)


class AddBook(MethodView):
    """``GET`` shows the form, ``POST`` adds the book; both need a logged-in user."""

    init_every_request = False

    def dispatch_request(self, **kwargs: Any) -> Any:
        if g.user is None:
            flash("Log in to add books.")
            return redirect(url_for("auth.login"))
        return super().dispatch_request(**kwargs)

    def get(self) -> str:
        return render_template("books/add.html", error=None)

    def post(self) -> Any:
        title = request.form.get("title", "").strip()
        author = request.form.get("author", "").strip()
        cents = request.form.get("cents", type=int)
        if not title or not author or cents is None or cents < 0:
            error = "Title, author and a price in cents are required."
            return render_template("books/add.html", error=error), 400
        book = Shelf.current().add(title, author, cents)
        flash(f"Added {book.title}.")
        return redirect(url_for("books.detail", book_id=book.id))


bp.add_url_rule("/books/add", view_func=AddBook.as_view("add"))
