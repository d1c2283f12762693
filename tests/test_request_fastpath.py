"""The request side's short cuts answer as the pipeline does, through both doors: an
``abort`` answered by its handler without the pipeline, the default error page written
without a ``Response``, ``get_json`` reading a JSON body directly, typed values converted
through a cached ``Struct``, and a WSGI environ missing the keys PEP 3333 leaves optional."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import msgspec
import pytest
from apps.hostile import RawRequest, call

from kettle import Kettle, Query, Request, abort, after_this_request, request
from kettle.datastructures import Headers
from kettle.errors import HTTPException, NotFound

NOT_FOUND_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server.</p>\n"
)


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"] == "application/problem+json"
    data: dict[str, Any] = json.loads(response.data)
    return data


# -- abort(...) and its error handler ----------------------------------------------------
def test_abort_answered_by_its_handler(app: Kettle, client: Any) -> None:
    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        return {"error": "not found", "kind": type(error).__name__}, 404

    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found", "kind": "NotFound"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_abort_handler_runs_after_this_request_functions(app: Kettle, client: Any) -> None:
    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        return {"error": "not found"}, 404

    @app.route("/gone")
    def gone() -> Any:
        @after_this_request
        def tag(response: Any) -> Any:
            response.headers["X-Tagged"] = "yes"
            return response

        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert response.headers["X-Tagged"] == "yes"


def test_async_abort_handler_is_awaited(app: Kettle, client: Any) -> None:
    @app.errorhandler(404)
    async def not_found(error: Exception) -> Any:
        return "async handler", 404

    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    response = client.get("/gone")
    assert (response.status_code, response.text) == (404, "async handler")


def test_failing_abort_handler_is_a_logged_500(
    app: Kettle, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        raise RuntimeError("the handler broke")

    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 500
    assert "the handler broke" in caplog.text


def test_trapped_abort_is_raised(app: Kettle, client: Any) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    with pytest.raises(NotFound):
        client.get("/gone")


def test_abort_without_handler_is_the_error_page(app: Kettle, client: Any) -> None:
    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert response.text == NOT_FOUND_PAGE
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(NOT_FOUND_PAGE))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


# -- the router's 404 page -----------------------------------------------------------------
def test_not_found_page_and_its_head(app: Kettle, client: Any) -> None:
    get = client.get("/no/such/page")
    head = client.head("/no/such/page")
    assert (get.status_code, get.text) == (404, NOT_FOUND_PAGE)
    assert head.status_code == 404 and head.data == b""
    for response in (get, head):
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Content-Length"] == str(len(NOT_FOUND_PAGE))
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_not_found_for_a_json_client(app: Kettle, client: Any) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
    assert "X-Frame-Options" not in response.headers


def test_not_found_page_is_made_once_and_is_the_same_bytes(app: Kettle, client: Any) -> None:
    """The page is made at start-up (no ``NotFound`` per request): every miss, first or
    not, any method, answers the same page, and POST's body is left unread."""

    @app.route("/here")
    def here() -> str:
        return "here"

    first = client.get("/nowhere")
    again = client.get("/here/not/this")
    posted = client.post("/nowhere", data=b'{"a": 1}', content_type="application/json")
    for response in (first, again, posted):
        assert (response.status_code, response.text) == (404, NOT_FOUND_PAGE)
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/here").text == "here"


def test_not_found_with_a_handler_is_the_handler_s(app: Kettle, client: Any) -> None:
    calls: list[str] = []

    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        calls.append(type(error).__name__)
        return {"missing": request.path}, 404

    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.get_json() == {"missing": "/no/such/page"}
    assert calls == ["NotFound"]


def test_not_found_handler_by_class_is_found_too(app: Kettle, client: Any) -> None:
    @app.errorhandler(HTTPException)
    def any_http_error(error: HTTPException) -> Any:
        return f"handled {error.code}", error.code

    assert (client.get("/nope").status_code, client.get("/nope").text) == (404, "handled 404")


