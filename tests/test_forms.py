"""Tests for ``kettle.forms``: urlencoded and multipart parsing, limits, ``FileStorage``."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from kettle.datastructures import Headers, MultiDict
from kettle.errors import BadRequest, RequestEntityTooLarge
from kettle.forms import FileStorage, FormParser, is_form_mimetype, parse_query_string

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "----kettleBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LIMITS: dict[str, Any] = {"max_form_memory_size": 500_000, "max_form_parts": 1000}


def make_parser(content_type: str = MULTIPART, **kwargs: Any) -> FormParser:
    return FormParser(content_type, **{**LIMITS, **kwargs})


def parse(
    body: bytes, content_type: str = MULTIPART, chunks: Iterable[int] | None = None, **kw: Any
) -> tuple[MultiDict, MultiDict]:
    """Feed ``body`` (whole, or in the chunk sizes given, the last one repeated)."""
    parser = make_parser(content_type, **kw)
    if chunks is None:
        parser.feed(body)
    else:
        for chunk in split(body, chunks):
            parser.feed(chunk)
    return parser.finish()


def split(body: bytes, sizes: Iterable[int]) -> Iterator[bytes]:
    pos, size = 0, 1
    sizes = iter(sizes)
    while pos < len(body):
        size = next(sizes, size)
        yield body[pos : pos + size]
        pos += size


def part(name: str, value: bytes, filename: str | None = None, *headers: str) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    lines = [f"--{BOUNDARY}", disposition, *headers, "", ""]
    return "\r\n".join(lines).encode() + value + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


# -- is_form_mimetype ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("application/x-www-form-urlencoded", True),
        ("multipart/form-data", True),
        ("Multipart/Form-Data; boundary=x", True),
        (" application/x-www-form-urlencoded ", True),
        ("application/json", False),
        ("text/plain", False),
        ("", False),
    ],
)
def test_is_form_mimetype(mimetype: str, expected: bool) -> None:
    assert is_form_mimetype(mimetype) is expected


# -- parse_query_string --------------------------------------------------------


def test_query_string_basic() -> None:
    args = parse_query_string("a=1&b=2&a=3")
    assert args["a"] == "1"
    assert args.getlist("a") == ["1", "3"]
    assert args["b"] == "2"


@pytest.mark.parametrize("empty", ["", b""])
def test_query_string_empty_is_empty_multidict(empty: str | bytes) -> None:
    args = parse_query_string(empty)
    assert isinstance(args, MultiDict)
    assert not args


def test_query_string_bytes_with_raw_utf8_and_bad_bytes() -> None:
    args = parse_query_string(b"q=caf\xc3\xa9&bad=\xff&pct=%E2%82%AC")
    assert args["q"] == "café"
    assert args["bad"] == "\ufffd"
    assert args["pct"] == "€"


def test_query_string_other_charset() -> None:
    assert parse_query_string(b"q=%E9", charset="latin-1")["q"] == "é"


@pytest.mark.parametrize(
    "query",
    [
        "a=1&b=2",
        "a=&b&c=3",
        "x+y=1+2&z=%20",
        "a=%ZZ&b=%4&c=%",
        "a=%ff%fe&b=%C3%A9",
        "&&a=1&&",
        "=v&k=",
        "a==b&c=d=e",
        "a;b=1",
        "%E2%82%AC=%E2%82%AC",
        "plain",
    ],
)
def test_query_string_matches_parse_qsl(query: str) -> None:
    expected = parse_qsl(query, keep_blank_values=True, errors="replace")
    assert list(parse_query_string(query).items(multi=True)) == _grouped(expected)
    assert list(parse_query_string(query.encode()).items(multi=True)) == _grouped(expected)


@pytest.mark.parametrize("charset", ["utf-8", "latin-1", "ascii", "cp1252", "UTF-8"])
@pytest.mark.parametrize("query", ["a=%E9%C3%A9%80+x", "ñ=%C3%B1%ZZ&b=%ff", "k=%C3x%A9"])
def test_query_string_matches_parse_qsl_in_charsets(query: str, charset: str) -> None:
    expected = parse_qsl(query, keep_blank_values=True, encoding=charset, errors="replace")
    assert list(parse_query_string(query, charset).items(multi=True)) == _grouped(expected)


def _grouped(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs in MultiDict order: grouped by first appearance of each key."""
    return list(MultiDict(pairs).items(multi=True))


