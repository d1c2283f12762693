"""HTTP errors: the exception family, abort, error pages (HTML and JSON), error handlers."""

from __future__ import annotations

import pytest

from kettle import HTTPException, Response, abort, request
from kettle import errors as kerrors
from kettle.errors import (
    BadRequest,
    Forbidden,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
)


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


# -- the exception family -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "phrase"),
    [
        ("BadRequest", 400, "Bad Request"),
        ("Unauthorized", 401, "Unauthorized"),
        ("Forbidden", 403, "Forbidden"),
        ("NotFound", 404, "Not Found"),
        ("MethodNotAllowed", 405, "Method Not Allowed"),
        ("NotAcceptable", 406, "Not Acceptable"),
        ("Conflict", 409, "Conflict"),
        ("Gone", 410, "Gone"),
        ("RequestEntityTooLarge", 413, "Content Too Large"),
        ("UnsupportedMediaType", 415, "Unsupported Media Type"),
        ("UnprocessableEntity", 422, "Unprocessable Content"),
        ("TooManyRequests", 429, "Too Many Requests"),
        ("InternalServerError", 500, "Internal Server Error"),
        ("ServiceUnavailable", 503, "Service Unavailable"),
    ],
)
def test_exception_family(app, client, name, code, phrase) -> None:
    cls = getattr(kerrors, name)
    assert issubclass(cls, HTTPException)
    exc = cls()
    assert exc.code == code
    assert exc.name == phrase
    assert str(exc).startswith(f"{code} {phrase}")

    @app.route("/")
    def index():
        raise cls()

    response = client.get("/")
    assert response.status_code == code
    assert f"<title>{code} {phrase}</title>" in response.text
    assert response.mimetype == "text/html"


def test_raising_with_a_description(app, client) -> None:
    @app.route("/")
    def index():
        raise Forbidden("Members only.")

    response = client.get("/")
    assert response.status_code == 403
    assert "Members only." in response.text


def test_method_not_allowed_lists_valid_methods() -> None:
    exc = MethodNotAllowed(["POST", "GET"])
    assert exc.get_headers() == [("Allow", "GET, POST")]


