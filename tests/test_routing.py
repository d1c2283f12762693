"""App-level routing through the client: converters, 404/405, HEAD, OPTIONS, slashes, conflicts."""

from __future__ import annotations

import uuid

import pytest

from kettle import request, url_for
from kettle.routing import BaseConverter, ValidationError

# -- converters ---------------------------------------------------------------------


def test_default_string_converter(app, client) -> None:
    @app.route("/user/<name>")
    def user(name):
        return f"{type(name).__name__}:{name}"

    assert client.get("/user/ada").text == "str:ada"
    assert client.get("/user/été").text == "str:été"
    assert client.get("/user/").status_code == 404
    assert client.get("/user/a/b").status_code == 404


@pytest.mark.parametrize(
    ("rule", "path", "status"),
    [
        ("/c/<string(minlength=3):code>", "/c/ab", 404),
        ("/c/<string(minlength=3):code>", "/c/abc", 200),
        ("/c/<string(maxlength=3):code>", "/c/abcd", 404),
        ("/c/<string(maxlength=3):code>", "/c/abc", 200),
        ("/c/<string(length=2):code>", "/c/ab", 200),
        ("/c/<string(length=2):code>", "/c/a", 404),
        ("/c/<string(length=2):code>", "/c/abc", 404),
        ("/c/<string(minlength=2, maxlength=4):code>", "/c/abcd", 200),
        ("/c/<string(minlength=2, maxlength=4):code>", "/c/abcde", 404),
    ],
)
def test_string_converter_lengths(app, client, rule, path, status) -> None:
    app.add_url_rule(rule, "code", lambda code: code)
    response = client.get(path)
    assert response.status_code == status
    if status == 200:
        assert response.text == path.rsplit("/", 1)[1]


def test_int_converter(app, client) -> None:
    @app.route("/n/<int:n>")
    def number(n):
        return f"{type(n).__name__}:{n * 2}"

    assert client.get("/n/21").text == "int:42"
    assert client.get("/n/007").text == "int:14"
    assert client.get("/n/-1").status_code == 404  # unsigned by default
    assert client.get("/n/1.5").status_code == 404
    assert client.get("/n/abc").status_code == 404
    assert client.get("/n/+1").status_code == 404
    assert client.get("/n/1_000").status_code == 404


@pytest.mark.parametrize(
    "digits",
    [
        "\u0661\u0662",  # Arabic-Indic 12: int() accepts it, the URL must not
        "\u0661",
        "\uff12",  # fullwidth 2
        "1\u0661",
        "\u00b2",  # superscript 2
    ],
)
def test_int_converter_accepts_ascii_digits_only(app, client, digits) -> None:
    @app.route("/n/<int:n>")
    def number(n):
        return str(n)

    assert client.get(f"/n/{digits}").status_code == 404
    assert client.get("/n/12").text == "12"


def test_int_converter_bounds_and_sign(app, client) -> None:
    @app.route("/page/<int(min=1, max=10):page>")
    def page(page):
        return str(page)

    @app.route("/offset/<int(signed=True):offset>")
    def offset(offset):
        return str(offset)

    @app.route("/year/<int(fixed_digits=4):year>")
    def year(year):
        return str(year)

    assert client.get("/page/1").text == "1"
    assert client.get("/page/10").text == "10"
    assert client.get("/page/0").status_code == 404
    assert client.get("/page/11").status_code == 404
    assert client.get("/offset/-5").text == "-5"
    assert client.get("/offset/5").text == "5"
    assert client.get("/year/2024").text == "2024"
    assert client.get("/year/24").status_code == 404


def test_float_converter(app, client) -> None:
    @app.route("/f/<float:x>")
    def f(x):
        return f"{type(x).__name__}:{x}"

    @app.route("/s/<float(signed=True, max=0.0):x>")
    def s(x):
        return str(x)

    assert client.get("/f/1.5").text == "float:1.5"
    assert client.get("/f/1").status_code == 404
    assert client.get("/f/-1.5").status_code == 404
    assert client.get("/f/nan").status_code == 404
    assert client.get("/f/1e5").status_code == 404
    assert client.get("/s/-2.25").text == "-2.25"
    assert client.get("/s/2.25").status_code == 404


