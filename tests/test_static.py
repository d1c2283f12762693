"""Static files and ``send_file``/``send_from_directory``, through both doors (``client``).

The app's root is a fresh temporary folder with ``static/`` (and a secret file beside it,
plus a sibling ``static-secret/`` folder), so every traversal attempt has something real
to reach if the guard failed.
"""

from __future__ import annotations

import asyncio
import email
import gc
import io
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kettle import Blueprint, Kettle, request, send_file, send_from_directory, url_for
from kettle.errors import BuildError, NotFound

CSS = b"body { color: #333; }\n" * 10  # 220 bytes
BINARY = bytes(range(256)) * 4  # 1024 bytes
SECRET = b"the secret\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_bytes(CSS)
    (static / "logo.png").write_bytes(BINARY)
    (static / "data.unknownext").write_bytes(b"?")
    (static / "empty.txt").write_bytes(b"")
    (static / "%2e%2e").mkdir()  # a literal folder name: double-encoded dots reach only this
    (static / "%2e%2e" / "inside.txt").write_bytes(b"inside")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "static-secret").mkdir()
    (tmp_path / "static-secret" / "secret.txt").write_bytes(SECRET)
    (static / "link-out.txt").symlink_to(tmp_path / "secret.txt")
    (static / "link-sibling").symlink_to(tmp_path / "static-secret")
    (static / "link-in.css").symlink_to(static / "css" / "site.css")
    (tmp_path / "admin_static").mkdir()
    (tmp_path / "admin_static" / "admin.js").write_bytes(b"console.log(1);\n")
    return tmp_path


@pytest.fixture
def app(root: Path) -> Kettle:
    app = Kettle("static_test_app", root_path=str(root))
    app.config["TESTING"] = True

    @app.route("/files/<path:name>")
    def files(name: str):
        return send_from_directory("static", name)

    return app


def etag_of(client, path: str = "/static/css/site.css") -> str:
    return str(client.get(path).headers["ETag"])


# -- the static route -------------------------------------------------------------------


def test_static_file_is_served_with_type_length_and_validators(client) -> None:
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.data == CSS
    headers = response.headers
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    assert headers["Content-Length"] == str(len(CSS))
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Cache-Control"] == "no-cache"  # SEND_FILE_MAX_AGE_DEFAULT is None
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("logo.png", "image/png"),
        ("data.unknownext", "application/octet-stream"),
        ("empty.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_type_is_guessed_with_charset_only_for_text(client, name, content_type) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type


def test_missing_files_and_folders_are_404(client) -> None:
    assert client.get("/static/nope.css").status_code == 404
    assert client.get("/static/css").status_code == 404
    assert client.get("/static/css/").status_code == 404


def test_head_sends_the_same_headers_without_a_body(client) -> None:
    get = client.get("/static/logo.png")
    head = client.head("/static/logo.png")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(BINARY))
    assert head.headers["ETag"] == get.headers["ETag"]


def test_only_get_and_head(client) -> None:
    assert client.post("/static/logo.png").status_code == 405


def test_url_for_static(app) -> None:
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"
        assert url_for("static", filename="a b.css") == "/static/a%20b.css"


def test_static_url_path_and_absolute_folder(root: Path, door: str) -> None:
    app = Kettle("elsewhere", static_folder=str(root / "static"), static_url_path="/assets",
                 root_path="/nonexistent")
    assert app.static_folder == str(root / "static")
    client = app.test_client(asgi=door == "asgi")
    assert client.get("/assets/css/site.css").data == CSS
    assert client.get("/static/css/site.css").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="x.js") == "/assets/x.js"
    client.close()


def test_empty_static_url_path_serves_from_the_root(root: Path, door: str) -> None:
    app = Kettle("spa", static_url_path="", root_path=str(root))
    client = app.test_client(asgi=door == "asgi")
    assert client.get("/logo.png").data == BINARY
    client.close()


def test_static_folder_none_disables_the_route(root: Path, door: str) -> None:
    app = Kettle("no_static", static_folder=None, root_path=str(root))
    assert app.static_url_path is None and not app.has_static_folder
    client = app.test_client(asgi=door == "asgi")
    assert client.get("/static/logo.png").status_code == 404
    with app.test_request_context(), pytest.raises(BuildError):
        url_for("static", filename="logo.png")
    with pytest.raises(RuntimeError, match="static_folder"):
        app.send_static_file("logo.png")
    client.close()