def test_unauthorized_sends_www_authenticate(app, client) -> None:
    @app.route("/")
    def index():
        raise Unauthorized(www_authenticate='Basic realm="kettle"')

    response = client.get("/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="kettle"'


# -- abort ------------------------------------------------------------------------


def test_abort_404(app, client) -> None:
    @app.route("/")
    def index():
        abort(404)

    response = client.get("/")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_abort_raises_the_matching_class() -> None:
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(BadRequest, match="no good"):
        abort(400, description="no good")


def test_abort_418_without_a_dedicated_class(app, client) -> None:
    @app.route("/")
    def index():
        abort(418)

    response = client.get("/")
    assert response.status_code == 418
    assert "I&#x27;m a teapot" in response.text


def test_abort_with_a_response(app, client) -> None:
    @app.route("/")
    def index():
        abort(Response("custom body", 409, {"X-Why": "conflict"}))

    response = client.get("/")
    assert response.status_code == 409
    assert response.text == "custom body"
    assert response.headers["X-Why"] == "conflict"


def test_abort_with_a_response_skips_error_handlers(app, client) -> None:
    @app.errorhandler(409)
    def conflict(exc):
        return "handler", 409

    @app.route("/")
    def index():
        abort(Response("from abort", 409))

    assert client.get("/").text == "from abort"


def test_abort_with_an_unknown_code_is_an_error() -> None:
    with pytest.raises(LookupError):
        abort(299)
    with pytest.raises(LookupError):
        abort(999)


def test_abort_description_is_shown(app, client) -> None:
    @app.route("/")
    def index():
        abort(400, description="The 'name' field is required.")

    assert "The &#x27;name&#x27; field is required." in client.get("/").text


# -- error pages ----------------------------------------------------------------


def test_html_error_page_escapes_the_description(app, client) -> None:
    payload = "<script>alert('x')</script>"

    @app.route("/")
    def index():
        abort(400, description=payload)

    response = client.get("/")
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.text


def test_reflected_input_in_an_error_is_escaped(app, client) -> None:
    @app.route("/search")
    def search():
        abort(404, description=f"No results for {request.args['q']}")

    response = client.get("/search", query_string={"q": '"><img src=x onerror=alert(1)>'})
    assert "<img" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/html;q=0.5"])
def test_json_clients_get_json_errors(app, client, accept) -> None:
    @app.route("/")
    def index():
        abort(400, description="<bad>")

    response = client.get("/", headers={"Accept": accept})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.json == {"code": 400, "name": "Bad Request", "description": "<bad>"}


def test_json_404_for_unknown_urls(client) -> None:
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["code"] == 404


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", "text/html, application/json;q=0.9"])
def test_html_errors_by_default(client, accept) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/nowhere", headers=headers)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_500_never_leaks_the_exception(no_propagation, client) -> None:
    app = no_propagation

    @app.route("/")
    def index():
        raise RuntimeError("database password is hunter2")

    for headers in ({}, {"Accept": "application/json"}):
        response = client.get("/", headers=headers)
        assert response.status_code == 500
        assert "hunter2" not in response.text
        assert "Traceback" not in response.text
        assert "RuntimeError" not in response.text
    assert client.get("/", headers={"Accept": "application/json"}).json["code"] == 500


def test_405_has_allow_header(app, client) -> None:
    @app.route("/items", methods=["GET", "POST"])
    def items():
        return "items"

    response = client.delete("/items")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_missing_form_key_is_a_400_naming_it(app, client) -> None:
    @app.post("/")
    def index():
        return request.form["username"]

    response = client.post("/", data={"other": "x"})
    assert response.status_code == 400
    assert "username" in response.text


# -- error handlers ---------------------------------------------------------------


def test_errorhandler_for_a_status_code(app, client) -> None:
    @app.errorhandler(404)
    def not_found(exc):
        assert isinstance(exc, NotFound)
        return f"custom: {request.path}", 404

    assert client.get("/nowhere").text == "custom: /nowhere"


def test_errorhandler_result_status_defaults_to_200(app, client) -> None:
    @app.errorhandler(404)
    def not_found(exc):
        return "soft"

    response = client.get("/nowhere")
    assert response.status_code == 200  # as in Flask: the handler decides
    assert response.text == "soft"


def test_errorhandler_for_405(app, client) -> None:
    @app.errorhandler(405)
    def not_allowed(exc):
        return {"allowed": exc.valid_methods}, 405

    @app.post("/only-post")
    def only_post():
        return "ok"

    response = client.get("/only-post")
    assert response.status_code == 405
    assert response.json == {"allowed": ["OPTIONS", "POST"]}


def test_errorhandler_for_418(app, client) -> None:
    @app.errorhandler(418)
    def teapot(exc):
        return f"short and stout ({exc.code})", 418

    @app.route("/")
    def index():
        abort(418)

    assert client.get("/").text == "short and stout (418)"


def test_errorhandler_for_an_exception_class(app, client) -> None:
    @app.errorhandler(KeyError)
    def missing(exc):
        return f"missing {exc.args[0]}", 400

    @app.route("/")
    def index():
        return {}["thing"]

    response = client.get("/")
    assert response.status_code == 400
    assert response.text == "missing thing"


def test_most_specific_exception_class_wins(app, client) -> None:
    class AppError(Exception):
        pass

    class PaymentError(AppError):
        pass

    class CardDeclined(PaymentError):
        pass

    @app.errorhandler(Exception)
    def any_error(exc):
        return "exception", 500

    @app.errorhandler(AppError)
    def app_error(exc):
        return "app error", 500

    @app.errorhandler(PaymentError)
    def payment_error(exc):
        return "payment error", 402

    @app.route("/<kind>")
    def fail(kind):
        raise {"app": AppError, "card": CardDeclined, "other": ValueError}[kind]()

    assert client.get("/card").text == "payment error"
    assert client.get("/app").text == "app error"
    assert client.get("/other").text == "exception"


def test_handler_for_the_http_exception_base_catches_every_http_error(app, client) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc):
        return f"http {exc.code}", exc.code

    @app.route("/forbidden")
    def forbidden():
        abort(403)

    @app.route("/teapot")
    def teapot():
        abort(418)

    assert client.get("/nowhere").text == "http 404"
    assert client.get("/forbidden").text == "http 403"
    assert client.get("/teapot").text == "http 418"
    assert client.post("/forbidden").text == "http 405"


def test_status_code_handler_beats_the_http_exception_handler(app, client) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc):
        return "generic", exc.code

    @app.errorhandler(404)
    def not_found(exc):
        return "specific 404", 404

    @app.route("/get-only")
    def get_only():
        return "x"

    assert client.get("/nowhere").text == "specific 404"
    assert client.post("/get-only").text == "generic"


def test_app_code_handler_beats_a_blueprint_class_handler(app, client) -> None:
    # Flask's search order: handlers for the status code (blueprint, then app) before
    # handlers registered by class alone.
    from kettle import Blueprint

    bp = Blueprint("bp", __name__)

    @bp.errorhandler(HTTPException)
    def bp_generic(exc):
        return "blueprint generic", exc.code

    @app.errorhandler(404)
    def app_404(exc):
        return "app 404", 404

    @bp.route("/thing")
    def thing():
        abort(404)

    @bp.route("/other")
    def other():
        abort(410)

    app.register_blueprint(bp)
    assert client.get("/thing").text == "app 404"
    assert client.get("/other").text == "blueprint generic"


