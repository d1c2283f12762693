"""The debug page: an unhandled exception shown to the developer, in HTML or JSON.

Shown only when the app is in debug mode, ``DEBUG_PAGE`` is on (``app.run(debug=True)``
and ``kettle run --debug`` turn it on) and the client is on this machine (loopback):
the page shows source code and local variables, which must never reach anyone else.
Everything from the exception, the frames and the request is HTML-escaped; cookie and
credential header values are masked; each local's ``repr`` is bounded.

It is imported on the error path only, so serving costs nothing when nothing fails.
"""

from __future__ import annotations

import html
import ipaddress
import linecache
import os
import reprlib
import sys
import sysconfig
import traceback
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from ..app import Kettle
    from ..request import Request
    from ..response import Response

#: Lines of source shown before and after each frame's current line.
CONTEXT_LINES = 3
#: Characters of each local variable's ``repr``, and local variables per frame.
MAX_REPR_LENGTH = 200
MAX_LOCALS = 50
#: Request headers whose values are never shown.
MASKED_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
    "x-auth-token", "x-csrf-token", "x-xsrf-token",
})
MASK = "••••••"

_LIBRARY_PREFIXES = tuple(
    {os.path.normcase(os.path.realpath(p)) + os.sep for p in (
        sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"], os.path.dirname(os.path.dirname(__file__)),
    )}
)


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` is this machine: 127.0.0.0/8 or ::1 (IPv4-mapped included)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def may_show(app: Kettle, request: Request | None) -> bool:
    """Debug mode, the page on, and a loopback client (by its address and the socket's)."""
    if request is None or not is_loopback(request.remote_addr):
        return False
    environ = getattr(request, "environ", None)
    return not (isinstance(environ, dict) and "REMOTE_ADDR" in environ
                and not is_loopback(environ["REMOTE_ADDR"]))


# -- what the page shows ---------------------------------------------------------------------
@dataclass
class Frame:
    filename: str
    lineno: int
    function: str
    library: bool
    lines: list[tuple[int, str]]
    local_vars: list[tuple[str, str]]
    more_locals: int = 0


@dataclass
class ExceptionInfo:
    type_name: str
    message: str
    frames: list[Frame] = field(default_factory=list)
    relation: str = ""  # how it led to the next one shown: "cause" or "context"


_repr = reprlib.Repr()
_repr.maxstring = MAX_REPR_LENGTH
_repr.maxother = MAX_REPR_LENGTH
_repr.maxlevel = 3


def safe_repr(value: Any) -> str:
    """A bounded ``repr`` that never raises."""
    try:
        text = _repr.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the page
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= MAX_REPR_LENGTH else text[: MAX_REPR_LENGTH - 1] + "…"


def _is_library(filename: str) -> bool:
    return os.path.normcase(os.path.realpath(filename)).startswith(_LIBRARY_PREFIXES)


def _frames(tb: TracebackType | None) -> list[Frame]:
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        filename = code.co_filename
        first = max(lineno - CONTEXT_LINES, 1)
        lines = [(n, linecache.getline(filename, n).rstrip("\n"))
                 for n in range(first, lineno + CONTEXT_LINES + 1)]
        while lines and not lines[-1][1] and lines[-1][0] > lineno:
            lines.pop()
        names = list(frame.f_locals.items())
        frames.append(Frame(
            filename=filename, lineno=lineno, function=code.co_name,
            library=_is_library(filename), lines=lines,
            local_vars=[(str(k), safe_repr(v)) for k, v in names[:MAX_LOCALS]],
            more_locals=max(len(names) - MAX_LOCALS, 0),
        ))
    return frames


def collect(exc: BaseException) -> list[ExceptionInfo]:
    """The exception and those it came from (``raise ... from``, or during handling),
    outermost cause first, as Python prints them."""
    chain: list[ExceptionInfo] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    relation = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(ExceptionInfo(
            type_name=_qualified_name(type(current)), message=str(current),
            frames=_frames(current.__traceback__), relation=relation,
        ))
        if current.__cause__ is not None:
            current, relation = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, relation = current.__context__, "context"
        else:
            current = None
    chain.reverse()
    return chain


def _qualified_name(cls: type) -> str:
    module = cls.__module__
    if module in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def request_summary(request: Request) -> tuple[dict[str, Any], list[str]]:
    """Method, URL, headers (credentials masked) and form keys (only if already read);
    and the secret values masked, to redact them wherever else they show (locals)."""
    headers = []
    secrets: list[str] = []
    for name, value in request.headers.items():
        if name.lower() == "cookie":
            pairs = [part.strip().partition("=") for part in value.split(";") if part.strip()]
            secrets.extend(v.strip() for _, _, v in pairs)
            value = "; ".join(f"{n}={MASK}" for n, _, _ in pairs)
        elif name.lower() in MASKED_HEADERS:
            secrets.append(value)
            secrets.extend(value.split())  # "Bearer <token>": the token alone too
            value = MASK
        headers.append((name, value))
    form = request._form
    summary = {
        "method": request.method,
        "url": request.url,
        "remote_addr": request.remote_addr,
        "headers": headers,
        "form_keys": None if form is None else list(form.keys()),
    }
    return summary, sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)


def redact(chain: list[ExceptionInfo], secrets: list[str]) -> None:
    """Mask credential values in the locals' reprs (an ``environ`` dict holds them)."""
    if not secrets:
        return
    for info in chain:
        for frame in info.frames:
            for i, (name, value) in enumerate(frame.local_vars):
                for secret in secrets:
                    if secret in value:
                        value = value.replace(secret, MASK)
                frame.local_vars[i] = (name, value)


# -- answers -----------------------------------------------------------------------------------
def debug_response(app: Kettle, request: Request, exc: BaseException) -> Response:
    """The debug page (HTML), or JSON for a client that prefers ``application/json``."""
    chain = collect(exc)
    text = "".join(traceback.format_exception(exc))
    summary, secrets = request_summary(request)
    redact(chain, secrets)
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json":
        body = msgspec.json.encode({
            "error": chain[-1].type_name, "message": chain[-1].message,
            "traceback": text, "request": {k: summary[k] for k in ("method", "url")},
            "frames": [
                {"file": f.filename, "line": f.lineno, "function": f.function,
                 "code": dict(f.lines).get(f.lineno, "").strip()}
                for f in chain[-1].frames
            ],
        })
        response = app.response_class(body, status=500, mimetype="application/json")
    else:
        page = render_page(chain, text, summary, app.config.get("DEBUG_EDITOR_URL"))
        response = app.response_class(page, status=500, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _editor_link(editor_url: str | None, frame: Frame) -> str:
    if not editor_url:
        return ""
    try:
        url = editor_url.format(path=os.path.abspath(frame.filename), line=frame.lineno)
    except (KeyError, IndexError, ValueError):
        return ""
    return f' <a class="edit" href="{html.escape(url)}">open in editor</a>'


def _render_frame(frame: Frame, editor_url: str | None, index: int) -> str:
    e = html.escape
    code = "".join(
        f'<div class="line{" current" if n == frame.lineno else ""}">'
        f'<span class="no">{n}</span><span class="src">{e(src) or " "}</span></div>'
        for n, src in frame.lines
    )
    local_rows = "".join(
        f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in frame.local_vars
    )
    if frame.more_locals:
        local_rows += f'<tr><th></th><td class="muted">… {frame.more_locals} more</td></tr>'
    locals_open = "" if frame.library else " open"
    locals_html = (
        f'<details class="locals"{locals_open}><summary>Local variables '
        f"({len(frame.local_vars)})</summary>"
        f"<table>{local_rows}</table></details>" if local_rows else ""
    )
    kind = "lib" if frame.library else "app"
    is_open = "" if frame.library else " open"
    return (
        f'<details class="frame {kind}"{is_open} id="frame-{index}"><summary>'
        f'<span class="fn">{e(frame.function)}</span> '
        f'<span class="file">{e(frame.filename)}</span>:<span class="ln">{frame.lineno}</span>'
        f"{_editor_link(editor_url, frame)}</summary>"
        f'<div class="code">{code}</div>{locals_html}</details>'
    )


def render_page(
    chain: list[ExceptionInfo], text: str, summary: dict[str, Any], editor_url: str | None
) -> str:
    e = html.escape
    last = chain[-1]
    sections = []
    index = 0
    for i, info in enumerate(chain):
        frames = []
        for frame in info.frames:
            frames.append(_render_frame(frame, editor_url, index))
            index += 1
        note = ""
        if i + 1 < len(chain):
            note = ('<p class="chain">The above exception was the direct cause of the '
                    "following exception:</p>" if info.relation == "cause" else
                    '<p class="chain">During handling of the above exception, another '
                    "exception occurred:</p>")
        sections.append(
            f'<section class="exc"><h3>{e(info.type_name)}: {e(info.message)}</h3>'
            f'{"".join(frames)}</section>{note}'
        )
    header_rows = "".join(
        f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in summary["headers"]
    )
    form_keys = summary["form_keys"]
    form_html = (
        '<p class="muted">The form was not read.</p>' if form_keys is None else
        f"<p>{', '.join(f'<code>{e(k)}</code>' for k in form_keys) or 'none'}</p>"
    )
    return PAGE.format(
        title=e(f"{last.type_name}: {last.message}")[:300],
        type_name=e(last.type_name),
        message=e(last.message),
        method=e(summary["method"]),
        url=e(summary["url"]),
        sections="".join(sections),
        headers=header_rows,
        form=form_html,
        traceback=e(text),
        python=e(sys.version.split()[0]),
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} // kettle debug page</title>
<style>
:root {{ --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#6b7385; --line:#e3e6ec;
  --accent:#c0392b; --hl:#fff4d6; --hl-edge:#f0b429; --code:#fbfbfd; }}
* {{ box-sizing:border-box; }}
body {{ margin:0; background:var(--bg); color:var(--ink);
  font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }}
header {{ background:#1d2330; color:#fff; padding:28px 40px 24px;
  border-bottom:4px solid var(--accent); }}
header .kind {{ font-size:13px; letter-spacing:.08em; text-transform:uppercase; color:#f5a09a; }}
header h1 {{ margin:6px 0 8px; font-size:26px; font-weight:650; word-break:break-word; }}
header .req {{ font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; color:#c9d1e3;
  font-size:14px; }}
header .req b {{ color:#fff; background:#39414f; padding:1px 7px; border-radius:4px;
  margin-right:6px; }}
main {{ padding:24px 40px 48px; max-width:1200px; }}
h2 {{ font-size:17px; margin:28px 0 12px; }}
h3 {{ font-size:15px; margin:0 0 12px; color:var(--accent); word-break:break-word;
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }}
.exc {{ margin-bottom:8px; }}
.chain {{ color:var(--muted); font-style:italic; margin:16px 0; }}
.frame {{ background:var(--card); border:1px solid var(--line); border-radius:8px; margin:0 0 10px;
  overflow:hidden; }}
.frame.lib {{ opacity:.75; }}
.frame > summary {{ cursor:pointer; padding:9px 14px; font-size:14px; list-style:none;
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }}
.frame > summary::before {{ content:"▸"; color:var(--muted); margin-right:8px; }}
.frame[open] > summary::before {{ content:"▾"; }}
.frame.app > summary {{ border-left:4px solid var(--accent); }}
.fn {{ font-weight:700; }}
.file {{ color:var(--muted); }}
.ln {{ color:var(--ink); }}
.edit {{ float:right; font-size:12px; color:#2563eb; text-decoration:none; border:1px solid #c7d5f8;
  border-radius:4px; padding:0 6px; }}
.code {{ background:var(--code); border-top:1px solid var(--line); padding:6px 0;
  font:13px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; overflow-x:auto; }}
.line {{ white-space:pre; padding:0 14px 0 0; }}
.line .no {{ display:inline-block; width:4.5em; padding-right:1em; text-align:right;
  color:#a0a7b5; user-select:none; }}
.line.current {{ background:var(--hl); box-shadow:inset 4px 0 0 var(--hl-edge); font-weight:600; }}
.locals {{ border-top:1px solid var(--line); padding:6px 14px 10px; font-size:13px; }}
.locals summary {{ cursor:pointer; color:var(--muted); }}
table {{ border-collapse:collapse; width:100%; margin-top:6px;
  font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }}
th, td {{ text-align:left; vertical-align:top; padding:4px 10px;
  border-bottom:1px solid var(--line); word-break:break-all; }}
th {{ width:22%; color:var(--muted); font-weight:600; }}
.card {{ background:var(--card); border:1px solid var(--line); border-radius:8px;
  padding:8px 14px; }}
.muted {{ color:var(--muted); }}
code {{ background:#eef0f4; padding:1px 5px; border-radius:4px; }}
textarea {{ width:100%; height:260px; border:1px solid var(--line); border-radius:8px; padding:12px;
  font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; background:var(--card);
  color:var(--ink); resize:vertical; }}
button {{ font:inherit; font-size:13px; background:#1d2330; color:#fff; border:0; border-radius:6px;
  padding:6px 14px; cursor:pointer; margin-bottom:8px; }}
footer {{ color:var(--muted); font-size:12.5px; margin-top:28px; }}
</style></head>
<body>
<header><div class="kind">Unhandled exception</div>
<h1>{type_name}: {message}</h1>
<div class="req"><b>{method}</b>{url}</div></header>
<main>
<h2>Traceback <span class="muted">(most recent call last; your code is marked, library
frames are folded)</span></h2>
{sections}
<h2>Request</h2>
<div class="card"><table>{headers}</table>
<h2 style="font-size:14px;margin:14px 0 4px">Form fields</h2>{form}</div>
<h2>Plain-text traceback</h2>
<button type="button" id="copy">Copy traceback</button>
<textarea id="traceback" readonly>{traceback}</textarea>
<footer>kettle debug page · Python {python} · shown because debug mode is on and you are on
this machine; never enable debug mode in production.</footer>
</main>
<script>
document.getElementById("copy").addEventListener("click", function () {{
  var area = document.getElementById("traceback"), button = this;
  function done() {{ button.textContent = "Copied"; setTimeout(function () {{
    button.textContent = "Copy traceback"; }}, 1500); }}
  if (navigator.clipboard) {{ navigator.clipboard.writeText(area.value).then(done); }}
  else {{ area.select(); document.execCommand("copy"); done(); }}
}});
</script>
</body></html>
"""
