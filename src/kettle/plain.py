"""Answers written without a ``Response``: a view's ``str``, ``bytes``, dict or list, alone
or in a ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)`` tuple.

When nothing follows the view (no hooks, no session, no ``after_this_request``), the doors
write these directly. The header part of a tuple is the same on every call of a view (a
literal dict or list), so the checked, completed header list for it is built once through
the ordinary path (``Response`` + ``coercion._apply_headers``) and remembered, keyed by the
body's ``Content-Type`` pair and the header items; any shape this module does not take
(a status string, 204/304, a ``Content-Length`` of the view's own, a non-string value...)
returns ``None`` and goes the ordinary way, so the answer is always the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .response import _HTML_HEADER, _STATUS_LINES, Response, is_html

if TYPE_CHECKING:
    from .app import Kettle
    from .dispatch import RoutePlan

Pairs = tuple[tuple[str, str], ...]
EncodedPairs = tuple[tuple[bytes, bytes], ...]
#: ``(headers, the same as ASGI byte pairs, whether the app's X-Frame-Options applies)``:
#: what a door sends before ``Content-Length`` and ``X-Content-Type-Options``.
Head = tuple[Pairs, EncodedPairs, bool]
#: ``(status, body, headers, ASGI headers, HTML)``.
PlainAnswer = tuple[int, bytes, Pairs, EncodedPairs, bool]
#: A route's memo (``RoutePlan.plain_memo``): ``(the body's Content-Type pair, the view's
#: last tuple headers, *their head)``, or ``(None, a Response's last header pairs, *their
#: head)``: flat, so a door reads the head's parts with one subscript each.
PlainMemo = tuple[tuple[str, str] | None, Any, Pairs, EncodedPairs, bool]

_MAX_HEADS = 512
#: The statuses a plain answer may have: known ones, less the two without a body.
_PLAIN_STATUSES = frozenset(_STATUS_LINES) - {204, 304}
_heads: dict[Any, Head | None] = {}
#: Apart, so responses whose values vary (``Location``, cookies) cannot crowd out the rest.
_response_heads: dict[tuple[tuple[str, str], ...], Head | None] = {}
#: Header names a plain answer leaves to the door (or that make it not plain).
_DOOR_NAMES = frozenset({"content-length", "x-content-type-options"})


def encode_pair(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    """An ASGI header pair: lower-case name, latin-1 bytes."""
    return pair[0].lower().encode("latin-1"), pair[1].encode("latin-1")


def _head(pairs: list[tuple[str, str]] | Pairs) -> Head | None:
    """The head for a checked header list, or ``None`` when the door must see a Response."""
    lowered = [name.lower() for name, _ in pairs]
    if _DOOR_NAMES.intersection(lowered) or not all(
        name.__class__ is str and value.__class__ is str for name, value in pairs
    ):
        return None
    try:
        encoded = tuple(encode_pair(pair) for pair in pairs)
    except UnicodeEncodeError:  # the ordinary path reports it
        return None
    content_type = next(
        (value for (_, value), name in zip(pairs, lowered, strict=True) if name == "content-type"),
        None,
    )
    html = "x-frame-options" not in lowered and content_type is not None and is_html(content_type)
    return tuple(pairs), encoded, html


def content_head(content_type: tuple[str, str]) -> Head | None:
    """The head of a body with nothing but its ``Content-Type`` (cached per pair)."""
    try:
        return _heads[content_type]
    except KeyError:
        head = _head([content_type])
        if len(_heads) < _MAX_HEADS:
            _heads[content_type] = head
        return head


def _response_head(items: list[tuple[str, str]] | Pairs) -> Head | None:
    """The head of a ``Response``'s own headers (cached by their items while there is room,
    so a response whose values vary per request, a ``Location``, stops filling it)."""
    key = tuple(items)
    try:
        return _response_heads[key]
    except KeyError:
        if len(_response_heads) >= _MAX_HEADS:
            return None
        head = _response_heads[key] = _head(items)
        return head


def _items_head(items: list[tuple[str, str]] | Pairs) -> Head | None:
    """The head of a ``Response``'s header pairs: per ``Content-Type`` pair for one, else
    per list of pairs (``_response_head``)."""
    if len(items) == 1:
        return _heads.get(items[0]) or content_head(items[0])
    return _response_head(items)


def plain_response(response: Response, plan: RoutePlan | None = None) -> PlainAnswer | None:
    """A view's ``Response`` (the class itself, a bytes body, nothing to run on close) as a
    plain answer, or ``None``: what ``wire_headers`` would send, from a remembered head.

    A response of several headers (``make_response`` + a header, ``redirect``) is looked up
    in the route's memo first: its last header list, compared in C, no key to build."""
    body = response._body
    code = response.status_code
    if body is None or response._on_close is not None or code not in _PLAIN_STATUSES:
        return None
    headers = response._headers  # response.header_items(), inlined: no Headers is made
    items = response._head if headers is None else headers._list
    memo = plan.plain_memo if plan is not None else None
    if memo is not None and memo[0] is None and (memo[1] is items or memo[1] == items):
        # the route's last head: a shared tuple (``Response(text, mimetype=...)``,
        # ``redirect``) is found by identity, a list compared in C
        pairs, encoded, html = memo[2], memo[3], memo[4]
    else:
        head = _remembered_response_head(items, plan)
        if head is None:
            return None
        pairs, encoded, html = head
    return code, body, pairs, encoded, html and not response.allow_framing


