"""Files as responses: ``send_file`` and ``send_from_directory`` (Flask's names and arguments).

A file response carries caching validators (a strong ``ETag`` from the file's mtime, size
and path: no hashing of its content; ``Last-Modified``), answers conditional requests
(304, 412) and byte ranges (206, ``multipart/byteranges``, 416), and leaves the sending to
the doors: a whole file goes out zero-copy where the server can (``wsgi.file_wrapper``,
ASGI ``http.response.pathsend``); ranges are read in blocks by ``FileSlices``.

``send_from_directory`` never serves anything outside its directory: see ``safe_path``.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import stat
import unicodedata
from datetime import datetime, timedelta
from time import time
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote
from zlib import adler32

from .context import get_context
from .errors import NotFound, PreconditionFailed, RangeNotSatisfiable
from .http import (
    content_range,
    evaluate_preconditions,
    http_date,
    if_range_allows,
    parse_range_header,
    quote_etag,
    satisfiable_ranges,
)
from .response import Response, content_type_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .request import Request

__all__ = ["configured_max_age", "send_file", "send_from_directory"]

#: ``SEND_FILE_MAX_RANGES``'s default: more byte ranges than this in one ``Range`` header
#: are ignored (the whole file is sent with a 200), so a request cannot make the server
#: assemble thousands of parts.
DEFAULT_MAX_RANGES = 16

#: Headers a 304 keeps (RFC 9110 15.4.5): the validators and caching metadata.
_NOT_MODIFIED_KEEPS = ("ETag", "Last-Modified", "Cache-Control", "Expires", "Vary")
#: A Windows drive (``C:``) at the start of a path, refused on every platform.
_DRIVE_RE = re.compile(r"[A-Za-z]:")
#: Characters RFC 5987 lets ``filename*`` keep unescaped (attr-char).
_ATTR_CHARS = "!#$&+-.^_`|~"


def configured_max_age() -> int | None:
    """``SEND_FILE_MAX_AGE_DEFAULT`` of the active app in seconds (a ``timedelta`` or int)."""
    value = get_context().app.config.get("SEND_FILE_MAX_AGE_DEFAULT")
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


# -- where a file may come from ---------------------------------------------------------


def safe_path(directory: str, untrusted: str) -> str | None:
    """The real path of ``untrusted`` inside ``directory``, or ``None`` if it could leave it.

    Refused before touching the disk: NUL bytes, backslashes, absolute paths, Windows
    drives and any ``..`` segment (the server has already decoded ``%2e%2e`` and ``%2f``
    once; nothing is decoded again, so ``%252e`` stays a literal name). Then the path is
    resolved (symlinks followed) and must lie under the resolved directory, compared
    segment-wise, so a link out, or ``/srv/static-secret`` beside ``/srv/static``, fails.
    """
    if (
        not untrusted
        or "\x00" in untrusted
        or "\\" in untrusted
        or untrusted.startswith("/")
        or _DRIVE_RE.match(untrusted)
        or ".." in untrusted.split("/")
    ):
        return None
    root = os.path.realpath(directory)
    target = os.path.realpath(os.path.join(root, untrusted))
    if not target.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return target


def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: Any
) -> Response:
    """``send_file`` of ``path`` under ``directory``; 404 for any path that would leave it,
    or that is not a readable regular file. ``directory`` is relative to the app's root."""
    base = os.path.join(get_context().app.root_path, os.fspath(directory))
    target = safe_path(base, os.fspath(path))
    if target is None:
        raise NotFound()
    try:
        file = _open_regular(target)
    except OSError:
        raise NotFound() from None
    # the name asked for, not a link's target: "latest.css" may point to "app.3f2a.css"
    kwargs.setdefault("download_name", os.path.basename(os.fspath(path).rstrip("/")))
    try:
        return _send(file, target, **kwargs)
    except TypeError:  # an unknown keyword argument: _send never started, close here
        file.close()
        raise


def _open_regular(path: str) -> IO[bytes]:
    """Open ``path`` for reading; ``IsADirectoryError`` unless it is a regular file.

    ``O_NONBLOCK`` keeps a FIFO from blocking the open (it is then refused), and has no
    effect on regular files.
    """

    def opener(name: str, flags: int) -> int:
        return os.open(name, flags | os.O_NONBLOCK)

    file = open(path, "rb", opener=opener)  # noqa: SIM115 - the response closes it
    if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
        file.close()
        raise IsADirectoryError(f"{path!r} is not a regular file")
    return file


