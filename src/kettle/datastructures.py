"""Multi-valued mappings: ``MultiDict`` for forms and query strings, ``Headers``.

``MultiDict`` keeps every value of a repeated key but reads like a plain dict
(first value wins), and a missing key is a 400 rather than a 500.
``Headers`` is case-insensitive and ordered; ``EnvironHeaders`` is the same
read-only surface over a WSGI environ, built without copying anything.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

from .errors import BadRequestKeyError
from .headerlimits import check_line_length

T = TypeVar("T")
_missing: Any = object()


def _converted(values: Iterable[Any], type: Callable[[Any], Any]) -> list[Any]:
    """``type(value)`` for each value, dropping those it refuses (Werkzeug's ``getlist``)."""
    result = []
    for value in values:
        with contextlib.suppress(ValueError, TypeError):
            result.append(type(value))
    return result


class MultiDict(dict[str, list[Any]]):
    """A dict whose keys may hold several values; ``md[key]`` is the first one."""

    def __init__(
        self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        super().__init__()
        if mapping is None:
            return
        if isinstance(mapping, MultiDict):
            for key, values in mapping.lists():
                dict.__setitem__(self, key, list(values))
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if isinstance(value, list | tuple):
                    if value:
                        dict.__setitem__(self, key, list(value))
                else:
                    dict.__setitem__(self, key, [value])
        else:
            for key, value in mapping:
                self.add(key, value)

    def __iter__(self) -> Iterator[str]:
        # Defining __iter__ makes dict(md) and {**md} go through keys() and
        # __getitem__ (first values, as Werkzeug) instead of copying the lists.
        return dict.__iter__(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        # The default reduction re-adds items through __setitem__: only first values.
        return type(self), (list(self.items(multi=True)),)

    def __getitem__(self, key: str) -> Any:
        try:
            return dict.__getitem__(self, key)[0]
        except (KeyError, IndexError):
            raise BadRequestKeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, [value])

    def add(self, key: str, value: Any) -> None:
        """Append a value for ``key`` without dropping earlier ones."""
        values = dict.get(self, key)
        if values is None:
            dict.__setitem__(self, key, [value])
        else:
            values.append(value)

    @overload  # type: ignore[override]
    def get(self, key: str) -> Any: ...
    @overload
    def get(self, key: str, default: Any) -> Any: ...
    @overload
    def get(self, key: str, default: Any = None, *, type: Callable[[Any], T]) -> T | Any: ...
    def get(
        self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None
    ) -> Any:
        """The first value, optionally converted by ``type``; ``default`` if absent or invalid."""
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]:
        """Every value of ``key`` (converted by ``type``, dropping those it refuses)."""
        values = dict.get(self, key, [])
        return list(values) if type is None else _converted(values, type)

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace every value of ``key``; an empty list removes the key."""
        new = list(values)
        if new:
            dict.__setitem__(self, key, new)
        else:
            dict.pop(self, key, None)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def setlistdefault(self, key: str, default_list: Iterable[Any] | None = None) -> list[Any]:
        """The list of values of ``key`` (stored, so appending to it adds values), set to
        ``default_list`` first if the key is absent."""
        if key not in self:
            dict.__setitem__(self, key, list(default_list or ()))
        values: list[Any] = dict.__getitem__(self, key)
        return values

    def poplist(self, key: str) -> list[Any]:
        """Remove ``key`` and return all its values (``[]`` if absent)."""
        values: list[Any] = dict.pop(self, key, [])
        return values

    def listvalues(self) -> Iterator[list[Any]]:
        """The list of values of each key."""
        for values in dict.values(self):
            yield list(values)

    def items(self, multi: bool = False) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """``(key, first value)`` pairs, or every pair with ``multi=True``."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        """``(key, [values])`` pairs."""
        for key, values in dict.items(self):
            yield key, list(values)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        """The first value of each key."""
        for values in dict.values(self):
            yield values[0]

    def pop(self, key: str, default: Any = _missing) -> Any:
        """Remove ``key`` and return its first value."""
        try:
            values = dict.pop(self, key)
        except KeyError:
            if default is _missing:
                raise BadRequestKeyError(key) from None
            return default
        return values[0] if values else default

    def update(self, other: Any = (), **kwargs: Any) -> None:  # type: ignore[override]
        """Add the values of ``other`` (keeping existing ones, as Werkzeug does)."""
        for key, value in MultiDict(other).items(multi=True):
            self.add(key, value)
        for key, value in kwargs.items():
            self.add(key, value)

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        """A plain dict: first values, or lists with ``flat=False``."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def copy(self) -> MultiDict:
        return MultiDict(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class CombinedMultiDict(MultiDict):
    """``request.values``: query arguments then form fields, read-only by convention."""

    def __init__(self, dicts: Iterable[MultiDict]) -> None:
        super().__init__()
        for d in dicts:
            for key, value in d.items(multi=True):
                self.add(key, value)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), ([MultiDict(self.items(multi=True))],)


def _check_header_value(value: Any, latin1: bool = True) -> str:
    """``value`` as a header value: a string without CR, LF or NUL (they would end the header
    line and start another), in latin-1 (what PEP 3333 and ASGI servers encode it with) if
    it is to be sent. A printable ASCII string is both, so two C-level tests pass the usual
    value (``Headers`` makes them inline); the rest (a tab, non-ASCII) get the exact searches."""
    if value.__class__ is not str:
        value = str(value)
    if not value.isprintable() and ("\n" in value or "\r" in value or "\x00" in value):
        raise ValueError("Header values must not contain newline or NUL characters.")
    if latin1 and not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"Header values must be latin-1 (ISO-8859-1) text, as HTTP sends them: {value!r}. "
                "Percent-encode other text, or use RFC 8187 for a filename."
            ) from None
    return value  # type: ignore[no-any-return]


