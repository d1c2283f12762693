"""``kettle.utils.secure_filename`` (Werkzeug's rules), and saving an upload with it
through both doors together with ``request.form``'s MultiDict methods."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from kettle import Kettle, request
from kettle.testing import KettleClient
from kettle.utils import secure_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\win.ini", "windows_win.ini"),
        ("/absolute/path.txt", "absolute_path.txt"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("\u65e5\u672c\u8a9e.txt", "txt"),  # nothing ASCII left but the extension
        (".bashrc", "bashrc"),
        ("..", ""),
        ("...", ""),
        ("_.hidden_", "hidden"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("tab\tand\nnewline.txt", "tab_and_newline.txt"),
        ("a;b|c&d$e`f.sh", "abcdef.sh"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.log", "_LPT1.log"),
        ("com9", "_com9"),
        ("console.txt", "console.txt"),
        ("report-2024_v2.PDF", "report-2024_v2.PDF"),
        ("", ""),
    ],
)
def test_secure_filename(given: str, expected: str) -> None:
    assert secure_filename(given) == expected


@pytest.mark.parametrize("name", ["../../x", "a/b/c", "..\\x", "/etc/passwd", "\u202e.txt"])
def test_secure_filename_never_leaves_the_folder(name: str) -> None:
    result = secure_filename(name)
    assert "/" not in result and "\\" not in result
    assert not result.startswith(".")
    assert result.isascii()


def test_upload_saved_under_a_secure_name(
    app: Kettle, client: KettleClient, tmp_path: Path
) -> None:
    @app.post("/upload")
    def upload() -> dict[str, Any]:
        saved = []
        for storage in request.files.getlist("doc"):
            name = secure_filename(storage.filename or "") or "unnamed"
            storage.save(tmp_path / name)
            saved.append(name)
        return {
            "saved": saved,
            "tags": request.form.getlist("tag"),
            "flat": request.form.to_dict(),
            "lists": request.form.to_dict(flat=False),
        }

    response = client.post("/upload", data={
        "tag": ["a", "b"],
        "title": "t",
        "doc": [(io.BytesIO(b"one"), "../../evil.txt"), (io.BytesIO(b"two"), "CON")],
    })
    assert response.json == {
        "saved": ["evil.txt", "_CON"],
        "tags": ["a", "b"],
        "flat": {"tag": "a", "title": "t"},
        "lists": {"tag": ["a", "b"], "title": ["t"]},
    }
    assert (tmp_path / "evil.txt").read_bytes() == b"one"
    assert (tmp_path / "_CON").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_CON", "evil.txt"]


def test_form_multidict_list_methods(app: Kettle, client: KettleClient) -> None:
    @app.post("/lists")
    def lists() -> dict[str, Any]:
        form = request.form.copy()
        tags = form.setlistdefault("tag")
        tags.append("added")
        fresh = form.setlistdefault("new", ["x"])
        return {
            "tags": form.getlist("tag"),
            "fresh": fresh,
            "values": list(form.listvalues()),
            "popped": form.poplist("tag"),
            "gone": form.poplist("tag"),
            "left": form.to_dict(flat=False),
        }

    response = client.post("/lists", data={"tag": ["a", "b"], "one": "1"})
    assert response.json == {
        "tags": ["a", "b", "added"],
        "fresh": ["x"],
        "values": [["a", "b", "added"], ["1"], ["x"]],
        "popped": ["a", "b", "added"],
        "gone": [],
        "left": {"one": ["1"], "new": ["x"]},
    }
