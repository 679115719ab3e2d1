"""Checkpoints: the whole state of an ``sgd`` run after each epoch, and resuming from it.

``sgd(..., checkpoint=PATH)`` writes, after every completed epoch, one ``.npz``
file (the hardened format of :mod:`perceptron.io.npz`: arrays plus a JSON
header, no pickle, written to a temporary file and renamed over PATH) holding

* the weights ``W0, b0, …`` (and early stopping's best, ``best_W0, …``);
* the optimizer's ``state_dict`` (``opt_<name>``) and, in the header, its config;
* the random generator's state, so the next epoch draws the same permutation;
* a fingerprint of the run: the data's shapes and SHA-256 digests, and the settings.

The per-epoch history goes to a companion file ``PATH.history``, one fixed-size
record per epoch written in place, so a save costs the same at epoch 100,000
as at epoch 1; the checkpoint says how many records are valid.

Called again with the same PATH, ``sgd`` checks that the file belongs to the
same run, restores everything at once, and continues with the next epoch: the
final weights are bit-identical to those of a run never interrupted. A file
that does not fit is refused with :class:`CheckpointMismatchError` before
anything changes; a corrupted one with :class:`~perceptron.io.npz.ModelFileError`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..epochs import EarlyStopping, History
from ..interrupts import sigint_held
from ..optimizers import Optimizer
from ..structs import Network
from ..types import Array
from .atomic import regular_target
from .history_file import read_history, write_record
from .npz import ModelFileError, plain_json, read_npz_checked, write_npz_atomic

Expected = dict[str, tuple[tuple[int, ...], np.dtype[Any]]]

FORMAT = "perceptron-checkpoint"
VERSION = 2
SETTINGS = ("batchsize", "engine", "shuffle", "lr", "l2_scale", "patience")
MAX_EPOCHS = 1 << 40


class CheckpointMismatchError(ModelFileError):
    """A checkpoint written by another run (network, optimizer, data or settings differ)."""


class CheckpointWriteError(OSError):
    """A checkpoint could not be written (disk full, folder gone, permission taken away).

    ``epochs_done`` completed epochs are in the network, which is whole: the
    failed write changed neither it nor the checkpoint last written.
    """

    def __init__(self, message: str, epochs_done: int) -> None:
        super().__init__(message)
        self.epochs_done = epochs_done


@dataclass
class RunSettings:
    """What a checkpoint must match to be resumed: the data and settings of the ``sgd`` call."""

    X: Array
    Y: Array
    validation: tuple[Array, Array] | None
    rng: np.random.Generator
    batchsize: int
    epochs: int
    engine: str
    shuffle: bool
    lr: float
    l2_scale: float
    patience: int | None


def _digest(array: Array) -> str:
    """SHA-256 of the array's bytes (C order), to tell data sets apart."""
    return hashlib.sha256(np.ascontiguousarray(array).data.cast("B")).hexdigest()


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _fingerprint(plan: RunSettings) -> dict[str, Any]:
    validation = None
    if plan.validation is not None:
        Xv, Yv = plan.validation
        validation = [list(Xv.shape), list(Yv.shape), _digest(Xv), _digest(Yv)]
    return {
        "X": list(plan.X.shape),
        "Y": list(plan.Y.shape),
        "X_sha256": _digest(plan.X),
        "Y_sha256": _digest(plan.Y),
        **{key: getattr(plan, key) for key in SETTINGS},
        "validation": validation,
        "bit_generator": type(plan.rng.bit_generator).__name__,
    }