#: Short printable-ASCII values that passed (``no-store``, a ``Location``...): a set lookup
#: instead of the tests of ``_check_header_value``, which every value not yet here takes.
_valid_values: set[str] = set()
_VALUES_MAX = 1024
_VALUE_MAX_LENGTH = 256


def _fresh_value(value: Any, latin1: bool) -> str:
    """``_check_header_value`` for a value not in ``_valid_values``, remembered there when it
    is a short printable ASCII ``str`` (a value both ``Headers`` and ``ReceivedHeaders`` take)
    set by the app: a multipart part's headers (``latin1`` false) are the client's, and
    are not let fill the set."""
    if value.__class__ is str and value.isascii() and value.isprintable():
        if latin1 and len(value) <= _VALUE_MAX_LENGTH and len(_valid_values) < _VALUES_MAX:
            _valid_values.add(value)
        return value
    return _check_header_value(value, latin1)


# RFC 9110 field-name: a token. Names that passed are remembered (the few an app uses).
_token_re = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: A name that passed -> its lower case (``Headers.set`` compares lower-cased names).
_valid_names: dict[str, str] = {}


def _check_header_name(name: str) -> str:
    if name in _valid_names:
        return name
    if not isinstance(name, str) or not _token_re.fullmatch(name):
        raise ValueError(f"Header names must be RFC 9110 tokens (no ':', space or CR/LF): {name!r}")
    if len(_valid_names) < 1024:
        _valid_names[name] = name.lower()
    return name


#: ``(shared head, name, value) -> the head after Headers.set(name, value)``: a response's
#: headers start as its shared head tuple (``Response.headers``), and a view sets the same
#: literal headers on it on every request. Only outcomes of checked names and values are
#: kept (see ``Headers.set``); emptied when full, so the headers in use come back.
_set_on_head: dict[tuple[Sequence[tuple[str, str]], str, str], tuple[tuple[str, str], ...]] = {}
_SET_ON_HEAD_MAX = 512