def test_hooks_run_for_a_404_as_in_flask(app: Kettle, client: Any) -> None:
    """Flask runs ``before_request`` hooks before it raises the routing error: their value
    answers instead; ``after_request`` and ``teardown_request`` see the 404."""
    seen: list[Any] = []

    @app.before_request
    def before() -> Any:
        seen.append(("before", request.url_rule, type(request.routing_exception).__name__))
        return "blocked" if request.path == "/blocked" else None

    @app.after_request
    def after(response: Any) -> Any:
        response.headers["X-After"] = str(response.status_code)
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(("teardown", error))

    missing = client.get("/missing")
    assert (missing.status_code, missing.text) == (404, NOT_FOUND_PAGE)
    assert missing.headers["X-After"] == "404"
    blocked = client.get("/blocked")
    assert (blocked.status_code, blocked.text) == (200, "blocked")
    assert seen == [("before", None, "NotFound"), ("teardown", None)] * 2


def test_a_404_under_a_kept_context_has_its_error(app: Kettle, client: Any) -> None:
    """``with client:`` keeps the context after the response: its request has its
    ``NotFound`` to look at, as in Flask, though other 404s are answered without one."""
    with client:
        assert client.get("/missing").status_code == 404
        assert isinstance(request.routing_exception, NotFound)
        assert request.url_rule is None and request.view_args is None


@pytest.mark.parametrize("length", [b"abc", b"9" * 30])
def test_a_missing_path_is_404_before_a_bad_content_length(
    app: Kettle, door: str, length: bytes
) -> None:
    """A routing error is found first, as under both doors before: 404, not 400 or 413."""
    app.config["MAX_CONTENT_LENGTH"] = 1024
    raw = RawRequest(
        method=b"POST", path=b"/missing", headers=[(b"Content-Length", length)], body=b"x"
    )
    response = call(door, app, raw)
    assert (response.status, response.body) == (404, NOT_FOUND_PAGE.encode())


def test_routes_that_start_nowhere_and_normalised_paths(
    app: Kettle, client: Any, door: str
) -> None:
    """An app with static first segments only: a first segment outside them is a 404 found
    without the search; a leading '//' is still routed as '/', a 405 still has its Allow
    and a missing slash still redirects."""

    @app.route("/users/<int:id>")
    def user(id: int) -> str:
        return f"user {id}"

    @app.post("/users/<int:id>/edit")
    def edit(id: int) -> str:
        return "edited"

    @app.route("/users/<int:id>/files/")
    def files(id: int) -> str:
        return "files"

    assert call(door, app, RawRequest(path=b"//users/7")).body == b"user 7"  # as sent
    assert client.get("/people/7").status_code == 404
    assert client.get("/people").status_code == 404
    not_allowed = client.get("/users/7/edit")
    assert (not_allowed.status_code, not_allowed.headers["Allow"]) == (405, "OPTIONS, POST")
    redirect = client.get("/users/7/files?a=1")
    assert (redirect.status_code, redirect.headers["Location"]) == (308, "/users/7/files/?a=1")
    assert client.get("/users/x").status_code == 404


def test_abort_with_a_description_and_the_handler_memo(app: Kettle, client: Any) -> None:
    """``abort(code, description)`` gives each class its description (``MethodNotAllowed``
    takes ``valid_methods`` first); handlers are remembered per route and code: a 404
    handler does not answer a 410, and a blueprint's handler only its own routes."""
    from kettle import Blueprint

    bp = Blueprint("bp", __name__)

    @bp.errorhandler(404)
    def bp_not_found(error: Exception) -> Any:
        return "bp 404", 404

    @bp.route("/bp/gone")
    def bp_gone() -> Any:
        abort(404)

    @app.errorhandler(404)
    def not_found(error: Exception) -> Any:
        return "app 404", 404

    @app.route("/gone/<int:code>")
    def gone(code: int) -> Any:
        abort(code, f"gone {code}")

    app.register_blueprint(bp)
    for _ in range(2):  # the second time from the memo
        assert (client.get("/gone/404").status_code, client.get("/gone/404").text) == (
            404, "app 404"
        )
        assert client.get("/bp/gone").text == "bp 404"
        answer = client.get("/gone/410")
        assert answer.status_code == 410 and "gone 410" in answer.text
        not_allowed = client.get("/gone/405")
        assert not_allowed.status_code == 405 and "gone 405" in not_allowed.text


