"""The reloader: serve in a child process, restart it when a watched file changes.

The parent binds the listening socket and passes it down (``KETTLE_SERVER_FD``), so the
port never changes and connections made during a restart wait in the backlog instead of
being refused. The parent watches; the child only serves. So when an edit breaks the app
(a syntax error), the child dies with its traceback on the terminal, and the parent keeps
watching and starts a new child on the next change: no restart by hand. Meanwhile it
answers requests with the child's error (``failure.py``) rather than leaving them waiting.

Watched: the source files of the app's modules (those outside the standard library and
site-packages) and the other ``.py`` files beside them, the template folders, config-like
files in the app's root and instance folders, and ``extra_files``. With watchfiles
installed (``pip install kettle[reload]``) the kernel reports changes; otherwise the
files' modification times are polled once a second.
"""

from __future__ import annotations

import fnmatch
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .failure import FailurePage, StderrTail
from .server import RUN_MAIN_ENV, SERVER_FD_ENV

if TYPE_CHECKING:
    import socket
    from types import FrameType

    from ..app import Kettle

#: Seconds between two scans of the stat poller.
POLL_INTERVAL = 1.0
#: Seconds a child has to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 5.0
DEFAULT_EXCLUDES = ("*/.git/*", "*/__pycache__/*", "*/.venv/*", "*/venv/*", "*/node_modules/*",
                    "*/.mypy_cache/*", "*/.pytest_cache/*", "*/.ruff_cache/*")
CONFIG_SUFFIXES = (".py", ".cfg", ".toml", ".json", ".ini", ".yaml", ".yml", ".env")
CONFIG_NAMES = (".env", ".kettleenv", ".flaskenv")

_LIBRARY_DIRS = tuple({
    os.path.realpath(p) + os.sep
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
    if (p := sysconfig.get_paths().get(key))
} | {os.path.realpath(os.path.dirname(os.path.dirname(__file__))) + os.sep})


