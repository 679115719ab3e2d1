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


#: The first failed write of the log (stdout), if any: logging then stops, the run goes on.
log_failure: list[OSError] = []


def out(text: str = "") -> None:
    """One line on stdout, flushed (the epoch lines appear as they are made)."""
    write(text + "\n")


def write(text: str) -> None:
    """``text`` on stdout, flushed; a failed write stops the log, never the work.

    When the reader has gone (``perceptron train ... | head -3``) or the disk under
    the log is full, the rest of the output goes nowhere and the run goes on: it
    still trains and saves what ``--save`` asked for. A failure other than a gone
    reader is remembered in ``log_failure``, for the command to report at the end.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    except OSError as failure:
        log_failure.append(failure)
        quiet_stdout()


def quiet_stdout() -> None:
    """Point stdout at the null device (its pending bytes included, so exit stays quiet)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process


def ensure_streams() -> None:
    """Closed stdout or stderr (``>&-``): the null device in its place, so that no file
    the command opens takes descriptor 1 or 2 and nothing tests ``None.isatty()``."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, "w", closefd=False))  # noqa: SIM115


def note(text: str) -> None:
    """One line on stderr (a failed write to it is not the run's concern)."""
    try:
        print(f"{PROG}: {text}", file=sys.stderr, flush=True)
    except OSError:
        pass


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
