"""Models loaded at start-up, kept on the app, freed at shut-down; their state feeds ``/readyz``.

``rf = kettle.ml.model(app, "rf", load_forest)`` registers an ``on_startup`` function
that calls ``load_forest()`` once per process (in the process that serves, so each
worker of a pre-forking server loads its own copy after the fork) and an
``on_shutdown`` one that drops it. A loader that raises does not stop the server:
the error is logged with its traceback, ``/readyz`` answers 503 so the orchestrator
keeps traffic away, and ``rf.get()`` raises ``ModelUnavailable`` (503).
``background=True`` loads in a thread, so ``/healthz`` answers while a big model loads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .batching import Overloaded

if TYPE_CHECKING:
    from ..app import Kettle

M = TypeVar("M")

EXTENSION_KEY = "kettle.ml"


class ModelUnavailable(Overloaded):
    """The model is not loaded (still loading, failed, or unloaded): 503 with ``Retry-After``."""

    description = "The model is not loaded."


class Model(Generic[M]):
    """One named model of an app: its loader, its state and, once loaded, the object."""

    def __init__(
        self,
        name: str,
        loader: Callable[[], M],
        unload: Callable[[M], Any] | None,
        background: bool,
    ) -> None:
        self.name = name
        self.loader = loader
        self.unload = unload
        self.background = background
        #: ``"pending"``, ``"loading"``, ``"ready"``, ``"failed"`` or ``"unloaded"``.
        self.state = "pending"
        self.error: BaseException | None = None
        self._value: M | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def get(self) -> M:
        """The loaded model; ``ModelUnavailable`` (503) while it is not."""
        value = self._value
        if value is None or self.state != "ready":
            raise ModelUnavailable(f"The model {self.name!r} is {self.state}.")
        return value

    def load(self, app: Kettle) -> None:
        """Call the loader; a failure is logged and recorded, not raised."""
        self.state = "loading"
        try:
            value = self.loader()
        except Exception as exc:
            self.error = exc
            self.state = "failed"
            app.logger.error(
                "The model %r failed to load; /readyz answers 503.", self.name, exc_info=exc
            )
            return
        self._value = value
        self.state = "ready"

    def free(self) -> None:
        value, self._value = self._value, None
        self.state = "unloaded"
        if value is not None and self.unload is not None:
            self.unload(value)

    def __repr__(self) -> str:
        return f"<Model {self.name!r} {self.state}>"


class Models:
    """An app's models (``app.extensions["kettle.ml"]``), loaded at start-up in order."""

    def __init__(self, app: Kettle) -> None:
        self.app = app
        self.by_name: dict[str, Model[Any]] = {}
        self._threads: list[threading.Thread] = []
        app.on_startup(self._load_all)
        app.on_shutdown(self._free_all)

    def _load_all(self) -> None:
        for model in self.by_name.values():
            if model.background:
                model.state = "loading"
                thread = threading.Thread(
                    target=model.load, args=(self.app,), name=f"kettle-load-{model.name}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            else:
                model.load(self.app)

    def _free_all(self) -> None:
        for thread in self._threads:
            thread.join()
        for model in reversed(self.by_name.values()):
            try:
                model.free()
            except Exception as exc:  # one failing unloader must not keep the others loaded
                self.app.logger.error("Unloading the model %r failed.", model.name, exc_info=exc)

    @property
    def ready(self) -> bool:
        """Start-up has finished, shut-down has not begun, and every model is loaded."""
        lifespan = self.app.lifespan
        return (
            lifespan.started
            and not lifespan.stopped
            and all(model.ready for model in self.by_name.values())
        )


def models(app: Kettle) -> Models:
    """The app's ``Models`` registry, created (with its start-up hooks) on first use."""
    registry = app.extensions.get(EXTENSION_KEY)
    if registry is None:
        registry = app.extensions[EXTENSION_KEY] = Models(app)
    return registry


def model(
    app: Kettle,
    name: str,
    loader: Callable[[], M],
    *,
    unload: Callable[[M], Any] | None = None,
    background: bool = False,
) -> Model[M]:
    """Load ``loader()`` at start-up as the app's model ``name``; ``unload(m)`` at shut-down.

    Returns the ``Model``: call ``.get()`` in views (or batch functions) to use it.
    """
    registry = models(app)
    if name in registry.by_name:
        raise ValueError(f"The app already has a model named {name!r}.")
    if app.lifespan.started:
        raise AssertionError("Models must be registered before the app starts.")
    entry = registry.by_name[name] = Model(name, loader, unload, background)
    return entry