def test_trap_http_exceptions_set_after_the_first_request(app: Kettle, client: Any) -> None:
    """``TRAP_HTTP_EXCEPTIONS`` is read per request on the short cut, as the method reads it:
    a trapped error no handler takes propagates (``TESTING``)."""

    @app.route("/gone")
    def gone() -> Any:
        abort(404)

    assert client.get("/gone").text == NOT_FOUND_PAGE
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(NotFound):
        client.get("/gone")


def test_method_not_allowed_keeps_its_allow_header(app: Kettle, client: Any) -> None:
    @app.post("/only-post")
    def only_post() -> str:
        return "ok"

    response = client.get("/only-post")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"


# -- get_json -------------------------------------------------------------------------------
def test_get_json_of_json_and_json_suffix_types(app: Kettle, client: Any) -> None:
    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    body = b'{"a": [1, 2]}'
    for content_type in ("application/json", "application/vnd.api+json; charset=utf-8"):
        response = client.post("/echo", data=body, content_type=content_type)
        assert response.get_json() == {"got": {"a": [1, 2]}}
    assert client.post("/echo", data=body, content_type="text/plain").status_code == 415


def test_get_json_asks_an_overridden_is_json() -> None:
    class LenientRequest(Request):
        @property
        def is_json(self) -> bool:  # every body is JSON to this class
            return True

    headers = Headers({"Content-Type": "text/plain", "Content-Length": "8"})
    lenient = LenientRequest("POST", "/", headers=headers, body=b'{"a": 1}')
    assert lenient.get_json() == {"a": 1}
    strict = Request("POST", "/", headers=headers, body=b'{"a": 1}')
    assert strict.get_json(silent=True) is None


def test_forced_get_json_of_a_multipart_body_is_a_400(app: Kettle, client: Any) -> None:
    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json(force=True), "form": request.form.to_dict()}

    response = client.post("/echo", data={"field": "value"}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_get_json_keeps_the_depth_limit(app: Kettle, client: Any) -> None:
    app.config["MAX_JSON_DEPTH"] = 8

    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    deep = b"[" * 9 + b"]" * 9
    assert client.post("/echo", data=deep, content_type="application/json").status_code == 400
    shallow = b"[" * 8 + b"]" * 8
    assert client.post("/echo", data=shallow, content_type="application/json").status_code == 200


def test_get_json_silent_on_a_short_body(app: Kettle, client: Any, door: str) -> None:
    """A body shorter than its ``Content-Length``: a 400, never a 500; under WSGI, where the
    view reads it, ``silent=True`` gives ``None`` (the one-step read keeps the general path's
    answers). The ASGI door reads the body before the view: a 400 there either way."""

    @app.post("/silent")
    def silent() -> Any:
        return {"got": request.get_json(silent=True)}

    @app.post("/loud")
    def loud() -> Any:
        return {"got": request.get_json()}

    def short(path: str) -> Any:
        return client.post(
            path, data=b'{"a": 1}', content_type="application/json",
            headers={"Content-Length": "40"},
        )

    if door == "wsgi":
        assert short("/silent").get_json() == {"got": None}
    else:
        assert short("/silent").status_code == 400
    assert short("/loud").status_code == 400


def test_get_json_under_a_tiny_header_size_limit(app: Kettle, client: Any) -> None:
    """``Content-Type: application/json`` is itself over a 20-byte ``MAX_REQUEST_HEADER_SIZE``:
    refused (431) when the view reads it, as any other over-long header."""
    app.config["MAX_REQUEST_HEADER_SIZE"] = 20

    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    response = client.post("/echo", data=b"[1]", content_type="application/json")
    assert response.status_code == 431


def test_get_json_body_handed_over_in_parts() -> None:
    """A WSGI server whose ``wsgi.input.read(n)`` returns less than asked: the rest is read."""
    app = Kettle("parts")

    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json()}

    class Dribble(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(3, size if size is not None and size >= 0 else 3))

    body = json.dumps({"name": "kettle", "tags": ["a", "b"]}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/echo", "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": Dribble(body),
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
    }
    seen: list[str] = []
    chunks = app(environ, lambda status, headers, exc_info=None: seen.append(status))
    assert seen == ["200 OK"]
    assert json.loads(b"".join(chunks)) == {"got": {"name": "kettle", "tags": ["a", "b"]}}


