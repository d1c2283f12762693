"""``Authorization`` and ``WWW-Authenticate``: credentials parsed strictly (anything
malformed gives ``None``, never an error), challenges written back when changed."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .header_values import _TOKEN, CallbackDict, OnUpdate, _escape, _quote, _token_re

_token68_re = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_auth_param_re = re.compile(rf'\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|{_TOKEN})\s*(?:,|\Z)')
_unescape_re = re.compile(r"\\(.)")


def _split_scheme(value: str | None) -> tuple[str, str] | None:
    """``(scheme, rest)`` of an ``Authorization``/``WWW-Authenticate`` value; ``None`` if the
    value is empty or its scheme is not a token."""
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    return (scheme, rest.strip()) if _token_re.fullmatch(scheme) else None


def _parse_auth_params(text: str) -> dict[str, str] | None:
    """``realm="x", nonce=abc`` as a dict; ``None`` if it is not a clean list of params."""
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _auth_param_re.match(text, pos)
        if match is None:
            return None
        key, raw = match.group(1).lower(), match.group(2)
        params[key] = _unescape_re.sub(r"\1", raw[1:-1]) if raw.startswith('"') else raw
        pos = match.end()
    return params


class Authorization:
    """The ``Authorization`` header: ``type`` (lower-cased), ``parameters`` and ``token``.

    Basic credentials give ``username`` and ``password``; ``Bearer`` (and any scheme sent
    as one token68) gives ``token``; parameter schemes (``Digest``) give ``parameters``.
    """

    def __init__(
        self, auth_type: str, data: dict[str, str] | None = None, token: str | None = None
    ) -> None:
        self.type = auth_type.lower()
        self.parameters: dict[str, str] = dict(data or {})
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        """``auth.username``, ``auth.realm``...: a parameter, or ``None``."""
        if name.startswith("_") or name == "parameters":
            raise AttributeError(name)
        return self.parameters.get(name)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.parameters.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.parameters[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Authorization) and (
            (other.type, other.parameters, other.token) == (self.type, self.parameters, self.token)
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse the header; ``None`` for anything malformed (a bad request is not a 500)."""
        split = _split_scheme(value)
        if split is None:
            return None
        scheme, rest = split
        scheme = scheme.lower()
        if scheme == "basic":
            return cls._basic(rest)
        if not rest:
            return cls(scheme)
        if _token68_re.fullmatch(rest):
            return cls(scheme, None, rest)
        params = _parse_auth_params(rest)
        return None if params is None else cls(scheme, params)

    @classmethod
    def _basic(cls, encoded: str) -> Authorization | None:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return None
        username, sep, password = decoded.partition(":")
        if not sep:
            return None
        return cls("basic", {"username": username, "password": password})

    def to_header(self) -> str:
        if self.type == "basic":
            raw = f"{self.parameters.get('username', '')}:{self.parameters.get('password', '')}"
            return f"Basic {base64.b64encode(raw.encode()).decode()}"
        name = self.type.title()
        if self.token is not None:
            return f"{name} {self.token}"
        if self.parameters:
            return f"{name} " + ", ".join(f"{k}={_quote(v)}" for k, v in self.parameters.items())
        return name

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type!r}>"


class WWWAuthenticate:
    """A ``WWW-Authenticate`` challenge (``Basic realm="x"``); changes write the header back."""

    def __init__(
        self,
        auth_type: str,
        values: dict[str, str] | None = None,
        token: str | None = None,
        on_update: OnUpdate = None,
    ) -> None:
        self._type = auth_type.lower()
        self._token = token
        self._on_update = on_update
        self.parameters = CallbackDict(values or {}, self._changed)

    def _changed(self, _: Any = None) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        self._type = value.lower()
        self._changed()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._changed()

    @property
    def realm(self) -> str | None:
        return self.parameters.get("realm")

    @realm.setter
    def realm(self, value: str | None) -> None:
        if value is None:
            self.parameters.pop("realm", None)
        else:
            self.parameters["realm"] = value

    @classmethod
    def from_header(cls, value: str | None, on_update: OnUpdate = None) -> WWWAuthenticate | None:
        """Parse a challenge; ``None`` when it is malformed."""
        split = _split_scheme(value)
        if split is None:
            return None
        scheme, rest = split
        if not rest:
            return cls(scheme, on_update=on_update)
        params = _parse_auth_params(rest)
        if params is not None:
            return cls(scheme, params, on_update=on_update)
        if _token68_re.fullmatch(rest):
            return cls(scheme, None, rest, on_update)
        return None

    def to_header(self) -> str:
        name = self._type.title()
        if self._token is not None:
            return f"{name} {self._token}"
        if self.parameters:
            pairs = (f'{k}="{_escape(v)}"' for k, v in self.parameters.items())
            return f"{name} " + ", ".join(pairs)
        return name

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


