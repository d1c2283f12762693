"""``url_for``: endpoint + values -> URL, relative to the request or to ``SERVER_NAME``.

External URLs use the request's ``Host`` only after it passed ``TRUSTED_HOSTS``
(or ``SERVER_NAME`` when set), so a forged ``Host`` cannot steer a built link.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .context import current_context
from .errors import BadRequest, SecurityError

if TYPE_CHECKING:
    from .app import Kettle

_NO_CONTEXT = (
    "Unable to build URLs outside an active application context. Use "
    "'with app.app_context():' or 'with app.test_request_context():'."
)
_NO_SERVER_NAME = (
    "Unable to build an external URL outside an active request without 'SERVER_NAME' "
    "configured. Also configure 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME' as needed."
)


class UrlBuilder:
    """Builds URLs for one app."""

    def __init__(self, app: Kettle) -> None:
        self.app = app

    def _scopes(self, endpoint: str) -> list[str | None]:
        blueprint = endpoint.rpartition(".")[0]
        parts = blueprint.split(".") if blueprint else []
        return [None, *(".".join(parts[: i + 1]) for i in range(len(parts)))]

    def inject_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Run the ``url_defaults`` functions of the app, then of the endpoint's blueprints."""
        functions = self.app.url_default_functions
        if not functions:
            return
        for scope in self._scopes(endpoint):
            for func in functions.get(scope, ()):
                func(endpoint, values)

    def build(
        self,
        endpoint: str,
        values: dict[str, Any],
        anchor: str | None,
        method: str | None,
        scheme: str | None,
        external: bool | None,
    ) -> str:
        """The URL of ``endpoint``; ``.name`` is relative to the current blueprint."""
        ctx = current_context()
        if ctx is None:
            raise RuntimeError(_NO_CONTEXT)
        request = ctx.request
        if endpoint.startswith("."):
            blueprint = request.blueprint if request is not None else None
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        if external is None:
            external = scheme is not None if request is not None else True
        if scheme is not None and not external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        app = self.app
        app.inject_url_defaults(endpoint, values)
        path = app.url_map.build(endpoint, values, method)
        if request is not None:
            root = request.root_path
        else:
            root = (app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
        url = quote(root) + path
        if anchor is not None:
            url = f"{url}#{quote(anchor, safe='%!#$&()*+,/:;=?@')}"
        if not external:
            return url
        server_name = app.config.get("SERVER_NAME")
        if request is not None:
            host = server_name or request.host
            trusted = app._trusted_hosts
            if not server_name and trusted is not None and not host_is_trusted(host, trusted):
                raise SecurityError(
                    f"Cannot build an external URL for the untrusted host {host!r} "
                    "(TRUSTED_HOSTS); configure SERVER_NAME or trust the host."
                )
            scheme = scheme or request.scheme
        elif server_name:
            host = server_name
            scheme = scheme or app.config.get("PREFERRED_URL_SCHEME") or "http"
        else:
            raise RuntimeError(_NO_SERVER_NAME)
        return f"{scheme}://{host}{url}"


def host_is_trusted(host: str, trusted: tuple[str, ...]) -> bool:
    """Whether ``host`` (port ignored) is one of ``trusted``; ``.example.com`` allows subdomains."""
    hostname = host.lower()
    if hostname.startswith("["):
        hostname = hostname[: hostname.find("]") + 1]
    else:
        hostname = hostname.rpartition(":")[0] if ":" in hostname else hostname
    for ref in trusted:
        if ref.startswith("."):
            if hostname == ref[1:] or hostname.endswith(ref):
                return True
        elif hostname == ref:
            return True
    return False


_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
#: What a ``Host`` (or ``X-Forwarded-Host``) may be: an ASCII name or a bracketed IPv6
#: address, then an optional port of at most 65535. No userinfo (``@``), no spaces, slashes,
#: commas (two headers merged) or anything else a URL parser would read differently.
_VALID_HOST = re.compile(
    rf"(?:[A-Za-z0-9_][A-Za-z0-9._-]{{0,252}}|\[[0-9A-Fa-f:.]{{2,45}}\])(?::{_PORT})?"
).fullmatch


def checked_host(value: str) -> str:
    """``value`` if it is a well-formed host (and port); else a 400 that says why.

    Strict on purpose: the host is compared with ``TRUSTED_HOSTS`` and written into
    external URLs, so anything that two parsers could read two ways is refused.
    """
    if _VALID_HOST(value) is None:
        raise BadRequest(f"The Host header is not a valid host: {value[:100]!r}.")
    return value