def test_blueprint_static_folder(app, client, root: Path) -> None:
    admin = Blueprint("admin", __name__, static_folder="admin_static", url_prefix="/admin",
                      root_path=str(root))
    plain = Blueprint("plain", __name__, url_prefix="/plain")

    @admin.route("/")
    def index():
        return url_for(".static", filename="admin.js")

    app.register_blueprint(admin)
    app.register_blueprint(plain)
    assert admin.static_url_path == "/admin_static"
    response = client.get("/admin/admin_static/admin.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert client.get("/admin/").text == "/admin/admin_static/admin.js"
    assert "plain.static" not in app.view_functions
    with app.test_request_context():
        assert url_for("admin.static", filename="admin.js") == "/admin/admin_static/admin.js"


def test_blueprint_static_url_path_and_traversal(app, client, root: Path) -> None:
    bp = Blueprint("shop", __name__, static_folder="admin_static", static_url_path="/assets",
                   url_prefix="/shop", root_path=str(root))
    app.register_blueprint(bp)
    assert client.get("/shop/assets/admin.js").status_code == 200
    assert client.get("/shop/assets/../static/logo.png").status_code == 404
    assert client.get("/shop/assets/%2e%2e/secret.txt").status_code == 404


# -- caching ------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [3600, timedelta(hours=1)])
def test_send_file_max_age_default(app, client, setting) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = setting
    response = client.get("/static/logo.png")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    expires = email.utils.parsedate_to_datetime(response.headers["Expires"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)


def test_get_send_file_max_age_can_be_overridden(root: Path, door: str) -> None:
    class FingerprintedApp(Kettle):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            if filename and filename.endswith(".png"):
                return 31536000
            return super().get_send_file_max_age(filename)

    app = FingerprintedApp("fp", root_path=str(root))
    client = app.test_client(asgi=door == "asgi")
    assert client.get("/static/logo.png").headers["Cache-Control"] == "public, max-age=31536000"
    assert client.get("/static/css/site.css").headers["Cache-Control"] == "no-cache"
    client.close()


def test_max_age_zero_means_revalidate(app, client) -> None:
    @app.route("/zero")
    def zero():
        return send_file("static/logo.png", max_age=0)

    assert client.get("/zero").headers["Cache-Control"] == "no-cache, max-age=0"


# -- traversal: every attempt is a 404, through the static route and send_from_directory --

TRAVERSALS = [
    "../secret.txt",
    "css/../../secret.txt",
    "%2e%2e/secret.txt",
    "%2E%2E%2Fsecret.txt",
    "..%2fsecret.txt",
    "..%2Fstatic-secret%2Fsecret.txt",
    "%252e%252e%252fsecret.txt",  # double-encoded: decoded once, it names no file
    "%252e%252e/secret.txt",
    "..%5csecret.txt",
    "..\\secret.txt",
    "css\\..\\..\\secret.txt",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "%00../secret.txt",
    "css/site.css%00.png",
    "link-out.txt",
    "link-sibling/secret.txt",
    "C:/Windows/win.ini",
    "c:%5cwindows%5cwin.ini",
    "C:secret.txt",
    ".",
    "./",
]


@pytest.mark.parametrize("attempt", TRAVERSALS)
@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_traversal_attempts_are_404(client, prefix: str, attempt: str) -> None:
    # "/static//etc/passwd" first redirects to "/static/etc/passwd" (merge_slashes, as Werkzeug)
    response = client.get(prefix + attempt, follow_redirects=True)
    assert response.status_code == 404
    assert [r.status_code for r in response.history] in ([], [308])
    assert all(SECRET not in r.data for r in (*response.history, response))


@pytest.mark.parametrize(
    "attempt",
    ["../secret.txt", "/etc/passwd", "..\\secret.txt", "a\x00b", "link-out.txt",
     "link-sibling/secret.txt", "C:\\secret.txt", "d:secret.txt", "", "css/../../secret.txt",
     str(Path("static") / ".." / "secret.txt")],
)
def test_send_from_directory_refuses_to_leave(app, root: Path, attempt: str) -> None:
    with app.test_request_context(), pytest.raises(NotFound):
        send_from_directory(root / "static", attempt)
    with app.test_request_context(), pytest.raises(NotFound):
        send_from_directory(str(root / "static") + "/", attempt)


def test_safe_paths_inside_the_folder_are_served(client) -> None:
    linked = client.get("/static/link-in.css")  # a link that stays inside
    assert linked.data == CSS
    assert linked.headers["Content-Disposition"] == 'inline; filename="link-in.css"'
    assert client.get("/static/%252e%252e/inside.txt").data == b"inside"  # a literal name
    assert client.get("/files/css/./site.css").data == CSS


def test_send_from_directory_with_a_relative_directory(app) -> None:
    with app.test_request_context():
        response = send_from_directory("static", "css/site.css")
        assert response.headers["Content-Type"] == "text/css; charset=utf-8"
        response.close()


# -- conditional requests -----------------------------------------------------------------


def test_if_none_match_gives_304_without_body_or_content_headers(client) -> None:
    first = client.get("/static/css/site.css")
    etag = first.headers["ETag"]
    response = client.get("/static/css/site.css", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize(
    "template",
    ['"other", {etag}', "{etag}, \"other\"", "W/{etag}", '"x",W/{etag}', "*", " {etag} "],
)
def test_if_none_match_lists_weak_tags_and_star(client, template: str) -> None:
    etag = etag_of(client)
    header = template.format(etag=etag)
    assert client.get("/static/css/site.css", headers={"If-None-Match": header}).status_code == 304
    assert client.head("/static/css/site.css", headers={"If-None-Match": header}).status_code == 304


def test_if_none_match_mismatch_is_200(client) -> None:
    response = client.get("/static/css/site.css", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200 and response.data == CSS


def test_if_modified_since(client) -> None:
    last_modified = client.get("/static/css/site.css").headers["Last-Modified"]
    same = client.get("/static/css/site.css", headers={"If-Modified-Since": last_modified})
    assert same.status_code == 304
    later = client.get("/static/css/site.css",
                       headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert later.status_code == 304
    earlier = client.get("/static/css/site.css",
                         headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert earlier.status_code == 200
    bad = client.get("/static/css/site.css", headers={"If-Modified-Since": "yesterday"})
    assert bad.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client) -> None:
    last_modified = client.get("/static/css/site.css").headers["Last-Modified"]
    response = client.get("/static/css/site.css", headers={
        "If-None-Match": '"stale"', "If-Modified-Since": last_modified,
    })
    assert response.status_code == 200


def test_a_changed_file_gets_a_new_etag(client, root: Path) -> None:
    etag = etag_of(client)
    target = root / "static" / "css" / "site.css"
    target.write_bytes(CSS + b"/* more */")
    os.utime(target, (1_900_000_000, 1_900_000_000))
    response = client.get("/static/css/site.css", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_if_match_and_if_unmodified_since_give_412(client) -> None:
    etag = etag_of(client)
    url = "/static/css/site.css"
    assert client.get(url, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.get(url, headers={"If-Match": f"W/{etag}"}).status_code == 412  # strong only
    assert client.get(url, headers={"If-Match": etag}).status_code == 200
    assert client.get(url, headers={"If-Match": "*"}).status_code == 200
    old = "Thu, 01 Jan 1970 00:00:00 GMT"
    assert client.get(url, headers={"If-Unmodified-Since": old}).status_code == 412
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert client.get(url, headers={"If-Unmodified-Since": future}).status_code == 200


# -- ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=100-199", 100, 200),
        ("bytes=1000-", 1000, 1024),
        ("bytes=-24", 1000, 1024),
        ("bytes=-5000", 0, 1024),  # a suffix longer than the file: all of it
        ("bytes=1020-99999", 1020, 1024),
        ("bytes=0-0", 0, 1),
        ("BYTES = 5 - 6", 5, 7),
    ],
)
def test_single_ranges(client, header: str, start: int, stop: int) -> None:
    response = client.get("/static/logo.png", headers={"Range": header})
    assert response.status_code == 206
    assert response.data == BINARY[start:stop]
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(BINARY)}"
    assert response.headers["Content-Length"] == str(stop - start)
    assert response.headers["Content-Type"] == "image/png"


def parse_multipart(response) -> list[tuple[str, str, bytes]]:
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + response.data
    message = email.message_from_bytes(raw)
    return [
        (part["Content-Type"], part["Content-Range"], part.get_payload(decode=True))
        for part in message.get_payload()
    ]


def test_multiple_ranges_are_multipart_byteranges(client) -> None:
    response = client.get("/static/logo.png", headers={"Range": "bytes=0-9, 500-509, -4"})
    assert response.status_code == 206
    assert response.headers["Content-Length"] == str(len(response.data))
    assert parse_multipart(response) == [
        ("image/png", "bytes 0-9/1024", BINARY[0:10]),
        ("image/png", "bytes 500-509/1024", BINARY[500:510]),
        ("image/png", "bytes 1020-1023/1024", BINARY[1020:]),
    ]


def test_overlapping_ranges_are_coalesced(client) -> None:
    response = client.get("/static/logo.png", headers={"Range": "bytes=0-99, 50-149, 150-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 0-199/1024"
    assert response.data == BINARY[:200]


@pytest.mark.parametrize(
    "header",
    ["bytes=1024-", "bytes=5000-6000", "bytes=-0", "bytes=1024-,2000-",
     "bytes=" + "9" * 5000 + "-"],  # a position of 5000 digits: beyond the file, not a 500
)
def test_unsatisfiable_ranges_are_416(client, header: str) -> None:
    response = client.get("/static/logo.png", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize(
    "header",
    ["bytes=abc", "items=0-1", "bytes=9-5", "bytes=", "bytes=1-2-3", "0-10", "bytes=--1"],
)
def test_malformed_ranges_are_ignored(client, header: str) -> None:
    response = client.get("/static/logo.png", headers={"Range": header})
    assert response.status_code == 200
    assert response.data == BINARY


def test_too_many_ranges_get_the_whole_file(app, client) -> None:
    many = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(17))
    response = client.get("/static/logo.png", headers={"Range": many})
    assert response.status_code == 200 and response.data == BINARY
    app.config["SEND_FILE_MAX_RANGES"] = 2
    three = client.get("/static/logo.png", headers={"Range": "bytes=0-1,10-11,20-21"})
    assert three.status_code == 200
    two = client.get("/static/logo.png", headers={"Range": "bytes=0-1,10-11"})
    assert two.status_code == 206


def test_if_range(client) -> None:
    first = client.get("/static/logo.png")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    cases = [
        (etag, 206), ('"stale"', 200), (f"W/{etag}", 200),
        (last_modified, 206), ("Thu, 01 Jan 1970 00:00:00 GMT", 200), ("garbage", 200),
    ]
    for if_range, status in cases:
        headers = {"Range": "bytes=0-9", "If-Range": if_range}
        response = client.get("/static/logo.png", headers=headers)
        assert response.status_code == status, if_range
        assert response.data == (BINARY[:10] if status == 206 else BINARY)


def test_head_with_a_range(client) -> None:
    response = client.head("/static/logo.png", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["Content-Length"] == "10"
    assert response.data == b""


def test_a_range_of_an_empty_file_sends_it_whole(client) -> None:
    response = client.get("/static/empty.txt", headers={"Range": "bytes=0-"})
    assert response.status_code == 200 and response.data == b""


def test_a_304_takes_precedence_over_a_range(client) -> None:
    etag = etag_of(client, "/static/logo.png")
    headers = {"Range": "bytes=0-9", "If-None-Match": etag}
    response = client.get("/static/logo.png", headers=headers)
    assert response.status_code == 304


# -- send_file ----------------------------------------------------------------------------


def test_send_file_with_a_path_relative_to_the_root(app, client) -> None:
    @app.route("/report")
    def report():
        return send_file("static/css/site.css", mimetype="text/plain")

    response = client.get("/report")
    assert response.data == CSS
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="site.css"'


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("report.csv", 'attachment; filename="report.csv"'),
        ('we"ird\\.txt', 'attachment; filename="we\\"ird\\\\.txt"'),
        ("Überblick €.txt",
         "attachment; filename=\"Uberblick .txt\"; "
         "filename*=UTF-8''%C3%9Cberblick%20%E2%82%AC.txt"),
        ("line\r\nSet-Cookie: x=1.txt", 'attachment; filename="lineSet-Cookie: x=1.txt"'),
    ],
)
def test_attachment_names(app, client, name: str, disposition: str) -> None:
    @app.route("/download")
    def download():
        return send_file(io.BytesIO(b"a,b\n"), as_attachment=True, download_name=name)

    response = client.get("/download")
    assert response.headers["Content-Disposition"] == disposition
    assert "Set-Cookie" not in response.headers
    assert response.data == b"a,b\n"


def test_send_file_with_a_bytes_buffer_supports_ranges(app, client) -> None:
    @app.route("/buffer")
    def buffer():
        return send_file(io.BytesIO(BINARY), mimetype="application/octet-stream")

    whole = client.get("/buffer")
    assert whole.data == BINARY and whole.headers["Content-Length"] == "1024"
    assert "ETag" not in whole.headers  # no path: nothing cheap to derive a tag from
    part = client.get("/buffer", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == BINARY[10:20]


def test_send_file_with_an_open_file(app, client, root: Path) -> None:
    @app.route("/open")
    def opened():
        return send_file(open(root / "static" / "logo.png", "rb"), download_name="logo.png")

    response = client.get("/open")
    assert response.data == BINARY
    assert response.headers["Content-Type"] == "image/png"
    assert client.get("/open", headers={"Range": "bytes=-2"}).data == BINARY[-2:]


def test_send_file_custom_etag_last_modified_and_max_age(app, client) -> None:
    modified = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    @app.route("/custom")
    def custom():
        return send_file(io.BytesIO(b"data"), mimetype="text/plain", etag="v42",
                         last_modified=modified, max_age=lambda path: 60)

    response = client.get("/custom")
    assert response.headers["ETag"] == '"v42"'
    assert response.headers["Last-Modified"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/custom", headers={"If-None-Match": '"v42"'}).status_code == 304
    since = client.get("/custom", headers={"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT"})
    assert since.status_code == 304


def test_send_file_without_etag_or_conditional(app, client) -> None:
    @app.route("/plain")
    def plain():
        return send_file("static/logo.png", etag=False, conditional=False)

    response = client.get("/plain", headers={"Range": "bytes=0-1", "If-Modified-Since":
                                             "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert response.status_code == 200 and response.data == BINARY
    assert "ETag" not in response.headers


def test_compressed_files_keep_their_encoding(app, client, root: Path) -> None:
    (root / "static" / "app.js.gz").write_bytes(b"\x1f\x8b fake")

    @app.route("/download-gz")
    def download():
        return send_file("static/app.js.gz", as_attachment=True)

    inline = client.get("/static/app.js.gz")
    assert inline.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert inline.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/download-gz").headers


def test_send_file_refuses_what_it_cannot_name_or_read(app) -> None:
    with app.test_request_context():
        with pytest.raises(TypeError, match="MIME type"):
            send_file(io.BytesIO(b"x"))
        with pytest.raises(TypeError, match="download_name"):
            send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True)
        with pytest.raises(ValueError, match="binary mode"):
            send_file(io.StringIO("x"), mimetype="text/plain")
        with pytest.raises(FileNotFoundError):
            send_file("static/missing.css")


def test_async_views_send_files(app, client) -> None:
    @app.route("/async-file")
    async def async_file():
        return send_file("static/css/site.css")

    assert client.get("/async-file").data == CSS


# -- how the doors send file bodies (raw calls, as a server makes them) ----------------------


def wsgi_call(app: Kettle, path: str, headers: dict[str, str] | None = None,
              file_wrapper=None) -> tuple[str, list[bytes], object]:
    from kettle.testing import build_environ

    environ = build_environ(path, headers=headers)
    if file_wrapper is not None:
        environ["wsgi.file_wrapper"] = file_wrapper
    status: list[str] = []
    body = app(environ, lambda s, h, exc_info=None: status.append(s))
    chunks = list(body)
    if hasattr(body, "close"):
        body.close()
    return status[0], chunks, body


class RecordingFileWrapper:
    """What PEP 3333 asks of ``wsgi.file_wrapper``; remembers what it was given."""

    given: list[object] = []

    def __init__(self, filelike, block_size: int = 8192) -> None:
        self.filelike = filelike
        self.block_size = block_size
        RecordingFileWrapper.given.append(filelike)

    def __iter__(self):
        return iter(lambda: self.filelike.read(self.block_size), b"")

    def close(self) -> None:
        self.filelike.close()


def test_wsgi_hands_whole_files_to_the_file_wrapper(app, root: Path) -> None:
    RecordingFileWrapper.given = []
    status, chunks, _ = wsgi_call(app, "/static/logo.png", file_wrapper=RecordingFileWrapper)
    assert status == "200 OK" and b"".join(chunks) == BINARY
    (given,) = RecordingFileWrapper.given
    assert given.name == str(root / "static" / "logo.png") and given.closed  # type: ignore[attr-defined]


def test_wsgi_without_a_file_wrapper_reads_blocks(app, root: Path) -> None:
    big = os.urandom(300_000)  # no line structure to rely on
    (root / "static" / "big.bin").write_bytes(big)
    status, chunks, _ = wsgi_call(app, "/static/big.bin")
    assert b"".join(chunks) == big
    assert max(len(c) for c in chunks) <= 64 * 1024
    status, chunks, _ = wsgi_call(app, "/static/big.bin", {"Range": "bytes=1000-200999"})
    assert status.startswith("206") and b"".join(chunks) == big[1000:201000]
    assert max(len(c) for c in chunks) <= 64 * 1024


def asgi_call(app: Kettle, path: str, headers: dict[str, str] | None = None,
              method: str = "GET", pathsend: bool = True) -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "extensions": {"http.response.pathsend": {}} if pathsend else {},
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_uses_pathsend_for_whole_files_only(app, root: Path) -> None:
    sent = asgi_call(app, "/static/logo.png")
    assert sent[0]["status"] == 200
    assert sent[1] == {"type": "http.response.pathsend", "path": str(root / "static" / "logo.png")}
    ranged = asgi_call(app, "/static/logo.png", {"Range": "bytes=0-9"})
    assert ranged[0]["status"] == 206
    assert all(m["type"] == "http.response.body" for m in ranged[1:])
    assert b"".join(m.get("body", b"") for m in ranged[1:]) == BINARY[:10]
    etag = dict(sent[0]["headers"])[b"etag"].decode()
    not_modified = asgi_call(app, "/static/logo.png", {"If-None-Match": etag})
    assert not_modified[0]["status"] == 304
    assert not_modified[1] == {"type": "http.response.body", "body": b""}
    head = asgi_call(app, "/static/logo.png", method="HEAD")
    assert head[1] == {"type": "http.response.body", "body": b""}
    plain = asgi_call(app, "/static/logo.png", pathsend=False)
    assert b"".join(m.get("body", b"") for m in plain[1:]) == BINARY


# -- no file descriptor outlives its response ---------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_files_are_closed_after_every_kind_of_answer(app, client) -> None:
    etag = etag_of(client, "/static/logo.png")
    requests = [
        ("GET", {}), ("HEAD", {}), ("GET", {"If-None-Match": etag}),
        ("GET", {"Range": "bytes=0-9"}), ("GET", {"Range": "bytes=0-1,5-6"}),
        ("GET", {"Range": "bytes=5000-"}), ("GET", {"If-Match": '"x"'}),
    ]
    for method, headers in requests:  # warm up: lazily created fds (thread pool, loop)
        client.open("/static/logo.png", method=method, headers=headers)
    gc.collect()  # earlier tests' garbage (event loops) warns on its own
    before = open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)  # a file left to the GC warns
        for _ in range(20):
            for method, headers in requests:
                client.open("/static/logo.png", method=method, headers=headers)
            wsgi_call(app, "/static/logo.png", file_wrapper=RecordingFileWrapper)
            wsgi_call(app, "/static/logo.png", {"Range": "bytes=0-1"})
            asgi_call(app, "/static/logo.png")
            asgi_call(app, "/static/logo.png", {"Range": "bytes=0-1"})
        gc.collect()
    assert open_fds() <= before + 2  # a little slack for the event loops' own fds
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert [message for message in unclosed if "unclosed file" in message] == []


def test_reading_or_replacing_a_file_body_closes_the_file(app, client) -> None:
    @app.after_request
    def inspect(response):
        if request.path.endswith(".css"):
            response.set_data(response.get_data().upper())
        return response

    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        assert client.get("/static/css/site.css").data == CSS.upper()
        gc.collect()
    assert not [w for w in caught if "unclosed file" in str(w.message)]


def test_fifos_are_refused_without_blocking(client, root: Path) -> None:
    os.mkfifo(root / "static" / "pipe")  # opening it for reading would wait for a writer
    assert client.get("/static/pipe").status_code == 404
    assert client.get("/files/pipe").status_code == 404


def test_a_blueprint_static_route_hidden_by_the_apps_is_refused(app, root: Path) -> None:
    hidden = Blueprint("hidden", __name__, static_folder="static", root_path=str(root))
    with pytest.raises(ValueError, match=r"hidden\.static"):
        app.register_blueprint(hidden)


def test_files_use_the_apps_response_class(root: Path, door: str) -> None:
    from kettle import Response

    class TaggedResponse(Response):
        pass

    class App(Kettle):
        response_class = TaggedResponse

    app = App("tagged", root_path=str(root))
    seen: list[type] = []

    @app.after_request
    def record(response):
        seen.append(type(response))
        return response

    client = app.test_client(asgi=door == "asgi")
    etag = client.get("/static/logo.png").headers["ETag"]
    assert client.get("/static/logo.png", headers={"If-None-Match": etag}).status_code == 304
    assert seen == [TaggedResponse, TaggedResponse]
    client.close()
