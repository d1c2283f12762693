"""Every return shape a view may use keeps Flask's behaviour on kettle's fast paths.

The tuple shapes remember the checked header list of a literal header dict or list (keyed
by its items, and in the route's memo of its last headers), ``redirect`` builds its page
from a template and ``bytes`` skip ``Response.__init__``: these tests pin what the client
receives, through both doors, on the first call and on the calls that take the remembered
path, and that a header value with CR, LF or NUL is refused on every path and every call.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest

from kettle import Kettle, Response, make_response, redirect, request
from kettle.testing import KettleClient

TEXT = "text/plain; charset=utf-8"


def _twice(client: KettleClient, path: str) -> Any:
    """The second answer, after checking it equals the first (the remembered path)."""
    first, second = client.get(path), client.get(path)
    assert (first.status, list(first.headers), first.data) == (
        second.status, list(second.headers), second.data
    )
    return second


def test_tuple_headers_replace_the_content_type_in_place(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return "hi", 200, {"Content-Type": TEXT, "Cache-Control": "no-store"}

    response = _twice(client, "/")
    assert response.headers.getlist("Content-Type") == [TEXT]
    names = [name.lower() for name, _ in response.headers]
    assert names[:2] == ["content-type", "cache-control"]
    assert response.headers["Content-Length"] == "2"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_duplicate_names_in_a_list_of_pairs_are_all_sent(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return "hi", [("X-A", "1"), ("X-A", "2"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]

    response = _twice(client, "/")
    assert response.headers.getlist("X-A") == ["1", "2"]
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_header_values_that_change_per_call_are_never_reused(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Any:
        return "hi", {"X-Who": request.args["who"], "X-Count": len(request.args["who"])}

    for who in ("ada", "grace", "ada"):
        response = client.get(f"/?who={who}")
        assert response.headers["X-Who"] == who
        assert response.headers["X-Count"] == str(len(who))


def test_a_list_value_in_a_header_dict_sends_each_value(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return "hi", {"Vary": ["Accept", "Cookie"]}

    assert _twice(client, "/").headers.getlist("Vary") == ["Accept", "Cookie"]


def test_a_bad_header_value_is_refused_on_every_call(app: Kettle, client: KettleClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> Any:
        return "hi", {"X-Bad": "a\r\nInjected: yes"}

    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 500
        assert "Injected" not in response.headers


@pytest.mark.parametrize(
    ("status", "code", "line"),
    [
        ("201 CREATED", 201, "201 CREATED"),
        (HTTPStatus.ACCEPTED, 202, "202 ACCEPTED"),
        (299, 299, "299 UNKNOWN"),
    ],
)
def test_status_forms_in_tuples(
    app: Kettle, client: KettleClient, status: Any, code: int, line: str
) -> None:
    @app.route("/")
    def index() -> Any:
        return "hi", status, {"Content-Type": TEXT}

    response = _twice(client, "/")
    assert response.status_code == code
    assert response.status.upper() == line
    assert response.headers["Content-Type"] == TEXT


def test_a_responses_own_headers_are_kept_beside_tuple_headers(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Any:
        response = Response("hi", headers={"X-Own": "1", "Cache-Control": "public"})
        return response, 202, {"Cache-Control": "no-store", "X-Added": "2"}

    response = _twice(client, "/")
    assert response.status_code == 202
    assert response.headers["X-Own"] == "1"
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers["X-Added"] == "2"


def test_dict_and_list_bodies_with_status_and_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/dict")
    def as_dict() -> Any:
        return {"error": "bad"}, 422, [("X-Reason", "price")]

    @app.route("/list")
    def as_list() -> Any:
        return [1, 2], {"Cache-Control": "no-store"}

    response = _twice(client, "/dict")
    assert (response.status_code, response.json) == (422, {"error": "bad"})
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Reason"] == "price"
    response = _twice(client, "/list")
    assert (response.json, response.headers["Cache-Control"]) == ([1, 2], "no-store")


def test_bytes_in_a_tuple_and_alone(app: Kettle, client: KettleClient) -> None:
    @app.route("/alone")
    def alone() -> bytes:
        return b"\x00raw"

    @app.route("/tuple")
    def in_tuple() -> Any:
        return b"\x00raw", 201, {"Content-Type": "application/octet-stream"}

    response = _twice(client, "/alone")
    assert (response.data, response.headers["Content-Type"]) == (
        b"\x00raw", "text/html; charset=utf-8"
    )
    response = _twice(client, "/tuple")
    assert (response.status_code, response.data) == (201, b"\x00raw")
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_204_from_a_tuple_loses_its_content_headers(app: Kettle, client: KettleClient) -> None:
    @app.route("/")
    def index() -> Any:
        return "", 204, {"Content-Type": TEXT, "X-Kept": "yes"}

    response = _twice(client, "/")
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert response.headers["X-Kept"] == "yes"


def test_a_custom_response_class_still_builds_every_shape(
    app: Kettle, client: KettleClient
) -> None:
    class Tagged(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Tagged"] = "yes"

    app.response_class = Tagged

    @app.route("/str")
    def as_str() -> Any:
        return "hi", 201, {"Content-Type": TEXT}

    @app.route("/bytes")
    def as_bytes() -> bytes:
        return b"hi"

    @app.route("/redirect")
    def to_home() -> Response:
        return redirect("/", Response=Tagged)

    for path in ("/str", "/bytes", "/redirect"):
        assert _twice(client, path).headers["X-Tagged"] == "yes"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_page_and_location(app: Kettle, client: KettleClient, code: int) -> None:
    @app.route("/")
    def index() -> Response:
        return redirect("/a b/é?x=<1>", code)

    response = _twice(client, "/")
    assert response.status_code == code
    assert response.headers["Location"] == "/a%20b/%C3%A9?x=%3C1%3E"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<a href="/a b/é?x=&lt;1&gt;">' in response.text
    assert response.headers["Content-Length"] == str(len(response.data))


# -- Response objects written from a remembered head -----------------------------------


def test_responses_keep_their_own_length_nosniff_and_framing(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/own")
    def own() -> Response:
        return Response("hi", headers={"X-Content-Type-Options": "custom"})

    @app.route("/framable")
    def framable() -> Response:
        response = Response("<p>embed me</p>")
        response.allow_framing = True
        return response

    @app.route("/framed")
    def framed() -> Response:
        return Response("<p>page</p>")

    response = _twice(client, "/own")
    assert response.headers.getlist("X-Content-Type-Options") == ["custom"]
    assert "X-Frame-Options" not in _twice(client, "/framable").headers
    assert _twice(client, "/framed").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_many_distinct_redirect_targets_are_all_right(app: Kettle, client: KettleClient) -> None:
    @app.route("/go/<int:n>")
    def go(n: int) -> Response:
        return redirect(f"/target/{n}")

    for n in range(700):  # more than the remembered heads
        response = client.get(f"/go/{n}")
        assert (response.status_code, response.headers["Location"]) == (302, f"/target/{n}")


def test_a_response_with_close_callbacks_still_runs_them(
    app: Kettle, client: KettleClient
) -> None:
    closed: list[str] = []

    @app.route("/")
    def index() -> Response:
        response = Response("hi")
        response.call_on_close(lambda: closed.append("closed"))
        return response

    assert client.get("/").text == "hi"
    assert closed == ["closed"]


# -- the route's memo: the last headers of a view, compared instead of looked up ------------


def test_a_view_that_changes_its_own_header_dict_sends_the_new_values(
    app: Kettle, client: KettleClient
) -> None:
    shared = {"Cache-Control": "no-store"}

    @app.route("/")
    def index() -> Any:
        return "hi", shared

    assert _twice(client, "/").headers["Cache-Control"] == "no-store"
    shared["Cache-Control"] = "max-age=60"  # the same dict object, changed in place
    shared["X-Added"] = "1"
    response = client.get("/")
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["X-Added"] == "1"


def test_equal_values_of_other_types_are_not_mistaken_for_each_other(
    app: Kettle, client: KettleClient
) -> None:
    """``1 == True == 1.0``, but they are sent as "1", "True" and "1.0"."""

    @app.route("/<int:n>")
    def index(n: int) -> Any:
        return "hi", {"X-Value": (1, True, 1.0, "1")[n]}

    for n, sent in [(0, "1"), (1, "True"), (2, "1.0"), (3, "1"), (1, "True"), (0, "1")]:
        assert client.get(f"/{n}").headers["X-Value"] == sent


def test_a_response_whose_headers_change_per_call_sends_each_value(
    app: Kettle, client: KettleClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("hi")
        response.headers["X-Who"] = request.args["who"]
        return response

    for who in ("ada", "ada", "grace", "ada", "linus"):
        assert client.get(f"/?who={who}").headers["X-Who"] == who


# -- header validation: on every path that sets a header, on every call --------------------

INJECTIONS = ["a\r\nInjected: yes", "a\nInjected: yes", "a\rInjected: yes", "a\x00Injected: yes"]


def _set_item(value: str) -> Response:
    response = make_response("hi")
    response.headers["X-Bad"] = value
    return response


def _add(value: str) -> Response:
    response = make_response("hi")
    response.headers.add("X-Bad", value)
    return response


def _assign_headers(value: str) -> Response:
    response = Response("hi", mimetype="text/plain")
    response.headers = {"X-Bad": value}  # type: ignore[assignment]
    return response


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    "build",
    [
        _set_item,
        _add,
        lambda value: Response("hi", headers={"X-Bad": value}),
        lambda value: ("hi", {"X-Bad": value}),
        lambda value: ("hi", 200, [("X-Bad", value)]),
        lambda value: make_response("hi", {"X-Bad": value}),
        lambda value: Response("hi", mimetype="text/plain" + value),
        lambda value: Response("hi", content_type="text/plain" + value),
        _assign_headers,
    ],
    ids=["headers[name]=", "headers.add", "Response(headers=)", "tuple dict", "tuple list",
         "make_response(body, headers)", "Response(mimetype=)", "Response(content_type=)",
         "headers = {...}"],
)
def test_cr_lf_and_nul_in_a_header_value_are_refused_every_time(
    app: Kettle, client: KettleClient, build: Any, value: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> Any:
        return build(value)

    for _ in range(3):  # the first call, and the calls after it (memo, remembered heads)
        response = client.get("/")
        assert response.status_code == 500
        assert "Injected" not in response.headers
        assert b"Injected" not in response.data


@pytest.mark.parametrize("value", ["a\tb", "caf\u00e9", "x" * 300, ""])
def test_tabs_latin_1_and_long_header_values_are_sent(
    app: Kettle, client: KettleClient, value: str
) -> None:
    @app.route("/")
    def index() -> Response:
        return _set_item(value)

    assert _twice(client, "/").headers["X-Bad"] == value


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_redirect_target_cannot_inject_a_header(
    app: Kettle, client: KettleClient, value: str
) -> None:
    """``redirect`` keeps its checked ``Location`` pair (built once per target) without a
    ``Headers`` check: the target is percent-encoded, so no control character reaches it."""

    @app.route("/")
    def index() -> Response:
        return redirect("/next" + value)

    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 302
        assert "Injected" not in response.headers
        assert response.headers["Location"].startswith("/nexta%")
        assert response.headers["Location"].isprintable()


def test_headers_read_before_or_after_a_change_are_what_is_sent(
    app: Kettle, client: KettleClient
) -> None:
    """A response's ``Headers`` is made when first read: reading it, changing it, replacing
    it, or never touching it all send what the view left there."""

    @app.route("/untouched")
    def untouched() -> Response:
        return Response("hi", 201, mimetype="text/plain")

    @app.route("/read")
    def read() -> Response:
        response = Response("hi", mimetype="text/plain")
        assert response.headers["Content-Type"] == TEXT and response.content_length == 2
        return response

    @app.route("/changed")
    def changed() -> Response:
        response = make_response("hi")
        response.headers["Content-Type"] = TEXT
        response.set_cookie("a", "1")
        return response

    @app.route("/replaced")
    def replaced() -> Response:
        response = make_response("hi")
        response.headers = {"X-A": "1"}  # type: ignore[assignment]
        return response

    expected = {
        "/untouched": (201, TEXT, None, None),
        "/read": (200, TEXT, None, None),
        "/changed": (200, TEXT, "a=1; Path=/", None),
        "/replaced": (200, None, None, "1"),
    }
    for path, (code, content_type, cookie, extra) in expected.items():
        response = _twice(client, path)
        assert response.status_code == code
        assert response.headers.get("Content-Type") == content_type
        assert response.headers.get("Set-Cookie") == cookie
        assert response.headers.get("X-A") == extra
        assert response.headers["Content-Length"] == "2"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_response_whose_content_type_changes_per_call_sends_each(
    app: Kettle, client: KettleClient
) -> None:
    """A route remembers the head of its last ``Response`` (by identity, or equal pairs):
    another mimetype on the next call must not be answered with the remembered one."""

    @app.route("/")
    def index() -> Response:
        return Response("hi", mimetype=request.args["type"])

    for kind, sent in [
        ("text/plain", TEXT), ("text/plain", TEXT), ("application/json", "application/json"),
        ("text/csv", "text/csv; charset=utf-8"), ("text/plain", TEXT),
    ]:
        assert client.get(f"/?type={kind}").headers["Content-Type"] == sent


def test_a_value_accepted_once_does_not_let_a_variant_through(
    app: Kettle, client: KettleClient
) -> None:
    """Accepted header values are remembered (a set lookup, not the tests, the next time):
    a value that only starts like one of them is still checked and refused."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    values = iter(["no-store", "no-store\r\nInjected: yes", "no-store", "no-store\x00"])

    @app.route("/")
    def index() -> Response:
        response = make_response("hi")
        response.headers["Cache-Control"] = next(values)
        return response

    for code in (200, 500, 200, 500):
        response = client.get("/")
        assert response.status_code == code
        assert "Injected" not in response.headers
        if code == 200:
            assert response.headers["Cache-Control"] == "no-store"