def test_path_converter(app, client) -> None:
    @app.route("/files/<path:name>")
    def files(name):
        return name

    @app.route("/files/<path:name>/edit")
    def edit(name):
        return f"edit {name}"

    assert client.get("/files/a/b/c.txt").text == "a/b/c.txt"
    assert client.get("/files/readme").text == "readme"
    assert client.get("/files/a/b/edit").text == "edit a/b"
    assert client.get("/files/").status_code == 404


def test_uuid_converter(app, client) -> None:
    @app.route("/u/<uuid:id>")
    def by_uuid(id):
        assert isinstance(id, uuid.UUID)
        return str(id)

    value = uuid.uuid4()
    assert client.get(f"/u/{value}").text == str(value)
    assert client.get(f"/u/{str(value).upper()}").text == str(value)
    assert client.get("/u/not-a-uuid").status_code == 404
    assert client.get(f"/u/{value.hex}").status_code == 404  # the hyphenated form only


def test_any_converter(app, client) -> None:
    @app.route("/<any(about, help, 'contact us'):page>")
    def page(page):
        return page

    assert client.get("/about").text == "about"
    assert client.get("/help").text == "help"
    assert client.get("/contact us").text == "contact us"
    assert client.get("/other").status_code == 404
    assert client.get("/aboutx").status_code == 404


def test_custom_converter(app, client) -> None:
    class ListConverter(BaseConverter):
        regex = r"[a-z]+(?:,[a-z]+)*"

        def to_python(self, value):
            return value.split(",")

        def to_url(self, value):
            return ",".join(value)

    class EvenConverter(BaseConverter):
        regex = r"\d+"
        weight = 10  # tried before int (50) at the same place

        def to_python(self, value):
            number = int(value)
            if number % 2:
                raise ValidationError()
            return number

    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["even"] = EvenConverter

    @app.route("/tags/<list:tags>")
    def tags(tags):
        return "|".join(tags)

    @app.route("/even/<even:n>")
    def even(n):
        return f"even {n}"

    @app.route("/even/<int:n>")
    def odd(n):
        return f"odd {n}"

    assert client.get("/tags/a,b,c").text == "a|b|c"
    assert client.get("/tags/A").status_code == 404
    assert client.get("/even/4").text == "even 4"
    assert client.get("/even/5").text == "odd 5"  # the refused value falls through
    with app.test_request_context():
        assert url_for("tags", tags=["x", "y"]) == "/tags/x,y"


def test_unknown_converter_is_refused_at_registration(app) -> None:
    with pytest.raises(ValueError, match="unknown converter 'nope'"):
        app.add_url_rule("/<nope:x>", "x", lambda x: x)


def test_several_variables_and_static_parts(app, client) -> None:
    @app.route("/archive/<int:year>/<int:month>/<slug>.html")
    def post(year, month, slug):
        return f"{year}-{month:02d} {slug}"

    assert client.get("/archive/2024/3/hello.html").text == "2024-03 hello"
    assert client.get("/archive/2024/3/hello").status_code == 404


def test_static_route_wins_over_a_variable(app, client) -> None:
    @app.route("/users/<name>")
    def user(name):
        return f"user {name}"

    @app.route("/users/me")
    def me():
        return "me"

    assert client.get("/users/me").text == "me"
    assert client.get("/users/you").text == "user you"


def test_int_rule_wins_over_string_rule(app, client) -> None:
    @app.route("/items/<name>")
    def by_name(name):
        return f"name {name}"

    @app.route("/items/<int:id>")
    def by_id(id):
        return f"id {id}"

    assert client.get("/items/12").text == "id 12"
    assert client.get("/items/twelve").text == "name twelve"


def test_view_args_and_url_rule(app, client) -> None:
    @app.route("/p/<int:id>")
    def p(id):
        return f"{request.url_rule.rule} {request.view_args}"

    assert client.get("/p/3").text == "/p/<int:id> {'id': 3}"