# -- urlencoded ----------------------------------------------------------------


def test_urlencoded_fields_repeated_and_blank() -> None:
    form, files = parse(b"name=kettle&tag=a&tag=b&empty=&flag", URLENCODED)
    assert form["name"] == "kettle"
    assert form.getlist("tag") == ["a", "b"]
    assert form["empty"] == ""
    assert form["flag"] == ""
    assert not files
    assert isinstance(files, MultiDict)


def test_urlencoded_unicode_plus_and_escapes() -> None:
    body = "greeting=h%C3%A9llo+w%C3%B6rld&raw=ñ&euro=%E2%82%AC".encode()
    form, _ = parse(body, URLENCODED)
    assert form["greeting"] == "héllo wörld"
    assert form["raw"] == "ñ"
    assert form["euro"] == "€"


def test_urlencoded_invalid_input_never_crashes() -> None:
    form, _ = parse(b"a=%ZZ&b=%&c=%C3&d=\xff\xfe&e=%FF", URLENCODED)
    assert form["a"] == "%ZZ"
    assert form["b"] == "%"
    assert form["c"] == "\ufffd"
    assert form["d"] == "\ufffd\ufffd"
    assert form["e"] == "\ufffd"


def test_urlencoded_split_across_chunks() -> None:
    body = b"k%C3%A9y=v%C3%A4lue+1&x=%41"
    form, _ = parse(body, URLENCODED, chunks=[1, 2, 3])
    assert form["kéy"] == "välue 1"
    assert form["x"] == "A"


def test_urlencoded_charset_and_content_type_params() -> None:
    form, _ = parse(b"a=%E9", URLENCODED + "; charset=latin-1", charset="latin-1")
    assert form["a"] == "é"


def test_urlencoded_empty_body() -> None:
    parser = make_parser(URLENCODED)
    parser.feed(b"")
    form, files = parser.finish()
    assert not form
    assert not files


def test_urlencoded_size_exactly_at_limit_passes() -> None:
    body = b"a=" + b"x" * 98
    form, _ = parse(body, URLENCODED, chunks=[7], max_form_memory_size=100)
    assert form["a"] == "x" * 98


def test_urlencoded_size_one_over_limit_fails_while_feeding() -> None:
    parser = make_parser(URLENCODED, max_form_memory_size=100)
    parser.feed(b"a=" + b"x" * 90)
    with pytest.raises(RequestEntityTooLarge) as info:
        parser.feed(b"y" * 9)
    assert "MAX_FORM_MEMORY_SIZE" in info.value.description
    assert "larger than the limit of 100 bytes" in info.value.description
    assert info.value.code == 413


def test_urlencoded_no_limits() -> None:
    body = b"&".join(b"f%d=%d" % (i, i) for i in range(5000))
    form, _ = parse(body, URLENCODED, max_form_memory_size=None, max_form_parts=None)
    assert len(form) == 5000


def test_urlencoded_parts_exactly_at_limit_passes() -> None:
    body = b"&".join(b"f%d=1" % i for i in range(10))
    form, _ = parse(body, URLENCODED, max_form_parts=10)
    assert len(form) == 10


def test_urlencoded_parts_one_over_limit_fails() -> None:
    body = b"&".join(b"f%d=1" % i for i in range(11))
    with pytest.raises(RequestEntityTooLarge) as info:
        parse(body, URLENCODED, max_form_parts=10)
    assert "MAX_FORM_PARTS" in info.value.description


def test_urlencoded_million_ampersands_is_cheap() -> None:
    start = time.perf_counter()
    with pytest.raises(RequestEntityTooLarge, match="MAX_FORM_PARTS"):
        parse(b"&" * 1_000_000, URLENCODED, max_form_memory_size=None)
    assert time.perf_counter() - start < 0.5


# -- other content types ---------------------------------------------------------


@pytest.mark.parametrize("content_type", ["", "application/json", "text/plain; charset=utf-8"])
def test_unknown_content_type_gives_empty_results(content_type: str) -> None:
    parser = make_parser(content_type)
    parser.feed(b'{"a": 1}')
    form, files = parser.finish()
    assert form == MultiDict() and files == MultiDict()
    assert isinstance(form, MultiDict) and isinstance(files, MultiDict)


