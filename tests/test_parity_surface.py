"""Flask names kettle gained for parity: ``kettle.wrappers``, ``kettle.testing.EnvironBuilder``,
the test client's ``trace``/``resolve_redirect``/``run_wsgi_app``, ``kettle.cli`` helpers,
``Blueprint.make_setup_state``/``open_resource`` and ``DispatchingJinjaLoader``."""

from __future__ import annotations

import os
import ssl
import sys
import types
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import kettle
from kettle import Blueprint, Kettle, redirect, request
from kettle.blueprints import BlueprintSetupState
from kettle.testing import EnvironBuilder, KettleClient


def test_wrappers_reexport_request_and_response() -> None:
    from kettle.wrappers import Request, Response

    assert Request is kettle.Request and Response is kettle.Response


# -- EnvironBuilder ----------------------------------------------------------------------------


def test_environ_builder_uses_the_app_url_settings() -> None:
    app = Kettle("eb")
    app.config.update(SERVER_NAME="example.com", APPLICATION_ROOT="/app",
                      PREFERRED_URL_SCHEME="https")
    builder = EnvironBuilder(app, "/users", query_string={"q": "x"}, method="post",
                             json={"a": 1}, headers={"X-A": "1"})
    environ = builder.get_environ()
    assert environ["wsgi.url_scheme"] == "https"
    assert (environ["HTTP_HOST"], environ["SCRIPT_NAME"]) == ("example.com", "/app")
    assert (environ["REQUEST_METHOD"], environ["QUERY_STRING"]) == ("POST", "q=x")
    req = builder.get_request()
    assert isinstance(req, app.request_class)
    assert req.url == "https://example.com/app/users?q=x"
    assert req.get_json() == {"a": 1} and req.headers["X-A"] == "1"
    sub = EnvironBuilder(app, "/", subdomain="api", url_scheme="http").get_environ()
    assert (sub["HTTP_HOST"], sub["wsgi.url_scheme"]) == ("api.example.com", "http")
    with pytest.raises(TypeError):
        EnvironBuilder(app, "/", base_url="http://x/", subdomain="api")


def test_environ_builder_environ_goes_through_the_app() -> None:
    app = Kettle("eb2")

    @app.route("/who", methods=["POST"])
    def who() -> str:
        auth = request.authorization
        return f"{auth.username if auth else None} {request.form.get('f')}"

    environ = EnvironBuilder(app, "/who", method="POST", data={"f": "v"},
                             auth=("ada", "pw")).get_environ()
    app_iter, status, headers = KettleClient(app).run_wsgi_app(environ, buffered=True)
    assert (status, b"".join(app_iter)) == ("200 OK", b"ada v")
    assert headers["Content-Type"].startswith("text/html")


# -- test client ------------------------------------------------------------------------------


def test_trace_sends_a_trace_request(app: Kettle, client: KettleClient) -> None:
    @app.route("/t", methods=["TRACE"])
    def t() -> str:
        return request.method

    assert client.trace("/t").text == "TRACE"
    assert client.get("/t").status_code == 405


def test_resolve_redirect(app: Kettle, client: KettleClient) -> None:
    @app.route("/from", methods=["GET", "POST"])
    def start() -> Any:
        return redirect("/to?x=1", 307 if request.args.get("keep") else 302)

    @app.route("/to", methods=["GET", "POST"])
    def to() -> str:
        return f"{request.method} {request.args['x']}"

    first = client.post("/from")
    assert first.status_code == 302
    assert client.resolve_redirect(first).text == "GET 1"
    kept = client.post("/from?keep=1")
    assert client.resolve_redirect(kept).text == "POST 1"


def test_run_wsgi_app_keeps_cookies(app: Kettle) -> None:
    @app.route("/set")
    def set_cookie() -> Any:
        response = kettle.Response("set")
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavour", "none")

    client = app.test_client()
    _, status, headers = client.run_wsgi_app(EnvironBuilder(app, "/set").get_environ())
    assert status == "200 OK" and "flavour=oat" in headers["Set-Cookie"]
    assert client.get_cookie("flavour") == "oat"
    body, _, _ = client.run_wsgi_app(EnvironBuilder(app, "/get").get_environ())
    assert b"".join(body) == b"oat"
    close = getattr(body, "close", None)
    assert close is not None
    close()


# -- CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def app_module() -> Any:
    module = types.ModuleType("parity_cli_app")
    module.app = Kettle("parity_cli_app")  # type: ignore[attr-defined]
    module.create_other = lambda name="other": Kettle(name)  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_find_best_app_and_find_app_by_string(app_module: Any) -> None:
    from kettle.cli import NoAppException, find_app_by_string, find_best_app

    assert find_best_app(app_module) is app_module.app
    assert find_app_by_string(app_module, "app") is app_module.app
    assert find_app_by_string(app_module, "create_other('x')").name == "x"
    with pytest.raises(NoAppException):
        find_app_by_string(app_module, "missing")


