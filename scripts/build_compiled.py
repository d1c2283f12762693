"""Build kettle's hot request-path modules with mypyc or Cython, to measure them (not shipped).

The pure-Python source is the product; this builds C extensions of some of its modules
beside it, so that ``PYTHONPATH=src`` imports the compiled ones (an extension module wins
over a ``.py`` of the same name), and removes them again:

    python scripts/build_compiled.py                  # mypyc, the modules it accepts, non-native
    python scripts/build_compiled.py --native         # let mypyc make classes native where it can
    python scripts/build_compiled.py --modules plain,wsgi
    python scripts/build_compiled.py --clean          # remove every built extension from src/
    .venv-cy/bin/python scripts/build_compiled.py --backend cython --dest /tmp/kettle-cy/src
    PYTHONPATH=/tmp/kettle-cy/src python benchmarks/icount.py asgi kettle plaintext

The source is copied to a scratch directory and built there, so the build's own files
(``build/``, C sources) never land in the worktree; only the ``.so`` files are copied back.
Without ``--native`` every class of a compiled module gets ``@mypyc_attr(native_class=False)``
in the scratch copy (the tree itself is not edited): kettle's classes rely on what native
classes do not allow (subclassing ``str``, class attributes replaced by descriptors of another
type; and, by mypyc's documented rules, ``__dict__`` slots and subclassing by users), so
only their function and method bodies are compiled.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
#: The modules a request runs through (``benchmarks/inprocess.py --profile``); Cython builds
#: them all. mypyc builds only those it accepts with non-native classes (docs/compiled-build.md
#: lists what stops the others: async generators, property setters, a method alias...).
HOT_MODULES = (
    "plain", "asgi", "wsgi", "response", "datastructures", "response_headers",
    "context", "request", "dispatch", "helpers",
)
MYPYC_MODULES = ("plain", "wsgi", "dispatch", "helpers")
DECORATOR = "@_mypyc_attr(native_class=False)"
IMPORT = "from mypy_extensions import mypyc_attr as _mypyc_attr"

SETUP_HEAD = """\
import sys
from setuptools import setup

paths = sys.argv[sys.argv.index("--") + 1 :]
del sys.argv[sys.argv.index("--") :]
"""
SETUP_MYPYC = SETUP_HEAD + """\
from mypyc.build import mypycify

setup(name="kettle_compiled", ext_modules=mypycify(["--config-file", {config!r}, *paths],
      opt_level="3", debug_level="0"))
"""
# Cython compiles the ``.py`` files as they are: classes stay Python classes, functions are
# ``binding`` functions (introspectable like Python's), and annotations are not used as C
# types (``annotation_typing=False``: a hint must not turn into a run-time type check).
SETUP_CYTHON = SETUP_HEAD + """\
from Cython.Build import cythonize

directives = {{"language_level": 3, "binding": True, "annotation_typing": {typing!r}}}
setup(name="kettle_compiled", ext_modules=cythonize(paths, compiler_directives=directives,
      nthreads=2))
"""


def non_native(source: str) -> str:
    """``source`` with every class decorated ``@mypyc_attr(native_class=False)``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    inserts: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            indent = lines[first - 1][: node.col_offset]
            inserts.append((first - 1, f"{indent}{DECORATOR}\n"))
    after = 0
    for stmt in tree.body:
        is_doc = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (is_doc or is_future):
            break
        after = stmt.end_lineno or after
    inserts.append((after, f"{IMPORT}\n"))
    for index, text in sorted(inserts, reverse=True):
        lines.insert(index, text)
    return "".join(lines)


def clean() -> list[Path]:
    """Remove every extension module under ``src/`` (what a build left there)."""
    removed = [*SRC.rglob("*.so"), *SRC.rglob("*.pyd")]
    for path in removed:
        path.unlink()
    return removed


def build(modules: list[str], backend: str, native: bool, typing: bool, dest: Path) -> None:
    """Compile ``modules`` (names under ``kettle/``) in a scratch copy; copy the ``.so`` to
    ``dest`` (``src/``, or a copy of it made there so builds can be compared side by side)."""
    if dest == SRC:
        clean()
    else:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(SRC, dest, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    with tempfile.TemporaryDirectory(prefix="kettle-mypyc-") as scratch:
        work = Path(scratch)
        shutil.copytree(SRC / "kettle", work / "kettle",
                        ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        paths = [f"kettle/{name.replace('.', '/')}.py" for name in modules]
        if backend == "mypyc" and not native:
            for path in paths:
                file = work / path
                file.write_text(non_native(file.read_text()))
        setup = (SETUP_MYPYC.format(config=str(ROOT / "pyproject.toml")) if backend == "mypyc"
                 else SETUP_CYTHON.format(typing=typing))
        (work / "setup.py").write_text(setup)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "setup.py", "build_ext", "--inplace", "-j", str(os.cpu_count() or 1),
             "--", *paths],
            cwd=work, check=True,
        )
        elapsed = time.perf_counter() - started
        for so in work.rglob("*.so"):
            if "build" in so.relative_to(work).parts:
                continue
            target = dest / so.relative_to(work)
            shutil.copy2(so, target)
            print(f"{target}: {so.stat().st_size / 1024:.0f} KiB")
    print(f"{backend}: compiled {len(modules)} modules in {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", help="comma-separated names under kettle/ (e.g. plain,wsgi);"
                        " default: what the backend can build of the hot modules")
    parser.add_argument("--backend", choices=("mypyc", "cython"), default="mypyc",
                        help="cython: run this script with a Python that has Cython 3")
    parser.add_argument("--native", action="store_true",
                        help="mypyc: leave classes native where it can (semantics change)")
    parser.add_argument("--annotation-typing", action="store_true",
                        help="cython: let annotations type variables (run-time type checks)")
    parser.add_argument("--dest", type=Path, default=SRC,
                        help="a directory for a copy of src/ with the extensions (default: src/)")
    parser.add_argument("--clean", action="store_true", help="only remove built extensions")
    args = parser.parse_args()
    if args.clean:
        for path in clean():
            print(f"removed {path.relative_to(ROOT)}")
        return
    default = MYPYC_MODULES if args.backend == "mypyc" else HOT_MODULES
    modules = [m for m in args.modules.split(",") if m] if args.modules else list(default)
    build(modules, args.backend, args.native, args.annotation_typing, args.dest.resolve())


if __name__ == "__main__":
    main()
