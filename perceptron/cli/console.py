"""What every command shares: the program's name, exit statuses, printing, number formats."""

from __future__ import annotations

import io
import math
import os
import sys

PROG = "perceptron"
EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A bad command line: exit status 2."""


def out(text: str = "") -> None:
    """One line on stdout, flushed (the epoch lines appear as they are made).

    When the reader has gone (``perceptron train ... | head -3``), the rest of
    the output goes nowhere and the work goes on: the run still trains and
    saves what ``--save`` asked for.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        quiet_stdout()


def quiet_stdout() -> None:
    """Point stdout at the null device (its pending bytes included, so exit stays quiet)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, io.UnsupportedOperation):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process


def note(text: str) -> None:
    """One line on stderr."""
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    """The one-line error report: ``perceptron: error: …``."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr)


def number(value: float, digits: int = 5) -> str:
    """A loss for people: fixed point when it is moderate, else exponent form, inf or nan."""
    if math.isfinite(value) and (value == 0 or 1e-4 <= abs(value) < 1e6):
        return f"{value:.{digits}f}"
    return f"{value:.3g}"


def printable(text: str) -> str:
    """``text`` with terminal control characters escaped (label names come from files)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
