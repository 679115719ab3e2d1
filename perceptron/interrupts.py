"""Ctrl-C held back while the network is being changed, so it is never half-stepped."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class InterruptGuard:
    """Holds Ctrl-C back during the critical sections of one training run.

    Installed once per ``sgd`` call (in the main thread only): outside a
    critical section a SIGINT is handed straight to the previous handler, so
    Ctrl-C stops training at once; inside one (an update being applied, the
    best weights being restored) it is remembered and delivered when the
    section ends. Installing the handler once, rather than around every
    update, keeps it off the hot path.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.pending: tuple[int, Any] | None = None
        self.previous: Any = None
        self.installed = False
        self._critical = _Critical(self)

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._handler)
                self.installed = True
            except ValueError:  # not the main interpreter
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
            self.installed = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self.depth:
            self.pending = (signum, frame)
        else:
            self._deliver(signum, frame)

    def _deliver(self, signum: int, frame: Any) -> None:
        if callable(self.previous):
            self.previous(signum, frame)
        elif self.previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    def critical(self) -> _Critical:
        """A context in which Ctrl-C waits until the body is done, then is delivered."""
        return self._critical

    def _leave(self) -> None:
        self.depth -= 1
        if not self.depth and self.pending is not None:
            pending, self.pending = self.pending, None
            self._deliver(*pending)


class _Critical:
    """``with guard.critical():`` as a plain object (no generator per use: it is hot)."""

    def __init__(self, guard: InterruptGuard) -> None:
        self.guard = guard

    def __enter__(self) -> None:
        self.guard.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.guard._leave()


@contextmanager
def sigint_held(guard: InterruptGuard | None = None) -> Iterator[None]:
    """Defer Ctrl-C while the body runs (main thread only), then deliver it.

    Inside ``sgd`` the run's guard is already installed and this costs two
    integer updates; elsewhere (a lone ``update``) a guard is installed just for
    the body.
    """
    if guard is not None:
        with guard.critical():
            yield
        return
    with InterruptGuard() as own, own.critical():
        yield