class Checkpointer:
    """Save and restore the state of one ``sgd`` run at ``path``."""

    def __init__(self, path: Any, net: Network, optimizer: Optimizer, plan: RunSettings) -> None:
        try:  # checked here; written through symlinks, named as given in messages
            target = regular_target(path, "checkpoint")
            self.history_path = regular_target(f"{target}.history", "checkpoint")
        except FileNotFoundError as error:
            raise ValueError(str(error)) from None
        self.path = Path(path)
        self.net, self.plan, self.optimizer = net, plan, optimizer
        self.header = {
            "format": FORMAT,
            "version": VERSION,
            "network": {
                "inputdim": net.inputdim,
                "cost": net.cost.name,
                "dtype": np.dtype(net.dtype).name,
                "layers": [[layer.outsize, layer.activation.name] for layer in net.layers],
            },
            "optimizer": optimizer.config(),
            "fingerprint": _fingerprint(plan),
        }

    # -- writing ------------------------------------------------------------------
    def save(self, epochs_done: int, history: History, early: EarlyStopping) -> None:
        """Write the state after ``epochs_done`` completed epochs (history record first).

        A failed write raises :class:`CheckpointWriteError`, saying how far the run got.
        """
        try:
            self._write(epochs_done, history, early)
        except OSError as error:
            reason = error.strerror or str(error)
            raise CheckpointWriteError(
                f"checkpoint: could not write {str(self.path)!r} after epoch {epochs_done - 1} "
                f"({reason}); the network holds {epochs_done} complete epoch(s)",
                epochs_done,
            ) from error

    def _write(self, epochs_done: int, history: History, early: EarlyStopping) -> None:
        write_record(self.history_path, epochs_done - 1, history)
        arrays: dict[str, Array] = {}
        for i, layer in enumerate(self.net.layers):
            arrays[f"W{i}"], arrays[f"b{i}"] = layer.weights, layer.bias
        if early.best_params is not None:
            for i, (w, b) in enumerate(early.best_params):
                arrays[f"best_W{i}"], arrays[f"best_b{i}"] = w, b
        for name, array in self.optimizer.state_dict().items():
            arrays[f"opt_{name}"] = array
        header = dict(self.header)
        header["run"] = {
            "epochs_done": epochs_done,
            "rng": plain_json(self.plan.rng.bit_generator.state),
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
            "best_loss": early.best_loss if math.isfinite(early.best_loss) else None,
            "has_best": early.best_params is not None,
            "waited": early.waited,
        }
        write_npz_atomic(self.path, header, arrays, "checkpoint")

    # -- reading ------------------------------------------------------------------
    def _expect(self, header: dict[str, Any]) -> Expected:
        """Check the header against this run; the arrays the file must hold."""
        if header.get("format") != FORMAT:
            raise ModelFileError(f"not a perceptron checkpoint (format {header.get('format')!r})")
        if header.get("version") != VERSION:
            raise ModelFileError(
                f"unknown checkpoint version {header.get('version')!r}; this perceptron reads "
                f"version {VERSION} (delete the file to start afresh)"
            )
        for key, what in (("network", "network"), ("optimizer", "optimizer")):
            if header.get(key) != self.header[key]:
                raise _mismatch(what, header.get(key), self.header[key])
        if header.get("fingerprint") != self.header["fingerprint"]:
            raise _mismatch(
                "data or settings", header.get("fingerprint"), self.header["fingerprint"]
            )
        run = _check_run(header.get("run"), self.plan)
        try:
            # Try the state on a throwaway generator first, so that a broken one is
            # refused before anything of this run changes.
            type(self.plan.rng.bit_generator)().state = run["rng"]
        except Exception as error:
            raise ModelFileError(f"invalid random generator state ({error})") from None
        expected: Expected = {}
        for i, layer in enumerate(self.net.layers):
            for name, array in ((f"W{i}", layer.weights), (f"b{i}", layer.bias)):
                expected[name] = (array.shape, array.dtype.newbyteorder("<"))
                if run["has_best"]:
                    expected[f"best_{name}"] = expected[name]
        for name, array in self.optimizer.state_dict().items():
            expected[f"opt_{name}"] = (array.shape, array.dtype.newbyteorder("<"))
        return expected

    def resume(self, history: History, early: EarlyStopping) -> int:
        """Restore the saved state; return the epoch to start from (0 without a file).

        Everything is read and checked before anything is changed.
        """
        if not self.path.exists():
            return 0
        header, arrays = read_npz_checked(self.path, self._expect, what="checkpoint")
        for name, array in arrays.items():
            if not np.isfinite(array).all():
                raise ModelFileError(f"{self.path}: array {name!r} holds non-finite values")
        run = header["run"]
        records = read_history(
            self.history_path, run["epochs_done"], self.plan.validation is not None
        )
        state = {k[len("opt_") :]: v for k, v in arrays.items() if k.startswith("opt_")}
        best = None
        if run["has_best"]:
            best = [
                (arrays[f"best_W{i}"].copy(), arrays[f"best_b{i}"].copy())
                for i in range(len(self.net.layers))
            ]
        with sigint_held():
            for i, layer in enumerate(self.net.layers):
                layer.weights[...] = arrays[f"W{i}"]
                layer.bias[...] = arrays[f"b{i}"]
            try:
                self.optimizer.load_state_dict(state)
            except ValueError as error:
                raise ModelFileError(f"{self.path}: invalid optimizer state ({error})") from None
            self.plan.rng.bit_generator.state = run["rng"]
            history.loss[:], history.val_loss[:], history.val_accuracy[:] = records[:3]
            history.epoch_time[:] = records[3]
            history.best_epoch, history.stopped_early = run["best_epoch"], run["stopped_early"]
            early.best_loss = math.inf if run["best_loss"] is None else float(run["best_loss"])
            early.best_params, early.waited = best, run["waited"]
        # A run that already stopped early is finished: no further epoch.
        done = int(run["epochs_done"])
        return max(done, self.plan.epochs) if history.stopped_early else done


