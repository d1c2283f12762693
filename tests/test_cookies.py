"""Tests for ``kettle.cookies``: lenient Cookie parsing, strict Set-Cookie building."""

from __future__ import annotations

import random
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from kettle.cookies import _parse_slow, dump_cookie, parse_cookie_header
from kettle.http import parse_date

# -- parse_cookie_header -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", {}),
        ("a=b", {"a": "b"}),
        ("a=b; c=d", {"a": "b", "c": "d"}),
        ("a=b;c=d", {"a": "b", "c": "d"}),
        ("  a = b  ;\tc=d\t", {"a": "b", "c": "d"}),
        ("a=b; a=c", {"a": "b"}),  # first occurrence wins
        ("a=", {"a": ""}),
        ("a", {"a": ""}),
        ("a=b=c", {"a": "b=c"}),
        ("a=b;;; ;c=d;", {"a": "b", "c": "d"}),
        ("=b; c=d", {"c": "d"}),
        ("a b=c; d=e", {"d": "e"}),
        ("a=b c; d=e", {"d": "e"}),
        ("a=b\\c", {"a": "b\\c"}),  # backslashes only matter in quoted values
        ("session=eyJhIjoxfQ.Zx-y_z", {"session": "eyJhIjoxfQ.Zx-y_z"}),
        ("ü=€", {"ü": "€"}),
        ("a=%20b", {"a": "%20b"}),  # no URL decoding
    ],
)
def test_parse_plain(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('a="b"', {"a": "b"}),
        ('a=""', {"a": ""}),
        ('a="b c"; d=e', {"a": "b c", "d": "e"}),
        ('a="b;c"; d=e', {"a": "b;c", "d": "e"}),
        ('a="b\\"c"', {"a": 'b"c'}),
        ('a="b\\\\c"', {"a": "b\\c"}),
        ('a="b\\054c\\073d"', {"a": "b,c;d"}),
        ('a="\\303\\274"', {"a": "ü"}),
        ('a="\\377"', {"a": "\ufffd"}),  # invalid UTF-8 is replaced, not raised
        ('a="\\x"', {"a": "x"}),
        ('a="b"; a="c"', {"a": "b"}),
        ('a="unterminated; b=c', {"b": "c"}),
        ('a="b"junk; c=d', {"c": "d"}),
        ('"a"=b; c=d', {"c": "d"}),
        ('a=b"; c=d', {"c": "d"}),
        ('a="b"', {"a": "b"}),
        ('a=b; c="d', {"a": "b"}),
        ('a="', {}),
        ('"', {}),
    ],
)
def test_parse_quoted(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


def test_parse_never_raises_on_junk() -> None:
    rng = random.Random(6265)
    alphabet = 'ab=; \t"\\,\x00\x7fü0'
    for _ in range(2000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        result = parse_cookie_header(header)
        assert isinstance(result, dict)


def test_fast_and_slow_paths_agree() -> None:
    """The split-based fast path must give what the regex parser gives."""
    rng = random.Random(1)
    alphabet = "ab=; \t\\,\x00ü"
    for _ in range(3000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert parse_cookie_header(header) == _parse_slow(header), header


def test_parse_matches_werkzeug() -> None:
    werkzeug_http = pytest.importorskip("werkzeug.http")
    rng = random.Random(2)
    alphabet = 'ab=; \t"\\,0'
    for _ in range(3000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        expected: dict[str, str] = {}
        for key, value in werkzeug_http.parse_cookie(header).items(multi=True):
            expected.setdefault(key, value)
        assert parse_cookie_header(header) == expected, header


# -- dump_cookie: values and round trips ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "dumped"),
    [
        ("", "k="),
        ("abc", "k=abc"),
        ("a=b/c:d?e@f[g]{h}!#$%&'()*+-.^_`|~", "k=a=b/c:d?e@f[g]{h}!#$%&'()*+-.^_`|~"),
        ("a b", 'k="a b"'),
        ('a"b', 'k="a\\"b"'),
        ("a\\b", 'k="a\\\\b"'),
        ("a,b", 'k="a\\054b"'),
        ("a;b", 'k="a\\073b"'),
        ("ü", 'k="\\303\\274"'),
    ],
)
def test_dump_value_quoting(value: str, dumped: str) -> None:
    assert dump_cookie("k", value, path=None) == dumped


ROUND_TRIP_VALUES = [
    "",
    "plain",
    "with space",
    'quo"te',
    '"fully quoted"',
    "back\\slash",
    "\\054",
    "semi;colon,comma",
    "ünïcödé €",
    "emoji 🫖",
    "=leading equals",
    " padded ",
    "a" * 100,
]


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES)
def test_round_trip(value: str) -> None:
    header = dump_cookie("k", value)
    cookie_pair = header.split("; Path=")[0]
    assert parse_cookie_header(f"x=1; {cookie_pair}; y=2") == {"x": "1", "k": value, "y": "2"}


def test_round_trip_random() -> None:
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x20, 0x7F)] + ["é", "ß", "中", "🫖"]
    for _ in range(1000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        pair = dump_cookie("k", value, path=None)
        assert parse_cookie_header(pair) == {"k": value}, value


def test_round_trip_with_werkzeug() -> None:
    werkzeug_http = pytest.importorskip("werkzeug.http")
    for value in ROUND_TRIP_VALUES:
        assert dump_cookie("k", value) == werkzeug_http.dump_cookie("k", value)
        header = werkzeug_http.dump_cookie("k", value, path=None)
        assert parse_cookie_header(header) == {"k": value}


# -- dump_cookie: injection refused --------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["", "a b", "a;b", "a=b", "a,b", 'a"b', "a\r\nSet-Cookie: x", "a\x00", "ü", "a(b)", "a/b"],
)
def test_dump_refuses_bad_names(key: str) -> None:
    with pytest.raises(ValueError, match="Cookie name must be an RFC 6265 token"):
        dump_cookie(key, "v")


