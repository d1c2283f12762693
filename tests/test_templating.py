"""Jinja2 templates: loading, autoescape, the default globals, filters/tests/globals,
context processors, streaming, auto-reload and error reports, through both doors."""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

import jinja2
import pytest

from kettle import (
    Blueprint,
    Kettle,
    Response,
    flash,
    g,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
)
from kettle.templating import TemplateNotFound
from kettle.testing import KettleClient


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def app(tmp_path: Path) -> Kettle:
    """An app rooted in ``tmp_path``: its templates live in ``tmp_path / "templates"``."""
    app = Kettle("templated_app", root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY="test secret")
    (tmp_path / "templates").mkdir()
    return app


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    return tmp_path / "templates"


# -- loading and autoescape ---------------------------------------------------------


def test_render_template_from_the_app_folder(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    write(templates, "hello.html", "<p>Hello {{ name }}!</p>")

    @app.get("/")
    def index() -> str:
        return render_template("hello.html", name=request.args.get("name", "you"))

    response = client.get("/?name=Ada")
    assert response.status_code == 200
    assert response.text == "<p>Hello Ada!</p>"
    assert response.mimetype == "text/html"


def test_templates_in_subfolders_and_inheritance(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    write(templates, "base.html", "<title>{% block title %}{% endblock %}</title>"
          "<main>{% block body %}{% endblock %}</main>")
    write(templates, "pages/about.html", "{% extends 'base.html' %}"
          "{% block title %}About{% endblock %}{% block body %}{% include 'pages/_x.html' %}"
          "{% endblock %}")
    write(templates, "pages/_x.html", "included {{ who }}")

    @app.get("/about")
    def about() -> str:
        return render_template("pages/about.html", who="<me>")

    assert client.get("/about").text == (
        "<title>About</title><main>included &lt;me&gt;</main>"
    )


@pytest.mark.parametrize(
    ("name", "escaped"),
    [("a.html", True), ("a.htm", True), ("a.xml", True), ("a.xhtml", True), ("a.svg", True),
     ("a.txt", False), ("a.js", False), ("a.HTML.txt", False)],
)
def test_autoescape_by_file_extension(
    app: Kettle, templates: Path, client: KettleClient, name: str, escaped: bool
) -> None:
    write(templates, name, "{{ value }}")

    @app.get("/")
    def index() -> str:
        return render_template(name, value="<b>&</b>")

    expected = "&lt;b&gt;&amp;&lt;/b&gt;" if escaped else "<b>&</b>"
    assert client.get("/").text == expected


def test_string_templates_autoescape_and_safe_opts_out(app: Kettle, client: KettleClient) -> None:
    @app.get("/")
    def index() -> str:
        return render_template_string(
            "{{ v }}|{{ v|safe }}|{% autoescape false %}{{ v }}{% endautoescape %}", v="<i>"
        )

    assert client.get("/").text == "&lt;i&gt;|<i>|<i>"


def test_first_existing_template_of_a_list(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    write(templates, "fallback.html", "fallback")
    write(templates, "second.html", "second")

    @app.get("/")
    def index() -> str:
        return render_template(["missing.html", "second.html", "fallback.html"])

    assert client.get("/").text == "second"


def test_app_folder_first_then_blueprints_in_registration_order(
    app: Kettle, templates: Path, tmp_path: Path, client: KettleClient
) -> None:
    write(templates, "shared.html", "from the app")
    write(tmp_path / "one_templates", "shared.html", "from one")
    write(tmp_path / "one_templates", "only_one.html", "one only")
    write(tmp_path / "two_templates", "only_one.html", "two's copy")
    write(tmp_path / "two_templates", "only_two.html", "two only")
    one = Blueprint("one", __name__, template_folder="one_templates", root_path=str(tmp_path))
    two = Blueprint("two", __name__, template_folder="two_templates", root_path=str(tmp_path))

    @two.get("/<name>")
    def page(name: str) -> str:
        return render_template(f"{name}.html")

    app.register_blueprint(one, url_prefix="/one")
    app.register_blueprint(two, url_prefix="/two")

    assert client.get("/two/shared").text == "from the app"
    assert client.get("/two/only_one").text == "one only"
    assert client.get("/two/only_two").text == "two only"
    assert app.jinja_env.list_templates() == ["only_one.html", "only_two.html", "shared.html"]


def test_app_without_template_folder_still_renders_strings(tmp_path: Path) -> None:
    app = Kettle("no_templates", root_path=str(tmp_path), template_folder=None)
    assert app.jinja_loader is None
    with app.app_context():
        assert render_template_string("{{ 1 + 1 }}") == "2"
        with pytest.raises(TemplateNotFound, match="no template folder is configured"):
            render_template("x.html")


# -- errors: missing templates, template errors ---------------------------------


def test_missing_template_names_every_folder_searched(
    app: Kettle, templates: Path, tmp_path: Path
) -> None:
    admin = Blueprint("admin", __name__, template_folder="admin_t", root_path=str(tmp_path))
    app.register_blueprint(admin)
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        render_template("nope.html")
    message = str(info.value)
    assert "'nope.html'" in message
    assert f"{templates} (app)" in message
    assert f"{tmp_path / 'admin_t'} (blueprint 'admin')" in message
    assert message.index("(app)") < message.index("(blueprint 'admin')")
    assert isinstance(info.value, jinja2.TemplateNotFound)
    assert info.value.searched == [
        f"{templates} (app)", f"{tmp_path / 'admin_t'} (blueprint 'admin')"
    ]


def test_missing_template_of_a_list_names_all_names_and_folders(
    app: Kettle, templates: Path
) -> None:
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        render_template(["a.html", "b.html"])
    assert "'a.html', 'b.html'" in str(info.value)
    assert str(templates) in str(info.value)
    assert info.value.templates == ["a.html", "b.html"]


def test_missing_included_template_names_the_folders(app: Kettle, templates: Path) -> None:
    write(templates, "page.html", "{% include 'gone.html' %}")
    with app.app_context(), pytest.raises(TemplateNotFound, match=str(templates)):
        render_template("page.html")


def test_missing_template_in_a_view_is_a_logged_500_without_details(
    app: Kettle, client: KettleClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/")
    def index() -> str:
        return render_template("secret_name.html")

    response = client.get("/")
    assert response.status_code == 500
    assert "secret_name" not in response.text
    assert "secret_name.html" in caplog.text


def test_runtime_error_in_a_template_points_at_its_file_and_line(
    app: Kettle, templates: Path
) -> None:
    path = write(templates, "broken.html", "line one\nline two\n{{ 1 // zero }}\n")
    with app.app_context(), pytest.raises(ZeroDivisionError) as info:
        render_template("broken.html", zero=0)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert (str(path), 3) in [(frame.filename, frame.lineno) for frame in frames]


def test_syntax_error_in_a_template_names_its_file_and_line(app: Kettle, templates: Path) -> None:
    path = write(templates, "bad.html", "ok\n{% if %}\n")
    with app.app_context(), pytest.raises(jinja2.TemplateSyntaxError) as info:
        render_template("bad.html")
    assert info.value.filename == str(path)
    assert info.value.lineno == 2
    frames = traceback.extract_tb(info.value.__traceback__)
    assert (str(path), 2) in [(frame.filename, frame.lineno) for frame in frames]


def test_rendering_needs_an_app_context(app: Kettle) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template_string("x")


# -- the default context ---------------------------------------------------------


def test_request_session_g_config_url_for_and_flashes_in_every_template(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    write(templates, "ctx.html", (
        "{{ request.method }} {{ request.args.q }}|{{ session.user }}|{{ g.colour }}|"
        "{{ config.SITE }}|{{ url_for('show', item=7) }}|{{ get_flashed_messages() }}"
    ))
    app.config["SITE"] = "kettle site"

    @app.get("/item/<int:item>")
    def show(item: int) -> str:
        session["user"] = "ada"
        g.colour = "green"
        flash("saved")
        return render_template("ctx.html")

    text = client.get("/item/1?q=find").text
    assert text == "GET find|ada|green|kettle site|/item/7|[&#39;saved&#39;]"


def test_default_context_in_string_templates_and_async_views(
    app: Kettle, client: KettleClient
) -> None:
    @app.get("/async/<name>")
    async def hello(name: str) -> str:
        g.n = 3
        return render_template_string(
            "{{ name }} {{ request.path }} {{ g.n }} {{ url_for('hello', name='x') }}", name=name
        )

    assert client.get("/async/<b>").text == "&lt;b&gt; /async/&lt;b&gt; 3 /async/x"


def test_render_in_app_context_without_request(app: Kettle, templates: Path) -> None:
    write(templates, "mail.txt", "Dear {{ name }}, {{ config.SECRET_KEY|length }}")
    with app.app_context():
        assert render_template("mail.txt", name="<Ada>") == "Dear <Ada>, 11"


def test_tojson_is_safe_inside_script_tags(app: Kettle, client: KettleClient) -> None:
    @app.get("/")
    def index() -> str:
        return render_template_string(
            "<script>var data = {{ data|tojson }};</script>",
            data={"x": "</script><script>alert(1)</script>", "q": "'&"},
        )

    text = client.get("/").text
    assert "</script><script>" not in text
    assert text.count("</script>") == 1
    assert "\\u003c/script\\u003e" in text
    assert "\\u0027\\u0026" in text


# -- context processors, filters, tests, globals --------------------------------


def test_context_processors_app_then_blueprint_and_explicit_values_win(
    app: Kettle, client: KettleClient
) -> None:
    source = "{{ who }}|{{ colour }}|{{ shared }}|{{ mine }}"
    shop = Blueprint("shop", __name__)

    @app.context_processor
    def app_values() -> dict[str, str]:
        return {"who": "app", "colour": "red", "shared": "app"}

    @shop.context_processor
    def shop_values() -> dict[str, str]:
        return {"shared": "shop"}

    @shop.app_context_processor
    def everywhere() -> dict[str, str]:
        return {"colour": "blue"}

    @shop.get("/")
    def shop_index() -> str:
        return render_template_string(source, mine="given", who="view")

    @app.get("/")
    def index() -> str:
        return render_template_string(source, mine="given")

    app.register_blueprint(shop, url_prefix="/shop")
    assert client.get("/").text == "app|blue|app|given"
    assert client.get("/shop/").text == "view|blue|shop|given"


def test_context_processors_run_on_every_render(app: Kettle, client: KettleClient) -> None:
    calls: list[str] = []

    @app.context_processor
    def count() -> dict[str, int]:
        calls.append(request.path)
        return {"n": len(calls)}

    @app.get("/")
    def index() -> str:
        return render_template_string("{{ n }}") + render_template_string("{{ n }}")

    assert client.get("/").text == "12"
    assert client.get("/").text == "34"


def test_app_template_filters_tests_and_globals(app: Kettle, client: KettleClient) -> None:
    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper() + "!"

    @app.template_filter("rev")
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_test()
    def even(value: int) -> bool:
        return value % 2 == 0

    @app.template_test("big")
    def is_big(value: int) -> bool:
        return value > 100

    @app.template_global()
    def site_name() -> str:
        return "<Kettle>"

    @app.template_global("answer")
    def the_answer() -> int:
        return 42

    @app.template_filter
    def bare(value: str) -> str:
        return f"[{value}]"

    app.add_template_filter(lambda v: v * 2, "twice")
    app.add_template_test(lambda v: v == 0, "zero")
    app.add_template_global(len, "size")

    @app.get("/")
    def index() -> str:
        return render_template_string(
            "{{ 'hi'|shout }} {{ 'abc'|rev }} {{ 4 is even }} {{ 3 is even }} {{ 101 is big }} "
            "{{ site_name() }} {{ answer() }} {{ 'x'|bare }} {{ 'ab'|twice }} {{ 0 is zero }} "
            "{{ size('four') }}"
        )

    assert client.get("/").text == (
        "HI! cba True False True &lt;Kettle&gt; 42 [x] abab True 4"
    )


def test_blueprint_filters_tests_and_globals_serve_the_whole_app(
    app: Kettle, client: KettleClient
) -> None:
    bp = Blueprint("fmt", __name__)

    @bp.app_template_filter("money")
    def money(value: float) -> str:
        return f"{value:.2f} EUR"

    @bp.app_template_test()
    def negative(value: float) -> bool:
        return value < 0

    @bp.app_template_global()
    def currency() -> str:
        return "EUR"

    @bp.template_filter()
    def plain(value: str) -> str:
        return f"plain {value}"

    bp.add_app_template_filter(str.title, "title_case")
    bp.add_app_template_test(lambda v: v == 1, "one")
    bp.add_app_template_global(lambda: "g", "gee")

    @app.get("/")
    def index() -> str:  # an app view: blueprint filters are app-wide, as in Flask
        return render_template_string(
            "{{ 3|money }} {{ -1 is negative }} {{ currency() }} {{ 'x'|plain }} "
            "{{ 'ada lovelace'|title_case }} {{ 1 is one }} {{ gee() }}"
        )

    assert "money" not in app.jinja_env.filters  # nothing is added before registration
    app.register_blueprint(bp)
    assert client.get("/").text == "3.00 EUR True EUR plain x Ada Lovelace True g"


# -- the environment ----------------------------------------------------------------


def test_jinja_env_is_created_once_even_across_threads(app: Kettle) -> None:
    envs: list[object] = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        envs.append(app.jinja_env)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(env) for env in envs}) == 1
    assert app.jinja_env is envs[0]
    assert app.jinja_env.app is app  # type: ignore[attr-defined]


def test_jinja_options_and_create_jinja_environment_override(tmp_path: Path) -> None:
    class CustomApp(Kettle):
        jinja_options = {"trim_blocks": True, "extensions": ["jinja2.ext.loopcontrols"]}

        def create_jinja_environment(self):  # type: ignore[no-untyped-def]
            env = super().create_jinja_environment()
            env.globals["made_here"] = "yes"
            return env

    app = CustomApp("custom", root_path=str(tmp_path))
    with app.app_context():
        text = render_template_string(
            "{% for i in [1, 2, 3] %}{% if i == 2 %}{% break %}{% endif %}\n{{ i }}{% endfor %}"
            "{{ made_here }}"
        )
    assert text == "1yes"
    assert app.jinja_env.trim_blocks


def test_templates_auto_reload_follows_debug_and_config(app: Kettle, templates: Path) -> None:
    assert app.templates_auto_reload is False
    app.debug = True
    assert app.templates_auto_reload is True
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    assert app.templates_auto_reload is False
    app.templates_auto_reload = True
    assert app.config["TEMPLATES_AUTO_RELOAD"] is True


@pytest.mark.parametrize("reload", [True, False])
def test_edited_template_is_reloaded_only_with_auto_reload(
    app: Kettle, templates: Path, client: KettleClient, reload: bool
) -> None:
    import os

    path = write(templates, "page.html", "version 1")
    app.config["TEMPLATES_AUTO_RELOAD"] = reload

    @app.get("/")
    def index() -> str:
        return render_template("page.html")

    assert client.get("/").text == "version 1"
    path.write_text("version 2")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))  # a later mtime, whatever the clock
    assert client.get("/").text == ("version 2" if reload else "version 1")


def test_debug_mode_reloads_templates(app: Kettle, templates: Path, client: KettleClient) -> None:
    import os

    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = True
    path = write(templates, "page.html", "before")

    @app.get("/")
    def index() -> str:
        return render_template("page.html")

    assert client.get("/").text == "before"
    path.write_text("after")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert client.get("/").text == "after"


# -- streaming -----------------------------------------------------------------------


def test_stream_template_streams_with_the_request_context(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    write(templates, "rows.html",
          "{% for r in rows %}<li>{{ r }} {{ request.path }}</li>{% endfor %}")

    @app.get("/rows")
    def rows() -> object:
        return stream_template("rows.html", rows=["a", "<b>"])

    @app.get("/rows-async")
    async def rows_async() -> Response:
        return Response(stream_template_string("{{ x }} {{ request.args.q }}", x="<y>"))

    response = client.get("/rows")
    assert response.status_code == 200
    assert response.text == "<li>a /rows</li><li>&lt;b&gt; /rows</li>"
    assert client.get("/rows-async?q=z").text == "&lt;y&gt; z"


def test_stream_template_is_lazy(app: Kettle, client: KettleClient) -> None:
    seen: list[str] = []

    def items():  # type: ignore[no-untyped-def]
        for item in ("one", "two"):
            seen.append(item)
            yield item

    with app.test_request_context("/"):
        stream = stream_template_string("{% for i in items %}{{ i }}{% endfor %}", items=items())
        assert seen == []
        assert "".join(stream) == "onetwo"
        assert seen == ["one", "two"]


def test_stream_template_outside_a_request(app: Kettle) -> None:
    with app.app_context():
        assert "".join(stream_template_string("{{ 2 * 3 }}")) == "6"


# -- XSS: user values are escaped everywhere ----------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript&colon;alert(1)&amp;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_values_are_escaped_in_text_and_attributes(
    app: Kettle, templates: Path, client: KettleClient, payload: str
) -> None:
    write(templates, "profile.html", (
        "<p>{{ name }}</p>"
        '<input value="{{ name }}">'
        "<input value='{{ name }}'>"
        '<a href="{{ url_for("profile", q=name) }}" title="{{ name }}">x</a>'
    ))

    @app.get("/profile")
    def profile() -> str:
        return render_template("profile.html", name=request.args["name"])

    text = client.get("/profile", query_string={"name": payload}).text
    assert "<script" not in text
    assert "<img" not in text
    assert "onmouseover='" not in text  # the single quote cannot close the attribute
    escaped = (
        payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&#34;").replace("'", "&#39;")
    )
    assert text.count(escaped) == 4


@pytest.mark.parametrize("payload", PAYLOADS)
def test_error_pages_escape_what_they_show(
    app: Kettle, client: KettleClient, payload: str
) -> None:
    from urllib.parse import quote

    from kettle import abort

    @app.get("/fail")
    def fail() -> None:
        abort(400, description=payload)

    @app.get("/only-get")
    def only_get() -> str:
        return "ok"

    for response in (
        client.get("/fail"),
        client.get("/" + quote(payload)),  # 404 for a path made of the payload
        client.post("/only-get?" + quote(payload)),  # 405
    ):
        assert response.status_code in (400, 404, 405)
        assert response.mimetype == "text/html"
        assert "<script" not in response.text
        assert "<img" not in response.text
        assert "onmouseover='" not in response.text
    import html

    assert html.escape(payload) in client.get("/fail").text


def test_redirect_page_escapes_the_location(app: Kettle, client: KettleClient) -> None:
    from kettle import redirect

    @app.get("/go")
    def go() -> Response:
        return redirect(request.args["to"])

    response = client.get("/go", query_string={"to": '/x"><script>alert(1)</script>'})
    assert response.status_code == 302
    assert "<script>" not in response.text


# -- smaller Flask helpers ------------------------------------------------------------


def test_get_template_attribute_calls_a_macro(app: Kettle, templates: Path) -> None:
    from kettle import get_template_attribute

    write(templates, "macros.html", "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}"
          "{% set version = 3 %}")
    with app.app_context():
        hello = get_template_attribute("macros.html", "hello")
        assert str(hello("<you>")) == "Hello &lt;you&gt;!"
        assert get_template_attribute("macros.html", "version") == 3


def test_explain_template_loading_logs_every_place_tried(
    app: Kettle, templates: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "bp_t", "in_bp.html", "bp")
    app.register_blueprint(
        Blueprint("bp", __name__, template_folder="bp_t", root_path=str(tmp_path))
    )
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with app.app_context(), caplog.at_level("INFO"):
        assert render_template("in_bp.html") == "bp"
        with pytest.raises(TemplateNotFound):
            render_template("nowhere.html")
    text = caplog.text
    assert "Locating template 'in_bp.html'" in text
    assert "app: " in text and "no match" in text
    assert f"found {tmp_path / 'bp_t' / 'in_bp.html'}" in text
    assert "Locating template 'nowhere.html'" in text


def test_debug_set_after_the_environment_exists_turns_reloading_on(
    app: Kettle, templates: Path, client: KettleClient
) -> None:
    import os

    path = write(templates, "page.html", "one")
    assert app.jinja_env.auto_reload is False  # made before DEBUG is set
    app.debug = True

    @app.get("/")
    def index() -> str:
        return render_template("page.html")

    assert client.get("/").text == "one"
    path.write_text("two")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert client.get("/").text == "two"
    app.templates_auto_reload = False
    assert app.jinja_env.auto_reload is False


def test_stream_template_sends_few_large_chunks(app: Kettle, client: KettleClient) -> None:
    from kettle.templating import STREAM_CHUNK_SIZE

    source = "{% for i in range(n) %}<li>{{ i }} {{ request.path }}</li>{% endfor %}"
    expected = "".join(f"<li>{i} /big</li>" for i in range(3000))

    @app.get("/big")
    def big() -> object:
        return stream_template_string(source, n=3000)

    with app.test_request_context("/big"):
        chunks = list(stream_template_string(source, n=3000))
    assert "".join(chunks) == expected
    assert all(len(chunk) >= STREAM_CHUNK_SIZE for chunk in chunks[:-1])
    assert len(chunks) <= len(expected) // STREAM_CHUNK_SIZE + 1
    assert client.get("/big").text == expected


def test_closing_a_template_stream_early_closes_the_template(app: Kettle) -> None:
    closed: list[bool] = []

    def rows():  # type: ignore[no-untyped-def]
        try:
            while True:
                yield "x" * 1000
        finally:
            closed.append(True)

    with app.test_request_context("/"):
        stream = stream_template_string("{% for r in rows %}{{ r }}{% endfor %}", rows=rows())
        first = next(stream)
        assert len(first) >= 4096
        stream.close()  # type: ignore[attr-defined]
    assert closed == [True]


def test_an_overridden_update_template_context_runs(tmp_path: Path) -> None:
    class BrandedApp(Kettle):
        def update_template_context(self, context: dict[str, object]) -> None:
            context.setdefault("brand", "Kettle & Co")
            super().update_template_context(context)

    app = BrandedApp("branded", root_path=str(tmp_path))
    with app.app_context():
        assert render_template_string("{{ brand }}") == "Kettle &amp; Co"
        assert render_template_string("{{ brand }}", brand="mine") == "mine"


def test_render_context_sees_every_kind_of_global(app: Kettle, templates: Path) -> None:
    """kettle's faster render context changes nothing visible: environment globals (even
    ones added after the template was loaded), a template's own globals, render values."""
    write(templates, "g.html", "{{ site }}|{{ late }}|{{ own }}|{{ value }}")
    with app.app_context():
        env = app.jinja_env
        env.globals["site"] = "kettle"
        plain = env.get_template("g.html")
        env.globals["late"] = "added later"
        assert plain.render(value=1) == "kettle|added later||1"
        assert render_template("g.html", value=2, site="mine") == "mine|added later||2"
        scoped = env.from_string("{{ site }}|{{ own }}|{{ value }}", globals={"own": "local"})
        assert scoped.render(value=3) == "kettle|local|3"
        assert "own" not in env.globals
        with_block = env.from_string(
            "{% macro m() %}{{ site }}{% endmacro %}{% set x = 5 %}{{ m() }}{{ x }}"
        )
        assert with_block.render() == "kettle5"