# -- a Response's headers start as its shared head (copy on write) and ``set`` on it is
# remembered per (head, name, value): what each response sends stays its own.


def test_headers_set_on_a_shared_head_stay_per_response(app: Kettle, client: KettleClient) -> None:
    @app.route("/<int:n>")
    def index(n: int) -> Any:
        response = make_response("hi")
        response.headers["Cache-Control"] = "no-store" if n % 2 else "max-age=60"
        if n == 3:
            response.headers["Content-Type"] = TEXT  # a replacement on the remembered head
            response.headers.add("X-Extra", "1")
        return response

    @app.route("/untouched")
    def untouched() -> Any:
        return make_response("plain")

    for _ in range(2):  # the second round takes the remembered outcomes
        one, two, three = client.get("/1"), client.get("/2"), client.get("/3")
        assert one.headers["Cache-Control"] == "no-store"
        assert two.headers["Cache-Control"] == "max-age=60"
        assert three.headers.getlist("Content-Type") == [TEXT]
        assert three.headers.getlist("X-Extra") == ["1"]
        assert "X-Extra" not in one.headers and "X-Extra" not in two.headers
        assert one.headers.getlist("Content-Type") == ["text/html; charset=utf-8"]
        plain = client.get("/untouched")
        assert "Cache-Control" not in plain.headers and "X-Extra" not in plain.headers