# -- multipart: happy paths ------------------------------------------------------

BINARY = bytes(range(256)) + b"\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\n\r" + bytes(range(256))


def sample_body() -> bytes:
    return multipart(
        part("title", "Grüße".encode()),
        part("tag", b"a"),
        part("tag", b"b"),
        part("doc", b"line 1\r\nline 2\n", "notes.txt", "Content-Type: text/plain; charset=utf-8"),
        part("doc", BINARY, "données €.bin", "Content-Type: application/octet-stream"),
        part("img", b"\x89PNG\r\n\x1a\n", "a.png", "Content-Type: IMAGE/PNG"),
    )


def check_sample(form: MultiDict, files: MultiDict) -> None:
    assert form["title"] == "Grüße"
    assert form.getlist("tag") == ["a", "b"]
    assert "doc" not in form
    docs = files.getlist("doc")
    assert [d.filename for d in docs] == ["notes.txt", "données €.bin"]
    assert docs[0].read() == b"line 1\r\nline 2\n"
    assert docs[0].content_type == "text/plain; charset=utf-8"
    assert docs[0].mimetype == "text/plain"
    assert docs[0].mimetype_params == {"charset": "utf-8"}
    assert docs[0].name == "doc"
    assert docs[1].read() == BINARY
    assert docs[1].content_length == len(BINARY)
    assert files["img"].mimetype == "image/png"
    assert files["img"].headers["content-type"] == "IMAGE/PNG"
    assert isinstance(files["img"].headers, Headers)


@pytest.mark.parametrize("chunks", [None, [1], [1, 7], [3, 64], [4096]])
def test_multipart_fields_and_files(chunks: list[int] | None) -> None:
    form, files = parse(sample_body(), chunks=chunks)
    check_sample(form, files)


def wsgi_door(parser: FormParser, body: bytes) -> tuple[MultiDict, MultiDict]:
    stream = io.BytesIO(body)  # as wsgi.input, read in fixed-size chunks
    while chunk := stream.read(1000):
        parser.feed(chunk)
    return parser.finish()


def asgi_door(parser: FormParser, body: bytes) -> tuple[MultiDict, MultiDict]:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in split(body, [999])
    ]
    messages.append({"type": "http.request", "body": b"", "more_body": False})

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def run() -> tuple[MultiDict, MultiDict]:
        while True:
            message = await receive()
            parser.feed(message["body"])
            if not message["more_body"]:
                return parser.finish()

    return asyncio.run(run())


@pytest.mark.parametrize("door", [wsgi_door, asgi_door])
def test_multipart_through_both_doors(door: Any) -> None:
    check_sample(*door(make_parser(), sample_body()))


def test_multipart_part_charset() -> None:
    body = multipart(
        part("latin", "é".encode("latin-1"), None, "Content-Type: text/plain; charset=latin-1"),
        part("unknown", "é".encode(), None, "Content-Type: text/plain; charset=no-such-codec"),
        part("rot", "é".encode(), None, "Content-Type: text/plain; charset=rot13"),
        part("bad", b"\xff", None),
    )
    form, _ = parse(body)
    assert form["latin"] == "é"
    assert form["unknown"] == "é"
    assert form["rot"] == "é"
    assert form["bad"] == "\ufffd"


def test_multipart_empty_file_input_is_kept_with_empty_filename() -> None:
    body = multipart(part("upload", b"", "", "Content-Type: application/octet-stream"))
    form, files = parse(body)
    storage = files["upload"]
    assert isinstance(storage, FileStorage)
    assert storage.filename == ""
    assert not storage
    assert storage.read() == b""
    assert not form


def test_multipart_empty_field_name_is_allowed() -> None:
    form, _ = parse(multipart(part("", b"v")))
    assert form[""] == "v"


def test_multipart_preamble_and_epilogue_are_ignored() -> None:
    body = b"preamble\r\n" + multipart(part("a", b"1")) + b"epilogue"
    form, _ = parse(body, chunks=[5])
    assert form["a"] == "1"


def test_multipart_boundary_quoted_and_without_space() -> None:
    body = multipart(part("a", b"1"))
    form, _ = parse(body, f'multipart/form-data;boundary="{BOUNDARY}"')
    assert form["a"] == "1"