def test_get_version_and_show_server_banner() -> None:
    from kettle.cli import get_version, show_server_banner

    @click.command()
    @click.option("--version", is_flag=True, expose_value=False, is_eager=True,
                  callback=get_version)
    def cmd() -> None:
        show_server_banner(True, "pkg.app")

    runner = CliRunner()
    assert "Kettle" in runner.invoke(cmd, ["--version"]).output
    output = runner.invoke(cmd, []).output
    assert " * Serving kettle app 'pkg.app'" in output and " * Debug mode: on" in output


def test_cert_and_separated_path_types(tmp_path: Path) -> None:
    from kettle.cli import CertParamType, SeparatedPathType

    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    module = types.ModuleType("parity_ssl_mod")
    module.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # type: ignore[attr-defined]
    sys.modules["parity_ssl_mod"] = module
    try:
        cert_type = CertParamType()
        assert cert_type.convert(str(cert), None, None) == str(cert)
        assert cert_type.convert("ADHOC", None, None) == "adhoc"
        assert cert_type.convert("parity_ssl_mod.ctx", None, None) is module.ctx
        with pytest.raises(click.BadParameter):
            cert_type.convert(str(tmp_path / "missing.pem"), None, None)
    finally:
        del sys.modules["parity_ssl_mod"]
    paths = SeparatedPathType().convert(f"{tmp_path}{os.pathsep}{cert}", None, None)
    assert paths == [str(tmp_path), str(cert)]


# -- Blueprint, templating ---------------------------------------------------------------------


def test_make_setup_state_can_be_overridden(app: Kettle, client: KettleClient) -> None:
    seen: list[BlueprintSetupState] = []

    class TaggedState(BlueprintSetupState):
        tag = "custom"

    class TaggedBlueprint(Blueprint):
        def make_setup_state(
            self, app: Kettle, options: dict[str, Any], first_registration: bool = False
        ) -> BlueprintSetupState:
            return TaggedState(self, app, options, first_registration)

    bp = TaggedBlueprint("tagged", __name__, url_prefix="/t")
    bp.record(seen.append)

    @bp.route("/x")
    def x() -> str:
        return "x"

    app.register_blueprint(bp)
    assert isinstance(seen[0], TaggedState) and seen[0].first_registration
    assert seen[0].url_prefix == "/t"
    assert client.get("/t/x").text == "x"
    state = Blueprint("plain", __name__).make_setup_state(app, {"url_prefix": "/p"})
    assert state.url_prefix == "/p" and state.first_registration is False


def test_blueprint_open_resource(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("héllo", encoding="utf-8")
    bp = Blueprint("res", __name__, root_path=str(tmp_path))
    with bp.open_resource("data.txt") as f:
        assert f.read() == "héllo".encode()
    with bp.open_resource("data.txt", "r") as f:
        assert f.read() == "héllo"
    with pytest.raises(ValueError):
        bp.open_resource("data.txt", "w")


def test_dispatching_jinja_loader(tmp_path: Path) -> None:
    from kettle.templating import DispatchingJinjaLoader

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("hi {{ name }}")
    app = Kettle("tpl", root_path=str(tmp_path))
    assert isinstance(app.jinja_env.loader, DispatchingJinjaLoader)
    loader = DispatchingJinjaLoader(app)
    assert "page.html" in loader.list_templates()
    with app.app_context():
        assert app.jinja_env.get_template("page.html").render(name="ada") == "hi ada"


# -- flask.config, flask.helpers ---------------------------------------------------------------


def test_config_attribute_forwards_to_config() -> None:
    from kettle.config import ConfigAttribute

    class App(Kettle):
        max_items = ConfigAttribute("MAX_ITEMS", get_converter=int)
        banner = ConfigAttribute[str]("BANNER")

    app = App("cfg")
    app.config["MAX_ITEMS"] = "12"
    assert app.max_items == 12
    app.banner = "hello"
    assert app.config["BANNER"] == "hello" and app.banner == "hello"
    assert isinstance(App.__dict__["max_items"], ConfigAttribute)


def test_get_root_path_and_get_load_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    from kettle.helpers import get_load_dotenv, get_root_path

    assert get_root_path(__name__) == str(Path(__file__).parent)
    monkeypatch.delenv("KETTLE_SKIP_DOTENV", raising=False)
    assert get_load_dotenv() is True and get_load_dotenv(False) is False
    monkeypatch.setenv("KETTLE_SKIP_DOTENV", "1")
    assert get_load_dotenv() is False
    monkeypatch.setenv("KETTLE_SKIP_DOTENV", "no")
    assert get_load_dotenv() is True


def test_open_takes_a_builder_an_environ_and_auth(app: Kettle, client: KettleClient) -> None:
    @app.route("/who", methods=["GET", "PUT"])
    def who() -> str:
        auth = request.authorization
        return f"{request.method} {auth.username if auth else '-'} {request.mimetype}"

    builder = EnvironBuilder(app, "/who", method="PUT", data="x", mimetype="text/csv")
    assert client.open(builder).text == "PUT - text/csv"
    assert client.open(builder.get_environ()).text == "PUT - text/csv"
    assert client.get("/who", auth=("ada", "pw")).text == "GET ada "