@pytest.mark.parametrize("key", ["session", "a-b_c.d", "__Host-id", "!#$%&'*+^`|~"])
def test_dump_accepts_token_names(key: str) -> None:
    assert dump_cookie(key, "v").startswith(f"{key}=v")


@pytest.mark.parametrize(
    "value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\x00b", "a\tb", "a\x7fb", "\x1b[31m"]
)
def test_dump_refuses_control_chars_in_value(value: str) -> None:
    with pytest.raises(ValueError, match="value must not contain control characters"):
        dump_cookie("k", value)


def test_dump_semicolon_in_value_is_escaped_not_injected() -> None:
    header = dump_cookie("k", "x; Domain=evil.com; HttpOnly", path=None)
    assert header == 'k="x\\073 Domain=evil.com\\073 HttpOnly"'
    assert header.count(";") == 0


@pytest.mark.parametrize("path", ["/a;Domain=evil", "/a\r\nX: y", "/\x00", "/a\tb"])
def test_dump_refuses_bad_path(path: str) -> None:
    with pytest.raises(ValueError, match="Cookie path"):
        dump_cookie("k", "v", path=path)


@pytest.mark.parametrize(
    "domain",
    ["a.com;Secure", "a.com\r\nX: y", "a\x00.com", "a b.com", "a/b", ".", "a" * 64 + ".com"],
)
def test_dump_refuses_bad_domain(domain: str) -> None:
    with pytest.raises(ValueError, match="Cookie domain"):
        dump_cookie("k", "v", domain=domain)


@pytest.mark.parametrize(
    "expires", ["Thu, 01 Jan 1970 00:00:00 GMT; Domain=x", "x\r\ny", "Thu, 01 Jän 1970"]
)
def test_dump_refuses_bad_expires_string(expires: str) -> None:
    with pytest.raises(ValueError, match="Cookie expires"):
        dump_cookie("k", "v", expires=expires)


# -- dump_cookie: attributes ---------------------------------------------------------


def test_dump_defaults() -> None:
    assert dump_cookie("k") == "k=; Path=/"


def test_dump_all_attributes() -> None:
    header = dump_cookie(
        "sid",
        "abc",
        max_age=60,
        expires=0,
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    assert header == (
        "sid=abc; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60;"
        " Secure; HttpOnly; Path=/app; SameSite=Strict"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/"),
        ("/a b", "/a%20b"),
        ("/ü", "/%C3%BC"),
        ("/already%20quoted", "/already%20quoted"),
        ("/a,b=c:d@e", "/a,b=c:d@e"),
    ],
)
def test_dump_path_quoting(path: str, expected: str) -> None:
    assert dump_cookie("k", path=path) == f"k=; Path={expected}"


