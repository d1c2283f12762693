"""Sessions: by default a signed cookie in Flask's exact format; pluggable for server stores.

The cookie is Flask's: itsdangerous's ``URLSafeTimedSerializer`` (salt ``cookie-session``,
HMAC key derivation, SHA-1, zlib-compressed when that is shorter) around Flask's tagged
JSON (:mod:`kettle.json.tag`). With the same ``SECRET_KEY``, a Flask app moved to kettle
keeps its users logged in, and kettle's cookies read in Flask. A tampered, forged, expired
or garbled cookie gives an empty session, never an error.

The session is opened on first use (the ``session`` proxy), so a request that never
touches it pays nothing; only then is it saved after the response is made.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from .json.tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from .app import Kettle
    from .request import Request
    from .response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
]


class SessionMixin(MutableMapping[str, Any]):
    """What a session adds to a mapping: ``permanent``, ``new``, ``modified``, ``accessed``.

    A server-side store's session class is ``class MySession(dict, SessionMixin)``.
    """

    #: Whether the session was just created rather than loaded (when the store can tell).
    new = False
    #: Whether the session changed and must be saved; stores that cannot tell keep ``True``.
    modified = True
    #: Whether the session was used during the request: the response then varies by cookie.
    accessed = False

    @property
    def permanent(self) -> bool:
        """Whether the session outlives the browser session (``PERMANENT_SESSION_LIFETIME``)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