def test_exception_handler_also_catches_http_errors(app, client) -> None:
    @app.errorhandler(Exception)
    def everything(exc):
        return f"caught {type(exc).__name__}", 500

    assert client.get("/nowhere").text == "caught NotFound"


def test_handler_for_a_subclass_of_an_http_error(app, client) -> None:
    class OutOfStock(NotFound):
        description = "That item is out of stock."

    @app.errorhandler(OutOfStock)
    def out_of_stock(exc):
        return exc.description, 404

    @app.route("/item")
    def item():
        raise OutOfStock()

    assert client.get("/item").text == "That item is out of stock."
    assert client.get("/nowhere").text != "That item is out of stock."


def test_register_error_handler(app, client) -> None:
    app.register_error_handler(403, lambda exc: ("nope", 403))

    @app.route("/")
    def index():
        abort(403)

    assert client.get("/").text == "nope"


def test_errorhandler_refuses_bad_arguments(app) -> None:
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        app.errorhandler(999)(lambda exc: "x")
    with pytest.raises(TypeError, match="instance"):
        app.register_error_handler(ValueError(), lambda exc: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a subclass of Exception"):
        app.register_error_handler(int, lambda exc: "x")  # type: ignore[arg-type]


def test_500_handler_gets_the_original_exception(no_propagation, client) -> None:
    app = no_propagation

    @app.errorhandler(500)
    def server_error(exc):
        assert isinstance(exc, InternalServerError)
        return f"sorry ({type(exc.original_exception).__name__})", 500

    @app.route("/")
    def index():
        raise ZeroDivisionError()

    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "sorry (ZeroDivisionError)"


def test_handler_for_internal_server_error_class(no_propagation, client) -> None:
    app = no_propagation

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        return "handled by class", 500

    @app.route("/")
    def index():
        raise ValueError()

    assert client.get("/").text == "handled by class"


def test_abort_500_goes_to_the_500_handler(app, client) -> None:
    @app.errorhandler(500)
    def server_error(exc):
        return "explicit 500", 500

    @app.route("/")
    def index():
        abort(500)

    assert client.get("/").text == "explicit 500"


def test_error_raised_inside_an_error_handler_is_a_500(no_propagation, client) -> None:
    app = no_propagation

    @app.errorhandler(404)
    def broken_404(exc):
        raise RuntimeError("handler is broken")

    @app.errorhandler(ValueError)
    def broken_value(exc):
        raise RuntimeError("handler is broken too")

    @app.route("/")
    def index():
        raise ValueError()

    for path in ("/nowhere", "/"):
        response = client.get(path)
        assert response.status_code == 500
        assert "broken" not in response.text


def test_error_inside_the_500_handler_still_answers_500(no_propagation, client, caplog) -> None:
    app = no_propagation

    @app.errorhandler(500)
    def broken(exc):
        raise RuntimeError("500 handler is broken")

    @app.route("/")
    def index():
        raise ValueError("original")

    response = client.get("/")
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    assert "broken" not in response.text
    assert "500 handler is broken" in caplog.text


def test_error_handler_raising_http_error_is_not_handled_again(no_propagation, client) -> None:
    app = no_propagation

    @app.errorhandler(ValueError)
    def convert(exc):
        abort(409)

    @app.errorhandler(409)
    def conflict(exc):
        return "conflict handler", 409

    @app.route("/")
    def index():
        raise ValueError()

    # An error from a handler is not handled again (no loops), as in Flask: it is a 500.
    response = client.get("/")
    assert response.status_code == 500
    assert response.text != "conflict handler"


def test_handler_may_return_a_response_object(app, client) -> None:
    @app.errorhandler(404)
    def not_found(exc):
        return Response("gone fishing", 404, {"X-Custom": "1"})

    response = client.get("/missing")
    assert response.text == "gone fishing"
    assert response.headers["X-Custom"] == "1"


def test_before_request_errors_reach_handlers(app, client) -> None:
    @app.before_request
    def fail():
        raise PermissionError("no")

    @app.errorhandler(PermissionError)
    def denied(exc):
        return "denied", 403

    @app.route("/")
    def index():
        return "never"

    assert client.get("/").status_code == 403


def test_trailing_slash_redirect_is_not_an_error(app, client) -> None:
    @app.errorhandler(HTTPException)
    def every(exc):
        return "handled", exc.code

    @app.route("/about/")
    def about():
        return "about"

    response = client.get("/about")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/about/")