def _remembered_response_head(
    items: list[tuple[str, str]] | Pairs, plan: RoutePlan | None
) -> Head | None:
    """The head of a ``Response``'s header pairs when the route's memo does not hold them:
    ``_items_head``'s, then remembered as the route's (a snapshot of a list: the view's
    ``Headers`` may change after the answer)."""
    head = _items_head(items)
    if head is not None and plan is not None:
        snapshot = items if items.__class__ is tuple else list(items)
        plan.plain_memo = (None, snapshot, *head)
    return head


def _tuple_head(content_type: tuple[str, str], headers: Any) -> Head | None:
    """The head of ``content_type`` with a view's literal ``headers`` applied, built once."""
    try:
        items = tuple(headers.items()) if headers.__class__ is dict else tuple(headers)
        key = (content_type, items)
        return _heads[key]
    except KeyError:
        pass
    except TypeError:  # unhashable (a list of values): the ordinary path
        return None
    from .coercion import _apply_headers

    probe = Response.direct(b"", content_type)
    try:
        _apply_headers(probe, headers)
    except Exception:  # a bad name or value: the ordinary path answers it (a 500, logged)
        return None
    head = _head(probe.headers._list)
    if len(_heads) < _MAX_HEADS and _all_str(key[1]):
        _heads[key] = head
    return head


def _all_str(items: tuple[Any, ...]) -> bool:
    """Whether header items are ``(str, str)`` tuples: the only ones that are remembered
    (``1 == True`` would let ``{"X": True}`` reuse the head of ``{"X": 1}``)."""
    return all(
        item.__class__ is tuple and len(item) == 2
        and item[0].__class__ is str and item[1].__class__ is str
        for item in items
    )


def _remembered_head(
    content_type: tuple[str, str], headers: Any, plan: RoutePlan | None
) -> Head | None:
    """The head for a view's tuple ``headers`` when the route's memo (``plain_tuple``
    checks it) does not hold them: ``_tuple_head``'s, then remembered as the route's."""
    head = _tuple_head(content_type, headers)
    if plan is not None and head is not None:
        items = tuple(headers.items()) if headers.__class__ is dict else tuple(headers)
        if _all_str(items):  # a snapshot: the view may change its own dict or list later
            plan.plain_memo = (content_type, headers.copy(), *head)
    return head


def _body(app: Kettle, body: Any) -> tuple[bytes, tuple[str, str]] | None:
    cls = body.__class__
    if cls is str:
        return body.encode(), _HTML_HEADER
    if cls is bytes:
        return body, _HTML_HEADER
    if cls is dict or cls is list:
        frozen = app.json._frozen
        if frozen is not None:
            encode: Callable[[Any], bytes] = frozen[0]
            try:
                return encode(body), frozen[2]
            except Exception:  # not encodable: the ordinary path answers it (a 500, logged)
                return None
    return None