def test_headers_of_a_new_response_do_not_see_another_ones_writes() -> None:
    first = Response("a", mimetype="text/plain")
    first.headers["X-A"] = "1"
    first.headers.clear()
    second = Response("b", mimetype="text/plain")
    second.headers.set("Content-Type", "text/csv")
    second.headers.remove("X-None")
    third = Response("c", mimetype="text/plain")
    third.headers["X-A"] = "1"
    third.headers["X-A"] = "2"
    assert (list(first.headers), list(second.headers)) == ([], [("Content-Type", "text/csv")])
    assert list(third.headers) == [("Content-Type", TEXT), ("X-A", "2")]
    assert list(Response("d", mimetype="text/plain").headers) == [("Content-Type", TEXT)]


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "caf\u00e9 \u2603"])
def test_a_bad_value_set_on_a_shared_head_is_refused_every_time(
    app: Kettle, client: KettleClient, value: str
) -> None:
    @app.route("/")
    def index() -> Any:
        response = make_response("hi")
        response.headers["X-Fine"] = "ok"  # remembered: the bad value below is not
        try:
            response.headers["X-Bad"] = value
        except ValueError:
            return "refused"
        return response

    assert [client.get("/").data for _ in range(3)] == [b"refused"] * 3


def test_a_bad_name_set_on_a_shared_head_is_refused_every_time() -> None:
    for _ in range(3):
        response = make_response_outside("hi")
        response.headers["X-Ok"] = "1"
        with pytest.raises(ValueError):
            response.headers["X Bad"] = "1"
        with pytest.raises(TypeError):
            response.headers[["X-List"]] = "1"  # type: ignore[index]


