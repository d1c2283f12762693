"""Form bodies parsed as they arrive: urlencoded fields, multipart fields and uploads.

Both doors push the body into a :class:`FormParser` chunk by chunk (WSGI reads
``wsgi.input``, ASGI awaits ``receive()``), so one parser serves both and memory
stays bounded: urlencoded bodies are capped by ``MAX_FORM_MEMORY_SIZE``, multipart
fields likewise, and uploads go to spooled temporary files. Multipart framing is
the ``multipart`` library's sans-IO ``PushMultipartParser``; this module maps its
errors to 400/413 and builds ``MultiDict`` and :class:`FileStorage` objects.
A part with a ``filename`` is a file even when the name is empty: browsers send an
empty ``<input type=file>`` as ``filename=""`` with no body, and (as in Werkzeug)
it appears in ``files`` as a falsy ``FileStorage``, so ``if file:`` tells.
``multipart`` and ``tempfile`` are imported on first use: a GET never needs them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_to_bytes

from .body import MAX_LENGTH_DIGITS
from .datastructures import Headers, MultiDict, ReceivedHeaders
from .errors import BadRequest, HTTPException, RequestEntityTooLarge

if TYPE_CHECKING:
    from multipart import MultipartSegment, PushMultipartParser  # type: ignore[import-untyped]

__all__ = ["FileStorage", "FormParser", "is_form_mimetype", "parse_query_string"]

_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_FORM_MIMETYPES = frozenset((_URLENCODED, _MULTIPART))
# Werkzeug's rule: printable ASCII, at most 201 characters, not ending in a space.
_BOUNDARY_RE = re.compile(r"[ -~]{0,200}[!-~]")
# Charsets where ASCII is ASCII and a bad byte never swallows its ASCII neighbours.
_ASCII_SAFE = frozenset(("utf-8", "utf8", "latin-1", "latin1", "iso-8859-1", "ascii"))


def is_form_mimetype(mimetype: str) -> bool:
    """Whether ``request.form`` parses this body type (parameters and case are ignored)."""
    return mimetype.partition(";")[0].strip().lower() in _FORM_MIMETYPES


def _unquote_plus(text: str, charset: str) -> str:
    """``urllib.parse.unquote_plus`` with ``errors="replace"``, twice as fast on ASCII."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if charset in _ASCII_SAFE and text.isascii():
        return unquote_to_bytes(text).decode(charset, "replace")
    return unquote(text, charset, "replace")


def _parse_pairs(text: str, charset: str) -> MultiDict:
    """``a=1&b=&c`` into a MultiDict, as ``parse_qsl(keep_blank_values=True)`` would.

    Fields with no ``%`` or ``+`` skip unquoting, which is most of them; a text with
    neither (the commonest query) is looked at once, not field by field.
    """
    result: MultiDict = dict.__new__(MultiDict)  # empty: no __init__ call per request
    escaped = "%" in text or "+" in text
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if escaped:
            if "%" in name or "+" in name:
                name = _unquote_plus(name, charset)
            if "%" in value or "+" in value:
                value = _unquote_plus(value, charset)
        values = _dict_get(result, name)  # MultiDict.add inlined: the dict's own methods
        if values is None:
            _dict_set(result, name, [value])
        else:
            values.append(value)
    return result


_dict_get = dict.get
_dict_set = dict.__setitem__


def parse_query_string(query: str | bytes, charset: str = "utf-8") -> MultiDict:
    """Parse a query string into ``request.args``; never fails on bad escapes.

    Bytes (ASGI's ``query_string``) are decoded with ``charset``; a ``str`` is
    taken as text, so a WSGI door passes ``environ["QUERY_STRING"].encode("latin-1")``
    to get raw UTF-8 right. ``+`` is a space; blank values are kept.
    """
    if not query:
        return MultiDict()
    if isinstance(query, bytes):
        query = query.decode(charset, "replace")
    return _parse_pairs(query, charset)


