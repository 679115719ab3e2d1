"""The output plan of ``perceptron train``: every file the run writes, decided before it starts.

Built from ``--save``, ``--checkpoint``, ``--report`` and ``--plot`` before any data
is read, it resolves each path once (a symlink is written through to its target),
refuses a folder, a device, a FIFO or another special file, a folder that does not
exist or cannot be written, and two outputs that would land on the same file
(the checkpoint's own ``.history`` and ``.lock`` files included). After training it
saves the model first, whatever ended the run; the evaluation, report and plot come
after, and one of them failing is reported without touching the saved model.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io.atomic import exclusive_lock, regular_target
from ..io.model import check_savable, save
from ..reports.plots import FORMATS, plotting_available
from ..structs import Network
from .console import UsageError, error, note, out

OPTIONS = ("--save", "--checkpoint", "--report", "--plot")


@dataclass(frozen=True)
class Output:
    """One file the run writes: the option that asked for it, the path as given, the real file."""

    option: str
    given: str
    target: Path


def _checked(option: str, given: str) -> Output:
    """``given`` as an :class:`Output`: a regular file or a new name in a writable folder."""
    try:
        target = regular_target(given, option)
    except (ValueError, FileNotFoundError) as problem:
        raise UsageError(str(problem)) from None
    if not os.access(target.parent, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise UsageError(
            f"{option}: cannot write {given!r} (permission denied); choose another path"
        )
    return Output(option, given, target)


def _identity(path: Path) -> object:
    """What makes two paths the same file: device and inode when it exists, else the path."""
    try:
        found = path.stat()
    except OSError:
        return str(path)
    return (found.st_dev, found.st_ino)


class OutputPlan:
    """The run's outputs, distinct and checked; the save first, then the rest."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.outputs: dict[str, Output] = {}
        for option in OPTIONS:
            given = getattr(args, option[2:])
            if given is not None:
                self.outputs[option] = _checked(option, str(given))
        files = []
        if Path(args.data).is_file():
            files.append(("the training data", Output("--data", args.data, Path(args.data))))
        files += [(out.option, out) for out in self.outputs.values()]
        checkpoint = self.outputs.get("--checkpoint")
        if checkpoint is not None:
            for suffix in (".history", ".lock"):
                what = f"the file --checkpoint keeps its {suffix[1:]} in"
                files.append((what, _checked("--checkpoint", f"{checkpoint.target}{suffix}")))
        seen: dict[object, str] = {}
        for what, output in files:
            key = _identity(output.target)
            named = f"{what} {output.given!r}" if what in OPTIONS else what
            if key in seen:
                raise UsageError(
                    f"{seen[key]} and {named} are the same file; give each output its own path"
                )
            seen[key] = named
        self._check_kinds(args)  # after the collisions: a path problem is named first
        self.failed = False

    def _check_kinds(self, args: argparse.Namespace) -> None:
        report, plot = self.outputs.get("--report"), self.outputs.get("--plot")
        if report is not None and Path(report.given).suffix.lower() not in (".html", ".htm"):
            raise UsageError(
                f"--report: expected a file name ending in .html, got {report.given!r}"
            )
        if report is not None and not plotting_available():
            raise UsageError(
                "--report: the report draws its pictures with matplotlib, which is not "
                'installed; pip install ".[plot]" (or pip install matplotlib), then run again'
            )
        if plot is not None and Path(plot.given).suffix.lower() not in FORMATS:
            raise UsageError(
                f"--plot: expected a file name ending in {', '.join(FORMATS)}, got {plot.given!r}"
            )
        if plot is not None and not plotting_available():
            note('note: --plot needs matplotlib (pip install ".[plot]"); no plot will be written')
            del self.outputs["--plot"]

    def path(self, option: str) -> str | None:
        """The path given for ``option``, or None when the run does not write it."""
        found = self.outputs.get(option)
        return found.given if found is not None else None

    def locked(self) -> AbstractContextManager[None]:
        """The checkpoint's single-writer lock, held while the body runs (no checkpoint: none).

        A second run on the same ``--checkpoint`` is refused (``ValueError``) before it
        reads any data; a lock file left by a killed run does not block.
        """
        checkpoint = self.outputs.get("--checkpoint")
        if checkpoint is None:
            return nullcontext()
        return exclusive_lock(f"{checkpoint.target}.lock", "--checkpoint")

    def check_model(self, net: Network, meta: dict[str, Any]) -> None:
        """Refuse now, before training, what the final save would refuse (header size, names)."""
        if "--save" in self.outputs:
            try:
                check_savable(net, meta)
            except (TypeError, ValueError) as problem:
                raise ValueError(f"--save: this model could not be saved: {problem}") from None

    def save(self, net: Network, meta: dict[str, Any]) -> str | None:
        """Write the model to --save; the path written, or None (not asked, or failed: reported)."""
        output = self.outputs.get("--save")
        if output is None:
            return None
        try:
            save(net, output.given, meta=meta)
        except (OSError, ValueError, TypeError) as problem:
            self.failed = True
            reason = getattr(problem, "strerror", None) or str(problem)
            error(f"--save: could not write {output.given!r} ({reason}); the network is not saved")
            return None
        return output.given

    def write(self, option: str, write: Callable[[str], object], saved: str | None) -> None:
        """Write ``option``'s output with ``write(path)``; a failure is reported, not raised."""
        output = self.outputs.get(option)
        if output is None:
            return
        try:
            write(output.given)
        except (OSError, ValueError, RuntimeError, MemoryError) as problem:
            self.failed = True
            reason = getattr(problem, "strerror", None) or str(problem)
            kept = f"; the model is saved in {saved}" if saved else ""
            error(f"{option}: could not write {output.given!r} ({reason}){kept}")
            return
        what = "training report" if option == "--report" else "loss and accuracy curves"
        out(f"Wrote the {what} to {output.given}")
