"""URL converters: what a ``<name:var>`` in a rule matches, and how values go back into URLs.

The classes and their arguments follow Werkzeug's, so a Flask converter ports as is:
a converter has a ``regex`` for one path segment (or more, when ``part_isolating`` is
false), a ``weight`` that orders it against the other converters at the same place in
the route tree (lower is tried first), ``to_python`` (raise :class:`ValidationError` to
let the next rule try) and ``to_url``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

if TYPE_CHECKING:
    from . import Map

#: Characters left as they are in a path segment (RFC 3986 ``pchar`` sub-delims, ``:`` and
#: ``@``): the URL stays readable as Werkzeug's, but ``/``, ``?``, ``#`` and ``%`` are escaped.
SEGMENT_SAFE = "!$&'()*+,;=:@"
#: The longest text ``int`` and ``float`` converters convert; longer never matches (a 404).
#: Python refuses to convert ints over 4,300 digits (and the conversion grows quadratically
#: below that), a float that long is infinite, and no real identifier comes near.
MAX_NUMBER_LENGTH = 1000


class ValidationError(ValueError):
    """Raised by ``to_python`` for a value that does not fit: the rule fails, others are tried."""


class BaseConverter:
    """Matches one non-empty path segment and passes it through as a ``str``.

    Subclasses set ``regex`` (on the class, or on the instance in ``__init__`` when it
    depends on arguments). A class that sets a ``regex`` containing ``/`` is not
    part-isolating unless it says otherwise: it may span several segments.
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """The view's value for the matched text; raise :class:`ValidationError` to refuse it."""
        return value

    def to_url(self, value: Any) -> str:
        """The URL text for ``value``, percent-quoted so that it stays one segment."""
        return quote(str(value), safe=SEGMENT_SAFE)


class UnicodeConverter(BaseConverter):
    """The default converter (``<name>``, ``<string:name>``): one segment of any characters.

    Args:
        map: The map the rule belongs to.
        minlength: The fewest characters accepted (at least 1: a segment is never empty).
        maxlength: The most characters accepted, or None for no limit.
        length: The exact number of characters; overrides the two others.
    """

    def __init__(
        self, map: Map, minlength: int = 1, maxlength: int | None = None, length: int | None = None
    ) -> None:
        super().__init__(map)
        if length is not None:
            minlength = maxlength = int(length)
        self.minlength = max(int(minlength), 1)
        self.maxlength = None if maxlength is None else int(maxlength)
        if self.maxlength is not None and self.maxlength < self.minlength:
            raise ValueError("maxlength is smaller than minlength")
        if length is not None:
            self.regex = f"[^/]{{{self.minlength}}}"
        elif self.minlength != 1 or self.maxlength is not None:
            upper = "" if self.maxlength is None else str(self.maxlength)
            self.regex = f"[^/]{{{self.minlength},{upper}}}"

    def to_url(self, value: Any) -> str:
        """Quote ``value``; refuse one whose length this converter would not match back."""
        text = str(value)
        too_long = self.maxlength is not None and len(text) > self.maxlength
        if len(text) < self.minlength or too_long:
            raise ValueError(f"{text!r} has not the length the rule requires")
        return quote(text, safe=SEGMENT_SAFE)


class AnyConverter(BaseConverter):
    """One of a fixed set of words: ``<any(about, help, "c d"):page>``."""

    weight = 50

    def __init__(self, map: Map, *items: Any) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one item")
        self.items = tuple(str(item) for item in items)
        self.regex = "(?:" + "|".join(re.escape(item) for item in self.items) + ")"

    def to_url(self, value: Any) -> str:
        """Quote ``value`` if it is one of the items, else refuse it naming the valid ones."""
        text = str(value)
        if text not in self.items:
            valid = ", ".join(repr(item) for item in self.items)
            raise ValueError(f"{text!r} is not one of {valid}")
        return quote(text, safe=SEGMENT_SAFE)


class PathConverter(BaseConverter):
    """Like the default converter but spans ``/``: ``/files/<path:name>``. Never empty."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        """Quote ``value`` keeping its slashes."""
        text = str(value)
        if not text or text.startswith("/"):
            raise ValueError(f"{text!r} is empty or starts with '/'")
        return quote(text, safe=SEGMENT_SAFE + "/")


class NumberConverter(BaseConverter):
    """The base of ``int`` and ``float``: ASCII digits only, optional sign and bounds."""

    weight = 50
    unsigned_regex: ClassVar[str] = "[0-9]+"
    number_type: ClassVar[type[int] | type[float]] = int

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed
        self.regex = ("-?" if signed else "") + self.unsigned_regex

    def convert(self, value: Any) -> int | float:
        """Turn a URL string or a caller's value into an ``int`` (``float`` in FloatConverter)."""
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{value!r} is not an integer")
        return int(value)

    def _in_bounds(self, number: float) -> bool:
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def to_python(self, value: str) -> Any:
        """Convert the matched digits; refuse them when the digit count or bounds do not fit."""
        if len(value) > MAX_NUMBER_LENGTH:  # bounded before converting: never a ValueError
            raise ValidationError()
        if self.fixed_digits and len(value.lstrip("-")) != self.fixed_digits:
            raise ValidationError()
        number = self.number_type(value)  # the regex already allowed only ASCII digits
        if number.__class__ is float and not math.isfinite(number):
            raise ValidationError()  # "1e999"-sized text: too large to be a float
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        """Format ``value``; refuse what the rule would not match back (sign, bounds)."""
        number = self.convert(value)
        text = str(number)
        if self.fixed_digits:
            sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
            text = sign + digits.zfill(self.fixed_digits)
        if not self._in_bounds(number) or re.fullmatch(self.regex, text) is None:
            raise ValueError(f"{value!r} is not a value this rule matches ({self.regex}, bounds)")
        return text


class IntegerConverter(NumberConverter):
    """``<int:n>``, ``<int(fixed_digits=4, min=1, max=9999, signed=True):n>``.

    Only ASCII digits match: ``int("١٢")`` would accept Arabic-Indic digits, the URL must not.
    """


class FloatConverter(NumberConverter):
    """``<float:x>``, ``<float(min=0.0, max=1.0, signed=True):x>``: digits, a dot, digits."""

    unsigned_regex = r"[0-9]+\.[0-9]+"
    number_type = float

    def __init__(
        self, map: Map, min: float | None = None, max: float | None = None, signed: bool = False
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)

    def convert(self, value: Any) -> float:
        """Turn a URL string or a caller's value into a ``float``."""
        return float(value)


class UUIDConverter(BaseConverter):
    """``<uuid:id>``: a canonical hyphenated UUID, given to the view as ``uuid.UUID``."""

    regex = (
        "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    )
    weight = 50

    def to_python(self, value: str) -> uuid.UUID:
        """Parse the matched text."""
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Format a ``UUID`` (or a string that parses as one) in canonical form."""
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


#: The converters every map knows, by the name used in rules.
DEFAULT_CONVERTERS: Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}
