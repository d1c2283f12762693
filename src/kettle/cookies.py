"""Cookies (RFC 6265): parse the ``Cookie`` header, build ``Set-Cookie`` values.

Parsing is lenient, since browsers and scripts send all sorts of junk and one bad
pair must not cost the user their session. Building is strict: a name that is
not a token, or a value, path or domain holding a control character (or a path
or domain holding ``;``), is refused, so no header injection is possible. Values
outside the RFC's cookie-octet set are quoted with backslash
and octal escapes, as Python's ``http.cookies`` and Werkzeug do, and
:func:`parse_cookie_header` undoes that quoting.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from .http import http_date

__all__ = ["dump_cookie", "parse_cookie_header"]

# One pair of a Cookie header; same grammar as Werkzeug's parser so both agree
# on junk. Used only when the header holds a quote (the fast path can't).
_pair_re = re.compile(
    r"""
    [ \t]*
    ([^ \t=";]+)                  # name
    (?:[ \t]*=[ \t]*
        ("(?:[^\\"]|\\.)*"        # quoted value with backslash escapes
        |[^ \t";]*)               # bare value
    )?
    [ \t]*(?:;|\Z)
    """,
    re.ASCII | re.VERBOSE,
)
_unslash_re = re.compile(rb"\\([0-3][0-7]{2}|.)", re.DOTALL)

# RFC 6265 cookie-octet: printable ASCII except space, '"', ',', ';' and '\'.
_bare_value_re = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# What is escaped inside a quoted value (controls are refused before this).
_slash_re = re.compile(rb'[",;\\\x80-\xff]')
_slash_map = {b'"': b'\\"', b"\\": b"\\\\"}
_slash_map.update((bytes([c]), b"\\%03o" % c) for c in [*b",;", *range(0x80, 0x100)])
# RFC 2616 token: visible ASCII except separators.
_token_re = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Characters that could end an attribute or the header line.
_unsafe_re = re.compile(r"[\x00-\x1f\x7f]")
_domain_re = re.compile(r"[a-z0-9._-]+")
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def _unslash(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    return escaped if len(escaped) == 1 else bytes([int(escaped, 8)])


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` request header into ``{name: value}``.

    The first occurrence of a name wins: browsers send the most specific cookie
    (longest path) first. Malformed pairs are skipped and this never raises.
    Quoted values are unquoted and their ``\\"`` / ``\\054`` escapes decoded.
    """
    if '"' in header:
        return _parse_slow(header)
    # Fast path: no quoting means splitting on ';' is exact.
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, _, value = pair.partition("=")
        name = name.strip(" \t")
        value = value.strip(" \t")
        if (
            not name
            or " " in name
            or "\t" in name
            or " " in value
            or "\t" in value
            or name in cookies
        ):
            continue
        cookies[name] = value
    return cookies


def _parse_slow(header: str) -> dict[str, str]:
    """Regex parser for headers holding quoted values; skips to the next ';' on junk."""
    cookies: dict[str, str] = {}
    pos = 0
    while True:
        match = _pair_re.match(header, pos)
        if match is None:
            pos = header.find(";", pos) + 1
            if pos == 0:
                return cookies
            continue
        pos = match.end()
        name, value = match.group(1), match.group(2) or ""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            # Decode as bytes: one octal escape is one byte of a UTF-8 sequence.
            raw = _unslash_re.sub(_unslash, value[1:-1].encode())
            value = raw.decode(errors="replace")
        cookies.setdefault(name, value)
        if pos >= len(header):
            return cookies


def _quote_value(value: str) -> str:
    """Return ``value`` bare if RFC 6265 allows it, else quoted and escaped."""
    if _bare_value_re.fullmatch(value):
        return value
    escaped = _slash_re.sub(lambda m: _slash_map[m.group()], value.encode())
    return f'"{escaped.decode("ascii")}"'


def _check_safe(what: str, text: str) -> None:
    if _unsafe_re.search(text):
        raise ValueError(f"Cookie {what} must not contain control characters: {text!r}")


def _clean_domain(domain: str) -> str:
    """Normalise a Domain attribute the way Werkzeug does (no port, no leading dot)."""
    _check_safe("domain", domain)
    host = domain.partition(":")[0].lstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"Cookie domain is not a valid host name: {domain!r}") from None
    if not _domain_re.fullmatch(host):
        raise ValueError(f"Cookie domain is not a valid host name: {domain!r}")
    return host


def _expires_value(expires: str | datetime | int | float | None, max_age: int | None) -> str | None:
    if isinstance(expires, str):
        _check_safe("expires", expires)
        if ";" in expires or not expires.isascii():
            raise ValueError(f"Cookie expires must be an ASCII date without ';': {expires!r}")
        return expires
    if expires is not None:
        return http_date(expires)
    if max_age is not None:
        # Old clients ignore Max-Age; give them the matching Expires too.
        return http_date(datetime.now(UTC) + timedelta(seconds=max_age))
    return None


def _clean_path(path: str) -> str:
    _check_safe("path", path)
    if ";" in path:
        raise ValueError(f"Cookie path must not contain ';': {path!r}")
    # Safe set: a URL path segment plus '%' for already-quoted paths.
    return quote(path, safe="%!$&'()*+,/:=@")


def _clean_samesite(samesite: str) -> str:
    normal = _SAMESITE.get(samesite.lower())
    if normal is None:
        raise ValueError(f"SameSite must be 'Strict', 'Lax' or 'None', not {samesite!r}")
    return normal


def _warn_too_large(key: str, value_size: int, size: int, max_size: int) -> None:
    # A warning, not an error: browsers silently drop oversized cookies, which is
    # hard to debug, but some clients accept them and refusing would break apps.
    warnings.warn(
        f"The {key!r} cookie is too large: the value was {value_size} bytes but the"
        f" header required {size - value_size} extra bytes. The final size was"
        f" {size} bytes but the limit is {max_size} bytes. Browsers may silently"
        " ignore cookies larger than this.",
        stacklevel=3,
    )


def dump_cookie(
    key: str,
    value: str = "",
    max_age: int | timedelta | None = None,
    expires: str | datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    partitioned: bool = False,
    max_size: int = 4093,
) -> str:
    """Build a ``Set-Cookie`` header value (without the ``Set-Cookie:`` name).

    Args:
        key: Cookie name; must be an RFC 6265 token.
        value: Cookie value; quoted and escaped if it has characters RFC 6265
            does not allow bare. Control characters are refused.
        max_age: Lifetime in seconds (or a ``timedelta``); also sets ``Expires``
            unless ``expires`` is given. ``None`` makes a session cookie.
        expires: ``datetime``, Unix timestamp or preformatted date string.
        path: Path the cookie applies to; percent-encoded as a URL path.
        domain: Domain the cookie applies to; ``None`` keeps it on the exact host.
        secure: Send only over HTTPS.
        httponly: Hide the cookie from JavaScript.
        samesite: ``"Strict"``, ``"Lax"`` or ``"None"`` (any case).
        partitioned: Opt into partitioned (CHIPS) storage; forces ``Secure``.
        max_size: Warn when the result is longer than this; ``0`` disables.

    Raises:
        ValueError: An invalid name or samesite, or an unsafe value, path or domain.
    """
    if not _token_re.fullmatch(key):
        raise ValueError(f"Cookie name must be an RFC 6265 token: {key!r}")
    _check_safe("value", value)
    quoted = _quote_value(value)
    parts = [f"{key}={quoted}"]
    if domain:
        parts.append(f"Domain={_clean_domain(domain)}")
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    expires_str = _expires_value(expires, max_age)
    if expires_str is not None:
        parts.append(f"Expires={expires_str}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if secure or partitioned:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={_clean_path(path)}")
    if samesite is not None:
        parts.append(f"SameSite={_clean_samesite(samesite)}")
    if partitioned:
        parts.append("Partitioned")
    header = "; ".join(parts)
    if max_size and len(header) > max_size:
        _warn_too_large(key, len(quoted), len(header), max_size)
    return header
