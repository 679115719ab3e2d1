"""Checkpoints: the whole state of an ``sgd`` run after each epoch, and resuming from it.

``sgd(..., checkpoint=PATH)`` writes, after every completed epoch, one ``.npz``
file (the same hardened format as :mod:`perceptron.persistence`: arrays plus a
JSON header, no pickle, written to a temporary file in the same folder and
renamed over PATH) holding

* the network's weights and biases ``W0, b0, …``;
* the optimizer's config, its update count t and its per-layer arrays
  (``opt_velocity_w0`` … for SGD with momentum, ``opt_moment_w0``/``opt_cache_w0``
  … for Adam);
* the random generator's ``bit_generator.state`` (JSON), so the next epoch's
  permutation is the one an uninterrupted run would draw;
* the :class:`~perceptron.train.History` so far and the early-stopping state
  (best validation loss, the best parameters ``best_W0, …``, epochs waited);
* a fingerprint of the run: the data's shapes N×k, N×m and SHA-256 digests,
  batch size, engine, shuffle, lr, L2, patience and the validation set.

Called again with the same PATH, ``sgd`` checks that the file belongs to the
same run (network layout, optimizer, data and settings), restores all of the
above at once, and continues with the next epoch: the final weights are
bit-identical to those of a run that was never interrupted. A file that does
not fit is refused with :class:`CheckpointMismatchError` before anything is
changed; a corrupted one with :class:`~perceptron.persistence.ModelFileError`.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .optimizers import SGD, Adam, Optimizer
from .persistence import ModelFileError, read_npz_checked, write_npz_atomic

if TYPE_CHECKING:
    from .network import Network
    from .train import History, _Plan

Array = NDArray[Any]
Expected = dict[str, tuple[tuple[int, ...], np.dtype[Any]]]

FORMAT = "perceptron-checkpoint"
VERSION = 1
_MAX_EPOCHS = 1 << 40
_MAX_T = 1 << 62


class CheckpointMismatchError(ModelFileError):
    """A checkpoint written by another run (network, optimizer, data or settings differ)."""


def _digest(array: Array) -> str:
    """SHA-256 of the array's bytes (C order), to tell data sets apart."""
    return hashlib.sha256(np.ascontiguousarray(array).data.cast("B")).hexdigest()


def _describe_network(net: Network) -> dict[str, Any]:
    return {
        "inputdim": net.inputdim,
        "cost": net.cost.name,
        "dtype": np.dtype(net.dtype).name,
        "layers": [[layer.outsize, layer.activation.name] for layer in net.layers],
    }