class FileSet:
    """The files to watch, recomputed on each scan (new modules and templates appear)."""

    def __init__(
        self, app: Kettle, extra_files: Iterable[str] = (), exclude_patterns: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.extra_files = [os.path.abspath(f) for f in extra_files]
        patterns = (*DEFAULT_EXCLUDES, *exclude_patterns)
        self._excluded = re.compile("|".join(fnmatch.translate(p) for p in patterns)).match
        self._dir_of: dict[str, str | None] = {}  # module file -> its folder (None: a library)

    def excluded(self, path: str) -> bool:
        return self._excluded(path) is not None

    def module_dirs(self) -> set[str]:
        dirs = set()
        dir_of = self._dir_of
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if not filename:
                continue
            folder = dir_of.get(filename, "")
            if folder == "":
                path = os.path.realpath(filename)
                folder = None if path.startswith(_LIBRARY_DIRS) else os.path.dirname(path)
                dir_of[filename] = folder
            if folder is not None:
                dirs.add(folder)
        return dirs

    def template_dirs(self) -> list[str]:
        folders = []
        for scaffold in (self.app, *self.app.blueprints.values()):
            folder = getattr(scaffold, "template_folder", None)
            if folder:
                folders.append(os.path.join(scaffold.root_path, folder))
        return [f for f in folders if os.path.isdir(f)]

    def roots(self) -> set[str]:
        """The folders to hand to watchfiles."""
        roots = self.module_dirs() | set(self.template_dirs())
        roots |= {os.path.dirname(f) for f in self.extra_files}
        return {r for r in roots if os.path.isdir(r)}

    def __iter__(self) -> Iterator[str]:
        for folder in self.module_dirs():
            yield from _files_in(folder, (".py",))
        for folder in self.template_dirs():
            for base, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in names:
                    yield os.path.join(base, name)
        for folder in {self.app.root_path, self.app.instance_path, os.getcwd()}:
            yield from _files_in(folder, CONFIG_SUFFIXES)
            for name in CONFIG_NAMES:
                yield os.path.join(folder, name)
        yield from self.extra_files

    def matches(self, path: str) -> bool:
        """Whether a changed ``path`` (from watchfiles) is one of ours."""
        if self.excluded(path):
            return False
        if path in self.extra_files or path.endswith(".py"):
            return True
        return any(path.startswith(folder + os.sep) for folder in self.template_dirs()) or (
            path.endswith(CONFIG_SUFFIXES) or os.path.basename(path) in CONFIG_NAMES
        )


def _files_in(folder: str, suffixes: tuple[str, ...]) -> Iterator[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.endswith(suffixes):
            yield os.path.join(folder, name)


class StatWatcher:
    """Polls modification times: no dependency, ~1 s latency."""

    name = "stat"

    def __init__(self, files: FileSet, interval: float = POLL_INTERVAL) -> None:
        self.files = files
        self.interval = interval
        self.mtimes = self.scan()

    def scan(self) -> dict[str, float]:
        mtimes = {}
        for path in self.files:
            if self.files.excluded(path):
                continue
            try:
                mtimes[path] = os.stat(path).st_mtime
            except OSError:
                continue
        return mtimes

    def wait(self, child: subprocess.Popen[bytes] | None) -> str | None:
        """The first changed file, or ``None`` if ``child`` exits first."""
        while True:
            deadline = time.monotonic() + self.interval
            while time.monotonic() < deadline:
                if child is not None and child.poll() is not None:
                    return None
                time.sleep(0.1)
            current = self.scan()
            changed = [p for p, m in current.items() if self.mtimes.get(p) != m]
            changed += [p for p in self.mtimes if p not in current]
            self.mtimes = current
            if changed:
                return changed[0]


class WatchfilesWatcher:
    """Kernel file events through watchfiles (an optional extra)."""

    name = "watchfiles"

    def __init__(self, files: FileSet) -> None:
        import watchfiles

        self.watchfiles = watchfiles
        self.files = files

    def wait(self, child: subprocess.Popen[bytes] | None) -> str | None:
        roots = sorted(self.files.roots())
        for changes in self.watchfiles.watch(
            *roots, rust_timeout=200, yield_on_timeout=True, raise_interrupt=True
        ):
            if child is not None and child.poll() is not None:
                return None
            for _, path in changes:
                if self.files.matches(path):
                    return str(path)
        return None  # pragma: no cover - watch() only ends on an interrupt


def make_watcher(files: FileSet, reloader_type: str) -> StatWatcher | WatchfilesWatcher:
    """``"stat"``, ``"watchfiles"``, or ``"auto"``: watchfiles when installed."""
    if reloader_type not in ("auto", "stat", "watchfiles"):
        raise ValueError(f"reloader_type must be 'auto', 'stat' or 'watchfiles', not "
                         f"{reloader_type!r}")
    if reloader_type != "stat":
        try:
            return WatchfilesWatcher(files)
        except ImportError:
            if reloader_type == "watchfiles":
                raise ImportError("reloader_type='watchfiles' needs watchfiles: "
                                  "pip install 'kettle[reload]'") from None
    return StatWatcher(files)


def child_argv() -> list[str]:
    """This process's command line again: ``python app.py``, ``python -m pkg`` or a script."""
    args = [sys.executable, *(f"-W{option}" for option in sys.warnoptions)]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name not in ("__main__", None):
        name = spec.name.removesuffix(".__main__")
        return [*args, "-m", name, *sys.argv[1:]]
    script = sys.argv[0]
    if not os.path.exists(script) and os.path.exists(script + ".exe"):  # pragma: no cover
        script += ".exe"
    return [*args, script, *sys.argv[1:]]


def run_with_reloader(
    app: Kettle,
    sock: socket.socket,
    *,
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    reloader_type: str = "auto",
) -> None:
    """Run children serving on ``sock`` until Ctrl-C or SIGTERM, one per version of the code."""
    files = FileSet(app, extra_files or (), exclude_patterns or ())
    watcher = make_watcher(files, reloader_type)
    _say(f"Restarting with {watcher.name}")
    env = {**os.environ, RUN_MAIN_ENV: "true", SERVER_FD_ENV: str(sock.fileno())}
    previous = signal.signal(signal.SIGTERM, _interrupt)
    child: subprocess.Popen[bytes] | None = None
    try:
        while True:
            child = subprocess.Popen(
                child_argv(), env=env, pass_fds=(sock.fileno(),), stderr=subprocess.PIPE
            )
            assert child.stderr is not None
            tail = StderrTail(child.stderr)
            changed = watcher.wait(child)
            if changed is None:
                code = child.returncode
                if code == 0:
                    return
                _say(f"The server exited with code {code}: fix the error above; it restarts on "
                     "the next change")
                page = FailurePage(sock, code, tail.text())
                try:
                    changed = watcher.wait(None)
                finally:
                    page.stop()
            else:
                _stop(child)
            _say(f"Detected change in {_short(changed)}, reloading")
    except KeyboardInterrupt:
        pass
    finally:
        if child is not None:
            _stop(child)
        signal.signal(signal.SIGTERM, previous)
        sock.close()


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _interrupt(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt


def _short(path: str | None) -> str:
    if path is None:
        return "?"
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _say(message: str) -> None:
    print(f" * {message}", file=sys.stderr, flush=True)