def _remember_set(
    head: Sequence[tuple[str, str]], name: str, value: str,
    outcome: Sequence[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    """``outcome`` of setting ``name: value`` on ``head``, as a shared tuple, remembered."""
    if len(_set_on_head) >= _SET_ON_HEAD_MAX:
        _set_on_head.clear()
    global _last_set
    shared = _set_on_head[head, name, value] = tuple(outcome)
    _last_set = (head, name, value, shared)
    return shared


#: ``(head, name, value, outcome)`` of the last ``_set_on_head`` entry made or found: a view
#: sets the same literal name and value (the same ``str`` objects) on the same head on every
#: request, so ``Headers.set`` finds it by identity, without building and hashing a key.
_last_set: tuple[Any, Any, Any, tuple[tuple[str, str], ...]] = (None, None, None, ())


class _HeaderReading:
    """The read side shared by ``Headers`` and ``EnvironHeaders``.

    No instance dict (``__slots__`` here and in each subclass): every response builds a
    ``Headers``, and a slotted object is built faster."""

    __slots__ = ()

    def _first(self, key: str) -> Any:
        """The first value of header ``key``, or ``_missing``."""
        raise NotImplementedError

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[tuple[str, str]]:
        raise NotImplementedError

    def __getitem__(self, key: str) -> str:
        value = self._first(key)
        if value is _missing:
            raise BadRequestKeyError(key)
        return str(value)

    def get(
        self, key: str, default: Any = None, type: Callable[[str], Any] | None = None
    ) -> Any:
        """The first value of header ``key`` (case-insensitive), optionally converted."""
        value = self._first(key)
        if value is _missing:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def get_all(self, key: str) -> list[str]:
        """Every value of header ``key``."""
        return self.getlist(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._first(key) is not _missing

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self)

    def values(self) -> Iterator[str]:
        return (value for _, value in self)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self)

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        return list(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _HeaderReading):
            return sorted((k.lower(), v) for k, v in self) == sorted(
                (k.lower(), v) for k, v in other
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class Headers(_HeaderReading):
    """Ordered, case-insensitive, multi-valued HTTP headers.

    Names must be tokens and values may not hold CR, LF or NUL, so no header can
    be injected through them.
    """

    __slots__ = ("_list",)

    #: Whether values must be latin-1: they are to be sent (``ReceivedHeaders``: not).
    _latin1 = True

    #: The pairs, in order: a list, or a tuple shared with others until the first write
    #: (``Response.headers`` starts from the response's shared head without copying it;
    #: every method that writes goes through ``add``, ``set``, ``_owned`` or a new list).
    _list: list[tuple[str, str]] | tuple[tuple[str, str], ...]

    def __init__(
        self, defaults: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        self._list = []
        if defaults is not None:
            self.extend(defaults)

    def _first(self, key: str) -> Any:
        """The first value of ``key``, or ``_missing``: one scan that stops at the match."""
        lkey = key.lower()
        size = len(lkey)  # comparing lengths first skips most lower() calls
        for k, v in self._list:
            if len(k) == size and (k == lkey or k.lower() == lkey):
                return v
        return _missing

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        lkey = key.lower()
        size = len(lkey)
        values = [v for k, v in self._list if len(k) == size and k.lower() == lkey]
        return values if type is None else _converted(values, type)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def add(self, key: str, value: Any) -> None:
        """Add a header, keeping any earlier one of the same name."""
        if key not in _valid_names:
            _check_header_name(key)
        if value.__class__ is not str or value not in _valid_values:
            value = _fresh_value(value, self._latin1)
        items = self._list
        if items.__class__ is list:
            items.append((key, value))
        else:  # a response's shared head, not written to until now: copied (see _list)
            self._list = [*items, (key, value)]

    def set(self, key: str, value: Any) -> None:
        """Replace every header named ``key`` with one value, in the first one's place.

        On a response's shared head (``_list`` a tuple) with a ``str`` value, the outcome is
        itself a shared tuple, remembered per (head, name, value) once the name and value
        have passed the checks: the next response that sets the same header on the same
        head takes it with one lookup (``_set_on_head``), and the doors find it by identity.
        """
        items = self._list
        shared = items.__class__ is tuple
        if shared:
            last = _last_set  # one read: another thread may replace it meanwhile
            if last[0] is items and last[1] is key and last[2] is value:
                self._list = last[3]
                return
            shared = value.__class__ is str
        if shared:
            try:
                self._list = _set_on_head[items, key, value]
                return
            except KeyError:
                pass
        try:
            lkey = _valid_names[key]  # a name seen before: checked, and its lower case
        except KeyError:
            lkey = _check_header_name(key).lower()
        if value.__class__ is not str or value not in _valid_values:
            value = _fresh_value(value, self._latin1)
        size = len(lkey)  # comparing lengths first skips most lower() calls
        for k, _ in items:
            if len(k) == size and k.lower() == lkey:
                self._replace(lkey, (key, value))
                break
        else:
            if items.__class__ is list:
                items.append((key, value))
            else:  # a response's shared head, not written to until now: copied (see _list)
                self._list = [*items, (key, value)]
        if shared and self._latin1 and len(value) <= _VALUE_MAX_LENGTH:
            self._list = _remember_set(items, key, value, self._list)

    def _owned(self) -> list[tuple[str, str]]:
        """``_list`` as a list of this object's own, to change in place: a shared head
        tuple (``Response.headers``) is copied the first time."""
        items = self._list
        if items.__class__ is not list:
            items = self._list = list(items)
        return items

    def _replace(self, lkey: str, new: tuple[str, str]) -> None:
        """Put ``new`` in the place of the first header named ``lkey``, dropping the others."""
        items = self._owned()
        for index, (k, _) in enumerate(items):
            if k.lower() == lkey:
                items[index] = new
                rest = items[index + 1 :]
                items[index + 1 :] = [item for item in rest if item[0].lower() != lkey]
                return

    __setitem__ = set

    def setdefault(self, key: str, default: Any) -> str:
        """The first value of ``key``, adding ``default`` when the header is absent."""
        values = self.getlist(key)
        if values:
            return str(values[0])
        self.add(key, default)
        return str(default)

    def remove(self, key: str) -> None:
        """Drop every header named ``key`` (no error when absent)."""
        lkey = key.lower()
        self._list = [item for item in self._list if item[0].lower() != lkey]

    def __delitem__(self, key: str) -> None:
        self.remove(key)

    def pop(self, key: str, default: Any = _missing) -> Any:
        """Remove ``key`` and return its first value."""
        values = self.getlist(key)
        if not values:
            if default is _missing:
                raise BadRequestKeyError(key)
            return default
        self.remove(key)
        return values[0]

    def extend(self, other: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add every header of ``other``; list values become repeated headers."""
        pairs = other.items() if isinstance(other, Mapping) else other
        for key, value in pairs:
            if isinstance(value, list | tuple):
                for item in value:
                    self.add(key, item)
            else:
                self.add(key, value)

    def update(self, other: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Replace the headers named in ``other`` with its values."""
        pairs = other.items() if isinstance(other, Mapping) else list(other)
        for key, _ in pairs:
            self.remove(key)
        self.extend(pairs)

    def copy(self) -> Headers:
        new = self.__class__()
        new._list = list(self._list)
        return new

    def clear(self) -> None:
        self._list = []


class ReceivedHeaders(Headers):
    """Headers that came with the request (a multipart part's): already text, decoded as
    their sender wrote them, so a value need not be latin-1; CR, LF and NUL are still
    refused."""

    __slots__ = ()
    _latin1 = False


_CONTENT_KEYS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))
_environ_keys: dict[str, str | None] = {}


def _environ_key(name: str) -> str | None:
    """The environ key of a header; ``None`` for names WSGI cannot represent faithfully."""
    try:
        return _environ_keys[name]
    except KeyError:
        pass
    if "_" in name:
        key = None  # "X_Foo" and "X-Foo" both become HTTP_X_FOO: never alias them.
    else:
        key = name.upper().replace("-", "_")
        if key not in _CONTENT_KEYS:
            key = "HTTP_" + key
    if len(_environ_keys) < 1024:  # the few names an app reads, not every name a client sends
        _environ_keys[name] = key
    return key


class EnvironHeaders(_HeaderReading):
    """The request headers of a WSGI environ, read in place.

    With ``max_line`` (``MAX_REQUEST_HEADER_SIZE``), reading a header whose line is longer
    is a 431: checked as headers are read, so an unread header costs nothing.
    """

    __slots__ = ("environ", "max_line")

    def __init__(self, environ: Mapping[str, Any], max_line: int | None = None) -> None:
        self.environ = environ
        self.max_line = max_line

    def _first(self, key: str) -> Any:
        env_key = _environ_key(key)
        if env_key is None:
            return _missing
        value = self.environ.get(env_key, _missing)
        if not value and env_key in _CONTENT_KEYS:
            return _missing  # servers set CONTENT_TYPE="" for "no header"
        max_line = self.max_line
        if max_line is not None and value is not _missing and len(key) + len(value) + 2 > max_line:
            check_line_length(key, value, max_line)
        return value

    def get(
        self, key: str, default: Any = None, type: Callable[[str], Any] | None = None
    ) -> Any:
        """The value of header ``key`` (case-insensitive), optionally converted."""
        env_key = _environ_keys.get(key, _missing)  # _first() inlined: the hot read
        if env_key is _missing:
            env_key = _environ_key(key)
        value = self.environ.get(env_key) if env_key is not None else None
        if not value and (value is None or env_key in _CONTENT_KEYS):
            return default
        max_line = self.max_line
        if max_line is not None and len(key) + len(value) + 2 > max_line:  # checked in full there
            check_line_length(key, value, max_line)
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        value = self._first(key)
        if value is _missing:
            return []
        if type is None:
            return [value]
        try:
            return [type(value)]
        except (ValueError, TypeError):
            return []

    def __iter__(self) -> Iterator[tuple[str, str]]:
        max_line = self.max_line
        for key, value in self.environ.items():
            if key.startswith("HTTP_") and key[5:] not in _CONTENT_KEYS:
                name = key[5:].replace("_", "-").title()
            elif key in _CONTENT_KEYS and value:
                name = key.replace("_", "-").title()
            else:
                continue
            if max_line is not None:
                check_line_length(name, value, max_line)
            yield name, value

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ASGIHeaders(_HeaderReading):
    """The request headers of an ASGI scope, read in place: values are decoded when asked.

    ASGI servers give lower-case names as bytes; a lookup compares bytes, so building the
    view costs nothing and an unread header is never decoded.
    """

    __slots__ = ("max_line", "raw")

    def __init__(self, raw: Iterable[tuple[bytes, bytes]], max_line: int | None = None) -> None:
        self.raw = raw
        self.max_line = max_line  # as EnvironHeaders': a 431 when a longer header is read

    def _first(self, key: str) -> Any:
        name = key.lower().encode("latin-1", "replace")
        for k, v in self.raw:
            if k == name:
                max_line = self.max_line
                if max_line is not None and len(key) + len(v) + 2 > max_line:
                    check_line_length(key, v, max_line)
                return v.decode("latin-1")
        return _missing

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        name = key.lower().encode("latin-1", "replace")
        values = [v for k, v in self.raw if k == name]
        if self.max_line is not None:
            for value in values:
                check_line_length(key, value, self.max_line)
        decoded = [v.decode("latin-1") for v in values]
        return decoded if type is None else _converted(decoded, type)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        max_line = self.max_line
        for name, value in self.raw:
            if max_line is not None:
                check_line_length(name.decode("latin-1"), value, max_line)
            yield name.decode("latin-1"), value.decode("latin-1")

    def __len__(self) -> int:
        return sum(1 for _ in self.raw)