def _check_run(run: Any, plan: RunSettings) -> dict[str, Any]:
    """The header's "run" entry, every field checked."""
    bad = ModelFileError("invalid run state in the checkpoint header")
    if not isinstance(run, dict):
        raise bad
    done: Any = run.get("epochs_done")
    if not _is_int(done, 1, MAX_EPOCHS):
        raise ModelFileError("invalid number of completed epochs")
    best_loss = run.get("best_loss")
    if not (
        best_loss is None
        or (isinstance(best_loss, (int, float)) and not isinstance(best_loss, bool))
    ):
        raise bad
    best_epoch = run.get("best_epoch")
    if not (best_epoch is None or _is_int(best_epoch, 0, done - 1)):
        raise bad
    if not isinstance(run.get("stopped_early"), bool) or not isinstance(run.get("has_best"), bool):
        raise bad
    if not _is_int(run.get("waited"), 0, MAX_EPOCHS):
        raise bad
    if run["has_best"] and plan.patience is None:
        raise ModelFileError("best parameters without early stopping")
    rng = run.get("rng")
    if (
        not isinstance(rng, dict)
        or rng.get("bit_generator") != type(plan.rng.bit_generator).__name__
    ):
        raise ModelFileError("invalid random generator state")
    return run


def _mismatch(what: str, saved: Any, now: Any) -> CheckpointMismatchError:
    """The error for a checkpoint of another run, naming each differing field."""

    def _short(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    if isinstance(saved, dict) and isinstance(now, dict):
        keys = [k for k in now if saved.get(k) != now[k]] + [k for k in saved if k not in now]
        detail = "; ".join(
            f"{k}: {_short(saved.get(k))} in the file, {_short(now.get(k))} now" for k in keys
        )
    else:
        detail = f"{_short(saved)} in the file, {_short(now)} now"
    return CheckpointMismatchError(
        f"this checkpoint was written by a different run: the {what} differs ({detail}). "
        "Call sgd with the same network, optimizer, data and settings, or give another "
        "checkpoint path (or delete the file) to start afresh"
    )
