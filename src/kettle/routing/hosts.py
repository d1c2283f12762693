"""The domain a request is routed on: its subdomain relative to ``SERVER_NAME``.

Werkzeug's rules (``bind_to_environ``): names compare lower case, the scheme's default
port is dropped, and a host that does not end with ``SERVER_NAME`` gets a subdomain no
rule can have, so it matches nothing (a 404).
"""

from __future__ import annotations

#: A subdomain no rule can declare ('<' starts a variable): hosts outside SERVER_NAME.
INVALID_SUBDOMAIN = "<invalid>"
_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


def server_name_for_matching(server_name: str | None) -> str | None:
    """``SERVER_NAME`` lower case (``None`` when unset or empty)."""
    return server_name.lower() if server_name else None


def subdomain_of(host: str, server_name: str | None, scheme: str) -> str:
    """The labels of ``host`` before ``server_name`` (``""`` for the name itself); without
    a server name every host is its own, so the subdomain is ``""``."""
    if not server_name:
        return ""
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and server_name.endswith(port):
        server_name = server_name[: -len(port)]
    labels = host.split(".")
    own = server_name.split(".")
    if labels[-len(own):] != own:
        return INVALID_SUBDOMAIN
    return ".".join(label for label in labels[: -len(own)] if label)