class FileStorage:
    """An uploaded file, with Werkzeug's ``FileStorage`` surface.

    Unknown attributes are looked up on :attr:`stream` (``tell``, ``fileno``...),
    so libraries that expect a file object accept it. ``bool(storage)`` is false
    for an empty ``<input type=file>``, which browsers send with ``filename=""``.
    """

    __slots__ = ("_size", "filename", "headers", "name", "stream")

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.stream: IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:  # as Werkzeug: a real file's name, not "<stdin>"
            stream_name = getattr(stream, "name", None)
            if isinstance(stream_name, str | bytes):
                filename = os.fsdecode(stream_name)
                if filename.startswith("<") and filename.endswith(">"):
                    filename = None
        self.filename = filename
        self.name = name
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        if content_length is not None:
            self.headers.set("Content-Length", content_length)
        self._size = 0

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type`` header, as the client sent it."""
        value: str | None = self.headers.get("Content-Type")
        return value

    @property
    def mimetype(self) -> str:
        """:attr:`content_type` without parameters, lower-cased (``"image/png"``)."""
        return (self.content_type or "").partition(";")[0].strip().lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of :attr:`content_type`, e.g. ``{"charset": "utf-8"}``."""
        from multipart import parse_options_header

        params: dict[str, str] = parse_options_header(self.content_type or "")[1]
        return params

    @property
    def content_length(self) -> int:
        """The part's ``Content-Length`` header, else the size received (0 if unknown)."""
        value = self.headers.get("Content-Length")
        if value and value.isascii() and value.isdigit() and len(value) <= MAX_LENGTH_DIGITS:
            return int(value)
        return self._size

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all by default) from the stream."""
        return self.stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        """Read one line from the stream."""
        return self.stream.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move the stream position, as ``IO.seek``."""
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        """The stream position."""
        return self.stream.tell()

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the whole upload to a path or an open binary file (left open).

        Unlike Werkzeug, the copy starts at the beginning of the stream even if
        it was read before, so validating the file first cannot truncate it.
        """
        if self.stream.seekable():
            self.stream.seek(0)
        if isinstance(dst, str | os.PathLike):
            with open(dst, "wb") as target:
                self._copy_to(target, buffer_size)
        else:
            self._copy_to(dst, buffer_size)

    def _copy_to(self, target: IO[bytes], buffer_size: int) -> None:
        read, write = self.stream.read, target.write
        while chunk := read(buffer_size):
            write(chunk)

    def close(self) -> None:
        """Close the stream, deleting its temporary file if any."""
        with contextlib.suppress(Exception):  # never mask the error being handled
            self.stream.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "stream":
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


def _too_many_parts(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The form has more than {limit} fields, the limit set by MAX_FORM_PARTS."
    )


def _too_large(what: str, limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"{what} is larger than the limit of {limit} bytes set by MAX_FORM_MEMORY_SIZE."
    )


def _multipart_parser(content_type: str) -> PushMultipartParser:
    """A push parser for the boundary named in ``content_type``, or a 400."""
    from multipart import PushMultipartParser, parse_options_header

    boundary = parse_options_header(content_type)[1].get("boundary")
    if not boundary:
        raise BadRequest("The multipart/form-data Content-Type header has no boundary.")
    if not _BOUNDARY_RE.fullmatch(boundary):
        raise BadRequest("The multipart/form-data boundary in the Content-Type is invalid.")
    return PushMultipartParser(boundary)


def _multipart_http_error(err: Exception) -> HTTPException:
    """The HTTP error for a ``multipart`` library error: 413 for its limits, else 400."""
    from multipart import ParserLimitReached

    if isinstance(err, ParserLimitReached):
        return RequestEntityTooLarge(f"A multipart part's headers are too large: {err}.")
    return BadRequest(f"Invalid multipart/form-data body: {err}.")


class FormParser:
    """Push-style parser for ``request.form`` and ``request.files``.

    Feed it the body with :meth:`feed`, then call :meth:`finish` for
    ``(form, files)``. On any error it frees its temporary files itself; call
    :meth:`close` when the request ends (or is aborted) to free the uploads.
    Other content types give two empty MultiDicts. ``None`` limits are off.
    ``max_form_memory_size`` caps a urlencoded body, or each multipart non-file
    field; ``max_form_parts`` counts multipart parts (files too) or urlencoded
    ``&``-separated fields (empty ones too, as ``parse_qsl(max_num_fields=)``).
    """

    __slots__ = (
        "_charset", "_chunks", "_closed", "_field", "_field_size", "_file", "_files",
        "_form", "_kind", "_max_file_memory", "_max_memory", "_max_parts", "_name",
        "_parser", "_part_charset", "_parts", "_result", "_size",
    )

    def __init__(
        self,
        content_type: str,
        *,
        charset: str = "utf-8",
        max_form_memory_size: int | None,
        max_form_parts: int | None,
        max_file_memory: int = 1024 * 1024,
    ) -> None:
        mimetype = content_type.partition(";")[0].strip().lower()
        self._kind = mimetype if mimetype in _FORM_MIMETYPES else ""
        self._charset = charset
        self._max_memory = max_form_memory_size
        self._max_parts = max_form_parts
        self._max_file_memory = max_file_memory
        self._chunks: list[bytes] = []
        self._size = 0
        self._closed = False
        self._result: tuple[MultiDict, MultiDict] | None = None
        self._form = MultiDict()
        self._files = MultiDict()
        self._parts = 0
        self._name = ""
        self._part_charset = charset
        self._field: list[bytes] | None = None  # the non-file part being received
        self._field_size = 0
        self._file: FileStorage | None = None  # the file part being received
        self._parser = _multipart_parser(content_type) if self._kind == _MULTIPART else None

    def feed(self, chunk: bytes) -> None:
        """Parse the next chunk of the body; raises 400/413 as soon as it can tell."""
        if self._closed or self._result is not None:
            raise RuntimeError("FormParser.feed() called after finish() or close().")
        if not chunk or not self._kind:
            return
        self._size += len(chunk)
        try:
            if self._parser is None:
                if self._max_memory is not None and self._size > self._max_memory:
                    raise _too_large("The form", self._max_memory)
                self._chunks.append(chunk)
            else:
                self._feed_multipart(chunk)
        except BaseException:
            self.close()
            raise

    def finish(self) -> tuple[MultiDict, MultiDict]:
        """Signal the end of the body and return ``(form, files)``."""
        if self._result is not None:
            return self._result
        if self._closed:
            raise RuntimeError("FormParser.finish() called after close().")
        try:
            if self._kind == _URLENCODED:
                self._finish_urlencoded()
            elif self._parser is not None:
                self._finish_multipart(self._parser)
        except BaseException:
            self.close()
            raise
        self._result = (self._form, self._files)
        return self._result

    def close(self) -> None:
        """Free every temporary file this parser made (the uploads too); idempotent."""
        self._closed = True
        self._chunks = []
        if self._parser is not None:
            self._parser.close(check_complete=False)
        if self._file is not None:
            self._file.close()
        for _, storage in self._files.items(multi=True):
            storage.close()

    def _finish_urlencoded(self) -> None:
        body = b"".join(self._chunks)
        self._chunks = []
        if not body:
            return
        # Count before splitting so a body of a million "&" costs one scan.
        if self._max_parts is not None and body.count(b"&") >= self._max_parts:
            raise _too_many_parts(self._max_parts)
        self._form = _parse_pairs(body.decode(self._charset, "replace"), self._charset)

    def _finish_multipart(self, parser: PushMultipartParser) -> None:
        from multipart import MultipartError

        if self._size == 0:  # no body at all: an empty form, not a broken one
            parser.close(check_complete=False)
            return
        try:
            parser.close()
        except MultipartError:
            raise BadRequest(
                "The multipart/form-data body is incomplete: it ends before the closing"
                " boundary (truncated upload, or not multipart data)."
            ) from None

    def _feed_multipart(self, chunk: bytes) -> None:
        from multipart import MultipartError

        assert self._parser is not None
        try:
            for event in self._parser.parse(chunk):
                if event.__class__ is bytes:
                    self._on_data(event)
                elif event is None:
                    self._on_part_end()
                else:
                    self._on_part_start(event)
        except MultipartError as err:
            raise _multipart_http_error(err) from None

    def _on_part_start(self, segment: MultipartSegment) -> None:
        self._parts += 1
        if self._max_parts is not None and self._parts > self._max_parts:
            raise _too_many_parts(self._max_parts)
        name: str = segment.name
        if not name:
            from multipart import parse_content_disposition

            if parse_content_disposition(segment.header("Content-Disposition"))[1] is None:
                raise BadRequest("A multipart part has no name in its Content-Disposition.")
        self._name = name
        filename: str | None = segment.filename
        if filename is None:
            self._field, self._field_size = [], 0
            self._part_charset = segment.charset or self._charset
            return
        try:
            headers = ReceivedHeaders(segment.headerlist)
        except ValueError:  # a bare CR or NUL inside a part header
            raise BadRequest("A multipart part header contains a control character.") from None
        self._file = FileStorage(self._spooled_file(), filename, name, headers=headers)

    def _spooled_file(self) -> IO[bytes]:
        """A file that stays in memory up to ``max_file_memory`` bytes, then on disk."""
        import tempfile

        if self._max_file_memory <= 0:  # SpooledTemporaryFile treats 0 as "never roll"
            return tempfile.TemporaryFile()
        return tempfile.SpooledTemporaryFile(max_size=self._max_file_memory)

    def _on_data(self, data: bytes) -> None:
        if self._file is not None:
            self._file.stream.write(data)
            return
        assert self._field is not None
        self._field_size += len(data)
        if self._max_memory is not None and self._field_size > self._max_memory:
            raise _too_large(f"The form field {self._name[:100]!r}", self._max_memory)
        self._field.append(data)

    def _on_part_end(self) -> None:
        storage = self._file
        if storage is not None:
            storage._size = storage.stream.tell()
            storage.stream.seek(0)
            self._files.add(self._name, storage)
            self._file = None
            return
        assert self._field is not None
        raw = b"".join(self._field)
        self._field = None
        try:
            value = raw.decode(self._part_charset, "replace")
        except (LookupError, UnicodeError):  # unknown or non-text charset from the client
            value = raw.decode(self._charset, "replace")
        self._form.add(self._name, value)