# -- typed values ---------------------------------------------------------------------------
def test_typed_query_converted_and_errors_located(app: Kettle, client: Any) -> None:
    @app.get("/items")
    def items(
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        ids: list[int] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"limit": limit, "ids": ids}

    assert client.get("/items?limit=7&ids=1&ids=2").get_json() == {"limit": 7, "ids": [1, 2]}
    errors = problem(client.get("/items?limit=500&ids=x"))["errors"]
    assert errors == [
        {"loc": ["query", "limit"], "msg": "Expected `int` <= 100", "type": "value_error.number"},
        {"loc": ["query", "ids", 0], "msg": "Expected `int`, got `str`", "type": "type_error"},
    ]


@pytest.mark.parametrize(
    "raw",
    ["7", "0", "-5", "010", "+5", " 5", "1e1", "10.0", "1_0", "\u0663", "-0", "", "abc",
     "100", "101", "99999999999999999999", "9" * 5000],
)
def test_typed_int_query_reads_as_msgspec_does(app: Kettle, client: Any, raw: str) -> None:
    """Plain digits are read without msgspec: every spelling answers as msgspec's own
    conversion (a value, or a 422 with its message), bounds included."""

    @app.get("/n")
    def n(limit: Annotated[int, Query(ge=-10, le=100)]) -> dict[str, Any]:
        return {"limit": limit}

    @app.get("/big")
    def big(value: int) -> dict[str, Any]:
        return {"value": value}

    bounded = Annotated[int, msgspec.Meta(ge=-10, le=100)]
    for path, name, kind in (("/n", "limit", bounded), ("/big", "value", int)):
        response = client.get(path, query_string={name: raw})
        try:
            expected = msgspec.convert(raw, kind, strict=False)
        except msgspec.ValidationError as exc:
            assert response.status_code == 422, (path, raw)
            assert problem(response)["errors"][0]["msg"] == str(exc), (path, raw)
        else:
            assert response.status_code == 200, (path, raw)
            assert response.get_json() == {name: expected}, (path, raw)


def test_query_with_escapes_in_some_fields(app: Kettle, client: Any) -> None:
    """A query where only some fields are escaped: those are unquoted, the rest kept as sent."""

    @app.route("/q")
    def q() -> Any:
        return {k: request.args.getlist(k) for k in request.args}

    response = client.get("/q?a=1&b=x+y&c=%41%2B&d=&e&a=2")
    assert response.get_json() == {"a": ["1", "2"], "b": ["x y"], "c": ["A+"], "d": [""], "e": [""]}


class Item(msgspec.Struct):
    name: str


def test_typed_body_without_content_type(app: Kettle, client: Any) -> None:
    @app.post("/items")
    def create(item: Item | None = None) -> dict[str, Any]:
        return {"item": None if item is None else item.name}

    assert client.post("/items").get_json() == {"item": None}
    assert client.post("/items", data=b'{"name": "x"}').status_code == 415
    multipart = client.post("/items", data={"name": "x"}, content_type="multipart/form-data")
    assert multipart.status_code == 415
    response = client.post("/items", data=b'{"name": "x"}', content_type="application/json")
    assert response.get_json() == {"item": "x"}


# -- a WSGI environ with only the keys PEP 3333 requires ------------------------------------
def test_wsgi_environ_without_optional_keys() -> None:
    app = Kettle("minimal")

    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "path": request.path, "query": request.query_string, "root": request.root_path,
            "remote": request.remote_addr, "scheme": request.scheme,
        }

    environ = {
        "REQUEST_METHOD": "GET", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(),
    }
    seen: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    assert seen == ["200 OK"]
    assert json.loads(body) == {
        "path": "/", "query": "", "root": "", "remote": None, "scheme": "http",
    }


