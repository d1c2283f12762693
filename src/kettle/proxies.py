"""Trusting ``X-Forwarded-*`` headers, only as far as the app was told to (``PROXY_FIX``).

Without the setting these headers are ignored: any client can send them. With
``PROXY_FIX = {"x_for": 1, "x_proto": 1}`` the app trusts that many proxies in
front of it, and takes the value each of them appended (counting from the right).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import HTTPException

if TYPE_CHECKING:
    from .request import Request


def _trusted_value(header: str | None, trusted: int) -> str | None:
    """The value the outermost trusted proxy saw: ``trusted`` items from the right."""
    if not header or trusted <= 0:
        return None
    values = [v.strip() for v in header.split(",")]
    if len(values) < trusted:
        return None
    return values[-trusted] or None


def apply_proxy_fix(request: Request, settings: dict[str, int]) -> None:
    """Rewrite the request's client address, scheme, host and prefix from trusted headers.

    Runs before routing: a header over ``MAX_REQUEST_HEADER_SIZE`` refuses the request,
    answered (431) before routing or any hook.
    """
    try:
        _apply(request, settings)
    except HTTPException as exc:
        request._refused = exc


def _apply(request: Request, settings: dict[str, int]) -> None:
    headers = request.headers
    forwarded_for = _trusted_value(headers.get("X-Forwarded-For"), settings.get("x_for", 0))
    if forwarded_for:
        request.remote_addr = forwarded_for
    proto = _trusted_value(headers.get("X-Forwarded-Proto"), settings.get("x_proto", 0))
    if proto in ("http", "https"):
        request.scheme = proto
    host = _trusted_value(headers.get("X-Forwarded-Host"), settings.get("x_host", 0))
    if host:
        request.host = host  # checked when read, as the Host header: a 400 if malformed
    port = _trusted_value(headers.get("X-Forwarded-Port"), settings.get("x_port", 0))
    if port and port.isdigit():
        hostname = host or headers.get("Host") or request.host
        if hostname.startswith("["):
            hostname = hostname[: hostname.find("]") + 1]
        else:
            hostname = hostname.partition(":")[0]
        request.host = f"{hostname}:{port}"
    prefix = _trusted_value(headers.get("X-Forwarded-Prefix"), settings.get("x_prefix", 0))
    if prefix:
        request.root_path = prefix.rstrip("/")