def test_dump_no_path() -> None:
    assert dump_cookie("k", "v", path=None) == "k=v"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.com", "example.com"),
        (".example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("example.com:8080", "example.com"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_dump_domain(domain: str, expected: str) -> None:
    assert dump_cookie("k", "v", path=None, domain=domain) == f"k=v; Domain={expected}"


def test_dump_empty_domain_is_omitted() -> None:
    assert dump_cookie("k", "v", path=None, domain="") == "k=v"


def test_dump_max_age_int_sets_expires() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    header = dump_cookie("k", "v", max_age=3600, path=None)
    parts = dict(part.split("=", 1) for part in header.split("; ")[1:])
    assert parts["Max-Age"] == "3600"
    expires = parse_date(parts["Expires"])
    assert expires is not None
    assert before + timedelta(seconds=3599) <= expires <= before + timedelta(seconds=3602)


def test_dump_max_age_timedelta() -> None:
    header = dump_cookie("k", "v", max_age=timedelta(days=1, seconds=5.7), path=None)
    assert "Max-Age=86405" in header
    assert "Expires=" in header


def test_dump_max_age_zero_deletes() -> None:
    header = dump_cookie("k", "", max_age=0, expires=0, path=None)
    assert header == "k=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"


@pytest.mark.parametrize(
    "expires",
    [
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2030, 1, 2, 3, 4, 5),
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp(),
        int(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()),
        "Wed, 02 Jan 2030 03:04:05 GMT",
    ],
)
def test_dump_expires_forms(expires: datetime | float | str) -> None:
    header = dump_cookie("k", "v", expires=expires, path=None)
    assert header == "k=v; Expires=Wed, 02 Jan 2030 03:04:05 GMT"


def test_dump_explicit_expires_wins_over_max_age() -> None:
    header = dump_cookie("k", "v", max_age=10, expires=0, path=None)
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header


@pytest.mark.parametrize(
    ("samesite", "expected"),
    [("Strict", "Strict"), ("lax", "Lax"), ("LAX", "Lax"), ("none", "None"), ("None", "None")],
)
def test_dump_samesite(samesite: str, expected: str) -> None:
    assert dump_cookie("k", "v", path=None, samesite=samesite) == f"k=v; SameSite={expected}"


@pytest.mark.parametrize("samesite", ["", "loose", "Lax; Domain=x", "strict "])
def test_dump_samesite_invalid(samesite: str) -> None:
    with pytest.raises(ValueError, match="SameSite must be 'Strict', 'Lax' or 'None'"):
        dump_cookie("k", "v", samesite=samesite)


def test_dump_partitioned_implies_secure() -> None:
    header = dump_cookie("k", "v", path=None, partitioned=True, samesite="None")
    assert header == "k=v; Secure; SameSite=None; Partitioned"


def test_dump_secure_once() -> None:
    header = dump_cookie("k", "v", path=None, partitioned=True, secure=True)
    assert header.count("Secure") == 1


def test_dump_httponly() -> None:
    assert dump_cookie("k", "v", path=None, httponly=True) == "k=v; HttpOnly"


# -- dump_cookie: size ---------------------------------------------------------------


def test_dump_too_large_warns() -> None:
    with pytest.warns(UserWarning, match="'k' cookie is too large") as record:
        header = dump_cookie("k", "v" * 5000)
    assert header.startswith("k=vvv")
    assert "limit is 4093 bytes" in str(record[0].message)
    assert record[0].filename == __file__


def test_dump_custom_max_size() -> None:
    with pytest.warns(UserWarning, match="limit is 10 bytes"):
        dump_cookie("k", "v" * 20, max_size=10)


def test_dump_max_size_zero_disables() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump_cookie("k", "v" * 5000, max_size=0)


def test_dump_at_limit_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump_cookie("k", "v" * 4083)  # "k=" + 4083 + "; Path=/" == 4093