# -- nothing outlives the request ----------------------------------------------------------
def _json_post_environ(body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/echo", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


@pytest.mark.parametrize("size", [1_000, 100_000])  # under and over wsgi.KEEP_BODY
def test_a_wsgi_json_post_leaves_nothing_behind_without_the_garbage_collector(size: int) -> None:
    """The WSGI fast path frees the request (and so its body) by reference counting alone:
    no cycle keeps an upload alive until the collector runs, whether or not the door frees
    the body itself. (WSGI only: under ASGI, in the full suite, the request outlived the
    call once; see the session's note.)"""
    import gc
    import weakref

    app = Kettle(__name__)
    seen: list[weakref.ref[Request]] = []

    @app.post("/echo")
    def echo() -> Any:
        seen.append(weakref.ref(request._get_current_object()))  # type: ignore[attr-defined]
        return request.get_json()

    body = json.dumps({"blob": "x" * size}).encode()
    gc.disable()
    try:
        answer = b"".join(app(_json_post_environ(body), lambda status, headers: None))
        assert json.loads(answer) == {"blob": "x" * size}
        assert seen and seen[0]() is None
    finally:
        gc.enable()


# -- the body is freed when something may keep the request alive ---------------------------
def _keeping_app(app: Kettle, kept: list[Request]) -> None:
    """``/keep``: a view that keeps its request (as a traceback or a cycle can), reads the
    body, and fails with a handled 400 when asked to."""

    @app.post("/keep")
    def keep() -> Any:
        kept.append(request._get_current_object())  # type: ignore[attr-defined]
        data = request.get_data()
        if request.args.get("fail"):
            abort(400)
        return {"size": len(data)}


def test_a_body_is_freed_after_a_handled_error(app: Kettle, client: Any) -> None:
    kept: list[Request] = []
    _keeping_app(app, kept)
    response = client.post("/keep?fail=1", data=b"x" * 100, content_type="text/plain")
    assert response.status_code == 400
    assert kept[0].get_data() == b""  # freed by the door, not left to the kept request


def test_a_large_body_is_freed_even_after_a_clean_answer(app: Kettle, client: Any) -> None:
    kept: list[Request] = []
    _keeping_app(app, kept)
    size = 200 * 1024  # over wsgi.KEEP_BODY
    response = client.post("/keep", data=b"x" * size, content_type="text/plain")
    assert response.get_json() == {"size": size}
    assert kept[0].get_data() == b""


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON", "application/json; charset=utf-8",
     "application/problem+json"],
)
def test_get_json_and_the_mimetype_agree_for_every_json_type(
    app: Kettle, client: Any, content_type: str
) -> None:
    """A bare ``application/json`` is taken as JSON without parsing the header; the parsed
    ``mimetype`` read afterwards is still the header's."""

    @app.post("/j")
    def j() -> Any:
        value = request.get_json()
        return {"json": value, "mimetype": request.mimetype, "params": request.mimetype_params}

    response = client.post("/j", data=b'{"a": [1, 2]}', content_type=content_type)
    main, _, params = content_type.partition(";")
    assert response.get_json() == {
        "json": {"a": [1, 2]},
        "mimetype": main.lower(),
        "params": {"charset": "utf-8"} if params else {},
    }


class _FreshInput:
    """A server's ``wsgi.input``: every read is a new bytes object (``BytesIO`` would hand
    back the test's own buffer), here of spaces: malformed JSON."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return b" " * size


def test_a_kept_error_keeps_no_wsgi_body_alive() -> None:
    """An error handler that keeps its error keeps the traceback, and with it the door's own
    frame: nothing there may hold the body (``tests/servers/test_memory.py``, in process).
    The fast path only: the full door (a request signal receiver) still keeps it."""
    import tracemalloc

    from kettle.signals import has_request_receivers

    if has_request_receivers():
        pytest.skip("a request signal receiver is connected: the full door, which keeps it")
    app = Kettle(__name__)
    errors: list[Exception] = []

    @app.errorhandler(400)
    def bad(error: Exception) -> Any:
        errors.append(error)
        return {"error": "bad"}, 400

    @app.post("/echo")
    def echo() -> Any:
        return request.get_json()

    size = 8 * 1024 * 1024
    environ = _json_post_environ(b"")
    environ["CONTENT_LENGTH"] = str(size)
    environ["wsgi.input"] = _FreshInput(size)
    seen: list[str] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        answer = b"".join(app(environ, lambda status, headers: seen.append(status)))
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(seen) == 1 and seen[0].startswith("400")
    assert json.loads(answer) == {"error": "bad"} and errors
    assert after - before < size // 4
