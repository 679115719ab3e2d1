"""Ctrl-C on the command line: the first one stops training, the save it asks for is kept.

``sgd`` holds a Ctrl-C back while an update is applied and then hands it on to the
handler installed here, which raises ``KeyboardInterrupt`` once; every later Ctrl-C is
ignored while the interrupted run is saved.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any


class _FirstCtrlC:
    """A SIGINT handler that interrupts once; later Ctrl-Cs, while that one is handled
    (the network saved), are ignored."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, signum: int, frame: Any) -> None:
        if not self.seen:
            self.seen = True
            raise KeyboardInterrupt


@contextmanager
def _sigint_handler(handler: Any) -> Iterator[None]:
    """``handler`` for SIGINT while the body runs (main thread only), then as before."""
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: no signals to handle
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def first_ctrl_c_only() -> AbstractContextManager[None]:
    """While the body runs, the first Ctrl-C interrupts it and any later one is ignored.

    Two Ctrl-Cs in quick succession would otherwise interrupt the handling of the
    first, before the interrupted run is saved. ``sgd``'s own guard hands a Ctrl-C
    on to this handler, so its updates stay whole as before.
    """
    return _sigint_handler(_FirstCtrlC())


def ignoring_sigint() -> AbstractContextManager[None]:
    """Ctrl-C ignored while the body runs (main thread only), then as before."""
    return _sigint_handler(signal.SIG_IGN)
