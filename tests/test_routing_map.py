"""The router's public behaviour: ``Map``/``Rule`` syntax, converters, matching and building."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kettle.errors import BuildError, MethodNotAllowed, NotFound, RequestRedirect, RoutingConflict
from kettle.routing import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    Map,
    PathConverter,
    Rule,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from kettle.routing.rules import parse_converter_args

UID = "1f0e4c3a-9b7d-4e2a-8c6f-0123456789ab"


def make_map(*rules: Rule, **kwargs: Any) -> Map:
    return Map(list(rules), **kwargs)


def endpoint(url_map: Map, path: str, method: str = "GET") -> tuple[str | None, dict[str, Any]]:
    rule, args = url_map.match(path, method)
    return rule.endpoint, args


# -- Rule ---------------------------------------------------------------------------------


class TestRule:
    def test_defaults_to_get_with_head_and_options(self) -> None:
        rule = Rule("/", endpoint="index")
        assert rule.methods == frozenset({"GET", "HEAD", "OPTIONS"})
        assert rule.rule == "/"
        assert rule.endpoint == "index"
        assert rule.defaults is None
        assert rule.arguments == set()
        assert rule.strict_slashes is None
        assert rule.provide_automatic_options is True
        assert rule.websocket is False
        assert rule.target is None

    def test_methods_are_upper_cased_and_head_added_only_with_get(self) -> None:
        assert Rule("/", methods=["post", "put"]).methods == {"POST", "PUT", "OPTIONS"}
        assert Rule("/", methods=("get",)).methods == {"GET", "HEAD", "OPTIONS"}

    def test_an_empty_method_list_allows_only_the_automatic_options(self) -> None:
        assert Rule("/", methods=[]).methods == {"OPTIONS"}

    def test_no_automatic_options(self) -> None:
        rule = Rule("/", methods=["GET"], provide_automatic_options=False)
        assert rule.methods == {"GET", "HEAD"}

    def test_methods_as_a_string_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="list of strings"):
            Rule("/", methods="GET")

    def test_websocket_rule_has_only_websocket(self) -> None:
        rule = Rule("/ws", websocket=True)
        assert rule.methods == frozenset({"WEBSOCKET"})
        assert Rule("/ws", methods=["GET"], websocket=True).methods == {"WEBSOCKET"}
        with pytest.raises(ValueError, match="websocket"):
            Rule("/ws", methods=["POST"], websocket=True)

    def test_arguments_and_defaults(self) -> None:
        defaults = {"page": 1}
        rule = Rule("/u/<name>/<int:n>", defaults=defaults)
        assert rule.arguments == {"name", "n"}
        assert rule.defaults == {"page": 1}
        assert rule.defaults is not defaults

    def test_slots_and_target(self) -> None:
        rule = Rule("/x")
        rule.target = print
        assert rule.target is print
        with pytest.raises(AttributeError):
            rule.unknown_attribute = 1  # type: ignore[attr-defined]

    def test_repr(self) -> None:
        assert repr(Rule("/x", endpoint="x", methods=["POST"])) == (
            "<Rule '/x' (OPTIONS, POST) -> x>"
        )
        assert repr(Map([Rule("/a")])) == "<Map 1 rules>"

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            ("no-slash", "must start with '/'"),
            ("/a/<name", "unbalanced '<'"),
            ("/a<b/<name>", "unbalanced '<'"),
            ("/a/<na me>/b", "unbalanced '<'"),
            ("/a/<x>/<int:x>", "twice"),
            ("/a/<int(min=[1]):x>", "converter argument"),
            ("/a/<int(min=1, 2):x>", "positional argument after keyword"),
            ("/a/<int(min=1, min=2):x>", "repeated"),
            ("/a/<any(a b):x>", "cannot parse"),
            ("/a/<any(a,,b):x>", "cannot parse"),
            ("/a/<any(__import__('os')):x>", "cannot parse"),
        ],
    )
    def test_bad_syntax_is_a_value_error_naming_the_rule(self, rule: str, message: str) -> None:
        with pytest.raises(ValueError, match=message) as info:
            Rule(rule)
        assert repr(rule) in str(info.value)

    def test_unknown_converter_fails_when_added(self) -> None:
        url_map = Map()
        with pytest.raises(ValueError, match=r"'/a/<nope:x>'.*unknown converter 'nope'"):
            url_map.add(Rule("/a/<nope:x>"))
        assert len(url_map) == 0

    @pytest.mark.parametrize(
        "rule", ["/a/<int(bogus=1):x>", "/a/<string(1, 2, 3, 4):x>", "/a/<any:x>",
                 "/a/<string(minlength=5, maxlength=2):x>"],
    )
    def test_bad_converter_arguments_fail_when_added(self, rule: str) -> None:
        with pytest.raises(ValueError, match="bad arguments for converter") as info:
            Map([Rule(rule)])
        assert repr(rule) in str(info.value)

    def test_a_rule_belongs_to_one_map(self) -> None:
        rule = Rule("/a")
        Map([rule])
        with pytest.raises(ValueError, match="already bound"):
            Map([rule])


class TestConverterArguments:
    @pytest.mark.parametrize(
        ("text", "args", "kwargs"),
        [
            ("", (), {}),
            ("  ", (), {}),
            ("1, 2.5, -3", (1, 2.5, -3), {}),
            ("a, b, 'c d'", ("a", "b", "c d"), {}),
            ('"x,y", u"z"', ("x,y", "z"), {}),
            ("True, False, None", (True, False, None), {}),
            ("min=1, max=99, signed=True", (), {"min": 1, "max": 99, "signed": True}),
            ("about, help, class", ("about", "help", "class"), {}),
            ("a.b, c-d,", ("a.b", "c-d"), {}),
            (r"'q\"uote'", ('q"uote',), {}),
        ],
    )
    def test_literals_and_bare_words(
        self, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        assert parse_converter_args(text) == (args, kwargs)

    @pytest.mark.parametrize("text", ["(1, 2)", "[1]", "{'a': 1}", "b'x'", "f(x)", "1 +", "'a''b'"])
    def test_non_scalar_or_code_is_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_converter_args(text)


# -- converters ---------------------------------------------------------------------------


class TestConverters:
    def test_default_table(self) -> None:
        assert Map.default_converters["default"] is UnicodeConverter
        assert dict(Map.default_converters) == dict(DEFAULT_CONVERTERS)
        assert {"default", "string", "int", "float", "path", "uuid", "any"} <= set(
            DEFAULT_CONVERTERS
        )
        with pytest.raises(TypeError):
            Map.default_converters["x"] = BaseConverter  # type: ignore[index]

    def test_part_isolating_follows_the_regex(self) -> None:
        class Slashy(BaseConverter):
            regex = "[a-z/]+"

        class Plain(BaseConverter):
            regex = "[a-z]+"

        class Explicit(BaseConverter):
            regex = ".+/"
            part_isolating = True

        assert Slashy.part_isolating is False
        assert Plain.part_isolating is True
        assert Explicit.part_isolating is True
        assert PathConverter.part_isolating is False
        assert BaseConverter.part_isolating is True

    def test_weights_order_numbers_before_strings_before_paths(self) -> None:
        assert IntegerConverter.weight < UnicodeConverter.weight < PathConverter.weight
        assert UUIDConverter.weight < UnicodeConverter.weight
        assert FloatConverter.weight < UnicodeConverter.weight

    def test_string(self) -> None:
        url_map = make_map(
            Rule("/two/<string(length=2):code>", endpoint="two"),
            Rule("/short/<string(maxlength=3):s>", endpoint="short"),
            Rule("/long/<string(minlength=3):s>", endpoint="long"),
            Rule("/any/<s>", endpoint="any"),
        )
        assert endpoint(url_map, "/two/fr") == ("two", {"code": "fr"})
        for bad in ("/two/fra", "/two/f", "/short/abcd", "/long/ab", "/any/"):
            with pytest.raises(NotFound):
                url_map.match(bad, "GET")
        assert endpoint(url_map, "/short/abc") == ("short", {"s": "abc"})
        assert endpoint(url_map, "/long/abcd") == ("long", {"s": "abcd"})
        assert endpoint(url_map, "/any/héllo wörld") == ("any", {"s": "héllo wörld"})

    def test_int(self) -> None:
        url_map = make_map(
            Rule("/a/<int:n>", endpoint="a"),
            Rule("/b/<int(signed=True):n>", endpoint="b"),
            Rule("/c/<int(min=1, max=99):n>", endpoint="c"),
            Rule("/d/<int(fixed_digits=4):n>", endpoint="d"),
        )
        assert endpoint(url_map, "/a/42") == ("a", {"n": 42})
        assert endpoint(url_map, "/b/-7") == ("b", {"n": -7})
        assert endpoint(url_map, "/c/99") == ("c", {"n": 99})
        assert endpoint(url_map, "/d/0042") == ("d", {"n": 42})
        for bad in ("/a/-1", "/a/1.5", "/a/x", "/a/١٢", "/a/1_000", "/a/+1", "/a/ 1",
                    "/c/0", "/c/100", "/d/42", "/d/00042", "/b/--1"):
            with pytest.raises(NotFound):
                url_map.match(bad, "GET")

    def test_float(self) -> None:
        url_map = make_map(
            Rule("/a/<float:x>", endpoint="a"),
            Rule("/b/<float(signed=True, min=-1.0, max=1.0):x>", endpoint="b"),
        )
        assert endpoint(url_map, "/a/1.5") == ("a", {"x": 1.5})
        assert endpoint(url_map, "/b/-0.25") == ("b", {"x": -0.25})
        for bad in ("/a/1", "/a/.5", "/a/1.", "/a/-1.5", "/a/\u0661.\u0665", "/a/nan", "/b/-1.5"):
            with pytest.raises(NotFound):
                url_map.match(bad, "GET")

    def test_path(self) -> None:
        url_map = make_map(
            Rule("/files/<path:p>", endpoint="files"),
            Rule("/wiki/<path:page>/edit", endpoint="edit"),
            Rule("/wiki/<path:page>", endpoint="wiki"),
            Rule("/docs/<path:p>/", endpoint="docs"),
        )
        assert endpoint(url_map, "/files/a") == ("files", {"p": "a"})
        assert endpoint(url_map, "/files/a/b/c.txt") == ("files", {"p": "a/b/c.txt"})
        # As Werkzeug: a path variable keeps a trailing slash when its rule has none.
        assert endpoint(url_map, "/files/a/b/") == ("files", {"p": "a/b/"})
        assert endpoint(url_map, "/wiki/a/b/edit") == ("edit", {"page": "a/b"})
        assert endpoint(url_map, "/wiki/a/b") == ("wiki", {"page": "a/b"})
        assert endpoint(url_map, "/docs/x/y/") == ("docs", {"p": "x/y"})
        with pytest.raises(RequestRedirect) as info:
            url_map.match("/docs/x/y", "GET")
        assert info.value.new_url == "/docs/x/y/"
        for bad in ("/files/", "/files", "/files//x", "/docs/"):
            with pytest.raises((NotFound, RequestRedirect)):
                url_map.match(bad, "GET")

    def test_path_rule_for_another_method_is_405(self) -> None:
        url_map = make_map(Rule("/up/<path:p>", endpoint="up", methods=["PUT"]))
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/up/a/b/", "GET")
        assert info.value.valid_methods == ["OPTIONS", "PUT"]

    def test_path_at_root_and_with_slash_in_tail(self) -> None:
        url_map = make_map(Rule("/", endpoint="index"), Rule("/<path:p>", endpoint="all"))
        assert endpoint(url_map, "/") == ("index", {})
        assert endpoint(url_map, "/a/b") == ("all", {"p": "a/b"})

    def test_uuid(self) -> None:
        url_map = make_map(Rule("/u/<uuid:id>", endpoint="u"))
        assert endpoint(url_map, f"/u/{UID}") == ("u", {"id": uuid.UUID(UID)})
        assert endpoint(url_map, f"/u/{UID.upper()}") == ("u", {"id": uuid.UUID(UID)})
        for bad in (f"/u/{UID[:-1]}", "/u/123", f"/u/{UID.replace('-', '')}"):
            with pytest.raises(NotFound):
                url_map.match(bad, "GET")

    def test_any(self) -> None:
        url_map = make_map(Rule('/x/<any(a, b, "c d"):kind>', endpoint="x"))
        assert endpoint(url_map, "/x/a") == ("x", {"kind": "a"})
        assert endpoint(url_map, "/x/c d") == ("x", {"kind": "c d"})
        for bad in ("/x/c", "/x/ab", "/x/A"):
            with pytest.raises(NotFound):
                url_map.match(bad, "GET")

    def test_to_url(self) -> None:
        url_map = Map()
        assert UnicodeConverter(url_map).to_url("a b/c?d#e%f") == "a%20b%2Fc%3Fd%23e%25f"
        assert UnicodeConverter(url_map).to_url("a:b@c+d") == "a:b@c+d"
        assert UnicodeConverter(url_map).to_url("é") == "%C3%A9"
        assert PathConverter(url_map).to_url("a b/c") == "a%20b/c"
        assert IntegerConverter(url_map, fixed_digits=3).to_url(7) == "007"
        assert IntegerConverter(url_map, fixed_digits=3, signed=True).to_url(-7) == "-007"
        assert IntegerConverter(url_map).to_url("12") == "12"
        assert FloatConverter(url_map).to_url(1.5) == "1.5"
        assert UUIDConverter(url_map).to_url(uuid.UUID(UID)) == UID
        assert UUIDConverter(url_map).to_url(UID.upper()) == UID
        assert AnyConverter(url_map, "a", "b c").to_url("b c") == "b%20c"
        assert BaseConverter(url_map).to_url("a/b c") == "a%2Fb%20c"

    @pytest.mark.parametrize(
        ("converter", "value"),
        [
            (IntegerConverter(Map()), "abc"),
            (IntegerConverter(Map()), -1),
            (IntegerConverter(Map()), 1.5),
            (IntegerConverter(Map(), min=1, max=9), 10),
            (FloatConverter(Map()), float("nan")),
            (FloatConverter(Map()), 1e300),
            (UnicodeConverter(Map()), ""),
            (UnicodeConverter(Map(), length=2), "abc"),
            (PathConverter(Map()), ""),
            (PathConverter(Map()), "/abs"),
            (AnyConverter(Map(), "a", "b"), "c"),
            (UUIDConverter(Map()), "not-a-uuid"),
        ],
    )
    def test_to_url_refuses_what_would_not_match_back(
        self, converter: BaseConverter, value: Any
    ) -> None:
        with pytest.raises(ValueError):
            converter.to_url(value)


# -- matching -----------------------------------------------------------------------------


class TestMatch:
    def test_static_and_root(self) -> None:
        url_map = make_map(Rule("/", endpoint="index"), Rule("/about", endpoint="about"))
        assert endpoint(url_map, "/") == ("index", {})
        assert endpoint(url_map, "/about") == ("about", {})
        assert endpoint(url_map, "/about", "HEAD") == ("about", {})
        with pytest.raises(NotFound):
            url_map.match("/nope", "GET")

    def test_returned_arguments_are_fresh_dicts(self) -> None:
        url_map = make_map(Rule("/s", endpoint="s", defaults={"a": 1}), Rule("/d/<x>"))
        _, args = url_map.match("/s", "GET")
        args["a"] = 2
        assert url_map.match("/s", "GET")[1] == {"a": 1}

    def test_variables_and_defaults(self) -> None:
        url_map = make_map(
            Rule("/user/<name>", endpoint="user", defaults={"tab": "home"}),
            Rule("/post/<int:year>/<slug>", endpoint="post"),
        )
        assert endpoint(url_map, "/user/ann") == ("user", {"name": "ann", "tab": "home"})
        assert endpoint(url_map, "/post/2024/hello") == ("post", {"year": 2024, "slug": "hello"})

    def test_embedded_variables(self) -> None:
        url_map = make_map(
            Rule("/page-<int:n>.html", endpoint="page"),
            Rule("/<a>-<b>", endpoint="pair"),
            Rule("/<name>", endpoint="name"),
            Rule("/v<int:major>.<int:minor>/info", endpoint="version"),
        )
        assert endpoint(url_map, "/page-12.html") == ("page", {"n": 12})
        assert endpoint(url_map, "/x-y") == ("pair", {"a": "x", "b": "y"})
        assert endpoint(url_map, "/page-x.html") == ("pair", {"a": "page", "b": "x.html"})
        assert endpoint(url_map, "/plain") == ("name", {"name": "plain"})
        assert endpoint(url_map, "/v2.13/info") == ("version", {"major": 2, "minor": 13})
        with pytest.raises(NotFound):
            url_map.match("/v2.x/info", "GET")

    def test_unicode_paths(self) -> None:
        url_map = make_map(
            Rule("/café/<name>", endpoint="cafe"), Rule("/日本/東京", endpoint="tokyo")
        )
        assert endpoint(url_map, "/café/crème brûlée") == ("cafe", {"name": "crème brûlée"})
        assert endpoint(url_map, "/日本/東京") == ("tokyo", {})
        assert url_map.build("cafe", {"name": "é/è"}) == "/caf%C3%A9/%C3%A9%2F%C3%A8"

    def test_static_beats_variable_and_backtracks(self) -> None:
        url_map = make_map(
            Rule("/users/<name>/posts", endpoint="posts"),
            Rule("/users/new", endpoint="new"),
            Rule("/users/<name>", endpoint="user"),
            Rule("/users/new/form", endpoint="form"),
        )
        assert endpoint(url_map, "/users/new") == ("new", {})
        assert endpoint(url_map, "/users/bob") == ("user", {"name": "bob"})
        assert endpoint(url_map, "/users/new/form") == ("form", {})
        # The static "new" branch has no "posts": the search backtracks into <name>.
        assert endpoint(url_map, "/users/new/posts") == ("posts", {"name": "new"})

    def test_int_beats_string_whatever_the_order(self) -> None:
        for rules in (
            [Rule("/i/<s>", endpoint="s"), Rule("/i/<int:n>", endpoint="n")],
            [Rule("/i/<int:n>", endpoint="n"), Rule("/i/<s>", endpoint="s")],
        ):
            url_map = make_map(*rules)
            assert endpoint(url_map, "/i/12") == ("n", {"n": 12})
            assert endpoint(url_map, "/i/ab") == ("s", {"s": "ab"})

    def test_converters_then_path_last(self) -> None:
        url_map = make_map(
            Rule("/r/<path:p>", endpoint="path"),
            Rule("/r/<s>", endpoint="string"),
            Rule("/r/<uuid:u>", endpoint="uuid"),
            Rule("/r/<float:f>", endpoint="float"),
        )
        assert endpoint(url_map, "/r/x")[0] == "string"
        assert endpoint(url_map, f"/r/{UID}")[0] == "uuid"
        assert endpoint(url_map, "/r/1.5")[0] == "float"
        assert endpoint(url_map, "/r/x/y")[0] == "path"

    def test_failed_converter_falls_back_to_the_next_rule(self) -> None:
        url_map = make_map(
            Rule("/n/<int(max=10):n>", endpoint="small"),
            Rule("/n/<int:n>", endpoint="big"),
            Rule("/n/<s>", endpoint="text"),
        )
        assert endpoint(url_map, "/n/5") == ("small", {"n": 5})
        assert endpoint(url_map, "/n/50") == ("big", {"n": 50})
        assert endpoint(url_map, "/n/x") == ("text", {"s": "x"})

    def test_405_lists_the_methods_of_every_rule_matching_the_url(self) -> None:
        url_map = make_map(
            Rule("/items", endpoint="list"),
            Rule("/items", endpoint="create", methods=["POST"]),
            Rule("/items/<int:id>", endpoint="update", methods=["PUT"]),
            Rule("/items/<name>", endpoint="by_name", methods=["PATCH"]),
            Rule("/items/<int:id>", endpoint="ws", websocket=True),
        )
        assert endpoint(url_map, "/items", "POST") == ("create", {})
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/items", "DELETE")
        assert info.value.valid_methods == ["GET", "HEAD", "OPTIONS", "POST"]
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/items/3", "DELETE")
        assert info.value.valid_methods == ["OPTIONS", "PATCH", "PUT"]
        assert ("Allow", "OPTIONS, PATCH, PUT") in info.value.get_headers()
        assert url_map.allowed_methods("/items/3") == ["OPTIONS", "PATCH", "PUT"]
        assert url_map.allowed_methods("/items") == ["GET", "HEAD", "OPTIONS", "POST"]
        assert url_map.allowed_methods("/nothing") == []

    def test_a_static_path_with_another_method_falls_back_to_a_variable_rule(self) -> None:
        url_map = make_map(
            Rule("/users/me", endpoint="me"),
            Rule("/users/<name>", endpoint="delete", methods=["DELETE"]),
        )
        assert endpoint(url_map, "/users/me", "DELETE") == ("delete", {"name": "me"})
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/users/me", "POST")
        assert info.value.valid_methods == ["DELETE", "GET", "HEAD", "OPTIONS"]

    def test_explicit_head_and_options_win_over_automatic_ones(self) -> None:
        url_map = make_map(
            Rule("/r", endpoint="get"),
            Rule("/r", endpoint="head", methods=["HEAD"]),
            Rule("/r", endpoint="options", methods=["OPTIONS"]),
        )
        assert endpoint(url_map, "/r", "HEAD")[0] == "head"
        assert endpoint(url_map, "/r", "OPTIONS")[0] == "options"
        assert endpoint(url_map, "/r", "GET")[0] == "get"

    def test_websocket_rules_match_only_websocket(self) -> None:
        url_map = make_map(
            Rule("/ws", endpoint="ws", websocket=True),
            Rule("/chat", endpoint="page"),
            Rule("/chat", endpoint="chat", websocket=True),
        )
        assert endpoint(url_map, "/ws", "WEBSOCKET") == ("ws", {})
        assert endpoint(url_map, "/chat", "WEBSOCKET") == ("chat", {})
        assert endpoint(url_map, "/chat", "GET") == ("page", {})
        # An HTTP request to a websocket-only URL: no HTTP method to offer, so a 404.
        with pytest.raises(NotFound):
            url_map.match("/ws", "GET")
        assert url_map.allowed_methods("/ws") == []
        assert url_map.allowed_methods("/chat") == ["GET", "HEAD", "OPTIONS"]
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/chat", "POST")
        assert "WEBSOCKET" not in info.value.valid_methods

    def test_websocket_request_to_an_http_url_is_405(self) -> None:
        url_map = make_map(Rule("/page", endpoint="page"))
        with pytest.raises(MethodNotAllowed):
            url_map.match("/page", "WEBSOCKET")

    def test_custom_converter_with_validation_error_tries_the_next_rule(self) -> None:
        class EvenConverter(BaseConverter):
            regex = "[0-9]+"
            weight = 10

            def to_python(self, value: str) -> int:
                if int(value) % 2:
                    raise ValidationError()
                return int(value)

            def to_url(self, value: Any) -> str:
                return str(value)

        url_map = Map()
        url_map.converters["even"] = EvenConverter
        url_map.add(Rule("/n/<even:n>", endpoint="even"))
        url_map.add(Rule("/n/<int:n>", endpoint="odd"))
        url_map.add(Rule("/m/<even:a>-<even:b>", endpoint="pair"))
        url_map.add(Rule("/m/<rest>", endpoint="rest"))
        assert endpoint(url_map, "/n/4") == ("even", {"n": 4})
        assert endpoint(url_map, "/n/5") == ("odd", {"n": 5})
        assert endpoint(url_map, "/m/2-4") == ("pair", {"a": 2, "b": 4})
        assert endpoint(url_map, "/m/2-3") == ("rest", {"rest": "2-3"})
        assert url_map.build("even", {"n": 8}) == "/n/8"

    def test_custom_multi_segment_converter(self) -> None:
        class ListConverter(BaseConverter):
            regex = r"[^/]+(?:/[^/]+)*"

            def to_python(self, value: str) -> list[str]:
                if "bad" in value:
                    raise ValidationError()
                return value.split("/")

            def to_url(self, value: Any) -> str:
                return "/".join(str(v) for v in value)

        url_map = Map(converters={"list": ListConverter})
        url_map.add(Rule("/l/<list:items>/end", endpoint="l"))
        url_map.add(Rule("/l/<path:p>", endpoint="p"))
        assert endpoint(url_map, "/l/a/b/end") == ("l", {"items": ["a", "b"]})
        assert endpoint(url_map, "/l/a/bad/end") == ("p", {"p": "a/bad/end"})
        assert url_map.build("l", {"items": ["x", "y"]}) == "/l/x/y/end"

    def test_converters_are_per_map(self) -> None:
        first = Map()
        first.converters["x"] = UnicodeConverter
        assert "x" not in Map().converters
        assert Map(converters={"x": IntegerConverter}).converters["x"] is IntegerConverter


class TestSlashes:
    def test_strict_redirect_to_the_slash(self) -> None:
        url_map = make_map(Rule("/docs/", endpoint="docs"), Rule("/p/<int:n>/", endpoint="p"))
        assert endpoint(url_map, "/docs/") == ("docs", {})
        with pytest.raises(RequestRedirect) as info:
            url_map.match("/docs", "GET")
        assert info.value.new_url == "/docs/"
        assert info.value.code == 308
        with pytest.raises(RequestRedirect) as info:
            url_map.match("/p/3", "HEAD")
        assert info.value.new_url == "/p/3/"
        with pytest.raises(NotFound):
            url_map.match("/p/3", "POST")  # redirects only for a method the rule allows
        with pytest.raises(NotFound):
            url_map.match("/p/x", "GET")

    def test_no_redirect_for_a_method_the_slash_rule_lacks(self) -> None:
        url_map = make_map(Rule("/docs/", endpoint="docs"))
        with pytest.raises(NotFound):
            url_map.match("/docs", "POST")

    def test_rule_without_slash_does_not_match_with_one(self) -> None:
        url_map = make_map(Rule("/about", endpoint="about"), Rule("/u/<name>", endpoint="u"))
        for path in ("/about/", "/u/x/"):
            with pytest.raises(NotFound):
                url_map.match(path, "GET")

    def test_redirect_beats_variable_sibling_and_405(self) -> None:
        # As Werkzeug: the static "about" branch is tried first and wants its slash.
        url_map = make_map(
            Rule("/about/", endpoint="about"),
            Rule("/<name>", endpoint="name"),
            Rule("/x", endpoint="x_post", methods=["POST"]),
            Rule("/x/", endpoint="x"),
        )
        with pytest.raises(RequestRedirect):
            url_map.match("/about", "GET")
        assert endpoint(url_map, "/x", "POST") == ("x_post", {})
        with pytest.raises(RequestRedirect):
            url_map.match("/x", "GET")

    def test_exact_match_beats_redirect(self) -> None:
        url_map = make_map(Rule("/a", endpoint="a"), Rule("/a/", endpoint="a_slash"))
        assert endpoint(url_map, "/a") == ("a", {})
        assert endpoint(url_map, "/a/") == ("a_slash", {})

    def test_non_strict_rules_match_both_ways(self) -> None:
        url_map = make_map(
            Rule("/docs/", endpoint="docs", strict_slashes=False),
            Rule("/about", endpoint="about", strict_slashes=False),
            Rule("/p/<path:p>/", endpoint="p", strict_slashes=False),
        )
        assert endpoint(url_map, "/docs") == ("docs", {})
        assert endpoint(url_map, "/docs/") == ("docs", {})
        assert endpoint(url_map, "/about") == ("about", {})
        assert endpoint(url_map, "/about/") == ("about", {})
        assert endpoint(url_map, "/p/a/b") == ("p", {"p": "a/b"})
        with pytest.raises(MethodNotAllowed) as info:
            url_map.match("/about/", "POST")
        assert info.value.valid_methods == ["GET", "HEAD", "OPTIONS"]

    def test_map_default_strict_slashes(self) -> None:
        url_map = make_map(Rule("/docs/", endpoint="docs"), strict_slashes=False)
        assert next(iter(url_map)).strict_slashes is False
        assert endpoint(url_map, "/docs") == ("docs", {})
        strict = make_map(Rule("/docs/", endpoint="docs", strict_slashes=True),
                          strict_slashes=False)
        with pytest.raises(RequestRedirect):
            strict.match("/docs", "GET")

    def test_leading_slashes_are_merged_so_a_redirect_stays_on_the_host(self) -> None:
        url_map = make_map(Rule("/about", endpoint="about"), Rule("/<name>/", endpoint="n"))
        assert endpoint(url_map, "//about") == ("about", {})
        with pytest.raises(RequestRedirect) as info:
            url_map.match("//evil.example", "GET")
        assert info.value.new_url == "/evil.example/"
        assert url_map.allowed_methods("///about") == ["GET", "HEAD", "OPTIONS"]

    def test_path_rules_with_and_without_slash(self) -> None:
        url_map = make_map(
            Rule("/p/<path:p>", endpoint="plain"), Rule("/p/<path:p>/", endpoint="slash")
        )
        assert endpoint(url_map, "/p/a/b") == ("plain", {"p": "a/b"})
        assert endpoint(url_map, "/p/a/b/") == ("slash", {"p": "a/b"})
        post_only = make_map(Rule("/t/<path:p>/", endpoint="t", methods=["POST"]))
        with pytest.raises(MethodNotAllowed) as info:
            post_only.match("/t/a/", "GET")
        assert info.value.valid_methods == ["OPTIONS", "POST"]
        lax = make_map(Rule("/p/<path:p>", endpoint="plain", strict_slashes=False))
        assert endpoint(lax, "/p/a/b/") == ("plain", {"p": "a/b/"})

    def test_redirect_for_the_root_of_a_tail(self) -> None:
        url_map = make_map(Rule("/t/<path:p>/", endpoint="t"))
        with pytest.raises(RequestRedirect) as info:
            url_map.match("/t/a", "GET")
        assert info.value.new_url == "/t/a/"


# -- conflicts ----------------------------------------------------------------------------


class TestConflicts:
    def test_same_shape_and_method_is_refused_naming_both(self) -> None:
        url_map = make_map(Rule("/u/<int:id>", endpoint="show"))
        with pytest.raises(RoutingConflict) as info:
            url_map.add(Rule("/u/<int:user_id>", endpoint="profile", methods=["GET", "POST"]))
        message = str(info.value)
        assert "'/u/<int:id>'" in message and "'/u/<int:user_id>'" in message
        assert "'show'" in message and "'profile'" in message
        assert "GET" in message
        assert len(url_map) == 1

    def test_static_duplicates_are_refused(self) -> None:
        url_map = make_map(Rule("/a", endpoint="one"))
        with pytest.raises(RoutingConflict):
            url_map.add(Rule("/a", endpoint="two"))

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            (Rule("/items"), Rule("/items", methods=["POST"])),
            (Rule("/items", methods=["PUT"]), Rule("/items", methods=["POST"])),  # auto OPTIONS
            (Rule("/items"), Rule("/items", methods=["OPTIONS"])),
            (Rule("/i/<int:a>"), Rule("/i/<int(min=1):a>")),
            (Rule("/i/<int:a>"), Rule("/i/<string:a>")),
            (Rule("/i/<int:a>"), Rule("/i/<int:a>/")),
            (Rule("/ws"), Rule("/ws", websocket=True)),
        ],
    )
    def test_no_conflict(self, first: Rule, second: Rule) -> None:
        assert len(make_map(first, second)) == 2

    def test_default_and_string_converter_are_the_same_shape(self) -> None:
        with pytest.raises(RoutingConflict):
            make_map(Rule("/i/<a>"), Rule("/i/<string:b>"))

    def test_websocket_duplicates_conflict(self) -> None:
        with pytest.raises(RoutingConflict):
            make_map(Rule("/ws", websocket=True), Rule("/ws", websocket=True))


# -- building -----------------------------------------------------------------------------


class TestBuild:
    def test_static_and_variables(self) -> None:
        url_map = make_map(
            Rule("/", endpoint="index"),
            Rule("/post/<int:year>/<slug>", endpoint="post"),
            Rule("/files/<path:p>", endpoint="files"),
        )
        assert url_map.build("index") == "/"
        assert url_map.build("post", {"year": 2024, "slug": "a b"}) == "/post/2024/a%20b"
        assert url_map.build("files", {"p": "a/b c.txt"}) == "/files/a/b%20c.txt"

    def test_query_string_from_unused_values(self) -> None:
        url_map = make_map(Rule("/s/<q>", endpoint="s"))
        assert url_map.build("s", {"q": "x", "page": 2, "tag": ["a", "b"], "none": None}) == (
            "/s/x?page=2&tag=a&tag=b"
        )
        assert url_map.build("s", {"q": "x", "t": ("a", None), "sp": "a b&c"}) == (
            "/s/x?t=a&sp=a+b%26c"
        )

    def test_defaults_choose_the_rule_as_werkzeug(self) -> None:
        url_map = make_map(
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/users/", endpoint="users", defaults={"page": 1}),
        )
        assert url_map.build("users") == "/users/"
        assert url_map.build("users", {"page": 1}) == "/users/"
        assert url_map.build("users", {"page": 2}) == "/users/page/2"

    def test_more_arguments_are_preferred(self) -> None:
        url_map = make_map(Rule("/a/<x>", endpoint="e"), Rule("/b/<x>/<y>", endpoint="e"))
        assert url_map.build("e", {"x": 1}) == "/a/1"
        assert url_map.build("e", {"x": 1, "y": 2}) == "/b/1/2"

    def test_registration_order_breaks_ties_and_method_is_preferred(self) -> None:
        url_map = make_map(
            Rule("/get/<x>", endpoint="e"),
            Rule("/post/<x>", endpoint="e", methods=["POST"]),
        )
        assert url_map.build("e", {"x": 1}) == "/get/1"
        assert url_map.build("e", {"x": 1}, method="POST") == "/post/1"
        assert url_map.build("e", {"x": 1}, method="post") == "/post/1"
        assert url_map.build("e", {"x": 1}, method="DELETE") == "/get/1"

    def test_unknown_endpoint_suggests_close_names(self) -> None:
        url_map = make_map(Rule("/", endpoint="index"), Rule("/u", endpoint="user_profile"))
        with pytest.raises(BuildError, match="Did you mean 'user_profile' instead"):
            url_map.build("user_profil")
        with pytest.raises(BuildError) as info:
            url_map.build("zzz")
        assert "Did you mean" not in str(info.value)
        assert "'zzz'" in str(info.value)

    def test_missing_values_are_named_per_rule(self) -> None:
        url_map = make_map(
            Rule("/a/<x>/<y>", endpoint="e"), Rule("/b/<x>/<z>", endpoint="e")
        )
        with pytest.raises(BuildError) as info:
            url_map.build("e", {"x": 1})
        message = str(info.value)
        assert "'/a/<x>/<y>' needs 'y'" in message
        assert "'/b/<x>/<z>' needs 'z'" in message

    def test_a_value_that_contradicts_a_default(self) -> None:
        url_map = make_map(Rule("/only-one", endpoint="e", defaults={"page": 1}))
        with pytest.raises(BuildError, match="defaults for 'page' that differ"):
            url_map.build("e", {"page": 2})
        assert url_map.build("e", {"page": 1}) == "/only-one"

    @pytest.mark.parametrize(
        ("rule", "values"),
        [
            ("/p/<int:id>", {"id": "abc"}),
            ("/p/<int:id>", {"id": -3}),
            ("/p/<any(a, b):k>", {"k": "c"}),
            ("/p/<uuid:u>", {"u": "nope"}),
        ],
    )
    def test_a_value_refused_by_its_converter(self, rule: str, values: dict[str, Any]) -> None:
        url_map = make_map(Rule(rule, endpoint="e"))
        with pytest.raises(BuildError) as info:
            url_map.build("e", values)
        message = str(info.value)
        assert repr(rule) in message and repr(next(iter(values.values()))) in message

    def test_defaults_fill_rule_variables(self) -> None:
        url_map = make_map(Rule("/lang/<code>", endpoint="e", defaults={"code": "en"}))
        assert url_map.build("e") == "/lang/en"
        assert url_map.build("e", {"code": "fr"}) == "/lang/fr"
        assert endpoint(url_map, "/lang/de") == ("e", {"code": "de"})

    def test_building_again_after_adding(self) -> None:
        url_map = make_map(Rule("/a", endpoint="a"))
        assert url_map.build("a") == "/a"
        url_map.add(Rule("/b", endpoint="b"))
        assert url_map.build("b") == "/b"

    def test_round_trip_through_every_converter(self) -> None:
        url_map = make_map(
            Rule("/r/<int(fixed_digits=3):a>/<float(signed=True):b>/<uuid:c>/<any(x, y):d>"
                 "/<string(length=2):e>/<path:f>", endpoint="r")
        )
        values = {"a": 7, "b": -1.5, "c": uuid.UUID(UID), "d": "y", "e": "é!", "f": "p/q r"}
        path = url_map.build("r", values)
        assert path == f"/r/007/-1.5/{UID}/y/%C3%A9!/p/q%20r"
        from urllib.parse import unquote

        assert url_map.match(unquote(path), "GET")[1] == values


# -- the map ------------------------------------------------------------------------------


class TestMap:
    def test_iteration_in_registration_order(self) -> None:
        rules = [Rule("/b", endpoint="b"), Rule("/a", endpoint="a"),
                 Rule("/a2", endpoint="a", methods=["POST"])]
        url_map = Map(rules)
        assert list(url_map) == rules
        assert list(url_map.iter_rules()) == rules
        assert list(url_map.iter_rules("a")) == rules[1:]
        assert len(url_map) == 3

    def test_rules_added_after_a_match_are_seen(self) -> None:
        url_map = make_map(Rule("/a", endpoint="a"))
        assert endpoint(url_map, "/a") == ("a", {})
        with pytest.raises(NotFound):
            url_map.match("/b/1", "GET")
        url_map.add(Rule("/b/<int:n>", endpoint="b"))
        assert endpoint(url_map, "/b/1") == ("b", {"n": 1})
        url_map.add(Rule("/c", endpoint="c", methods=["POST"]))
        assert url_map.allowed_methods("/c") == ["OPTIONS", "POST"]

    def test_compile_ahead_of_the_first_match(self) -> None:
        url_map = make_map(Rule("/a/<int:n>", endpoint="a"))
        url_map.compile()
        assert endpoint(url_map, "/a/1") == ("a", {"n": 1})

    def test_empty_map(self) -> None:
        url_map = Map()
        with pytest.raises(NotFound):
            url_map.match("/", "GET")
        assert url_map.allowed_methods("/") == []
        with pytest.raises(BuildError):
            url_map.build("x")


def _route_table() -> list[tuple[Rule, str, dict[str, Any]]]:
    """150 rules of mixed shapes, each with a path it must match and the expected arguments."""
    table: list[tuple[Rule, str, dict[str, Any]]] = []
    for i in range(30):
        table.append((Rule(f"/static/section{i}/page", endpoint=f"s{i}"),
                      f"/static/section{i}/page", {}))
        table.append((Rule(f"/api/v1/res{i}/<int:id>", endpoint=f"one{i}"),
                      f"/api/v1/res{i}/{i * 7}", {"id": i * 7}))
        table.append((Rule(f"/api/v1/res{i}/<int:id>/sub/<name>", endpoint=f"sub{i}"),
                      f"/api/v1/res{i}/{i}/sub/n{i}", {"id": i, "name": f"n{i}"}))
        table.append((Rule(f"/blog/{i}/<slug>/", endpoint=f"blog{i}"),
                      f"/blog/{i}/post-{i}/", {"slug": f"post-{i}"}))
        table.append((Rule(f"/files{i}/<path:p>", endpoint=f"files{i}", methods=["GET", "PUT"]),
                      f"/files{i}/a/b{i}.txt", {"p": f"a/b{i}.txt"}))
    return table


def test_150_route_table_matches_and_builds_every_route() -> None:
    table = _route_table()
    assert len(table) == 150
    url_map = Map([rule for rule, _, _ in table])
    for rule, path, args in table:
        assert url_map.match(path, "GET") == (rule, args)
        assert url_map.build(str(rule.endpoint), args) == path
    with pytest.raises(NotFound):
        url_map.match("/api/v1/res99/1", "GET")
    with pytest.raises(MethodNotAllowed):
        url_map.match("/api/v1/res3/1", "POST")
    with pytest.raises(RequestRedirect):
        url_map.match("/blog/3/x", "GET")
    assert endpoint(url_map, "/files4/x", "PUT") == ("files4", {"p": "x"})


def test_generated_matcher_source_is_readable_and_agrees_with_the_tree() -> None:
    m = Map()
    for i in range(12):  # a wide node: dispatched through a dict, not a chain
        m.add(Rule(f"/s{i}/<int:id>", endpoint=f"s{i}"))
    m.add(Rule("/p/<string(length=2):code>/<path:rest>", endpoint="pattern"))
    m.add(Rule("/d/<int:id>", endpoint="d", defaults={"page": 1}))
    source = m.matcher_source
    assert source.startswith("def match(path, method):")
    for i in range(12):
        assert m.match(f"/s{i}/{i}", "GET") == (m._rules[i], {"id": i})
    assert m.match("/d/5", "GET")[1] == {"id": 5, "page": 1}
    assert m.match("/p/ab/x/y", "GET")[1] == {"code": "ab", "rest": "x/y"}


def test_a_tree_too_deep_to_generate_still_matches() -> None:
    m = Map()
    deep = "/" + "/".join(f"s{i}" for i in range(120)) + "/<int:id>"
    m.add(Rule(deep, endpoint="deep"))
    assert m.matcher_source == ""  # generation gave up: the tree walk serves
    path = deep.replace("<int:id>", "7")
    assert m.match(path, "GET")[1] == {"id": 7}


# -- the generated matcher against the tree walk it replaces -------------------------------


class EvenConverter(BaseConverter):
    """A converter the generated code cannot inline: it calls ``match`` on the segment."""

    regex = r"\d{1,9}"
    weight = 60

    def to_python(self, value: str) -> int:
        if int(value) % 2:
            raise ValidationError()
        return int(value)


def _tricky_map(root_variable: bool = True, merge_slashes: bool = True) -> Map:
    """Rules whose order and overlaps exercise each branch of the generated code; without
    ``root_variable`` the root has static children only, so a first segment outside them
    is a 404 the generated code answers without the search."""
    url_map = Map(converters={"even": EvenConverter}, merge_slashes=merge_slashes)
    for rule in (
        Rule("/a/<int:x>/b/<int:y>", endpoint="ab"),
        Rule("/a/<int:x>/b/new", endpoint="ab_new"),
        Rule("/a/<int:x>/c", endpoint="ac", methods=["POST"]),
        Rule("/a/<name>/c", endpoint="ac_name"),
        Rule("/a/<int:x>/d/", endpoint="ad_slash"),
        Rule("/a/new", endpoint="a_new"),
        Rule("/a/new/<int:x>/deep/<int:y>/z", endpoint="new_deep"),
        Rule("/a/<int:x>", endpoint="a_int"),
        Rule("/a/<name>/<other>", endpoint="a_two"),
        Rule("/e/<even:x>", endpoint="even"),
        Rule("/e/<int:x>", endpoint="e_int", defaults={"kind": "int"}),
        Rule("/f/<path:rest>", endpoint="files"),
        Rule("/f/<int:x>/meta", endpoint="file_meta"),
        Rule("/g/<int(signed=True):x>", endpoint="signed"),
        Rule("/h/<int:x>/", endpoint="h_slash", strict_slashes=False),
        Rule("/<int:x>/<int:y>", endpoint="root_two"),
    ):
        if root_variable or rule.endpoint != "root_two":
            url_map.add(rule)
    return url_map


def _outcome(match: Any, path: str, method: str) -> tuple[Any, ...]:
    """What matching answers, comparable: the rule and arguments, or the error and its data."""
    try:
        rule, args = match(path, method)
    except RequestRedirect as exc:
        return ("redirect", exc.new_url)
    except MethodNotAllowed as exc:
        return ("405", sorted(exc.valid_methods or ()))
    except NotFound:
        return ("404",)
    return (rule.endpoint, args)


SEGMENTS = ["a", "b", "c", "d", "e", "f", "g", "h", "new", "deep", "z", "meta", "", "0", "7",
            "42", "0042", "-3", "٤٢", "²", "x", "9" * 1001, "1" * 5000, "é"]


@given(
    parts=st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=7),
    lead=st.sampled_from(["/", "//", "", "///"]),
    tail=st.sampled_from(["", "/"]),
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
)
@example(parts=["0", "7", "42"], lead="", tail="", method="GET")  # no leading '/'
@example(parts=["7", "42"], lead="//", tail="", method="GET")  # '//' is routed as '/'
@example(parts=["a", "7", "d"], lead="/", tail="", method="GET")  # a slash redirect
@example(parts=["e", "7"], lead="/", tail="", method="GET")  # the converter refuses
@example(parts=["a", "٤٢", "c"], lead="/", tail="", method="GET")  # digits, not ASCII
@example(parts=["a", "7", "b", "٤٢"], lead="/", tail="", method="GET")
@example(parts=["a", "7", "é"], lead="/", tail="", method="GET")  # an ASCII int, a UTF-8 path
@example(parts=["zz", "7"], lead="/", tail="", method="GET")  # a first segment to nowhere
@example(parts=["a", "", "7"], lead="/", tail="", method="GET")  # merged: /a/7
@example(parts=["zz", "", "7"], lead="/", tail="", method="GET")
@example(parts=["1" * 5000, "1" * 5000], lead="/", tail="", method="GET")  # over 8 KiB
@example(parts=["a", "7", "x", "1" * 5000, "1" * 5000], lead="/", tail="", method="GET")
@settings(max_examples=500, deadline=None, database=None, derandomize=True)
@pytest.mark.parametrize(
    ("root_variable", "merge_slashes"), [(True, True), (False, True), (False, False)]
)
def test_generated_matcher_answers_as_the_tree_walk(
    parts: list[str], lead: str, tail: str, method: str, root_variable: bool,
    merge_slashes: bool,
) -> None:
    """The generated ``match`` is an optimisation of walking the tree, then searching it:
    for any path, the same rule and arguments, or the same 404/405/redirect. ``route``,
    the doors' form, answers the same without raising (``(None, None)`` for a 404)."""
    url_map = _tricky_map(root_variable, merge_slashes)
    url_map.compile()
    matcher = url_map._matcher
    assert matcher is not None and matcher.source  # the generated code serves
    path = lead + "/".join(parts) + tail
    expected = _outcome(matcher._walk_then_search, path, method)
    assert _outcome(url_map.match, path, method) == expected
    assert _outcome(_raising(url_map.compile_router()), path, method) == expected


