"""Signed-cookie sessions: the session lives in the client's cookie, signed with ``SECRET_KEY``.

The cookie format is Flask's (itsdangerous, salt ``cookie-session``, HMAC-SHA1
key derivation), so users of a Flask app that moves to kettle stay logged in.
A tampered, forged or expired cookie gives an empty session, never an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import json as kettle_json

if TYPE_CHECKING:
    from .app import Kettle
    from .request import Request
    from .response import Response


class SecureCookieSession(dict[str, Any]):
    """A dict that knows whether it was changed (``modified``) or read (``accessed``)."""

    def __init__(self, initial: dict[str, Any] | None = None, new: bool = False) -> None:
        super().__init__(initial or {})
        self.modified = False
        self.accessed = False
        self.new = new

    @property
    def permanent(self) -> bool:
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.accessed = self.modified = True
        super().__delitem__(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return super().__getitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.accessed = self.modified = True
        return super().pop(key, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.accessed = self.modified = True
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.accessed = self.modified = True
        super().clear()


class NullSession(SecureCookieSession):
    """The session without a ``SECRET_KEY``: reading works, writing explains what is missing."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the secret_key "
            "on the application (SECRET_KEY) to something unique and secret."
        )

    __setitem__ = __delitem__ = clear = pop = update = setdefault = _fail


class SessionInterface:
    """How sessions are loaded and saved; subclass it to keep sessions server-side."""

    def open_session(self, app: Kettle, request: Request) -> SecureCookieSession:
        raise NotImplementedError

    def save_session(self, app: Kettle, session: SecureCookieSession, response: Response) -> None:
        raise NotImplementedError

    def cookie_settings(self, app: Kettle) -> dict[str, Any]:
        """The session cookie's attributes; ``Secure`` whenever the request came over https."""
        from .context import current_context

        config = app.config
        ctx = current_context()
        over_https = ctx is not None and ctx.request is not None and ctx.request.is_secure
        return {
            "domain": config["SESSION_COOKIE_DOMAIN"],
            "path": config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"] or "/",
            "secure": bool(config["SESSION_COOKIE_SECURE"] or over_https),
            "httponly": config["SESSION_COOKIE_HTTPONLY"],
            "samesite": config["SESSION_COOKIE_SAMESITE"],
            "partitioned": config["SESSION_COOKIE_PARTITIONED"],
        }


class SecureCookieSessionInterface(SessionInterface):
    """Sessions in an itsdangerous-signed cookie, compatible with Flask's."""

    salt = "cookie-session"

    def serializer(self, app: Kettle) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
        return URLSafeTimedSerializer(
            [*fallbacks, app.secret_key],
            salt=self.salt,
            serializer=kettle_json,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        )

    def open_session(self, app: Kettle, request: Request) -> SecureCookieSession:
        serializer = self.serializer(app)
        if serializer is None:
            return NullSession()
        value = request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not value:
            return SecureCookieSession(new=True)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadSignature, ValueError, TypeError):
            return SecureCookieSession(new=True)
        return SecureCookieSession(data if isinstance(data, dict) else None)

    def save_session(self, app: Kettle, session: SecureCookieSession, response: Response) -> None:
        if isinstance(session, NullSession):
            return
        name = app.config["SESSION_COOKIE_NAME"]
        settings = self.cookie_settings(app)
        if session.accessed:
            response.headers.add("Vary", "Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(name, **settings)
            return
        refresh = session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        if not (session.modified or refresh):
            return
        serializer = self.serializer(app)
        assert serializer is not None
        max_age = int(app.permanent_session_lifetime.total_seconds()) if session.permanent else None
        value = serializer.dumps(dict(session))
        response.set_cookie(name, value, max_age=max_age, **settings)
