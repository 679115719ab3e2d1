"""Ctrl-C and SIGTERM at the command line's edge: one handler for both.

Before training a signal interrupts at once (``KeyboardInterrupt``). While the
network trains and is saved it only sets a flag: the run's ``on_batch`` callback
(:meth:`StopSignals.check`) raises ``KeyboardInterrupt`` at the next batch boundary,
``sgd`` hands it on with the history and the network at its last completed update,
and the command saves that network before anything else. Every later signal is
ignored until the save is done.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """The SIGINT/SIGTERM handler: remembers the first signal; interrupts unless deferring."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.deferring = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.signum is not None:
            return  # a second Ctrl-C must not interrupt the handling of the first
        self.signum = signum
        if not self.deferring:
            raise KeyboardInterrupt

    def check(self, *_: object) -> None:
        """``on_batch``/``on_epoch``: stop training at this boundary if a signal came."""
        if self.signum is not None:
            raise KeyboardInterrupt

    @property
    def status(self) -> int:
        """The exit status of a run a signal stopped: 128 + its number (130, 143)."""
        return 128 + (self.signum or signal.SIGINT)


@contextmanager
def stop_signals() -> Iterator[StopSignals]:
    """:class:`StopSignals` for SIGINT and SIGTERM while the body runs (main thread only).

    A SIGINT ignored when the command started (``nohup``, ``&``) stays ignored.
    """
    handler = StopSignals()
    previous: dict[signal.Signals, Any] = {}
    for signum in HANDLED:
        try:
            before = signal.getsignal(signum)
            if before is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread: no signals to handle
            break
    try:
        yield handler
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)