def _raising(route: Any) -> Any:
    """``route`` as ``match``: the miss it returns, raised."""

    def match(path: str, method: str) -> Any:
        rule, found = route(path, method)
        if rule is None:
            assert found is None or isinstance(found, (MethodNotAllowed, RequestRedirect))
            raise found or NotFound()
        return rule, found

    return match


def test_route_returns_a_miss_and_the_root_shortcut_is_in_the_source() -> None:
    """A first segment that no root child has is a 404 without the search (``MISS``), for
    ``route`` as for ``match``; a 405 and a slash redirect are returned, not raised."""
    url_map = _tricky_map(root_variable=False)
    route = url_map.compile_router()
    assert "not in FIRST" in url_map.matcher_source
    assert route("/nowhere/at/all", "GET") == (None, None)
    assert route("/zz", "GET") == (None, None)
    rule, error = route("/a/7/c", "PUT")
    assert rule is None and isinstance(error, MethodNotAllowed)
    assert sorted(error.valid_methods or ()) == ["GET", "HEAD", "OPTIONS", "POST"]
    rule, error = route("/a/7/d", "GET")
    assert rule is None and isinstance(error, RequestRedirect) and error.new_url == "/a/7/d/"
    rule, error = route("//a/7", "GET")  # '//' is routed as '/', not a first segment ''
    assert rule is not None and rule.endpoint == "a_int"
    with pytest.raises(NotFound):
        url_map.match("/nowhere", "GET")


def test_int_segments_are_bounded_whatever_the_path_length() -> None:
    """The generated code checks the ``int`` bound on the whole path: a long path with a
    short number still matches, an over-long number never does (404, no ``int()``)."""
    url_map = _tricky_map()
    long_name = "n" * 3000
    assert endpoint(url_map, f"/a/7/{long_name}") == ("a_two", {"name": "7", "other": long_name})
    assert endpoint(url_map, f"/{'1' * 1000}/2") == ("root_two", {"x": int("1" * 1000), "y": 2})
    for digits in ("1" * 1001, "9" * 5000):
        with pytest.raises(NotFound):
            url_map.match(f"/{digits}/2", "GET")
        assert endpoint(url_map, f"/a/{digits}/c") == ("ac_name", {"name": digits})
