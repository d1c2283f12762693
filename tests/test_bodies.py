"""Request bodies: ``data``, ``get_data``, ``stream``, ``form``, ``files``, ``values`` and the
limits on them (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``).

All through the ``client`` fixture: each test runs through every protocol door.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pytest

from kettle import FileStorage, Kettle, MultiDict, request
from kettle.testing import KettleClient

# A body sent with ``Transfer-Encoding: chunked`` and no ``Content-Length``, as a server that
# de-chunks it (gunicorn, the dev server) presents it to a WSGI app.
CHUNKED: dict[str, Any] = {
    "headers": {"Transfer-Encoding": "chunked", "Content-Length": ""},
    "environ_overrides": {"wsgi.input_terminated": True},
}


# -- raw body ----------------------------------------------------------------


def test_data_and_get_data(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {
            "data": request.data.decode(),
            "bytes": list(request.get_data()[:3]),
            "text": request.get_data(as_text=True),
            "length": request.content_length,
        }

    body = "héllo wörld".encode()
    response = client.post("/", data=body, content_type="text/plain")
    assert response.json == {
        "data": "héllo wörld",
        "bytes": [104, 195, 169],
        "text": "héllo wörld",
        "length": 13,
    }


def test_get_data_as_text_replaces_invalid_utf8(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    assert client.post("/", data=b"ok\xff").text == "ok\ufffd"


def test_empty_body(app: Kettle, client: KettleClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, Any]:
        return {"data": request.get_data(as_text=True), "length": request.content_length}

    assert client.get("/").json == {"data": "", "length": None}
    assert client.post("/").json == {"data": "", "length": 0}


def test_body_is_read_once_and_cached(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        first = request.get_data()
        return {"same": request.get_data() == first == request.data, "n": len(first)}

    assert client.post("/", data=b"x" * 1000).json == {"same": True, "n": 1000}


def test_get_data_without_cache_leaves_nothing_for_later(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        first = request.get_data(cache=False)
        return {"first": first.decode(), "again": request.get_data().decode()}

    assert client.post("/", data=b"abc").json == {"first": "abc", "again": ""}


def test_stream_reads_the_raw_body(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        stream = request.stream
        head = stream.read(4)
        line = stream.readline()
        rest = b"".join(stream)
        return {
            "head": head.decode(),
            "line": line.decode(),
            "rest": rest.decode(),
            "end": stream.read(10).decode(),
            "readable": stream.readable(),
        }

    response = client.post("/", data=b"abcdef\nsecond line\nthird")
    assert response.json == {
        "head": "abcd",
        "line": "ef\n",
        "rest": "second line\nthird",
        "end": "",
        "readable": True,
    }


def test_stream_readline_with_a_size(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> list[str]:
        stream = request.stream
        return [stream.readline(3).decode(), stream.readline().decode(), stream.readline().decode()]

    assert client.post("/", data=b"abcdef\nxy").json == ["abc", "def\n", "xy"]


def test_body_is_never_read_past_content_length(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"data": request.get_data(as_text=True), "length": request.content_length}

    # The server's input may hold more (the next pipelined request): PEP 3333 says stop.
    response = client.post("/", data=b"hello world", headers={"Content-Length": "5"})
    assert response.json == {"data": "hello", "length": 5}


def test_short_body_is_a_400(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    response = client.post("/", data=b"abc", headers={"Content-Length": "10"})
    assert response.status_code == 400
    assert "Content-Length" in response.text


@pytest.mark.parametrize("value", ["abc", "-1", "+5", "5.0", "0x10", "1_0", "5, 5", "²"])
def test_invalid_content_length_is_a_400(app: Kettle, client: KettleClient, value: str) -> None:
    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    response = client.post("/", data=b"hello", headers={"Content-Length": value})
    assert response.status_code == 400
    assert "Content-Length" in response.text


def test_invalid_content_length_read_directly_is_a_400(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(request.content_length)

    response = client.post("/", data=b"hello", headers={"Content-Length": "five"})
    assert response.status_code == 400


def test_chunked_body_without_content_length(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"data": request.get_data(as_text=True), "length": request.content_length}

    response = client.post("/", data=b"a" * 100_000, **CHUNKED)
    assert response.json == {"data": "a" * 100_000, "length": None}


# -- MAX_CONTENT_LENGTH ------------------------------------------------------


def test_default_max_content_length_is_16_mib(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    limit = 16 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == limit
    assert client.post("/", data=b"x" * limit).text == str(limit)
    response = client.post("/", data=b"x" * (limit + 1))
    assert response.status_code == 413


@pytest.mark.parametrize("size", [100, 101, 10_000])
def test_max_content_length(app: Kettle, client: KettleClient, size: int) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    response = client.post("/", data=b"x" * size)
    if size <= 100:
        assert response.status_code == 200
        assert response.text == str(size)
    else:
        assert response.status_code == 413
        assert "100 bytes" in response.text
        assert "MAX_CONTENT_LENGTH" in response.text



def test_a_length_over_the_limit_is_refused_before_the_view(
    app: Kettle, client: KettleClient
) -> None:
    """A ``Content-Length`` over ``MAX_CONTENT_LENGTH`` is a 413 even when the view never
    reads the body: found at the door, before the view runs (under ASGI, the body is read
    first; the WSGI door checks the announced length)."""
    app.config["MAX_CONTENT_LENGTH"] = 100
    ran: list[str] = []

    @app.post("/")
    def index() -> str:
        ran.append("view")
        return "not read"

    assert client.post("/", data=b"x" * 100).text == "not read"
    response = client.post("/", data=b"x" * 101)
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text
    assert ran == ["view"]

def test_max_content_length_for_a_chunked_body(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    assert client.post("/", data=b"x" * 1000, **CHUNKED).text == "1000"
    response = client.post("/", data=b"x" * 200_000, **CHUNKED)
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text


def test_max_content_length_applies_to_form_json_and_stream(
    app: Kettle, client: KettleClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50

    @app.post("/form")
    def form() -> dict[str, Any]:
        return request.form.to_dict()

    @app.post("/json")
    def json() -> Any:
        return request.get_json()

    @app.post("/stream")
    def stream() -> str:
        return str(len(request.stream.read()))

    big = "x" * 100
    assert client.post("/form", data={"a": big}).status_code == 413
    assert client.post("/json", json={"a": big}).status_code == 413
    assert client.post("/stream", data=big).status_code == 413
    assert client.post("/form", data={"a": big}, **CHUNKED).status_code == 413


def test_max_content_length_none_disables_the_limit(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    size = 16 * 1024 * 1024 + 10
    assert client.post("/", data=b"x" * size).text == str(size)


def test_413_is_json_for_json_clients(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> Any:
        return request.get_json()

    response = client.post("/", json=list(range(100)), headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.json["code"] == 413
    assert "MAX_CONTENT_LENGTH" in response.json["description"]


# -- urlencoded forms --------------------------------------------------------


def test_urlencoded_form(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        form = request.form
        return {
            "is_multidict": isinstance(form, MultiDict),
            "name": form["name"],
            "tags": form.getlist("tag"),
            "age": form.get("age", type=int),
            "lists": form.to_dict(flat=False),
            "data": request.get_data(as_text=True),
            "files": len(request.files),
        }

    response = client.post("/", data={"name": "Zoë & co", "tag": ["a", "b"], "age": "31"})
    assert response.json == {
        "is_multidict": True,
        "name": "Zoë & co",
        "tags": ["a", "b"],
        "age": 31,
        "lists": {"name": ["Zoë & co"], "tag": ["a", "b"], "age": ["31"]},
        "data": "",
        "files": 0,
    }


def test_urlencoded_form_from_raw_body(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return request.form.to_dict(flat=False)

    body = "q=caf%C3%A9&s=a+b&p=a%2Bb&empty=&bare"
    response = client.post(
        "/", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert response.json == {
        "q": ["café"],
        "s": ["a b"],
        "p": ["a+b"],
        "empty": [""],
        "bare": [""],
    }


def test_get_data_before_form_keeps_both(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        raw = request.get_data(as_text=True)
        return {"raw": raw, "form": request.form.to_dict()}

    response = client.post("/", data={"a": "1", "b": "2"})
    assert response.json == {"raw": "a=1&b=2", "form": {"a": "1", "b": "2"}}


def test_form_of_a_non_form_body_is_empty(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {
            "form": request.form.to_dict(),
            "files": request.files.to_dict(),
            "data": request.get_data(as_text=True),
        }

    response = client.post("/", data=b"a=1", content_type="text/plain")
    assert response.json == {"form": {}, "files": {}, "data": "a=1"}


def test_missing_form_field_is_a_400_naming_it(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(request.form["password"])

    response = client.post("/", data={"username": "zoe"})
    assert response.status_code == 400
    assert "password" in response.text


def test_missing_file_is_a_400_naming_it(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(request.files["avatar"])

    response = client.post("/", data={"username": "zoe"})
    assert response.status_code == 400
    assert "avatar" in response.text


def test_values_combine_args_and_form(app: Kettle, client: KettleClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, Any]:
        values = request.values
        return {"first": values.get("q"), "all": values.to_dict(flat=False)}

    posted = client.post("/?q=1&page=2", data={"q": "2", "name": "x"})
    assert posted.json == {
        "first": "1",
        "all": {"q": ["1", "2"], "page": ["2"], "name": ["x"]},
    }
    # As Flask: a GET's body is not part of ``values``.
    got = client.get("/?q=1", data={"q": "2"})
    assert got.json == {"first": "1", "all": {"q": ["1"]}}


# -- multipart forms and files -----------------------------------------------


def test_multipart_fields_and_files(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        upload = request.files["doc"]
        return {
            "fields": request.form.to_dict(flat=False),
            "is_storage": isinstance(upload, FileStorage),
            "filename": upload.filename,
            "name": upload.name,
            "content_type": upload.content_type,
            "mimetype": upload.mimetype,
            "body": upload.read().decode(),
            "data": request.get_data(as_text=True),
        }

    response = client.post(
        "/",
        data={
            "title": "Report",
            "tag": ["x", "y"],
            "doc": (io.BytesIO("contenu éàü".encode()), "rapport.txt", "text/plain; charset=utf-8"),
        },
    )
    assert response.json == {
        "fields": {"title": ["Report"], "tag": ["x", "y"]},
        "is_storage": True,
        "filename": "rapport.txt",
        "name": "doc",
        "content_type": "text/plain; charset=utf-8",
        "mimetype": "text/plain",
        "body": "contenu éàü",
        "data": "",
    }


def test_several_files_under_one_name(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> list[list[str]]:
        return [[f.filename, f.read().decode()] for f in request.files.getlist("photos")]

    response = client.post(
        "/",
        data={"photos": [(io.BytesIO(b"one"), "1.jpg"), (io.BytesIO(b"two"), "2.jpg")]},
    )
    assert response.json == [["1.jpg", "one"], ["2.jpg", "two"]]


def test_file_stream_and_save(app: Kettle, client: KettleClient, tmp_path: Path) -> None:
    target = tmp_path / "saved.bin"
    copy = io.BytesIO()

    @app.post("/")
    def index() -> dict[str, Any]:
        upload = request.files["f"]
        first = upload.stream.read(3)
        upload.save(target)  # from the start, although 3 bytes were read already
        upload.save(copy)
        return {"first": list(first)}

    payload = bytes(range(256)) * 10_000  # larger than the in-memory spool
    response = client.post("/", data={"f": (io.BytesIO(payload), "blob.bin")})
    assert response.status_code == 200
    assert response.json == {"first": [0, 1, 2]}
    assert target.read_bytes() == payload
    assert copy.getvalue() == payload


def test_empty_file_input_is_falsy(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        upload = request.files["f"]
        return {"bool": bool(upload), "filename": upload.filename, "size": len(upload.read())}

    response = client.post("/", data={"f": (io.BytesIO(b""), "")})
    assert response.json == {"bool": False, "filename": "", "size": 0}


def test_multipart_form_and_data_is_empty(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"data": request.data.decode(), "form": request.form.to_dict()}

    response = client.post("/", data={"a": "1"}, content_type="multipart/form-data")
    assert response.json == {"data": "", "form": {"a": "1"}}


def test_multipart_without_boundary_is_a_400(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    response = client.post("/", data=b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "boundary" in response.text


def test_truncated_multipart_is_a_400(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    body = b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'
    response = client.post("/", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400


# -- form limits -------------------------------------------------------------


def test_max_form_memory_size_urlencoded(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100

    @app.post("/")
    def index() -> str:
        return request.form["a"]

    assert client.post("/", data={"a": "x" * 98}).text == "x" * 98  # "a=" + 98 = 100 bytes
    response = client.post("/", data={"a": "x" * 99})
    assert response.status_code == 413
    assert "MAX_FORM_MEMORY_SIZE" in response.text


def test_max_form_memory_size_multipart_field(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100

    @app.post("/")
    def index() -> dict[str, Any]:
        return {"a": len(request.form["a"]), "f": len(request.files["f"].read())}

    upload = (io.BytesIO(b"y" * 10_000), "big.bin")  # files are not held in memory: no limit
    ok = client.post("/", data={"a": "x" * 100, "f": upload})
    assert ok.json == {"a": 100, "f": 10_000}
    response = client.post("/", data={"a": "x" * 101, "f": (io.BytesIO(b"y"), "f.bin")})
    assert response.status_code == 413
    assert "MAX_FORM_MEMORY_SIZE" in response.text
    assert "field 'a'" in html.unescape(response.text)


def test_default_max_form_memory_size(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(len(request.form["a"]))

    assert app.config["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert client.post("/", data={"a": "x" * 400_000}).text == "400000"
    assert client.post("/", data={"a": "x" * 500_001}).status_code == 413


@pytest.mark.parametrize("multipart", [False, True])
def test_max_form_parts(app: Kettle, client: KettleClient, multipart: bool) -> None:
    app.config["MAX_FORM_PARTS"] = 5

    @app.post("/")
    def index() -> str:
        return str(len(request.form))

    content_type = "multipart/form-data" if multipart else None
    five = {f"f{i}": "v" for i in range(5)}
    six = {f"f{i}": "v" for i in range(6)}
    assert client.post("/", data=five, content_type=content_type).text == "5"
    response = client.post("/", data=six, content_type=content_type)
    assert response.status_code == 413
    assert "MAX_FORM_PARTS" in response.text


def test_max_form_parts_counts_repeated_names(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_FORM_PARTS"] = 3

    @app.post("/")
    def index() -> str:
        return str(len(request.form.getlist("a")))

    form = "application/x-www-form-urlencoded"
    assert client.post("/", data="a=1&a=2&a=3", content_type=form).text == "3"
    response = client.post("/", data="a=1&a=2&a=3&a=4", content_type=form)
    assert response.status_code == 413


def test_default_max_form_parts(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> str:
        return str(len(request.form))

    assert app.config["MAX_FORM_PARTS"] == 1000
    body = "&".join(f"k{i}=v" for i in range(1001))
    response = client.post("/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_form_limits_can_be_turned_off(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_FORM_PARTS"] = None
    app.config["MAX_FORM_MEMORY_SIZE"] = None

    @app.post("/")
    def index() -> str:
        return str(len(request.form))

    body = "&".join(f"k{i}=" + "x" * 600 for i in range(2000))
    response = client.post("/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.text == "2000"


def test_get_data_with_parse_form_data(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        data = request.get_data(parse_form_data=True).decode()
        return {"data": data, "form": request.form.to_dict()}

    assert client.post("/", data={"a": "1"}).json == {"data": "", "form": {"a": "1"}}


def test_iter_body_in_an_async_view(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    async def index() -> dict[str, Any]:
        chunks = [chunk async for chunk in request.iter_body()]
        return {"size": sum(map(len, chunks)), "ok": b"".join(chunks) == b"z" * 200_000}

    assert client.post("/", data=b"z" * 200_000).json == {"size": 200_000, "ok": True}


def test_iter_body_after_get_data(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    async def index() -> list[str]:
        request.get_data()
        return [chunk.decode() async for chunk in request.iter_body()]

    assert client.post("/", data=b"abc").json == ["abc"]
    assert client.post("/").json == []


class _BrokenInput:
    """A ``wsgi.input`` whose client hangs up halfway."""

    def __init__(self) -> None:
        self.sent = False

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise OSError("connection reset by peer")
        self.sent = True
        return b"partial"


def test_client_disconnect_while_reading_is_a_400(
    app: Kettle, client: KettleClient, door: str
) -> None:
    if door != "wsgi":
        pytest.skip("a broken wsgi.input is a WSGI door matter")

    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    response = client.post(
        "/", data=b"x" * 100, environ_overrides={"wsgi.input": _BrokenInput()}
    )
    assert response.status_code == 400
    assert "disconnected" in response.text


# -- routes that read the body themselves (``stream=True``) ------------------


def test_stream_route_sync_view_reads_the_stream(app: Kettle, client: KettleClient) -> None:
    @app.post("/", stream=True)
    def index() -> dict[str, Any]:
        first = request.stream.read(10)
        rest = request.stream.read()
        return {"first": first.decode(), "rest": len(rest), "length": request.content_length}

    response = client.post("/", data=b"0123456789" + b"r" * 300_000)
    assert response.json == {"first": "0123456789", "rest": 300_000, "length": 300_010}


def test_stream_route_get_data(app: Kettle, client: KettleClient) -> None:
    @app.post("/", stream=True)
    def index() -> str:
        return request.get_data(as_text=True)

    assert client.post("/", data="stré").text == "stré"


def test_stream_route_async_view_iterates_the_body(app: Kettle, client: KettleClient) -> None:
    @app.post("/", stream=True)
    async def index() -> dict[str, Any]:
        size = 0
        async for chunk in request.iter_body():
            size += len(chunk)
        return {"size": size}

    assert client.post("/", data=b"q" * 250_000).json == {"size": 250_000}


def test_stream_route_max_content_length_sync(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/", stream=True)
    def index() -> str:
        return str(len(request.stream.read()))

    assert client.post("/", data=b"x" * 1000).text == "1000"
    response = client.post("/", data=b"x" * 5000)
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text
    assert client.post("/", data=b"x" * 5000, **CHUNKED).status_code == 413


def test_stream_route_max_content_length_async(app: Kettle, client: KettleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/", stream=True)
    async def index() -> str:
        return str(sum([len(chunk) async for chunk in request.iter_body()]))

    assert client.post("/", data=b"x" * 1000).text == "1000"
    response = client.post("/", data=b"x" * 5000)
    assert response.status_code == 413
    assert "MAX_CONTENT_LENGTH" in response.text
    assert client.post("/", data=b"x" * 200_000, **CHUNKED).status_code == 413


def test_stream_route_form_is_parsed_on_demand(app: Kettle, client: KettleClient) -> None:
    @app.post("/", stream=True)
    def index() -> dict[str, Any]:
        return request.form.to_dict()

    assert client.post("/", data={"a": "1", "b": "é"}).json == {"a": "1", "b": "é"}


def test_transfer_encoding_overrides_content_length(app: Kettle, client: KettleClient) -> None:
    @app.post("/")
    def index() -> dict[str, Any]:
        return {"length": request.content_length, "data": request.get_data(as_text=True)}

    response = client.post(
        "/",
        data=b"abc",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.json == {"length": None, "data": "abc"}