@pytest.mark.parametrize("body", [b"", None])
def test_multipart_empty_body_is_empty_form(body: bytes | None) -> None:
    parser = make_parser()
    if body is not None:
        parser.feed(body)  # an empty chunk is a no-op, not "end of input"
    form, files = parser.finish()
    assert not form and not files


def test_multipart_empty_chunk_does_not_end_the_stream() -> None:
    parser = make_parser()
    body = multipart(part("a", b"1"))
    parser.feed(body[:10])
    parser.feed(b"")
    parser.feed(body[10:])
    assert parser.finish()[0]["a"] == "1"


def test_multipart_field_value_with_crlf_and_fake_boundaries() -> None:
    value = b"a\r\nb\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n--\r\n\r"
    form, _ = parse(multipart(part("f", value)), chunks=[1])
    assert form["f"] == value.decode()


# -- multipart: large files --------------------------------------------------------


def test_large_file_in_odd_chunks_spools_to_disk_and_round_trips() -> None:
    payload = os.urandom(5 * 1024 * 1024)
    body = multipart(part("note", b"big one"), part("blob", payload, "big.bin"))
    form, files = parse(body, chunks=[1, 7919])
    blob = files["blob"]
    assert form["note"] == "big one"
    assert blob.stream._rolled  # beyond max_file_memory: a real temporary file
    assert isinstance(blob.fileno(), int)
    assert blob.tell() == 0
    assert blob.content_length == len(payload)
    assert hashlib.sha256(blob.read()).digest() == hashlib.sha256(payload).digest()


def test_small_file_stays_in_memory() -> None:
    _, files = parse(multipart(part("f", b"tiny", "t.txt")))
    assert not files["f"].stream._rolled


def test_max_file_memory_controls_spooling() -> None:
    _, files = parse(multipart(part("f", b"x" * 101, "t.txt")), max_file_memory=100)
    assert files["f"].stream._rolled
    _, files = parse(multipart(part("f", b"x" * 100, "t.txt")), max_file_memory=100)
    assert not files["f"].stream._rolled


def test_max_file_memory_zero_goes_straight_to_disk() -> None:
    _, files = parse(multipart(part("f", b"abc", "t.txt")), max_file_memory=0)
    assert isinstance(files["f"].fileno(), int)
    assert files["f"].read() == b"abc"


def test_large_file_is_not_limited_by_form_memory_size() -> None:
    payload = b"z" * 10_000
    _, files = parse(multipart(part("f", payload, "z.txt")), max_form_memory_size=100)
    assert files["f"].read() == payload


# -- multipart: limits ---------------------------------------------------------------


def test_multipart_field_exactly_at_limit_passes() -> None:
    form, _ = parse(multipart(part("f", b"x" * 100)), chunks=[1, 13], max_form_memory_size=100)
    assert form["f"] == "x" * 100


def test_multipart_field_one_over_limit_fails() -> None:
    with pytest.raises(RequestEntityTooLarge) as info:
        parse(multipart(part("f", b"x" * 101)), max_form_memory_size=100)
    assert "MAX_FORM_MEMORY_SIZE" in info.value.description
    assert "'f'" in info.value.description


def test_multipart_big_field_fails_before_the_body_ends() -> None:
    parser = make_parser(max_form_memory_size=1000)
    parser.feed(part("f", b""))
    with pytest.raises(RequestEntityTooLarge, match="MAX_FORM_MEMORY_SIZE"):
        for _ in range(100):
            parser.feed(b"x" * 100)


def test_multipart_parts_exactly_at_limit_passes() -> None:
    body = multipart(*(part(f"f{i}", b"1") for i in range(5)), part("file", b"2", "f.txt"))
    form, files = parse(body, max_form_parts=6)
    assert len(form) == 5 and len(files) == 1


def test_multipart_parts_one_over_limit_fails() -> None:
    body = multipart(*(part(f"f{i}", b"1") for i in range(7)))
    with pytest.raises(RequestEntityTooLarge) as info:
        parse(body, max_form_parts=6)
    assert "MAX_FORM_PARTS" in info.value.description


def test_multipart_no_limits() -> None:
    body = multipart(*(part(f"f{i}", b"v" * 1000) for i in range(50)))
    form, _ = parse(body, max_form_parts=None, max_form_memory_size=None)
    assert len(form) == 50


