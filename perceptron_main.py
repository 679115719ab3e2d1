"""The ``perceptron`` command's launcher: a Ctrl-C while the library loads ends quietly.

It lives outside the ``perceptron`` package on purpose. Importing anything inside
the package imports the whole package first (numpy with it, about 0.2 s), and a
Ctrl-C in that time would end the command with a traceback, or with numpy's
advice on a broken installation when the interrupt lands inside one of its
compiled modules. Here the import runs under a handler that remembers the
Ctrl-C: the command says it was interrupted and exits with status 130, as it
does during training. What is left uncovered is Python's own start-up and the
console script's own imports before this module runs: about the first 20 ms.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence  # typing is left out: it costs milliseconds

EXIT_INTERRUPTED = 130


class _Loading:
    """A SIGINT handler for the import: remembers the Ctrl-C, then interrupts as usual."""

    def __init__(self) -> None:
        self.interrupted = False

    def __call__(self, signum: int, frame: object) -> None:
        self.interrupted = True
        raise KeyboardInterrupt


def _interrupted() -> int:
    sys.stderr.write("perceptron: interrupted\n")
    return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """Import the command line and run it; a Ctrl-C at any point gives status 130."""
    loading = _Loading()
    try:
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.SIG_IGN:  # started with Ctrl-C ignored (nohup, &): keep it so
            signal.signal(signal.SIGINT, loading)
        try:
            from perceptron.cli import main as run
        finally:
            signal.signal(signal.SIGINT, previous)
        return run(argv)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:
        # An extension module turns the interrupt into an ImportError of its own.
        if loading.interrupted:
            return _interrupted()
        raise


def _ignore_sigint() -> None:
    """Ctrl-C ignored from now on, even if one lands while this is being set."""
    while True:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            return
        except KeyboardInterrupt:
            continue


def run() -> None:
    """The console script: :func:`main`, then exit with Ctrl-C ignored.

    Once the command is done there is nothing left to interrupt; a Ctrl-C that lands
    while Python shuts down (a second, quick one after an interrupted run, say) would
    otherwise print "Exception ignored ... KeyboardInterrupt" from its exit handlers.
    """
    status = EXIT_INTERRUPTED
    try:
        status = main()
    except KeyboardInterrupt:
        pass
    finally:
        _ignore_sigint()
    sys.exit(status)


if __name__ == "__main__":
    run()