class SecureCookieSession(dict[str, Any], SessionMixin):
    """A dict that records being changed (``modified``) or read (``accessed``).

    Only the session itself is watched: after changing a mutable value inside it
    (``session["cart"].append(3)``), set ``session.modified = True``.
    """

    modified = False
    #: Whether the request carried a session cookie (which emptying the session deletes).
    _had_cookie = False

    def __init__(self, initial: Any = None, new: bool = False) -> None:
        super().__init__(initial or ())
        self.new = new

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.accessed = self.modified = True
        super().__delitem__(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        if not super().__contains__(key):
            self.modified = True
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self.accessed = self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self.accessed = self.modified = True
        return super().popitem()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.accessed = self.modified = True
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> SecureCookieSession:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        self.accessed = self.modified = True
        super().clear()


def _no_secret_key(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(
        "The session is unavailable because no secret key was set. Set the secret_key on "
        "the application (app.secret_key, or SECRET_KEY in its config) to something unique "
        "and secret."
    )


class NullSession(SecureCookieSession):
    """The session when sessions cannot work (no ``SECRET_KEY``): it reads as empty, and
    writing raises a ``RuntimeError`` saying what is missing."""

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _no_secret_key
    __ior__ = _no_secret_key


class SessionInterface:
    """How sessions are opened and saved. Subclass it (``open_session`` and ``save_session``)
    and set ``app.session_interface`` to keep sessions in a server-side store.

    Requests sharing a session may run concurrently; a store must be safe for that.
    """

    #: What :meth:`make_null_session` returns and :meth:`is_null_session` recognises.
    null_session_class: type[SessionMixin] = NullSession
    #: Whether sessions are pickled (extensions may ask): not by the default interface.
    pickle_based = False

    def make_null_session(self, app: Kettle) -> SessionMixin:
        """The session used when :meth:`open_session` returns ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session (those are never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Kettle) -> str:
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Kettle) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` keeps the cookie on the exact host."""
        domain = app.config["SESSION_COOKIE_DOMAIN"]
        return str(domain) if domain else None

    def get_cookie_path(self, app: Kettle) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``, else ``/``."""
        config = app.config
        return str(config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"] or "/")

    def get_cookie_httponly(self, app: Kettle) -> bool:
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Kettle) -> bool:
        """``SESSION_COOKIE_SECURE``, and always when the request came over https."""
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        from .context import current_context

        ctx = current_context()
        return ctx is not None and ctx.request is not None and ctx.request.is_secure

    def get_cookie_samesite(self, app: Kettle) -> str | None:
        samesite = app.config["SESSION_COOKIE_SAMESITE"]
        return str(samesite) if samesite else None

    def get_cookie_partitioned(self, app: Kettle) -> bool:
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Kettle, session: SessionMixin) -> datetime | None:
        """When a permanent session's cookie expires; ``None`` (a browser-session cookie)
        for the others."""
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Kettle, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session changed, or it is permanent and
        ``SESSION_REFRESH_EACH_REQUEST`` slides its expiry."""
        return bool(
            session.modified or (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: Kettle, request: Request) -> SessionMixin | None:
        """The request's session, or ``None`` for a null session. Called on first use."""
        raise NotImplementedError

    def save_session(self, app: Kettle, session: SessionMixin, response: Response) -> None:
        """Store the session and set, refresh or delete its cookie on ``response``."""
        raise NotImplementedError

    # -- helpers for subclasses ------------------------------------------------------------
    def set_session_cookie(
        self, app: Kettle, session: SessionMixin, response: Response, value: str
    ) -> None:
        """Send the session cookie holding ``value`` with the configured attributes."""
        expires = self.get_expiration_time(app, session)
        max_age = None
        if expires is not None:
            when = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
            max_age = max(0, round((when - datetime.now(UTC)).total_seconds()))
        response.set_cookie(
            self.get_cookie_name(app), value, max_age=max_age, expires=expires,
            **self._cookie_attributes(app),
        )
        add_vary_cookie(response)

    def delete_session_cookie(self, app: Kettle, response: Response) -> None:
        """Expire the session cookie in the browser (same path and domain it was set with)."""
        response.delete_cookie(self.get_cookie_name(app), **self._cookie_attributes(app))
        add_vary_cookie(response)

    def _cookie_attributes(self, app: Kettle) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


def add_vary_cookie(response: Response) -> None:
    """Add ``Cookie`` to the response's ``Vary`` header (once; never next to ``*``)."""
    headers = response.headers
    current = headers.get("Vary")
    if not current:
        headers.set("Vary", "Cookie")
        return
    names = {part.strip().lower() for part in current.split(",")}
    if "cookie" not in names and "*" not in names:
        headers.set("Vary", f"{current}, Cookie")


#: Derived signing keys by (secret key, salt, derivation, digest): one HMAC per key, not two
#: per request. Bounded: only a process juggling many secret keys would fill it.
_derived_keys: dict[tuple[Any, ...], bytes] = {}


class _KeyCachingSigner(TimestampSigner):
    """itsdangerous's timestamped signer, deriving each key once instead of per signature."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is None:
            secret_key = self.secret_keys[-1]
        cache_key = (secret_key, self.salt, self.key_derivation, self.digest_method)
        key = _derived_keys.get(cache_key)
        if key is None:
            key = super().derive_key(secret_key)
            if len(_derived_keys) < 64:
                _derived_keys[cache_key] = key
        return key


class _SessionSerializer(URLSafeTimedSerializer):
    """itsdangerous's ``URLSafeTimedSerializer`` with one signer and a lighter zlib setup.

    The format is unchanged (a ``.``-prefixed zlib stream when that is shorter), but
    ``zlib.compress`` sets up 256 KiB of state per call, which costs more than the rest of
    saving a small session; an 8 KiB window (wider than any cookie) costs a tenth of it.
    """

    _signer: TimestampSigner | None = None

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        # A signer holds only its settings: make the usual one once, not per signature.
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)  # type: ignore[return-value]
        if self._signer is None:
            self._signer = super().make_signer()  # type: ignore[assignment]
        assert self._signer is not None
        return self._signer

    def dump_payload(self, obj: Any) -> bytes:
        # The mixin's parent: the serializer's bytes, before the mixin would compress them.
        data = super(URLSafeSerializerMixin, self).dump_payload(obj)
        compressor = zlib.compressobj(6, zlib.DEFLATED, 13, 2)
        compressed = compressor.compress(data) + compressor.flush()
        if len(compressed) < len(data) - 1:
            return b"." + base64_encode(compressed)
        return base64_encode(data)


class SecureCookieSessionInterface(SessionInterface):
    """The session in a cookie signed with ``SECRET_KEY``: Flask's format and behaviour.

    ``SECRET_KEY_FALLBACKS`` lists old keys: cookies they signed still open, and the next
    cookie sent is signed with the current key.
    """

    #: Mixed into the key, so these signatures are good for nothing but sessions.
    salt = "cookie-session"
    #: hashlib's own function, so ``hmac`` takes OpenSSL's fast path.
    digest_method: Callable[..., Any] = staticmethod(hashlib.sha1)
    key_derivation = "hmac"
    #: The payload's JSON format; ``register`` extra tags on it.
    serializer = TaggedJSONSerializer()
    session_class = SecureCookieSession
    _cached_serializer: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Kettle) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer, or ``None`` without a ``SECRET_KEY``.

        Made once per set of keys and settings (it holds no request state), not per request.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        if isinstance(fallbacks, str | bytes):  # one old key given bare, not in a list
            fallbacks = (fallbacks,)
        # itsdangerous signs with the last key and verifies with all of them.
        keys = (*fallbacks, secret_key)
        settings = (keys, self.salt, self.key_derivation, self.digest_method, self.serializer)
        cached = self._cached_serializer
        if cached is not None and cached[0] == settings:
            return cached[1]
        serializer = _SessionSerializer(
            list(keys),
            salt=self.salt,
            serializer=self.serializer,
            signer=_KeyCachingSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation, "digest_method": self.digest_method,
            },
        )
        self._cached_serializer = (settings, serializer)
        return serializer

    def open_session(self, app: Kettle, request: Request) -> SecureCookieSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self._new_session()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = signer.loads(value, max_age=max_age)
        except (BadData, ValueError, TypeError, UnicodeError):
            # BadData: forged, expired, or a payload that does not decode; the others
            # are junk itsdangerous lets through.
            data = None
        session = self.session_class(data) if isinstance(data, dict) else self._new_session()
        session._had_cookie = True
        return session

    def _new_session(self) -> SecureCookieSession:
        session = self.session_class()
        session.new = True
        return session

    def save_session(self, app: Kettle, session: SessionMixin, response: Response) -> None:
        if session.accessed:
            add_vary_cookie(response)
        if not session:
            # Emptied: remove the cookie the browser holds (when it sent one).
            if session.modified and getattr(session, "_had_cookie", False):
                self.delete_session_cookie(app, response)
            return
        if not self.should_set_cookie(app, session):
            return
        signer = self.get_signing_serializer(app)
        if signer is None:  # the key was removed mid-request: nothing can be signed
            _no_secret_key()
        self.set_session_cookie(app, session, response, signer.dumps(dict(session)))
