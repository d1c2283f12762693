"""The JSON API, served on the ``api`` subdomain: cacheable reads, writes with basic auth."""

from __future__ import annotations

import threading
from typing import Any

from kettle import (
    Blueprint,
    abort,
    copy_current_request_context,
    current_app,
    jsonify,
    request,
    url_for,
)
from kettle.views import MethodView

from .shelf import Shelf

bp = Blueprint("api", __name__, url_prefix="/books")


class ShelfError(Exception):
    """A write the shelf refuses; answered 409 by the app's error handler."""


class BookCollection(MethodView):
    def get(self) -> Any:
        books = [book.as_json() for book in Shelf.current().books.values()]
        return jsonify(books=books, count=len(books))

    def post(self) -> Any:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != tuple(
            current_app.config["SHELF_ADMIN"]
        ):
            abort(401)
        data = request.get_json(silent=True) or {}
        title, author, cents = data.get("title"), data.get("author"), data.get("cents")
        if not isinstance(title, str) or not isinstance(author, str) or not isinstance(cents, int):
            abort(400, description="'title', 'author' (strings) and 'cents' (int) are required.")
        shelf = Shelf.current()
        if any(book.title == title for book in shelf.books.values()):
            raise ShelfError(f"{title!r} is already on the shelf.")
        book = shelf.add(title, author, cents)
        audit_in_a_thread(f"{auth.username} added {title!r} from {request.path}")
        response = jsonify(book.as_json())
        response.status_code = 201
        response.headers["Location"] = url_for("api.item", book_id=book.id, _external=True)
        return response


def audit_in_a_thread(entry: str) -> None:
    """Write the audit trail from a worker thread, which sees this request's context."""

    @copy_current_request_context
    def write() -> None:
        current_app.extensions["shelf_log"]["audit"].append(f"{entry} ({request.method})")

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()


@bp.route("/<int:book_id>")
def item(book_id: int) -> Any:
    book = Shelf.current().books.get(book_id)
    if book is None:
        abort(404, description=f"No book #{book_id}.")
    if book.etag in request.if_none_match:  # answered early: no body is built
        response = current_app.response_class(status=304)
        response.set_etag(book.etag)
        return response
    response = jsonify(book.as_json())
    response.set_etag(book.etag)
    return response.make_conditional(request)


bp.add_url_rule("/", view_func=BookCollection.as_view("collection"))
