"""Small helpers for application code (Werkzeug's ``werkzeug.utils`` names)."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: Names Windows reserves for devices, whatever the extension (``CON.txt`` is the console).
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def secure_filename(filename: str) -> str:
    """A version of an uploaded file's name that is safe to join to a folder and save.

    Accents are folded to ASCII and anything else non-ASCII dropped; path separators
    become underscores (via spaces); only letters, digits, ``_``, ``.`` and ``-`` remain;
    leading and trailing dots and underscores go (no hidden files, no ``..``); a Windows
    device name (``CON``, ``lpt1.txt``) gets a leading ``_`` on every OS, so files stay
    safe when copied to Windows. The result may be empty: pick a name yourself then.

    >>> secure_filename("../../etc/passwd")
    'etc_passwd'
    >>> secure_filename("My cool movie.mov")
    'My_cool_movie.mov'
    """
    filename = unicodedata.normalize("NFKD", filename)
    filename = filename.encode("ascii", "ignore").decode("ascii")
    for separator in ("/", "\\"):
        filename = filename.replace(separator, " ")
    filename = _UNSAFE.sub("", "_".join(filename.split())).strip("._")
    if filename and filename.split(".")[0].upper() in _WINDOWS_DEVICES:
        filename = f"_{filename}"
    return filename