def test_rule_defaults(app, client) -> None:
    @app.route("/blog/", defaults={"page": 1})
    @app.route("/blog/page/<int:page>")
    def blog(page):
        return f"page {page}"

    assert client.get("/blog/").text == "page 1"
    assert client.get("/blog/page/3").text == "page 3"


# -- 404 / 405 ----------------------------------------------------------------------


def test_unknown_path_is_404(app, client) -> None:
    @app.route("/")
    def index():
        return "index"

    response = client.get("/nope")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_empty_app_answers_404(client) -> None:
    assert client.get("/").status_code == 404


def test_wrong_method_is_405_with_allow(app, client) -> None:
    @app.route("/item", methods=["GET", "PUT"])
    def item():
        return "item"

    @app.delete("/item")
    def delete_item():
        return "deleted"

    response = client.post("/item")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert client.delete("/item").text == "deleted"


def test_405_for_dynamic_routes(app, client) -> None:
    @app.post("/items/<int:id>")
    def update(id):
        return "updated"

    response = client.get("/items/3")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert client.get("/items/x").status_code == 404


# -- HEAD / OPTIONS -------------------------------------------------------------------


def test_head_is_served_by_get_views_without_body(app, client) -> None:
    calls: list[str] = []

    @app.route("/page")
    def page():
        calls.append(request.method)
        return "some content here", {"X-Extra": "1"}

    get = client.get("/page")
    head = client.head("/page")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "17"
    assert head.headers["X-Extra"] == "1"
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert calls == ["GET", "HEAD"]


def test_head_of_a_json_view(app, client) -> None:
    @app.route("/data")
    def data():
        return {"a": 1}

    head = client.head("/data")
    assert head.data == b""
    assert head.headers["Content-Length"] == client.get("/data").headers["Content-Length"]


def test_head_for_a_post_only_route_is_405(app, client) -> None:
    @app.post("/submit")
    def submit():
        return "ok"

    assert client.head("/submit").status_code == 405


def test_explicit_head_view(app, client) -> None:
    @app.route("/x", methods=["HEAD"])
    def head_only():
        return "", {"X-Head": "yes"}

    assert client.head("/x").headers["X-Head"] == "yes"


def test_automatic_options(app, client) -> None:
    @app.route("/item", methods=["GET", "POST"])
    def item():
        return "item"

    response = client.options("/item")
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.data == b""


def test_automatic_options_joins_the_methods_of_all_matching_rules(app, client) -> None:
    @app.get("/thing")
    def read():
        return "read"

    @app.put("/thing")
    def write():
        return "write"

    assert client.options("/thing").headers["Allow"] == "GET, HEAD, OPTIONS, PUT"


def test_options_view_of_its_own(app, client) -> None:
    @app.route("/cors", methods=["GET", "OPTIONS"])
    def cors():
        if request.method == "OPTIONS":
            return "", 204, {"Access-Control-Allow-Origin": "*"}
        return "data"

    response = client.options("/cors")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_provide_automatic_options_false(app, client) -> None:
    app.add_url_rule("/x", "x", lambda: "x", provide_automatic_options=False)
    assert client.options("/x").status_code == 405


# -- trailing slashes --------------------------------------------------------------------


def test_slash_rule_redirects_the_bare_path_with_308(app, client) -> None:
    @app.route("/about/")
    def about():
        return "about"

    response = client.get("/about")
    assert response.status_code == 308
    assert response.headers["Location"] == "/about/"
    assert client.get("/about/").text == "about"


def test_slash_redirect_keeps_the_query_string(app, client) -> None:
    @app.route("/about/")
    def about():
        return request.args.get("lang", "none")

    response = client.get("/about", query_string={"lang": "de", "x": "a b"})
    assert response.status_code == 308
    assert response.headers["Location"] == "/about/?lang=de&x=a+b"
    followed = client.get("/about?lang=de", follow_redirects=True)
    assert followed.text == "de"
    assert [r.status_code for r in followed.history] == [308]


