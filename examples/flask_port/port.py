"""Make ``kettle_port/`` from ``flask_original/`` and write ``port.diff``.

The port changes nothing but imports (``flask`` -> ``kettle``) and the class name
(``Flask`` -> ``Kettle``): ``python port.py`` redoes it, ``python port.py --check`` fails
if the checked-in port or diff differ from what it would write.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORIGINAL = HERE / "flask_original"
PORT = HERE / "kettle_port"
DIFF = HERE / "port.diff"

_IMPORT = re.compile(r"^(\s*)(from|import) flask\b")
_CLASS = re.compile(r"\bFlask\b")


def port_line(line: str) -> str:
    """One line of the port: imports from kettle, ``Kettle`` for ``Flask``."""
    line = _IMPORT.sub(r"\1\2 kettle", line)
    return _CLASS.sub("Kettle", line)


def sources(root: Path) -> list[Path]:
    return sorted(
        p.relative_to(root) for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def ported() -> dict[Path, str]:
    """Each file of the port, by path relative to the package."""
    out: dict[Path, str] = {}
    for rel in sources(ORIGINAL):
        text = (ORIGINAL / rel).read_text(encoding="utf-8")
        if rel.suffix == ".py":
            text = "".join(port_line(line) for line in text.splitlines(keepends=True))
        out[rel] = text
    return out


def make_diff(original: Path, port: Path) -> str:
    """A unified diff of two package folders, file by file."""
    chunks: list[str] = []
    for rel in sources(original):
        before = (original / rel).read_text(encoding="utf-8").splitlines(keepends=True)
        after_path = port / rel
        after = after_path.read_text(encoding="utf-8").splitlines(keepends=True) if (
            after_path.exists()
        ) else []
        chunks.extend(difflib.unified_diff(
            before, after, f"flask_original/{rel.as_posix()}", f"kettle_port/{rel.as_posix()}"
        ))
    for rel in sources(port):
        if not (original / rel).exists():
            chunks.append(f"Only in kettle_port: {rel.as_posix()}\n")
    return "".join(chunks)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        wanted = ported()
        stale = [rel for rel, text in wanted.items()
                 if not (PORT / rel).exists() or (PORT / rel).read_text(encoding="utf-8") != text]
        stale += [rel for rel in sources(PORT) if rel not in wanted]
        if stale or DIFF.read_text(encoding="utf-8") != make_diff(ORIGINAL, PORT):
            print(f"out of date: {[str(p) for p in stale] or 'port.diff'}", file=sys.stderr)
            return 1
        return 0
    for rel, text in ported().items():
        target = PORT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    DIFF.write_text(make_diff(ORIGINAL, PORT), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