def plain_tuple(
    app: Kettle, rv: tuple[Any, ...], plan: RoutePlan | None = None
) -> PlainAnswer | None:
    """A view's tuple as a plain answer, or ``None`` for the ordinary path."""
    size = len(rv)
    if size == 2:
        body, second = rv
        kind = second.__class__
        if kind is int:
            if second not in _PLAIN_STATUSES:
                return None
            cls = body.__class__
            if cls is str:  # ``(text, 201)``: the commonest tuple
                return second, body.encode(), _HTML_PAIRS, _HTML_ENCODED, True
            if cls is dict or cls is list:  # ``(item, 201)``: ``plain_json``, written out
                frozen = app.json._frozen  # (a call costs ~500 Ir of the ~70k of a JSON POST)
                last = _last_json
                if frozen is None or frozen[2] is not last[0]:
                    return plain_json(app, body, second)  # not encoded directly, or a new head
                try:
                    data = frozen[0](body)
                except Exception:  # not encodable: the ordinary path answers it (a 500, logged)
                    return None
                return second, data, last[1], last[2], last[3]
            status, headers = second, None
        elif kind is dict or kind is list:
            status, headers = 200, second
        else:
            return None
    elif size == 3:
        body, status, headers = rv
        kind = headers.__class__
        if status.__class__ is not int or not (kind is dict or kind is list):
            return None
        if status not in _PLAIN_STATUSES:
            return None
    else:
        return None
    if body.__class__ is str:
        data, content_type = body.encode(), _HTML_HEADER
    else:
        encoded = _body(app, body)
        if encoded is None:
            return None
        data, content_type = encoded
    if not headers:
        head = content_head(content_type)
    else:  # the route's memo first: its last literal headers, one equality test, no key
        memo = plan.plain_memo if plan is not None else None
        if memo is not None and memo[0] is content_type and memo[1] == headers:
            return status, data, memo[2], memo[3], memo[4]
        head = _remembered_head(content_type, headers, plan)
    if head is None:
        return None
    return status, data, head[0], head[1], head[2]


def plain_answer(app: Kettle, rv: Any, plan: RoutePlan | None = None) -> PlainAnswer | None:
    """What a fast-path view returned, as a plain answer, or ``None``; ``plan`` is the
    route's, where a tuple's headers are remembered."""
    cls = rv.__class__
    if cls is str:
        return 200, rv.encode(), _HTML_PAIRS, _HTML_ENCODED, True
    if cls is dict or cls is list:
        return plain_json(app, rv)
    if cls is tuple:
        return plain_tuple(app, rv, plan)
    if cls is Response:
        return plain_response(rv, plan)
    if cls is bytes:
        return 200, rv, _HTML_PAIRS, _HTML_ENCODED, True
    if isinstance(rv, msgspec.Struct):  # a typed view's model
        return plain_json(app, rv)
    return None


def plain_json(app: Kettle, rv: Any, status: int = 200) -> PlainAnswer | None:
    """A value the app's JSON provider encodes (dict, list, ``Struct``), as a plain answer
    (``status``: a plain one, checked by the caller)."""
    frozen = app.json._frozen
    if frozen is None:
        return None
    try:
        data = frozen[0](rv)
    except Exception:  # not encodable: the ordinary path answers it (a 500, logged)
        return None
    last = _last_json
    if frozen[2] is not last[0]:
        found = _json_head(frozen[2])
        if found is None:
            return None
        last = found
    return status, data, last[1], last[2], last[3]


def _json_head(pair: tuple[str, str]) -> tuple[Any, Pairs, EncodedPairs, bool] | None:
    """The head of a JSON provider's ``Content-Type`` pair, remembered (with the pair, so
    it is compared by identity: no tuple hashing per request) as the last one seen."""
    global _last_json
    head = content_head(pair)
    if head is None:
        return None
    _last_json = (pair, head[0], head[1], head[2])
    return _last_json


_last_json: tuple[Any, Pairs, EncodedPairs, bool] = (None, (), (), False)


_HTML_PAIRS: Pairs = (_HTML_HEADER,)
_HTML_ENCODED: EncodedPairs = (encode_pair(_HTML_HEADER),)