def test_a_non_str_value_on_a_shared_head_is_not_confused_with_its_str_twin() -> None:
    one, true = Response("a"), Response("b")
    one.headers["X-Flag"] = 1
    true.headers["X-Flag"] = True
    assert (one.headers["X-Flag"], true.headers["X-Flag"]) == ("1", "True")
    assert Response("c").headers.get("X-Flag") is None


def test_make_response_argument_forms(app: Kettle, client: KettleClient) -> None:
    @app.route("/none")
    def none() -> Any:
        return make_response()

    @app.route("/one")
    def one() -> Any:
        return make_response({"a": 1})

    @app.route("/many")
    def many() -> Any:
        return make_response("made", 201, {"X-Made": "yes"})

    @app.route("/tuple")
    def as_tuple() -> Any:
        return make_response(("made", 202))

    assert (client.get("/none").status_code, client.get("/none").data) == (200, b"")
    assert client.get("/one").json == {"a": 1}
    many_response = client.get("/many")
    assert (many_response.status_code, many_response.headers["X-Made"]) == (201, "yes")
    assert client.get("/tuple").status_code == 202


def test_make_response_outside_a_context_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        make_response("hi")


def test_call_on_close_of_a_made_response_runs_through_both_doors(
    app: Kettle, client: KettleClient
) -> None:
    closed: list[str] = []

    @app.route("/")
    def index() -> Any:
        response = make_response("hi")
        response.headers["Cache-Control"] = "no-store"
        response.call_on_close(lambda: closed.append("done"))
        return response

    for count in (1, 2):
        response = client.get("/")
        assert (response.data, response.headers["Cache-Control"]) == (b"hi", "no-store")
        assert closed == ["done"] * count


def make_response_outside(body: str) -> Response:
    """``make_response``'s value for ``body``, in a context of a throwaway app."""
    with Kettle(__name__).test_request_context("/"):
        return make_response(body)