def test_multipart_header_too_long_is_413() -> None:
    body = multipart(part("f", b"1", None, "X-Long: " + "a" * 5000))
    with pytest.raises(RequestEntityTooLarge, match="headers"):
        parse(body)


def test_multipart_too_many_headers_is_413() -> None:
    headers = [f"X-H{i}: v" for i in range(10)]
    with pytest.raises(RequestEntityTooLarge, match="headers"):
        parse(multipart(part("f", b"1", None, *headers)))


# -- multipart: malformed bodies -----------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; charset=utf-8",
        "multipart/form-data; boundary=" + "b" * 300,
        "multipart/form-data; boundary=\x01ctl",
        'multipart/form-data; boundary="ends with space "',
    ],
)
def test_missing_or_invalid_boundary_is_400(content_type: str) -> None:
    with pytest.raises(BadRequest, match="boundary"):
        make_parser(content_type)


@pytest.mark.parametrize("cut", [10, 60, 150, -len(BOUNDARY) - 4, -3])
def test_truncated_body_is_400(cut: int) -> None:
    body = multipart(part("a", b"1"), part("f", b"data", "f.txt"))[:cut]
    with pytest.raises(BadRequest, match="incomplete") as info:
        parse(body)
    assert info.value.code == 400


def test_lone_newline_in_part_header_is_400() -> None:
    parser = make_parser()
    with pytest.raises(BadRequest, match="line break"):
        for byte in split(f"--{BOUNDARY}\r\nContent-Disposition: x\nY".encode(), [1]):
            parser.feed(byte)


def test_garbage_body_is_400() -> None:
    with pytest.raises(BadRequest, match="incomplete"):
        parse(os.urandom(4096).replace(b"\r", b"\n"), chunks=[100])


@pytest.mark.parametrize(
    ("raw_part", "message"),
    [
        (b"Content-Disposition form-data; name=a\r\n\r\n1", "Malformed segment header"),
        (b"Content-Type: text/plain\r\n\r\n1", "Missing Content-Disposition"),
        (b"Content-Disposition: attachment; name=a\r\n\r\n1", "Wrong type"),
        (b"Content-Disposition: form-data\r\n\r\n1", "no name"),
        (b"Content-Disposition: form-data; filename=a.txt\r\n\r\n1", "no name"),
        (b"Bad Name!: x\r\nContent-Disposition: form-data; name=a\r\n\r\n1", "header name"),
        (b"Content-Disposition: form-data; name=\xff\r\n\r\n1", "decode"),
        (b"Content-Disposition: form-data; name=a\r\nContent-Length: x\r\n\r\n1", "Length"),
        (b"Content-Disposition: form-data; name=a\r\nContent-Length: 5\r\n\r\n1", "Content-Length"),
        (b'Content-Disposition: form-data; name=a; filename="f"\r\nX: 1\r2\r\n\r\n1', "control"),
        (b'Content-Disposition: form-data; name=a; filename="f"\r\nX: 1\n2\r\n\r\n1', "control"),
    ],
)
def test_bad_part_headers_are_400(raw_part: bytes, message: str) -> None:
    body = f"--{BOUNDARY}\r\n".encode() + raw_part + f"\r\n--{BOUNDARY}--\r\n".encode()
    with pytest.raises(BadRequest, match=message) as info:
        parse(body)
    assert info.value.code == 400
    # No library traceback rides along: the error is ours, its context hidden.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_bytes_after_boundary_are_400() -> None:
    body = multipart(part("a", b"1")).replace(
        f"--{BOUNDARY}--".encode(), f"--{BOUNDARY}xx".encode()
    )
    with pytest.raises(BadRequest, match="Invalid multipart/form-data body"):
        parse(body)


# -- FormParser lifecycle --------------------------------------------------------------


class RecordingSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    created: list[RecordingSpool] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingSpool.created.append(self)


@pytest.fixture
def spools(monkeypatch: pytest.MonkeyPatch) -> list[RecordingSpool]:
    RecordingSpool.created = []
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", RecordingSpool)
    return RecordingSpool.created


def test_error_frees_temporary_files(spools: list[RecordingSpool]) -> None:
    parser = make_parser()
    parser.feed(part("done", b"1", "a.txt") + part("open", b"2", "b.txt"))
    with pytest.raises(BadRequest):
        parser.feed(b"\r\n--" + BOUNDARY.encode() + b"zz")
    assert len(spools) == 2
    assert all(spool.closed for spool in spools)
    with pytest.raises(RuntimeError):
        parser.feed(b"more")


