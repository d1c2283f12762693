"""The debug page, through both doors: shown in debug mode to loopback clients only, escaped,
with masked credentials and bounded locals; JSON for JSON clients; nothing leaks otherwise."""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kettle import Kettle


@pytest.fixture
def debug_app(app: Kettle) -> Kettle:
    app.config.update(TESTING=False, DEBUG=True, DEBUG_PAGE=True)

    @app.route("/boom", methods=["GET", "POST"])
    def boom():
        secret_number = 41 + 1  # noqa: F841 - shown among the frame's locals
        long_value = "x" * 5000  # noqa: F841
        raise ValueError("bad <script>alert('x')</script> value")

    @app.route("/chained")
    def chained():
        try:
            {}["missing"]
        except KeyError as exc:
            raise RuntimeError("lookup failed") from exc

    @app.route("/many-locals")
    def many_locals():
        namespace = {f"v{i}": i for i in range(80)}
        exec("def f():\n" + "".join(f"    v{i} = {i}\n" for i in range(80)) + "    1/0\n",
             namespace)
        namespace["f"]()

    return app


MakeClient = Callable[..., Any]


@pytest.fixture
def make_client(door: str) -> Iterator[MakeClient]:
    """``make_client(app, **environ_base)``: a test client through ``door``, closed after."""
    clients = []

    def make(app: Kettle, **environ_base: str) -> Any:
        client = app.test_client(asgi=door == "asgi", **environ_base)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_debug_page_shows_exception_source_and_locals(
    debug_app: Kettle, make_client: MakeClient
) -> None:
    response = make_client(debug_app).get("/boom?q=1", headers={"X-Trace": "t-7"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    # the exception, escaped: no live script from its message
    assert "ValueError: bad &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; value" in page
    assert "<script>alert" not in page
    # source context with the failing line marked, and the frame's file and function
    assert re.search(r'class="line current"><span class="no">\d+</span><span class="src">'
                     r"\s+raise ValueError", page)
    assert "secret_number = 41 + 1" in page  # a context line above it
    assert "test_debugpage.py" in page and '<span class="fn">boom</span>' in page
    # local variables, each repr bounded
    assert "<th>secret_number</th><td>42</td>" in page
    long_repr = re.search(r"<th>long_value</th><td>([^<]*)</td>", page)
    assert long_repr is not None and len(html.unescape(long_repr.group(1))) <= 200
    # the request, and a copyable plain-text traceback
    assert "http://localhost/boom?q=1" in page
    assert re.search("<th>X-Trace</th><td>t-7</td>", page, re.IGNORECASE)
    assert '<textarea id="traceback" readonly>Traceback (most recent call last):' in page
    assert 'id="copy"' in page


def test_credentials_are_masked(debug_app: Kettle, make_client: MakeClient) -> None:
    client = make_client(debug_app)
    response = client.get("/boom", headers={
        "Authorization": "Bearer top-secret-token", "Cookie": "session=abc123; theme=dark",
        "X-Api-Key": "key-987",
    })
    page = response.get_data(as_text=True)
    for secret in ("top-secret-token", "abc123", "dark", "key-987"):
        assert secret not in page
    assert "session=••••••; theme=••••••" in page


def test_form_keys_without_values(debug_app: Kettle, make_client: MakeClient) -> None:
    @debug_app.before_request
    def read_form() -> None:
        from kettle import request

        request.form  # noqa: B018 - read, so the page can list its keys

    response = make_client(debug_app).post("/boom", data={"username": "u", "password": "pw1"})
    page = response.get_data(as_text=True)
    assert "<code>username</code>, <code>password</code>" in page
    assert "pw1" not in page


def test_chained_exceptions_are_shown_in_order(debug_app: Kettle, make_client: MakeClient) -> None:
    page = make_client(debug_app).get("/chained").get_data(as_text=True)
    page = page.split("<h2>Traceback", 1)[1]
    assert page.index("<h3>KeyError: &#x27;missing&#x27;") < page.index(
        "direct cause of the following exception") < page.index("<h3>RuntimeError: lookup failed")


def test_locals_per_frame_are_bounded(debug_app: Kettle, make_client: MakeClient) -> None:
    page = make_client(debug_app).get("/many-locals").get_data(as_text=True)
    assert "… 30 more" in page
    assert "ZeroDivisionError" in page


def test_a_broken_repr_does_not_break_the_page(debug_app: Kettle, make_client: MakeClient) -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    @debug_app.route("/broken-repr")
    def broken_repr():
        thing = Broken()  # noqa: F841 - shown among the locals
        raise KeyError("k")

    page = make_client(debug_app).get("/broken-repr").get_data(as_text=True)
    assert "<th>thing</th><td>&lt;Broken instance at 0x" in page  # reprlib steps around it


def test_editor_links_when_configured(debug_app: Kettle, make_client: MakeClient) -> None:
    debug_app.config["DEBUG_EDITOR_URL"] = "vscode://file/{path}:{line}"
    page = make_client(debug_app).get("/boom").get_data(as_text=True)
    links = re.findall(r'<a class="edit" href="vscode://file/([^"]+):(\d+)">', page)
    assert any(path.endswith("test_debugpage.py") for path, _ in links), links


def test_json_clients_get_a_json_traceback(debug_app: Kettle, make_client: MakeClient) -> None:
    response = make_client(debug_app).get(
        "/boom", headers={"Accept": "application/json, text/html;q=0.5"}
    )
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data())
    assert data["error"] == "ValueError"
    assert "alert" in data["message"]
    assert data["traceback"].startswith("Traceback (most recent call last):")
    assert data["frames"][-1]["function"] == "boom"


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.1.20", "2001:db8::1"])
def test_non_loopback_clients_get_the_plain_500(
    debug_app: Kettle, make_client: MakeClient, address: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = make_client(debug_app, REMOTE_ADDR=address).get("/boom")
    assert response.status_code == 500
    assert_no_leak(response.get_data(as_text=True))
    assert "ValueError: bad" in caplog.text  # the traceback went to the log


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_addresses_get_the_page(
    debug_app: Kettle, make_client: MakeClient, address: str
) -> None:
    response = make_client(debug_app, REMOTE_ADDR=address).get("/boom")
    assert "Local variables" in response.get_data(as_text=True)


def assert_no_leak(page: str) -> None:
    assert "Traceback" not in page
    assert "ValueError" not in page and "alert" not in page
    assert ".py" not in page and "File " not in page and "/tmp" not in page


def test_debug_off_answers_a_plain_500_and_logs(
    app: Kettle, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config.update(TESTING=False, DEBUG=False, DEBUG_PAGE=True)

    @app.route("/boom")
    def boom():
        raise ValueError("bad <script>alert('x')</script> value")

    with caplog.at_level(logging.ERROR):
        response = make_client(app).get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert_no_leak(response.get_data(as_text=True))
    assert "ValueError: bad" in caplog.text and "Traceback" in caplog.text


def test_debug_page_off_keeps_flask_propagation(app: Kettle, make_client: MakeClient) -> None:
    """Debug mode without the page (a test client, or DEBUG_PAGE=False) re-raises, as Flask."""
    app.config.update(TESTING=False, DEBUG=True, DEBUG_PAGE=False)

    @app.route("/boom")
    def boom():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        make_client(app).get("/boom")


def test_http_errors_are_not_debug_pages(debug_app: Kettle, make_client: MakeClient) -> None:
    response = make_client(debug_app).get("/no-such-page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


# -- in a real browser -------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SHOP_APP = """\
import os
from kettle import Kettle, request

app = Kettle(__name__)
app.config["DEBUG_EDITOR_URL"] = "vscode://file/{path}:{line}"

PRICES = {"tea": 3.5, "coffee": 4.0}


def order_total(items):
    total = 0.0
    for name, quantity in items.items():
        total += PRICES[name] * quantity
    return total


@app.route("/order")
def order():
    items = {"tea": 2, "scones": 3}
    customer = request.args.get("customer", "ada")
    return {"customer": customer, "total": order_total(items)}


if __name__ == "__main__":
    app.run(port=int(os.environ["APP_PORT"]), debug=True, use_reloader=False)
"""


@pytest.mark.server
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (/usr/bin/chromium) is not "
                    "installed: apt-get install chromium")
def test_debug_page_in_headless_chromium(tmp_path: Path) -> None:
    """The page as a browser shows it, served by ``app.run(debug=True)``; the screenshot is
    kept in ``test-artifacts/debug-page.png`` to look at."""
    from apps.live_server import free_port, start_server, stop_server

    (tmp_path / "app.py").write_text(SHOP_APP)
    port = free_port()
    live = start_server("shop", [sys.executable, "app.py"], port=port, cwd=tmp_path,
                        log=tmp_path / "server.log", env={"APP_PORT": str(port)})
    shot = tmp_path / "debug-page.png"
    try:
        url = f"http://127.0.0.1:{port}/order?customer=ada"
        dom = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             "--dump-dom", url], capture_output=True, timeout=120, check=True,
        ).stdout.decode()
        subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             f"--screenshot={shot}", "--window-size=1280,1600", url],
            capture_output=True, timeout=120, check=True,
        )
    finally:
        stop_server(live)
    # what the browser built from the page: the error, the failing line, the locals
    assert "KeyError: 'scones'" in dom
    assert "total += PRICES[name] * quantity" in dom
    assert "<th>quantity</th><td>3</td>" in dom
    assert 'href="vscode://file/' in dom
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600) and len(data) > 50_000  # a page, not a blank
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "debug-page.png")


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]
