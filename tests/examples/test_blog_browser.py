"""The blog in a real browser: headless Chromium (driven by Selenium) against the blog
served by gunicorn over a socket. Register, log in, write a post, see the flash message
and the post, edit it, log out; screenshots are saved under ``test-artifacts/blog/``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``) and the ``selenium`` package; skipped, saying which is missing,
when they are absent. ``KETTLE_TEST_ARTIFACTS`` moves the screenshots elsewhere.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOG = ROOT / "examples" / "blog"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("KETTLE_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "blog"
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from apps.live_server import serve_gunicorn  # noqa: E402

pytestmark = pytest.mark.server

for binary in (CHROMIUM, CHROMEDRIVER):
    if not binary.exists():
        pytest.skip(
            f"{binary} is missing: install Debian's chromium and chromium-driver to run the "
            "browser test", allow_module_level=True,
        )
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')"
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1100,900",
)


@pytest.fixture
def blog_url(tmp_path: Path) -> Iterator[str]:
    """``gunicorn --chdir examples/blog app:app`` on a fresh database."""
    with serve_gunicorn(
        "app:app",
        chdir=BLOG,
        log=tmp_path / "gunicorn.log",
        env={
            "BLOG_DATABASE": str(tmp_path / "blog.sqlite"),
            "BLOG_SECRET_KEY": secrets.token_hex(16),
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    ) as base_url:
        yield base_url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    print(f"screenshot: {path}")
    return path


class Page:
    """The few actions the test needs, each waiting until the browser shows the result."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.wait = WebDriverWait(driver, 15)

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def click(self, css: str) -> None:
        self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def fill(self, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            element = self.driver.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)

    def submit(self) -> None:
        self.click("form.form button[type=submit]")

    def flash(self, text: str) -> None:
        """Wait until a flash message containing ``text`` is shown."""
        self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".flashes"), text))

    def heading(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "h1").text)

    def style(self, css: str, prop: str) -> str:
        return str(self.driver.execute_script(
            "return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]",
            css, prop,
        ))


def test_register_login_write_edit_and_log_out(blog_url: str, browser: Any) -> None:
    page = Page(browser, blog_url)
    page.open("/")
    assert "No posts yet." in browser.page_source
    assert page.style(".site-header", "backgroundColor") == "rgb(31, 41, 51)"  # style.css
    assert page.heading() == "Latest posts"

    page.click("nav a[href='/auth/register']")
    page.wait.until(ec.url_contains("/auth/register"))
    page.fill({"username": "ada", "password": "correct horse battery"})
    page.submit()
    page.flash("Your account is ready. Please log in.")
    assert browser.current_url == blog_url + "/auth/login"

    page.fill({"username": "ada", "password": "correct horse battery"})
    page.submit()
    page.flash("Welcome back, ada!")
    assert "Signed in as ada" in browser.find_element(By.CSS_SELECTOR, "nav").text

    page.click("nav a[href='/create']")
    page.wait.until(ec.url_contains("/create"))
    page.fill({"title": "Brewing with kettle", "body": "Templates, flash messages and "
               "sessions, served by gunicorn.\n\nA <b>bold</b> claim, safely escaped."})
    page.submit()
    page.flash("Published \u201cBrewing with kettle\u201d.")
    assert page.heading() == "Brewing with kettle"
    assert "A <b>bold</b> claim, safely escaped." in browser.find_element(
        By.CSS_SELECTOR, "article .body"
    ).text
    post_url = browser.current_url
    assert page.style(".flash-success", "backgroundColor") == "rgb(220, 252, 231)"

    page.click("article a.edit")
    page.wait.until(ec.url_contains("/update"))
    page.fill({"title": "Brewing with kettle, edited"})
    page.submit()
    page.flash("Your changes are saved.")
    assert browser.current_url == post_url
    assert page.heading() == "Brewing with kettle, edited"
    screenshot(browser, "post-edited.png")

    page.open("/")
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "article h2")]
    assert titles == ["Brewing with kettle, edited"]
    index_shot = screenshot(browser, "index.png")

    page.click("#logout")
    page.flash("You are logged out.")
    assert "Signed in as" not in browser.find_element(By.CSS_SELECTOR, "nav").text
    assert browser.find_elements(By.CSS_SELECTOR, "article a.edit") == []
    screenshot(browser, "logged-out.png")
    assert index_shot.stat().st_size > 10_000


def test_markup_typed_into_a_form_stays_text(blog_url: str, browser: Any) -> None:
    """A refused login shows the typed username back, escaped: no element, no script."""
    page = Page(browser, blog_url)
    page.open("/auth/login?next=/")
    page.fill({"username": '"><img src=x onerror="document.title=\'owned\'">', "password": "x"})
    page.submit()
    page.flash("Incorrect username or password.")
    assert browser.title != "owned"
    assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
    field = browser.find_element(By.NAME, "username")
    assert field.get_attribute("value") == '"><img src=x onerror="document.title=\'owned\'">'


def test_pages_and_stylesheet_over_the_socket(blog_url: str) -> None:
    """What the browser relies on, checked on the wire: HTML pages carry frame protection,
    the stylesheet is served as CSS (without it: frames of CSS are harmless)."""
    from apps.live_server import HTTPClient

    http = HTTPClient(blog_url)
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers.get("X-Frame-Options") == "SAMEORIGIN"
    assert page.headers.get("X-Content-Type-Options") == "nosniff"
    css = http.get("/static/style.css")
    assert css.status_code == 200
    assert (css.headers.get("Content-Type") or "").startswith("text/css")
    assert css.headers.get("X-Frame-Options") is None
    missing = http.get("/%3Cscript%3Ealert(1)%3C/script%3E")
    assert missing.status_code == 404
    assert b"<script>" not in missing.content