def _optimizer_state_names(optimizer: Optimizer | None, nlayers: int) -> list[tuple[str, int, str]]:
    """(name, layer, "w" or "b") of every state array the optimizer keeps once it has stepped."""
    kinds: tuple[str, ...]
    if isinstance(optimizer, Adam):
        kinds = ("moment", "cache")
    elif isinstance(optimizer, SGD) and optimizer.momentum:
        kinds = ("velocity",)
    else:
        kinds = ()
    return [
        (f"{kind}_{part}{i}", i, part)
        for kind in kinds
        for i in range(nlayers)
        for part in ("w", "b")
    ]


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_float(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checkpointer:
    """Save and restore the state of one ``sgd`` run at ``path``.

    ``sgd`` builds it with the checked arguments (``plan``), calls
    :meth:`resume` once before training and :meth:`save` after each epoch.
    """

    def __init__(self, path: Any, net: Network, plan: _Plan) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"checkpoint: expected a file path (str or pathlib.Path), got {type(path).__name__}"
            )
        self.path = Path(path)
        folder = self.path.parent
        if not folder.is_dir():
            raise ValueError(f"checkpoint: the folder {str(folder)!r} does not exist")
        if self.path.is_dir():
            raise ValueError(f"checkpoint: {str(self.path)!r} is a folder; give a file name")
        optimizer = plan.optimizer
        if optimizer is not None and not isinstance(optimizer, (SGD, Adam)):
            raise TypeError(
                "checkpoint: only SGD(...), Adam(...) or plain SGD (optimizer=None) can be "
                f"checkpointed, got {type(optimizer).__name__}"
            )
        self.net = net
        self.plan = plan
        self.network = _describe_network(net)
        self.optimizer_config = None if optimizer is None else optimizer.config()
        self.state_names = _optimizer_state_names(optimizer, len(net.layers))
        validation = None
        if plan.validation is not None:
            Xv, Yv = plan.validation
            validation = {
                "X": list(Xv.shape),
                "Y": list(Yv.shape),
                "X_sha256": _digest(Xv),
                "Y_sha256": _digest(Yv),
            }
        self.fingerprint = {
            "X": list(plan.X.shape),
            "Y": list(plan.Y.shape),
            "X_sha256": _digest(plan.X),
            "Y_sha256": _digest(plan.Y),
            "batchsize": plan.batchsize,
            "engine": plan.engine,
            "shuffle": plan.shuffle,
            "lr": plan.lr,
            "l2_scale": plan.l2_scale,
            "patience": plan.patience,
            "validation": validation,
            "bit_generator": type(plan.rng.bit_generator).__name__,
        }

    # -- writing ------------------------------------------------------------------
    def save(
        self,
        epochs_done: int,
        history: History,
        best_loss: float,
        best_params: list[tuple[Array, Array]] | None,
        waited: int,
    ) -> None:
        """Write the state after ``epochs_done`` completed epochs, atomically."""
        net, optimizer = self.net, self.plan.optimizer
        arrays: dict[str, Array] = {}
        for i, layer in enumerate(net.layers):
            arrays[f"W{i}"] = layer.weights
            arrays[f"b{i}"] = layer.bias
        state = optimizer.state_arrays() if optimizer is not None else {}
        for name, array in state.items():
            arrays[f"opt_{name}"] = array
        if best_params is not None:
            for i, (w, b) in enumerate(best_params):
                arrays[f"best_W{i}"] = w
                arrays[f"best_b{i}"] = b
        header = {
            "format": FORMAT,
            "version": VERSION,
            "epochs_done": epochs_done,
            "network": self.network,
            "optimizer": {
                "config": self.optimizer_config,
                "t": optimizer.t if optimizer is not None else 0,
                "has_state": bool(state),
            },
            "rng": self.plan.rng.bit_generator.state,
            "fingerprint": self.fingerprint,
            "history": {
                "loss": history.loss,
                "val_loss": history.val_loss,
                "val_accuracy": history.val_accuracy,
                "epoch_time": history.epoch_time,
                "best_epoch": history.best_epoch,
                "stopped_early": history.stopped_early,
            },
            # "No best yet" (best_loss = inf) is null.
            "early": {
                "best_loss": best_loss if math.isfinite(best_loss) else None,
                "has_best": best_params is not None,
                "waited": waited,
            },
        }
        write_npz_atomic(self.path, _jsonable(header), arrays)

    # -- reading ------------------------------------------------------------------
    def _mismatch(self, what: str, saved: Any, now: Any) -> CheckpointMismatchError:
        return CheckpointMismatchError(
            f"this checkpoint was written by a different run: the {what} differs "
            f"({_differences(saved, now)}). Call sgd with the same network, optimizer, data "
            "and settings, or give another checkpoint path (or delete the file) to start afresh"
        )

    def _expect(self, header: dict[str, Any]) -> Expected:
        """Check the header against this run; the arrays it must hold (for read_npz_checked)."""
        if header.get("format") != FORMAT:
            raise ModelFileError(f"not a perceptron checkpoint (format {header.get('format')!r})")
        if header.get("version") != VERSION:
            raise ModelFileError(
                f"unknown checkpoint version {header.get('version')!r}; this "
                f"perceptron reads version {VERSION}"
            )
        # What this run would write must be what the file says, field by field.
        if header.get("network") != self.network:
            raise self._mismatch("network", header.get("network"), self.network)
        opt = header.get("optimizer")
        if not isinstance(opt, dict):
            raise ModelFileError("the optimizer entry is missing")
        if opt.get("config") != self.optimizer_config:
            raise self._mismatch("optimizer", opt.get("config"), self.optimizer_config)
        if header.get("fingerprint") != _jsonable(self.fingerprint):
            raise self._mismatch(
                "data or settings", header.get("fingerprint"), _jsonable(self.fingerprint)
            )
        epochs_done: Any = header.get("epochs_done")
        if not _is_int(epochs_done, 1, _MAX_EPOCHS):
            raise ModelFileError("invalid number of completed epochs")
        if not _is_int(opt.get("t"), 0, _MAX_T) or not isinstance(opt.get("has_state"), bool):
            raise ModelFileError("invalid optimizer state")
        self._check_history(header.get("history"), epochs_done)
        early = header.get("early")
        if (
            not isinstance(early, dict)
            or not (early.get("best_loss") is None or _is_float(early.get("best_loss")))
            or not isinstance(early.get("has_best"), bool)
            or not _is_int(early.get("waited"), 0, _MAX_EPOCHS)
        ):
            raise ModelFileError("invalid early-stopping state")
        if early["has_best"] and self.plan.patience is None:
            raise ModelFileError("best parameters without early stopping")
        rng = header.get("rng")
        if (
            not isinstance(rng, dict)
            or rng.get("bit_generator") != self.fingerprint["bit_generator"]
        ):
            raise ModelFileError("invalid random generator state")
        try:
            # Try the state on a throwaway generator of the same kind first, so that a
            # broken one is refused before anything of this run changes.
            type(self.plan.rng.bit_generator)().state = rng
        except Exception as error:
            raise ModelFileError(f"invalid random generator state ({error})") from None

        dtype = np.dtype(self.net.dtype).newbyteorder("<")
        expected: Expected = {}
        for i, layer in enumerate(self.net.layers):
            shapes = {"w": layer.weights.shape, "b": layer.bias.shape}
            expected[f"W{i}"] = (shapes["w"], dtype)
            expected[f"b{i}"] = (shapes["b"], dtype)
            if early["has_best"]:
                expected[f"best_W{i}"] = (shapes["w"], dtype)
                expected[f"best_b{i}"] = (shapes["b"], dtype)
        if opt["has_state"]:
            if not self.state_names:
                raise ModelFileError("optimizer arrays for a stateless optimizer")
            for name, i, part in self.state_names:
                shape = (
                    self.net.layers[i].weights.shape
                    if part == "w"
                    else (self.net.layers[i].bias.shape)
                )
                expected[f"opt_{name}"] = (tuple(shape), dtype)
        return {name: (tuple(int(s) for s in shape), dt) for name, (shape, dt) in expected.items()}

    def _check_history(self, history: Any, epochs_done: int) -> None:
        bad = ModelFileError("invalid training history")
        if not isinstance(history, dict):
            raise bad
        with_validation = self.plan.validation is not None
        for key, length in (
            ("loss", epochs_done),
            ("epoch_time", epochs_done),
            ("val_loss", epochs_done if with_validation else 0),
            ("val_accuracy", epochs_done if with_validation else 0),
        ):
            values = history.get(key)
            if not isinstance(values, list) or len(values) != length:
                raise bad
            if not all(_is_float(v) or v in _NONFINITE for v in values):
                raise bad
        best_epoch = history.get("best_epoch")
        if not (best_epoch is None or _is_int(best_epoch, 0, epochs_done - 1)):
            raise bad
        if not isinstance(history.get("stopped_early"), bool):
            raise bad

    def resume(
        self, history: History
    ) -> tuple[int, float, list[tuple[Array, Array]] | None, int] | None:
        """Restore the saved state into the network, optimizer, generator and ``history``.

        Returns None when there is no checkpoint yet, else ``(start_epoch,
        best_loss, best_params, waited)``. Everything is read and checked
        before anything is changed.
        """
        if not self.path.exists():
            return None
        header, arrays = read_npz_checked(self.path, self._expect, what="checkpoint")
        for name, array in arrays.items():
            if not np.isfinite(array).all():
                raise ModelFileError(f"{self.path}: array {name!r} holds non-finite values")
        net, optimizer = self.net, self.plan.optimizer
        early = header["early"]
        best_params = None
        if early["has_best"]:
            best_params = [
                (arrays[f"best_W{i}"].copy(), arrays[f"best_b{i}"].copy())
                for i in range(len(net.layers))
            ]
        state = {
            name[len("opt_") :]: array for name, array in arrays.items() if name.startswith("opt_")
        }
        saved = header["history"]

        from .train import _sigint_held

        # Everything is checked: now move network, optimizer, generator and history together.
        with _sigint_held():
            for i, layer in enumerate(net.layers):
                layer.weights[...] = arrays[f"W{i}"]
                layer.bias[...] = arrays[f"b{i}"]
            if optimizer is not None:
                optimizer.load_state_arrays(state, header["optimizer"]["t"])
            self.plan.rng.bit_generator.state = header["rng"]
            history.loss[:] = [_float(v) for v in saved["loss"]]
            history.val_loss[:] = [_float(v) for v in saved["val_loss"]]
            history.val_accuracy[:] = [_float(v) for v in saved["val_accuracy"]]
            history.epoch_time[:] = [_float(v) for v in saved["epoch_time"]]
            history.best_epoch = saved["best_epoch"]
            history.stopped_early = saved["stopped_early"]

        epochs_done = int(header["epochs_done"])
        # A run that already stopped early is finished: no further epoch.
        start = max(epochs_done, self.plan.epochs) if history.stopped_early else epochs_done
        best_loss = math.inf if early["best_loss"] is None else float(early["best_loss"])
        return start, best_loss, best_params, int(early["waited"])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _differences(saved: Any, now: Any) -> str:
    """'key: A in the file, B now' for each key whose value differs."""
    if isinstance(saved, dict) and isinstance(now, dict):
        keys = [k for k in now if saved.get(k) != now[k]] + [k for k in saved if k not in now]
        if keys:
            return "; ".join(
                f"{k}: {_short(saved.get(k))} in the file, {_short(now.get(k))} now" for k in keys
            )
    return f"{_short(saved)} in the file, {_short(now)} now"


# JSON has no NaN or inf; the history spells them as these strings.
_NONFINITE = ("nan", "inf", "-inf")


def _float(value: Any) -> float:
    return float(value)


def _jsonable(value: Any) -> Any:
    """Plain JSON: NaN and ±inf become "nan"/"inf"/"-inf", numpy values become Python ones."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
