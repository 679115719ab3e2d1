"""The ``perceptron`` command: train, evaluate, predict, explain, summary.

``perceptron train`` with no arguments trains the MNIST article's network
(784-30-10, sigmoid, quadratic cost, N(0, 1) weights, batch 10, rate 3.0, 30
epochs) on the shipped MNIST digits (8,000 training, 2,000 held-out images)
and prints one line an epoch in the article's form, ``Epoch 0: 1786 / 2000``.

Every error is one line on stderr, ``perceptron: error: …``, and a non-zero
exit status: 2 for a bad command line, 1 for unreadable data or model files
and failed training, 130 after Ctrl-C. Set PERCEPTRON_DEBUG=1 to see the
traceback of an unexpected error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..errors import TrainingDiverged
from ..io.csvfile import CSVError
from ..io.idx import IDXError
from ..io.npz import ModelFileError
from .check import cmd_check
from .console import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    UsageError,
    ensure_streams,
    log_failure,
)
from .console import error as _error
from .data import predicted
from .diagnose import cmd_diagnose
from .explain import cmd_explain
from .parser import build_parser
from .train import cmd_train
from .use import cmd_evaluate, cmd_predict, cmd_summary

COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "explain": cmd_explain,
    "summary": cmd_summary,
    "check": cmd_check,
    "diagnose": cmd_diagnose,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    ensure_streams()
    log_failure.clear()
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(list(argv) if argv is not None else None)
        except SystemExit as done:  # --help
            return int(done.code or 0) if not isinstance(done.code, str) else EXIT_USAGE
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        status = COMMANDS[args.command](args)
        if status == 0 and log_failure:  # the output was the command's product
            failure = log_failure[0]
            _error(f"could not write the output ({failure.strerror or failure})")
            return EXIT_FAILURE
        return status
    except UsageError as error:
        _error(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_FAILURE
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        _error(str(error) if not error.filename else f"{error.strerror}: {error.filename}")
        return EXIT_FAILURE
    except OSError as error:  # a disk full, a device gone: say which file
        where = f": {error.filename}" if error.filename else ""
        _error(f"{error.strerror or error}{where}")
        return EXIT_FAILURE
    except (IDXError, CSVError, ModelFileError, TrainingDiverged, ValueError, TypeError) as error:
        _error(str(error))
        return EXIT_FAILURE
    except MemoryError:
        _error("out of memory; try smaller layers or less data")
        return EXIT_FAILURE
    except Exception as error:
        if os.environ.get("PERCEPTRON_DEBUG"):
            raise
        _error(f"unexpected {type(error).__name__}: {error} (set PERCEPTRON_DEBUG=1 for details)")
        return EXIT_FAILURE


__all__ = ["COMMANDS", "build_parser", "main", "predicted"]
