"""Bearer-token auth for writes: reads are public, changes need ``Authorization: Bearer``."""

from __future__ import annotations

import hmac

from kettle import current_app, request
from kettle.errors import Unauthorized

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def require_token_for_writes() -> None:
    """``before_request`` of the API blueprints: a 401 for a write without a valid token."""
    if request.method not in WRITE_METHODS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    tokens: list[str] = current_app.config["API_TOKENS"]
    if scheme.lower() != "bearer" or not any(
        hmac.compare_digest(token.encode(), t.encode()) for t in tokens
    ):
        raise Unauthorized("A valid bearer token is required.", www_authenticate="Bearer")