# -- send_file ----------------------------------------------------------------------------


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """A response sending a file: a path (relative to the app's root) or a binary file object.

    Args:
        mimetype: Guessed from ``download_name`` (or the path) when not given.
        as_attachment: ``Content-Disposition: attachment`` (a download) instead of inline.
        download_name: The file name the browser sees; defaults to the path's name.
        conditional: Answer ``If-None-Match``/``If-Modified-Since`` (304), ``If-Match``/
            ``If-Unmodified-Since`` (412) and ``Range`` (206/416).
        etag: ``True`` for a tag from the file's mtime, size and path; a string to use
            that tag; ``False`` for none.
        last_modified: Overrides the file's modification time.
        max_age: Seconds browsers may cache it, or a function of the path; ``None`` uses
            ``get_send_file_max_age`` (``SEND_FILE_MAX_AGE_DEFAULT``).

    Raises:
        OSError: the path cannot be opened (``send_from_directory`` answers 404 instead).
    """
    path: str | None = None
    if isinstance(path_or_file, str | os.PathLike):
        path = os.path.join(get_context().app.root_path, os.fspath(path_or_file))
        file = _open_regular(path)
    elif isinstance(path_or_file, io.TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")
    else:
        file = path_or_file
    return _send(
        file, path, mimetype, as_attachment, download_name, conditional, etag,
        last_modified, max_age,
    )


def _send(
    file: IO[bytes],
    path: str | None,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """The response for an open ``file`` (from ``path`` when known); it owns the file."""
    try:
        ctx = get_context()
        size, mtime = _size_and_mtime(file, path)
        if download_name is None and path is not None:
            download_name = os.path.basename(path)
        content_type, encoding = _content_type(mimetype, download_name)
        response = ctx.app.response_class(file, content_type=content_type)
        add = response.headers.add  # each header once: no need to look for an earlier one
        if encoding is not None and not as_attachment:  # "x.css.gz": browsers decompress
            add("Content-Encoding", encoding)
        if download_name is not None:
            add("Content-Disposition", content_disposition(download_name, as_attachment))
        elif as_attachment:
            raise TypeError("No name provided for the attachment: pass 'download_name'.")
        if size is not None:
            add("Content-Length", str(size))
        modified = _seconds(last_modified, mtime)
        if modified is not None:
            add("Last-Modified", http_date(modified))
        tag = _etag_for(etag, path, size, mtime)
        if tag is not None:
            add("ETag", quote_etag(tag))
        if callable(max_age):
            max_age = max_age(path)
        elif max_age is None:
            max_age = ctx.app.get_send_file_max_age(path)
        _add_caching(add, max_age)
        if conditional and ctx.request is not None:
            return _make_conditional(response, ctx.request, file, size, tag, modified)
        return response
    except BaseException:
        file.close()
        raise


def _seconds(last_modified: datetime | int | float | None, mtime_ns: int | None) -> int | None:
    """``Last-Modified`` in whole seconds: the given time, else the file's."""
    if last_modified is None:
        return None if mtime_ns is None else mtime_ns // 1_000_000_000
    if isinstance(last_modified, datetime):
        return int(last_modified.timestamp())
    return int(last_modified)


def _size_and_mtime(file: IO[bytes], path: str | None) -> tuple[int | None, int | None]:
    """The bytes left to send and the mtime in nanoseconds (for files from a path), from
    ``fstat`` of the open file, so both describe what is sent; else ``None``s."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - file.tell(), None
    try:
        info = os.fstat(file.fileno())
    except (OSError, AttributeError, ValueError):
        return None, None
    if not stat.S_ISREG(info.st_mode):
        return None, None
    return info.st_size - file.tell(), info.st_mtime_ns if path is not None else None


def _content_type(mimetype: str | None, download_name: str | None) -> tuple[str, str | None]:
    """The ``Content-Type`` (with a charset for text) and, when guessed from the name, its
    compression (``gzip`` for ``.gz``)."""
    if mimetype is not None:
        return content_type_for(mimetype), None
    if download_name is None:
        raise TypeError(
            "Unable to detect the MIME type because a file name is not available. Either "
            "set 'download_name', pass a path instead of a file, or set 'mimetype'."
        )
    guessed, encoding = mimetypes.guess_type(download_name)
    return content_type_for(guessed or "application/octet-stream"), encoding


def content_disposition(filename: str, as_attachment: bool) -> str:
    """``attachment; filename="..."`` (or ``inline``), with an RFC 5987 ``filename*`` for
    names that are not ASCII (RFC 6266) and an ASCII approximation in ``filename``."""
    kind = "attachment" if as_attachment else "inline"
    filename = "".join(c for c in filename if c >= " " and c != "\x7f")  # no control chars
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        return (
            f'{kind}; filename="{_quoted(simple)}"; '
            f"filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}"
        )
    return f'{kind}; filename="{_quoted(filename)}"'


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _etag_for(
    etag: bool | str, path: str | None, size: int | None, mtime: int | None
) -> str | None:
    """A strong tag from what ``stat`` gives (no read of the content), or the given one."""
    if isinstance(etag, str):
        return etag
    if not etag or path is None or mtime is None:
        return None
    check = adler32(path.encode("utf-8", "surrogateescape")) & 0xFFFFFFFF
    return f"{mtime:x}-{size:x}-{check:x}"


def _add_caching(add: Callable[[str, str], None], max_age: int | None) -> None:
    """``Cache-Control`` as Flask sends it: ``no-cache`` (revalidate every time) unless a
    positive ``max_age`` allows ``public, max-age=N``; ``Expires`` follows ``max_age``."""
    if max_age is None:
        add("Cache-Control", "no-cache")
        return
    add("Cache-Control", f"public, max-age={max_age}" if max_age > 0 else "no-cache, max-age=0")
    add("Expires", http_date(int(time() + max_age)))


# -- conditional and range requests -------------------------------------------------------


def _max_ranges() -> int:
    return int(get_context().app.config.get("SEND_FILE_MAX_RANGES", DEFAULT_MAX_RANGES))


def _make_conditional(
    response: Response,
    request: Request,
    file: IO[bytes],
    size: int | None,
    etag: str | None,
    modified: int | None,
) -> Response:
    """Answer the request's preconditions and ``Range`` for ``response`` (which owns
    ``file``): a 304 or 412 closes the file; a 206 wraps it in ``FileSlices``."""
    get = request.headers.get
    outcome = evaluate_preconditions(request.method, get, etag, modified)
    if outcome == 412:
        raise PreconditionFailed()
    if outcome == 304:
        file.close()
        return _not_modified(response)
    if size is None:
        return response
    response.headers.add("Accept-Ranges", "bytes")
    if request.method not in ("GET", "HEAD") or size == 0:
        return response  # an empty file has no byte to range over: send it whole
    specs = parse_range_header(get("Range"), _max_ranges())
    if specs is None or not if_range_allows(get("If-Range"), etag, modified):
        return response
    spans = satisfiable_ranges(specs, size)
    if not spans:
        raise RangeNotSatisfiable(length=size)
    return _partial(response, file, spans, size)


def _not_modified(response: Response) -> Response:
    """A bodiless 304 keeping only the validators and caching headers of ``response``."""
    result = type(response)(status=304)
    for name in _NOT_MODIFIED_KEEPS:
        value = response.headers.get(name)
        if value is not None:
            result.headers.set(name, value)
    return result


def _partial(response: Response, file: IO[bytes], spans: list[tuple[int, int]], size: int) -> (
    Response
):
    """Turn ``response`` into a 206 of ``spans``: one part, or ``multipart/byteranges``."""
    headers = response.headers
    base = file.tell()  # a file object may start part-way: ranges count from there
    if len(spans) == 1:
        start, stop = spans[0]
        pieces: list[bytes | tuple[int, int]] = [(base + start, stop - start)]
        headers.set("Content-Range", content_range(start, stop, size))
    else:
        boundary = os.urandom(12).hex()
        part_type = headers.get("Content-Type") or "application/octet-stream"
        pieces = []
        for index, (start, stop) in enumerate(spans):
            lead = "\r\n" if index else ""
            pieces.append(
                f"{lead}--{boundary}\r\nContent-Type: {part_type}\r\n"
                f"Content-Range: {content_range(start, stop, size)}\r\n\r\n".encode("latin-1")
            )
            pieces.append((base + start, stop - start))
        pieces.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
        headers.set("Content-Type", f"multipart/byteranges; boundary={boundary}")
    body = FileSlices(file, pieces)
    headers.set("Content-Length", str(body.length))
    response.response = body
    response.status_code = 206
    return response


class FileSlices:
    """A body made of byte spans of one file, with literal bytes between them (the part
    headers of ``multipart/byteranges``). It has ``read`` but no ``fileno`` or ``name``, so
    the doors read it in blocks: a range cannot be handed to ``pathsend``."""

    def __init__(self, file: IO[bytes], pieces: list[bytes | tuple[int, int]]) -> None:
        self._file = file
        self._pieces = pieces
        self._index = 0
        self._done = 0  # bytes of the current piece already read
        self.length = sum(p[1] if isinstance(p, tuple) else len(p) for p in pieces)

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); ``b""`` at the end."""
        out: list[bytes] = []
        wanted = size if size >= 0 else self.length
        while wanted > 0 and self._index < len(self._pieces):
            piece = self._pieces[self._index]
            if isinstance(piece, tuple):
                offset, length = piece
                self._file.seek(offset + self._done)
                data = self._file.read(min(wanted, length - self._done))
                if not data:  # the file shrank under us: end the body here
                    self._index = len(self._pieces)
                    break
                remaining = length
            else:
                data = piece[self._done : self._done + wanted]
                remaining = len(piece)
            out.append(data)
            wanted -= len(data)
            self._done += len(data)
            if self._done >= remaining:
                self._index += 1
                self._done = 0
        return b"".join(out)

    def __iter__(self) -> Iterator[bytes]:
        """The body in 64 KiB blocks, for code that iterates a response."""
        return iter(lambda: self.read(65536), b"")

    def close(self) -> None:
        self._file.close()