def test_error_at_finish_frees_temporary_files(spools: list[RecordingSpool]) -> None:
    parser = make_parser()
    parser.feed(part("f", b"1", "a.txt"))
    with pytest.raises(BadRequest):
        parser.finish()
    assert spools and all(spool.closed for spool in spools)


def test_close_frees_uploads_and_is_idempotent(spools: list[RecordingSpool]) -> None:
    parser = make_parser()
    parser.feed(multipart(part("f", b"1", "a.txt")))
    _, files = parser.finish()
    assert not files["f"].stream.closed
    parser.close()
    parser.close()
    assert files["f"].stream.closed


def test_abort_midway_frees_partial_file(spools: list[RecordingSpool]) -> None:
    parser = make_parser()
    parser.feed(part("f", b"partial", "a.txt")[:-2])
    parser.close()
    assert spools and spools[0].closed
    with pytest.raises(RuntimeError):
        parser.finish()


def test_finish_is_cached_and_feed_after_finish_fails() -> None:
    parser = make_parser(URLENCODED)
    parser.feed(b"a=1")
    first = parser.finish()
    assert parser.finish() is first
    with pytest.raises(RuntimeError):
        parser.feed(b"&b=2")


# -- FileStorage -------------------------------------------------------------------------


def test_filestorage_defaults() -> None:
    storage = FileStorage()
    assert storage.read() == b""
    assert storage.filename is None
    assert storage.name is None
    assert storage.content_type is None
    assert storage.mimetype == ""
    assert storage.mimetype_params == {}
    assert storage.content_length == 0
    assert not storage
    assert repr(storage) == "<FileStorage: None (None)>"


def test_filestorage_constructor_arguments() -> None:
    storage = FileStorage(io.BytesIO(b"a\nb\n"), "x.csv", "upload", "Text/CSV; charset=UTF-8", 4)
    assert storage
    assert storage.mimetype == "text/csv"
    assert storage.mimetype_params == {"charset": "UTF-8"}
    assert storage.content_length == 4
    assert storage.headers["Content-Length"] == "4"
    assert list(storage) == [b"a\n", b"b\n"]
    storage.seek(0)
    assert storage.readline() == b"a\n"
    assert storage.tell() == 2
    assert storage.read(1) == b"b"
    assert repr(storage) == "<FileStorage: 'x.csv' ('Text/CSV; charset=UTF-8')>"


def test_filestorage_invalid_content_length_header() -> None:
    for bad in ("-1", "1e3", "²"):
        assert FileStorage(headers=Headers([("Content-Length", bad)])).content_length == 0


def test_filestorage_filename_from_stream_name(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF")
    with open(path, "rb") as fh:
        assert FileStorage(fh).filename == str(path)

    class Named(io.BytesIO):
        name = "<stdin>"

    assert FileStorage(Named()).filename is None


def test_filestorage_proxies_stream_attributes() -> None:
    storage = FileStorage(io.BytesIO(b"abc"))
    assert storage.readable()
    assert storage.getvalue() == b"abc"
    assert not hasattr(storage, "__missing_dunder__")
    with pytest.raises(AttributeError):
        storage.no_such_attribute  # noqa: B018


def test_filestorage_save_to_path_and_file(tmp_path: Path) -> None:
    _, files = parse(multipart(part("f", BINARY, "b.bin")))
    storage = files["f"]
    storage.read(10)  # a view that peeks first must still save everything
    storage.save(str(tmp_path / "a.bin"))
    storage.save(tmp_path / "b.bin", buffer_size=7)
    target = io.BytesIO()
    storage.save(target)
    assert (tmp_path / "a.bin").read_bytes() == BINARY
    assert (tmp_path / "b.bin").read_bytes() == BINARY
    assert not target.closed
    assert target.getvalue() == BINARY


def test_filestorage_close_never_raises() -> None:
    class Broken(io.BytesIO):
        def close(self) -> None:
            raise OSError("boom")

    FileStorage(Broken()).close()
    storage = FileStorage(io.BytesIO(b"x"))
    storage.close()
    assert storage.stream.closed
