"""Tests for ``kettle.http``: options headers, Accept, dates and entity tags."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kettle.http import (
    ETags,
    MIMEAccept,
    http_date,
    parse_accept_header,
    parse_date,
    parse_etags,
    parse_options_header,
    quote_etag,
    unquote_etag,
)

# -- parse_options_header -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", {})),
        ("", ("", {})),
        ("text/html", ("text/html", {})),
        ("Text/HTML", ("text/html", {})),
        ("text/html; charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("text/html;charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("  text/html ;  Charset = utf-8 ", ("text/html", {"charset": "utf-8"})),
        ('text/html; charset="UTF-8"', ("text/html", {"charset": "UTF-8"})),
        ('a; x="b;c"; y=d', ("a", {"x": "b;c", "y": "d"})),
        ('a; x="b\\"c"', ("a", {"x": 'b"c'})),
        ('a; x="b\\\\c"', ("a", {"x": "b\\c"})),
        ('a; x=""', ("a", {"x": ""})),
        ("a; x=1; x=2", ("a", {"x": "2"})),
        (
            "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
            ("multipart/form-data", {"boundary": "----WebKitFormBoundary7MA4YWxkTrZu0gW"}),
        ),
        (
            'form-data; name="f"; filename="a b.txt"',
            ("form-data", {"name": "f", "filename": "a b.txt"}),
        ),
        ("a;;; ;x=1;", ("a", {"x": "1"})),
    ],
)
def test_parse_options_header(value: str | None, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "a; novalue; x=1",
        "a; =b; x=1",
        'a; "k"=v; x=1',
        "a; k=; x=1",
        'a; k="unterminated; x=1',
        "a; k=v v; x=1",
        "a; k=v\x00; x=1",
        "a; k v=1; x=1",
    ],
)
def test_parse_options_header_skips_malformed(value: str) -> None:
    main, options = parse_options_header(value)
    assert main == "a"
    assert options.get("x") == "1"
    assert "k" not in options


def test_parse_options_header_junk_never_raises() -> None:
    rng = random.Random(9110)
    alphabet = "a/=; \t\"\\*'%,"
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        main, options = parse_options_header(value)
        assert isinstance(main, str)
        assert isinstance(options, dict)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a; filename*=UTF-8''%E2%82%AC%20rates.txt", {"filename": "€ rates.txt"}),
        ("a; filename*=utf-8'en'%C3%BC", {"filename": "ü"}),
        ("a; filename*=iso-8859-1''%FC", {"filename": "ü"}),
        ("a; filename*=''plain", {"filename": "plain"}),
        ("a; filename*=UTF-8''%E2%82%AC; filename=fallback", {"filename": "€"}),
        ("a; filename=fallback; filename*=UTF-8''%E2%82%AC", {"filename": "€"}),
        ("a; filename*=\"UTF-8''%E2%82%AC\"", {"filename": "€"}),
        # Unknown charset or no quotes: kept raw under the starred name.
        ("a; filename*=koi8-r''%C1", {"filename*": "koi8-r''%C1"}),
        ("a; filename*=noquotes", {"filename*": "noquotes"}),
        ("a; *=x", {"*": "x"}),
    ],
)
def test_parse_options_header_rfc2231(value: str, expected: dict[str, str]) -> None:
    assert parse_options_header(value)[1] == expected


def test_parse_options_header_matches_werkzeug_on_common_values() -> None:
    werkzeug_http = pytest.importorskip("werkzeug.http")
    for value in [
        "text/html; charset=UTF-8",
        'text/plain; charset="utf-8"; format=flowed',
        "multipart/form-data; boundary=abc",
        'form-data; name="file"; filename="x.txt"',
        'attachment; filename="a\\"b"',
    ]:
        assert parse_options_header(value) == werkzeug_http.parse_options_header(value)


# -- parse_accept_header / MIMEAccept ------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_parse_accept_sorted_by_quality_then_specificity() -> None:
    accept = parse_accept_header("*/*;q=0.8, text/*, text/html;q=0.9, image/png, */*")
    assert list(accept) == [
        ("image/png", 1.0),
        ("text/*", 1.0),
        ("*/*", 1.0),
        ("text/html", 0.9),
        ("*/*", 0.8),
    ]


def test_parse_accept_keeps_header_order_on_ties() -> None:
    accept = parse_accept_header("b/b, a/a, c/c")
    assert [mime for mime, _ in accept] == ["b/b", "a/a", "c/c"]


def test_parse_accept_normalises() -> None:
    accept = parse_accept_header(" Text/HTML ; Level=1 ; Q=0.5 , *")
    assert list(accept) == [("*/*", 1.0), ("text/html", 0.5)]


@pytest.mark.parametrize(
    "value",
    [
        "junk",
        "text/",
        "/html",
        "*/html",
        "text/html/x",
        "text/html;q=abc",
        "text/html;q=2",
        "text/html;q=-0.1",
        "text/html;q=nan",
        "text/html;q=inf",
        "te xt/html",
        "",
        ";q=1",
    ],
)
def test_parse_accept_skips_bad_items(value: str) -> None:
    accept = parse_accept_header(f"{value}, application/json;q=0.5")
    assert list(accept) == [("application/json", 0.5)]


def test_parse_accept_quoted_params_with_commas() -> None:
    accept = parse_accept_header('text/html; foo="a,b"; q=0.5, application/json')
    assert list(accept) == [("application/json", 1.0), ("text/html", 0.5)]


def test_parse_accept_junk_never_raises() -> None:
    rng = random.Random(7231)
    alphabet = 'ab/*;=q,. \t"0.1\\'
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        accept = parse_accept_header(value)
        assert all(0 <= q <= 1 for _, q in accept)
        accept.best_match(["text/html", "application/json"])


@pytest.mark.parametrize("value", [None, ""])
def test_parse_accept_missing(value: str | None) -> None:
    accept = parse_accept_header(value)
    assert accept.provided is False
    assert len(accept) == 0
    assert not accept
    assert accept.best is None
    assert accept.best_match(["text/html"]) is None
    assert accept.best_match(["text/html"], default="text/html") == "text/html"
    assert not accept.accept_json


def test_parse_accept_provided() -> None:
    assert parse_accept_header("text/html").provided is True
    assert parse_accept_header("junk").provided is True


@pytest.mark.parametrize(
    ("header", "offers", "expected"),
    [
        (BROWSER, ["application/json", "text/html"], "text/html"),
        (BROWSER, ["application/json"], "application/json"),  # via */*;q=0.8
        (BROWSER, ["application/json", "application/xml"], "application/xml"),
        ("*/*", ["application/json", "text/html"], "application/json"),
        ("application/json", ["text/html", "application/json"], "application/json"),
        ("application/json", ["text/html"], None),
        ("text/*", ["application/json", "text/plain"], "text/plain"),
        # Same quality: a more specific range wins over an earlier offer.
        ("text/*, application/json", ["text/html", "application/json"], "application/json"),
        # q=0 excludes, even when a wildcard would accept.
        ("*/*, application/json;q=0", ["application/json", "text/html"], "text/html"),
        ("text/*, text/plain;q=0", ["text/plain"], None),
        ("text/*;q=0, text/plain", ["text/html", "text/plain"], "text/plain"),
        ("*/*;q=0", ["text/html"], None),
        # The most specific range decides, even when a vaguer one has higher q.
        (
            "text/*;q=1, text/html;q=0.1, text/plain;q=0.5",
            ["text/html", "text/plain"],
            "text/plain",
        ),
        # Offers are matched case-insensitively and without parameters; the
        # original spelling is returned.
        (
            "application/json",
            ["Application/JSON; charset=utf-8"],
            "Application/JSON; charset=utf-8",
        ),
        # A wildcard offer matches whatever the client asked for.
        ("image/png", ["*/*"], "*/*"),
        ("image/png", ["image/*"], "image/*"),
        ("image/png", ["text/*"], None),
    ],
)
def test_best_match(header: str, offers: list[str], expected: str | None) -> None:
    assert parse_accept_header(header).best_match(offers) == expected


def test_best_match_default() -> None:
    accept = parse_accept_header("image/png")
    assert accept.best_match(["text/html"], default="text/plain") == "text/plain"
    assert accept.best_match([], default="text/plain") == "text/plain"


@pytest.mark.parametrize("offer", ["html", "*/html", "text/", "", "text/ html"])
def test_best_match_invalid_offer_raises(offer: str) -> None:
    with pytest.raises(ValueError, match="Invalid mimetype"):
        parse_accept_header("*/*").best_match([offer])


def test_quality() -> None:
    accept = parse_accept_header("text/*;q=0.5, text/html, */*;q=0.1, image/png;q=0")
    assert accept.quality("text/html") == 1.0
    assert accept.quality("TEXT/HTML; charset=utf-8") == 1.0
    assert accept.quality("text/plain") == 0.5
    assert accept.quality("application/json") == 0.1
    assert accept.quality("image/png") == 0.0
    assert parse_accept_header("text/html").quality("image/png") == 0.0


def test_contains() -> None:
    accept = parse_accept_header("text/*, image/png;q=0")
    assert "text/html" in accept
    assert "TEXT/PLAIN" in accept
    assert "image/png" not in accept  # q=0 means "not acceptable"
    assert "application/json" not in accept
    assert 42 not in accept  # type: ignore[operator]
    assert ("text/*", 1.0) not in accept


def test_best() -> None:
    assert parse_accept_header(BROWSER).best == "text/html"
    assert parse_accept_header("text/plain;q=0.3, application/json;q=0.7").best == (
        "application/json"
    )
    assert parse_accept_header("text/html;q=0").best is None


@pytest.mark.parametrize(
    ("header", "json", "html"),
    [
        (BROWSER, True, True),
        ("*/*", True, True),
        ("application/json", True, False),
        ("application/*", True, True),  # application/xhtml+xml
        ("text/html", False, True),
        ("application/xhtml+xml", False, True),
        ("application/xml", False, False),
        ("image/png", False, False),
        ("*/*, application/json;q=0, text/html;q=0", False, True),
    ],
)
def test_accept_json_html(header: str, json: bool, html: bool) -> None:
    accept = parse_accept_header(header)
    assert accept.accept_json is json
    assert accept.accept_html is html


def test_mime_accept_sequence_api() -> None:
    accept = MIMEAccept([("text/plain", 0.5), ("text/html", 1)])
    assert accept[0] == ("text/html", 1)
    assert accept[-1] == ("text/plain", 0.5)
    assert list(accept[:1]) == [("text/html", 1)]
    assert len(accept) == 2
    assert repr(accept) == "MIMEAccept([('text/html', 1), ('text/plain', 0.5)])"
    assert accept.provided is True


# -- http_date / parse_date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784111777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (784111777.9, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC), "Sun, 06 Nov 1994 08:49:37 GMT"),
        (datetime(1994, 11, 6, 8, 49, 37), "Sun, 06 Nov 1994 08:49:37 GMT"),
        (
            datetime(1994, 11, 6, 10, 49, 37, tzinfo=timezone(timedelta(hours=2))),
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (date(2024, 2, 29), "Thu, 29 Feb 2024 00:00:00 GMT"),
        (datetime(9, 1, 1, tzinfo=UTC), "Thu, 01 Jan 0009 00:00:00 GMT"),
    ],
)
def test_http_date(value: datetime | date | float, expected: str) -> None:
    assert http_date(value) == expected


def test_http_date_now() -> None:
    parsed = parse_date(http_date())
    assert parsed is not None
    assert abs(parsed - datetime.now(UTC)) < timedelta(seconds=2)


def test_http_date_all_months_and_days() -> None:
    for day in range(0, 365, 7):
        for offset in range(7):
            dt = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=day + offset)
            text = http_date(dt)
            assert text == dt.strftime("%a, %d %b %Y %H:%M:%S GMT")
            assert parse_date(text) == dt


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  # RFC 850
        "Sun Nov  6 08:49:37 1994",  # asctime
        "  Sun, 06 Nov 1994 08:49:37 GMT  ",
        "Sun, 06 Nov 1994 10:49:37 +0200",
        "Sun, 06 Nov 1994 08:49:37",
    ],
)
def test_parse_date_formats(value: str) -> None:
    parsed = parse_date(value)
    assert parsed == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "garbage",
        "Sun, 99 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 99999 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "1 2 3 4 5",
        "Fri, 31 Dec 9999 23:00:00 -0100",  # overflows when converted to UTC
        "\x00",
    ],
)
def test_parse_date_bad_input(value: str | None) -> None:
    assert parse_date(value) is None


def test_parse_date_junk_never_raises() -> None:
    rng = random.Random(1123)
    alphabet = "SunNov, 0123456789:-+GMT "
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 32)))
        result = parse_date(value)
        assert result is None or result.tzinfo is not None


# -- entity tags ------------------------------------------------------------------------------


def test_quote_etag() -> None:
    assert quote_etag("abc") == '"abc"'
    assert quote_etag("abc", weak=True) == 'W/"abc"'
    assert quote_etag("") == '""'


@pytest.mark.parametrize("etag", ['a"b', "a\r\nb", "a\x00", "a\x7f"])
def test_quote_etag_invalid(etag: str) -> None:
    with pytest.raises(ValueError, match="Invalid entity tag"):
        quote_etag(etag)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"abc"', ("abc", False)),
        ('W/"abc"', ("abc", True)),
        ('w/"abc"', ("abc", True)),
        (' "abc" ', ("abc", False)),
        ("abc", ("abc", False)),
        ('""', ("", False)),
        ('"', ('"', False)),
        ("", ("", False)),
    ],
)
def test_unquote_etag(value: str, expected: tuple[str, bool]) -> None:
    assert unquote_etag(value) == expected


@pytest.mark.parametrize("etag", ["abc", "", "a-b_c.123", "é"])
@pytest.mark.parametrize("weak", [True, False])
def test_etag_round_trip(etag: str, weak: bool) -> None:
    assert unquote_etag(quote_etag(etag, weak)) == (etag, weak)


def test_parse_etags() -> None:
    etags = parse_etags('"a", W/"b", "c,d" ,w/"e", bare')
    assert etags.as_set() == {"a", "c,d", "bare"}
    assert etags.as_set(include_weak=True) == {"a", "b", "c,d", "e", "bare"}
    assert not etags.star_tag
    assert bool(etags)
    assert len(etags) == 3
    assert set(etags) == {"a", "c,d", "bare"}


def test_etags_strong_and_weak_comparison() -> None:
    etags = parse_etags('"a", W/"b"')
    assert etags.contains("a")
    assert not etags.contains("b")  # strong comparison ignores weak tags
    assert etags.contains_weak("a")
    assert etags.contains_weak("b")
    assert not etags.contains_weak("c")
    assert "a" in etags
    assert "b" not in etags
    assert 1 not in etags


def test_etags_contains_raw() -> None:
    etags = parse_etags('"a", W/"b"')
    assert etags.contains_raw('"a"')
    assert etags.contains_raw('W/"a"')
    assert etags.contains_raw('W/"b"')
    assert not etags.contains_raw('"b"')


@pytest.mark.parametrize("value", ["*", " * ", '"a", *', '*, "a"'])
def test_parse_etags_star(value: str) -> None:
    etags = parse_etags(value)
    assert etags.star_tag
    assert bool(etags)
    assert etags.contains("anything")
    assert etags.contains_weak("anything")
    assert etags.contains_raw('W/"anything"')


@pytest.mark.parametrize("value", [None, "", "   ", ",,,", '"'])
def test_parse_etags_empty(value: str | None) -> None:
    etags = parse_etags(value)
    assert not etags
    assert not etags.contains("a")
    assert etags.as_set(include_weak=True) == set()


def test_parse_etags_junk() -> None:
    etags = parse_etags('"a", "unterminated, *x')
    assert "a" in etags
    assert not etags.star_tag


def test_etags_repr() -> None:
    assert repr(parse_etags('"b", W/"a"')) == "<ETags ['a', 'b'] star=False>"
    assert repr(ETags(star_tag=True)) == "<ETags [] star=True>"


# -- byte ranges and preconditions (used by send_file) -------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bytes=0-499", [(0, 499)]),
        ("bytes=500-", [(500, None)]),
        ("bytes=-500", [(None, 500)]),
        ("bytes=0-0, -1", [(0, 0), (None, 1)]),
        ("bytes=0-1,,2-3", [(0, 1), (2, 3)]),  # empty list elements are tolerated
        ("Bytes = 1 - 2", [(1, 2)]),
        ("bytes=9-5", None),
        ("bytes=a-b", None),
        ("bytes=", None),
        ("lines=0-1", None),
        ("0-1", None),
        (None, None),
    ],
)
def test_parse_range_header(value, expected) -> None:
    from kettle.http import parse_range_header

    assert parse_range_header(value, max_specs=16) == expected


def test_parse_range_header_bounds_the_number_of_specs() -> None:
    from kettle.http import parse_range_header

    assert parse_range_header("bytes=0-1,2-3", max_specs=2) == [(0, 1), (2, 3)]
    assert parse_range_header("bytes=0-1,2-3,4-5", max_specs=2) is None


def test_satisfiable_ranges_clamp_sort_and_merge() -> None:
    from kettle.http import satisfiable_ranges

    assert satisfiable_ranges([(0, 9)], 5) == [(0, 5)]
    assert satisfiable_ranges([(None, 10)], 5) == [(0, 5)]
    assert satisfiable_ranges([(None, 0)], 5) == []
    assert satisfiable_ranges([(5, None)], 5) == []
    assert satisfiable_ranges([(50, 59), (0, 9), (10, 19)], 100) == [(0, 20), (50, 60)]
    assert satisfiable_ranges([(0, 99), (20, 29)], 100) == [(0, 100)]


def test_evaluate_preconditions_follows_rfc_9110_order() -> None:
    from kettle.http import evaluate_preconditions

    def check(method="GET", **headers):
        values = {k.replace("_", "-"): v for k, v in headers.items()}
        return evaluate_preconditions(method, values.get, "abc", 1_000_000)

    old, now = "Mon, 12 Jan 1970 13:46:39 GMT", "Mon, 12 Jan 1970 13:46:40 GMT"
    assert check() is None
    assert check(If_None_Match='W/"abc"') == 304
    assert check("POST", If_None_Match='"abc"') == 412
    assert check(If_Match='"zzz"', If_None_Match='"abc"') == 412  # If-Match first
    assert check(If_Match='"abc"', If_Unmodified_Since="Thu, 01 Jan 1970 00:00:00 GMT") is None
    assert check(If_Unmodified_Since="Thu, 01 Jan 1970 00:00:00 GMT") == 412
    assert check(If_Modified_Since=now) == 304
    assert check("POST", If_Modified_Since=now) is None
    assert check(If_None_Match='"zzz"', If_Modified_Since=old) is None  # INM wins


def test_if_range_allows() -> None:
    from kettle.http import if_range_allows

    assert if_range_allows(None, "abc", 0)
    assert if_range_allows('"abc"', "abc", 0)
    assert not if_range_allows('W/"abc"', "abc", 0)
    assert not if_range_allows('"abc"', None, 0)
    assert if_range_allows("Thu, 01 Jan 1970 00:00:10 GMT", None, 10)
    assert not if_range_allows("Thu, 01 Jan 1970 00:00:11 GMT", None, 10)
    assert not if_range_allows("not a date", None, 10)