def test_slash_redirect_keeps_the_method_and_body(app, client) -> None:
    @app.route("/form/", methods=["POST"])
    def form():
        return request.form["a"]

    response = client.post("/form", data={"a": "1"}, follow_redirects=True)
    assert response.text == "1"


def test_slash_redirect_for_dynamic_rules(app, client) -> None:
    @app.route("/users/<int:id>/")
    def user(id):
        return str(id)

    response = client.get("/users/4")
    assert response.status_code == 308
    assert response.headers["Location"] == "/users/4/"


def test_percent_encoded_paths_are_decoded(app, client) -> None:
    @app.route("/user/<name>")
    def user(name):
        return name

    @app.route("/<any(about, 'contact us'):page>")
    def page(page):
        return page

    @app.route("/dir/<name>/")
    def directory(name):
        return name

    assert client.get("/user/a%20b").text == "a b"
    assert client.get("/user/%C3%A9t%C3%A9").text == "été"
    assert client.get("/contact%20us").text == "contact us"
    response = client.get("/dir/a%20b")
    assert response.status_code == 308
    assert response.headers["Location"] == "/dir/a%20b/"
    assert client.get("/dir/a%20b", follow_redirects=True).text == "a b"


def test_slash_redirect_encodes_the_location(app, client) -> None:
    @app.route("/<name>/")
    def named(name):
        return name

    response = client.get("/a b")  # the path as the server decoded it
    assert response.status_code == 308
    assert response.headers["Location"] == "/a%20b/"


def test_rule_without_slash_does_not_match_with_slash(app, client) -> None:
    @app.route("/contact")
    def contact():
        return "contact"

    assert client.get("/contact/").status_code == 404


def test_strict_slashes_false_matches_both(app, client) -> None:
    @app.route("/loose/", strict_slashes=False)
    def loose():
        return "loose"

    assert client.get("/loose").text == "loose"
    assert client.get("/loose/").text == "loose"


# -- conflicts -----------------------------------------------------------------------------


def test_duplicate_rule_is_refused_naming_both(app) -> None:
    @app.route("/same")
    def first():
        return "1"

    with pytest.raises(ValueError, match="conflicts") as info:

        @app.route("/same")
        def second():
            return "2"

    message = str(info.value)
    assert "'first'" in message and "'second'" in message
    assert "'/same'" in message


def test_rules_with_the_same_shape_conflict(app) -> None:
    @app.route("/user/<int:id>")
    def by_id(id):
        return "1"

    with pytest.raises(ValueError, match=r"'/user/<int:uid>'.*'/user/<int:id>'"):
        app.add_url_rule("/user/<int:uid>", "by_uid", lambda uid: "2")


def test_same_rule_for_different_methods_is_allowed(app, client) -> None:
    @app.get("/r")
    def read():
        return "read"

    @app.post("/r")
    def write():
        return "write"

    with pytest.raises(ValueError, match="conflicts"):
        app.add_url_rule("/r", "again", lambda: "x", methods=["POST", "PUT"])
    assert client.get("/r").text == "read"
    assert client.post("/r").text == "write"


def test_malformed_rules_are_refused(app) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        app.add_url_rule("no-slash", "x", lambda: "x")
    with pytest.raises(ValueError, match="twice"):
        app.add_url_rule("/<a>/<a>", "y", lambda a: "y")


def test_two_int_segments_are_bounded_each_in_a_long_path(app, client) -> None:
    """The router checks the ``int`` bound once per path: a path over the bound with short
    numbers still matches (through the full search), a number over it never does."""

    @app.get("/e/<int:id>/m/<int:mid>/<name>")
    def member(id: int, mid: int, name: str) -> str:
        return f"{id} {mid} {len(name)}"

    long_name = "n" * 2000
    assert client.get("/e/42/m/7/x").text == "42 7 1"
    assert client.get(f"/e/42/m/7/{long_name}").text == "42 7 2000"
    assert client.get(f"/e/42/m/{'7' * 1000}/x").text == f"42 {'7' * 1000} 1"
    assert client.get(f"/e/42/m/{'7' * 1001}/x").status_code == 404
    assert client.get(f"/e/{'9' * 5000}/m/7/x").status_code == 404
