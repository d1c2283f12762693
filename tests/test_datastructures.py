"""``kettle.MultiDict`` and ``kettle.Headers``: the public multi-valued mappings."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from kettle import Headers, HTTPException, MultiDict

# -- MultiDict ---------------------------------------------------------------


def test_multidict_from_pairs_keeps_every_value_in_order() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert md["a"] == "1"
    assert md.getlist("a") == ["1", "3"]
    assert list(md) == ["a", "b"]
    assert len(md) == 2
    assert list(md.items()) == [("a", "1"), ("b", "2")]
    assert list(md.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(md.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert list(md.values()) == ["1", "2"]
    assert list(md.keys()) == ["a", "b"]


def test_multidict_from_a_mapping() -> None:
    md = MultiDict({"a": ["1", "2"], "b": "x", "c": ("y",), "empty": []})
    assert md.to_dict(flat=False) == {"a": ["1", "2"], "b": ["x"], "c": ["y"]}
    assert "empty" not in md


def test_multidict_from_a_multidict_is_a_copy() -> None:
    original = MultiDict([("a", "1"), ("a", "2")])
    clone = MultiDict(original)
    clone.add("a", "3")
    assert original.getlist("a") == ["1", "2"]
    assert clone.getlist("a") == ["1", "2", "3"]


def test_multidict_missing_key_is_a_bad_request_key_error() -> None:
    md = MultiDict([("a", "1")])
    with pytest.raises(KeyError) as info:
        md["missing"]
    error = info.value
    assert isinstance(error, HTTPException)
    assert error.code == 400
    assert "missing" in error.description


def test_multidict_get_and_type_conversion() -> None:
    md = MultiDict([("n", "5"), ("n", "x"), ("f", "2.5"), ("s", "abc")])
    assert md.get("n") == "5"
    assert md.get("n", type=int) == 5
    assert md.get("s", type=int) is None
    assert md.get("s", 0, type=int) == 0
    assert md.get("absent") is None
    assert md.get("absent", "d") == "d"
    assert md.get("f", type=float) == 2.5
    assert md.getlist("n", type=int) == [5]
    assert md.getlist("absent") == []
    assert md.getlist("absent", type=int) == []


def test_multidict_setitem_replaces_and_add_appends() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    md["a"] = "new"
    assert md.getlist("a") == ["new"]
    md.add("a", "more")
    md.add("b", "first")
    assert md.to_dict(flat=False) == {"a": ["new", "more"], "b": ["first"]}


def test_multidict_setlist() -> None:
    md = MultiDict([("a", "1")])
    md.setlist("a", ["x", "y"])
    assert md.getlist("a") == ["x", "y"]
    md.setlist("b", iter(["z"]))
    assert md["b"] == "z"


def test_multidict_setlist_empty_removes_the_key() -> None:
    md = MultiDict([("a", "1"), ("b", "2")])
    md.setlist("a", [])
    assert "a" not in md
    assert list(md.values()) == ["2"]
    assert md.to_dict() == {"b": "2"}
    assert md.get("a", "gone") == "gone"


def test_multidict_setdefault() -> None:
    md = MultiDict([("a", "1")])
    assert md.setdefault("a", "x") == "1"
    assert md.setdefault("b", "x") == "x"
    assert md.getlist("b") == ["x"]


def test_multidict_pop() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.pop("a") == "1"
    assert "a" not in md
    assert md.pop("absent", "d") == "d"
    with pytest.raises(KeyError):
        md.pop("absent")


def test_multidict_update_adds_values() -> None:
    md = MultiDict([("a", "1")])
    md.update({"a": "2", "b": ["3", "4"]})
    md.update([("c", "5")], d="6")
    md.update(MultiDict([("a", "7")]))
    assert md.to_dict(flat=False) == {
        "a": ["1", "2", "7"],
        "b": ["3", "4"],
        "c": ["5"],
        "d": ["6"],
    }


def test_multidict_to_dict() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.to_dict() == {"a": "1", "b": "3"}
    assert md.to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}


def test_dict_of_a_multidict_has_first_values() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    # As Werkzeug: dict(request.args) is {"a": "1", ...}, not lists.
    assert dict(md) == {"a": "1", "b": "3"}
    assert {**md} == {"a": "1", "b": "3"}


def test_multidict_copy_keeps_every_value() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    for clone in (md.copy(), copy.copy(md), copy.deepcopy(md)):
        assert isinstance(clone, MultiDict)
        assert list(clone.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "3")]
        clone.add("a", "x")
        assert md.getlist("a") == ["1", "2"]


def test_multidict_pickles_with_every_value() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    restored = pickle.loads(pickle.dumps(md))
    assert type(restored) is MultiDict
    assert list(restored.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "3")]


def test_multidict_subclass_copies_keep_the_class() -> None:
    class Form(MultiDict):
        pass

    form = Form([("a", "1"), ("a", "2")])
    assert type(copy.copy(form)) is Form
    assert copy.copy(form).getlist("a") == ["1", "2"]


def test_combined_multidict_via_request_values_pickles() -> None:
    from kettle.datastructures import CombinedMultiDict

    combined = CombinedMultiDict([MultiDict([("a", "1")]), MultiDict([("a", "2"), ("b", "3")])])
    assert combined.getlist("a") == ["1", "2"]
    restored = pickle.loads(pickle.dumps(combined))
    assert list(restored.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "3")]
    assert list(copy.copy(combined).items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "3")]


def test_multidict_repr_and_equality() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert repr(md) == "MultiDict([('a', '1'), ('a', '2')])"
    assert md == MultiDict([("a", "1"), ("a", "2")])
    assert md != MultiDict([("a", "1")])


def test_multidict_empty() -> None:
    md = MultiDict()
    assert len(md) == 0
    assert not md
    assert md.to_dict() == {}
    assert MultiDict(None) == md


# -- Headers -----------------------------------------------------------------


def test_headers_are_case_insensitive_and_ordered() -> None:
    headers = Headers([("Content-Type", "text/plain"), ("X-A", "1"), ("x-a", "2")])
    assert headers["content-type"] == "text/plain"
    assert headers.get("CONTENT-TYPE") == "text/plain"
    assert headers.getlist("X-A") == ["1", "2"]
    assert headers.get_all("x-A") == ["1", "2"]
    assert "x-a" in headers
    assert "X-B" not in headers
    assert 5 not in headers
    assert list(headers) == [("Content-Type", "text/plain"), ("X-A", "1"), ("x-a", "2")]
    assert list(headers.keys()) == ["Content-Type", "X-A", "x-a"]
    assert list(headers.values()) == ["text/plain", "1", "2"]
    assert len(headers) == 3


def test_headers_from_a_dict_with_list_values() -> None:
    headers = Headers({"X-A": ["1", "2"], "X-B": 3})
    assert headers.to_wsgi_list() == [("X-A", "1"), ("X-A", "2"), ("X-B", "3")]


def test_headers_missing_key_is_a_400() -> None:
    with pytest.raises(KeyError) as info:
        Headers()["X-Token"]
    assert isinstance(info.value, HTTPException)
    assert info.value.code == 400


def test_headers_get_with_type_and_default() -> None:
    headers = Headers({"X-N": "12", "X-S": "abc"})
    assert headers.get("X-N", type=int) == 12
    assert headers.get("X-S", type=int) is None
    assert headers.get("X-S", -1, type=int) == -1
    assert headers.get("X-None", "d") == "d"
    assert headers.getlist("X-N", type=int) == [12]
    assert headers.getlist("X-S", type=int) == []


def test_headers_set_replaces_in_place() -> None:
    headers = Headers([("A", "1"), ("X", "old"), ("B", "2"), ("x", "older")])
    headers.set("X", "new")
    assert headers.to_wsgi_list() == [("A", "1"), ("X", "new"), ("B", "2")]
    headers["C"] = 3
    assert headers.to_wsgi_list()[-1] == ("C", "3")


def test_headers_add_keeps_earlier_values() -> None:
    headers = Headers()
    headers.add("Set-Cookie", "a=1")
    headers.add("Set-Cookie", "b=2")
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]


def test_headers_remove_pop_and_del() -> None:
    headers = Headers([("A", "1"), ("a", "2"), ("B", "3")])
    assert headers.pop("a") == "1"
    assert "A" not in headers
    assert headers.pop("absent", None) is None
    with pytest.raises(KeyError):
        headers.pop("absent")
    del headers["b"]
    assert len(headers) == 0
    headers.remove("never-there")


def test_headers_setdefault() -> None:
    headers = Headers({"A": "1"})
    assert headers.setdefault("a", "x") == "1"
    assert headers.setdefault("B", 2) == "2"
    assert headers.getlist("B") == ["2"]


def test_headers_update_and_extend() -> None:
    headers = Headers([("A", "1"), ("A", "2"), ("B", "3")])
    headers.update({"a": "new"})
    assert headers.getlist("A") == ["new"]
    headers.update([("C", "1"), ("C", "2")])
    assert headers.getlist("C") == ["1", "2"]
    headers.extend({"B": "4"})
    assert headers.getlist("B") == ["3", "4"]
    headers.extend(Headers({"D": "5"}))
    assert headers["D"] == "5"


def test_headers_copy_and_clear() -> None:
    headers = Headers({"A": "1"})
    clone = headers.copy()
    clone.add("A", "2")
    assert headers.getlist("A") == ["1"]
    headers.clear()
    assert len(headers) == 0
    assert clone.getlist("A") == ["1", "2"]


def test_headers_equality_ignores_name_case() -> None:
    assert Headers({"Content-Type": "a"}) == Headers({"content-type": "a"})
    assert Headers({"A": "1"}) != Headers({"A": "2"})
    assert Headers() != {}
    with pytest.raises(TypeError):
        hash(Headers())


def test_headers_repr() -> None:
    assert repr(Headers({"A": "1"})) == "Headers([('A', '1')])"


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "\r\n"])
def test_header_values_with_cr_lf_or_nul_are_refused(value: str) -> None:
    headers = Headers()
    with pytest.raises(ValueError):
        headers.add("X-A", value)
    with pytest.raises(ValueError):
        headers.set("X-A", value)
    with pytest.raises(ValueError):
        headers["X-A"] = value
    with pytest.raises(ValueError):
        Headers({"X-A": value})
    with pytest.raises(ValueError):
        Headers([("X-A", value)])
    with pytest.raises(ValueError):
        headers.update({"X-A": value})
    with pytest.raises(ValueError):
        headers.setdefault("X-A", value)
    assert len(headers) == 0


@pytest.mark.parametrize(
    "name", ["X-A\r\nX-Evil", "X-A\n", "X: Y", "X Y", "", "X\x00", "Ünïcode", "(X)", "X\t"]
)
def test_header_names_that_are_not_tokens_are_refused(name: str) -> None:
    headers = Headers()
    with pytest.raises(ValueError):
        headers.add(name, "v")
    with pytest.raises(ValueError):
        headers.set(name, "v")
    assert len(headers) == 0


@pytest.mark.parametrize("name", ["X-A", "x_a", "Content-MD5", "X.Y", "!#$%&'*+-.^_`|~", "A1"])
def test_header_names_that_are_tokens_are_accepted(name: str) -> None:
    headers = Headers()
    headers.add(name, "v")
    assert headers[name] == "v"


def test_header_value_may_hold_other_text() -> None:
    headers = Headers()
    value = 'attachment; filename="résumé.pdf"\t; x=1'
    headers.add("Content-Disposition", value)
    assert headers["content-disposition"] == value


def test_header_value_types() -> None:
    headers = Headers()
    headers.add("X-Int", 5)
    headers.add("X-Bool", True)
    assert headers.to_wsgi_list() == [("X-Int", "5"), ("X-Bool", "True")]


def test_many_header_names_stay_correct() -> None:
    # Valid names are remembered to keep checks cheap; the memory must stay bounded and
    # never let an invalid name through.
    headers = Headers()
    for i in range(3000):
        headers.add(f"X-{i}", str(i))
    assert headers[f"X-{2999}"] == "2999"
    with pytest.raises(ValueError):
        headers.add("X-3000:", "v")


@pytest.mark.parametrize("pairs", [[("A", "1")], {"A": "1"}])
def test_headers_accepts_pairs_or_mapping(pairs: Any) -> None:
    assert Headers(pairs).to_wsgi_list() == [("A", "1")]


def test_header_values_are_stored_as_plain_str_once_remembered() -> None:
    """An accepted value is remembered; an equal ``str`` subclass or number is still
    converted to a plain ``str``, a latin-1 value is taken and any other text refused."""

    class Tagged(str):
        pass

    headers = Headers()
    headers.set("X-A", "v1")
    headers.set("X-A", Tagged("v1"))
    headers.add("X-B", 1)
    assert [type(value) for _, value in headers.items()] == [str, str]
    assert headers["X-B"] == "1"
    headers.set("X-C", "caf\u00e9")
    with pytest.raises(ValueError):
        headers.set("X-D", "\u20ac")
    with pytest.raises(ValueError):
        headers.add("X-D", "v1\n")
