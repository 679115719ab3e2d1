"""A fault drill: interrupt training, corrupt files, make malformed calls — and count.

Three campaigns, each from a seeded generator:

1. **Interrupts.** ``sgd(..., checkpoint=PATH)`` is stopped at a random point:
   a ``KeyboardInterrupt`` raised on the n-th call of an activation, of its
   derivative or of the cost's gradient, by the k-th step of the optimizer,
   an exception from ``on_epoch``, or (in the full drill) a real SIGINT sent to
   a child process. The network must be left at a completed update (sums
   zeroed); then a fresh ``sgd`` call with the same arguments resumes from
   the checkpoint, and its final weights must be bit-identical to those of a
   run that was never interrupted.
2. **Corrupted files.** Saved models, checkpoints and IDX files get byte
   flips, truncations, splices, insertions and deletions. Each must be
   refused with the documented error (``ModelFileError``/``IDXError``), or
   load only when what is left still describes a valid file whose arrays are
   exactly those in it (checked against an independent reader).
3. **Malformed calls.** The public functions (and ``perceptron.cli.main``)
   are called with values that are wrong for one or two of their arguments:
   each call must raise ``ValueError``/``TypeError`` (``main``: return a
   non-zero status) and leave the network exactly as it was.

Prints each campaign's counts as percentages; exits 1 unless all are 100%.
Run: ``python scripts/fault_drill.py`` (about a minute) or ``--quick``
(a few seconds, for the tests). ``--seed`` changes the draw.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import math
import os
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

import perceptron as pc
from perceptron.testing import (
    Bomb,
    FailingAdam,
    FailingSGD,
    at_completed_update,
    identical,
    mutate,
    prepared_net,
    rig,
    same,
    snapshot,
)
from perceptron.testing import params as weights

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# 1. interrupts and resume
# ---------------------------------------------------------------------------
OPTIMIZERS: dict[str, Callable[[int], pc.Optimizer | None]] = {
    "plain": lambda k: None,
    "momentum": lambda k: FailingSGD(k, momentum=0.9),
    "adam": lambda k: FailingAdam(k),
}
PLACES = ("hidden f", "hidden df", "output f", "output df", "cost df")
DATA_X, DATA_LABELS = pc.spiral(10, 3, rng=0)
DATA_Y = pc.one_hot(DATA_LABELS, 3)
VALID = (DATA_X[::3], DATA_Y[::3])
EPOCHS = 4


def rigged(place: str, n: int) -> tuple[pc.Network, Bomb]:
    """A 2-8-3 tanh/sigmoid network with a Bomb in ``place`` (n = 0: a harmless one)."""
    net = pc.network([2, 8, 3], "tanh", "quadratic", output_activation="sigmoid", rng=1)
    return net, rig(net, place, n)


class Trial:
    """One configuration of sgd; ``run`` trains with the given faults."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.place = PLACES[int(rng.integers(len(PLACES)))]
        self.opt = sorted(OPTIMIZERS)[int(rng.integers(len(OPTIMIZERS)))]
        self.engine = ("sample", "batch")[int(rng.integers(2))]
        self.batchsize = (4, 7, 30)[int(rng.integers(3))]
        self.validation = bool(rng.integers(2))
        self.key = (self.place, self.opt, self.engine, self.batchsize, self.validation)

    def build(self, n: int = 0, k: int = 0) -> tuple[pc.Network, pc.Optimizer | None, Bomb]:
        """The network (Bomb on call n) and optimizer (failing on step k); 0: no fault."""
        net, bomb = rigged(self.place, n)
        return net, OPTIMIZERS[self.opt](k), bomb

    def train(
        self,
        net: pc.Network,
        optimizer: pc.Optimizer | None,
        checkpoint: Path | None = None,
        on_epoch: Callable[..., Any] | None = None,
    ) -> None:
        pc.sgd(
            net,
            DATA_X,
            DATA_Y,
            self.batchsize,
            EPOCHS,
            0.5,
            rng=3,
            optimizer=optimizer,
            engine=self.engine,
            validation=VALID if self.validation else None,
            on_epoch=on_epoch,
            checkpoint=checkpoint,
        )


def interrupt_campaign(
    rng: np.random.Generator, trials: int, sigints: int, folder: Path
) -> dict[str, int]:
    counts = {"injected": 0, "completed_update": 0, "resumed": 0, "no_fault": 0}
    references: dict[tuple[Any, ...], pc.Network] = {}
    for i in range(trials):
        trial = Trial(rng)
        if trial.key not in references:
            reference, optimizer, _ = trial.build()
            trial.train(reference, optimizer)
            references[trial.key] = reference
        path = folder / f"interrupt{i}.ckpt"
        how = int(rng.integers(3)) if trial.opt != "plain" else (0, 2)[int(rng.integers(2))]
        # Roughly the number of calls and of updates a run makes, so most draws land.
        updates = EPOCHS * math.ceil(len(DATA_X) / trial.batchsize)
        calls_ = EPOCHS * (len(DATA_X) + 1) if trial.engine == "sample" else updates + EPOCHS
        n = int(rng.integers(1, calls_ + 1)) if how == 0 else 0
        k = int(rng.integers(1, updates + 1)) if how == 1 else 0
        stop_epoch = int(rng.integers(EPOCHS)) if how == 2 else -1

        def on_epoch(epoch: int, history: pc.History, net: pc.Network, s: int = stop_epoch) -> None:
            if epoch == s:
                raise RuntimeError("a callback failed")

        net, optimizer, _ = trial.build(n, k)
        try:
            trial.train(net, optimizer, path, on_epoch)
        except (KeyboardInterrupt, RuntimeError):
            counts["injected"] += 1
            counts["completed_update"] += at_completed_update(net)
        else:
            counts["no_fault"] += 1
            path.unlink(missing_ok=True)
            continue
        # A fresh start, as after a crash: new network, new optimizer, same arguments.
        resumed, optimizer, _ = trial.build()
        trial.train(resumed, optimizer, path)
        counts["resumed"] += identical(resumed, references[trial.key])
        path.unlink(missing_ok=True)
    for i in range(sigints):
        injected, at_update, ok = sigint_trial(rng, folder / f"sigint{i}.ckpt")
        counts["injected"] += injected
        counts["completed_update"] += at_update
        counts["resumed"] += ok
    return counts


CHILD = textwrap.dedent(
    """
    import sys
    import perceptron as pc
    X, labels = pc.spiral(50, 3, rng=0)
    Y = pc.one_hot(labels, 3)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)
    def ready(epoch, history, net):
        if epoch == 0:
            print("ready", flush=True)
    try:
        pc.sgd(net, X, Y, 10, int(sys.argv[3]), 0.05, rng=3, optimizer=pc.Adam(),
               engine=sys.argv[2], checkpoint=sys.argv[1], on_epoch=ready)
    except KeyboardInterrupt:
        clean = net.accumulated == 0 and not any(
            layer.dC_dweights.any() or layer.dC_dbias.any() for layer in net.layers
        )
        sys.exit(130 if clean else 131)
    """
)


SIGINT_EPOCHS = {"sample": 100, "batch": 400}


def _sigint_job(engine: str, checkpoint: Path | None) -> tuple[pc.Network, float]:
    """The child's job, run here: the final network and how long it took."""
    X, labels = pc.spiral(50, 3, rng=0)
    Y = pc.one_hot(labels, 3)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)
    started = time.perf_counter()
    pc.sgd(net, X, Y, 10, SIGINT_EPOCHS[engine], 0.05, rng=3, optimizer=pc.Adam(), engine=engine,
           checkpoint=checkpoint)  # fmt: skip
    return net, time.perf_counter() - started


_SIGINT_REFERENCES: dict[str, tuple[pc.Network, float]] = {}


def sigint_trial(rng: np.random.Generator, path: Path) -> tuple[int, int, int]:
    """A real Ctrl-C to a child process training with a checkpoint; then resume here.

    Returns (interrupted, left at a completed update, resumed bit-identically).
    """
    engine = ("sample", "batch")[int(rng.integers(2))]
    if engine not in _SIGINT_REFERENCES:
        _SIGINT_REFERENCES[engine] = _sigint_job(engine, None)
    reference, duration = _SIGINT_REFERENCES[engine]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), engine, str(SIGINT_EPOCHS[engine])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    child.stdout.readline()
    time.sleep(float(rng.uniform(0.0, 0.8 * duration)))
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=120)
    interrupted = int(child.returncode in (130, 131))
    ok = interrupted and identical(_sigint_job(engine, path)[0], reference)
    path.unlink(missing_ok=True)
    return interrupted, int(child.returncode == 130), int(ok)


# ---------------------------------------------------------------------------
# 2. corrupted files
# ---------------------------------------------------------------------------
FILE_FAILURES: list[str] = []


def _bad(reason: str) -> str:
    FILE_FAILURES.append(reason)
    return "bad"


def model_outcome(path: Path) -> str:
    try:
        net = pc.load(path)
    except pc.ModelFileError:
        return "refused"
    except Exception as error:  # noqa: BLE001 - counted as a failure
        return _bad(f"load: {type(error).__name__}: {error}")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes())
            ok = header["inputdim"] == net.inputdim and all(
                np.array_equal(layer.weights, data[f"W{i}"])
                and np.array_equal(layer.bias, data[f"b{i}"])
                and layer.activation.name == header["layers"][i]["activation"]
                for i, layer in enumerate(net.layers)
            )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


CKPT_X, CKPT_LABELS = pc.spiral(6, 3, rng=0)
CKPT_Y = pc.one_hot(CKPT_LABELS, 3)


def _ckpt_net() -> pc.Network:
    return pc.network([2, 4, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)


def checkpoint_outcome(path: Path) -> str:
    net, optimizer = _ckpt_net(), pc.Adam()
    before = [a.copy() for a in weights(net)]
    try:
        pc.sgd(net, CKPT_X, CKPT_Y, 4, 2, 0.1, rng=3, optimizer=optimizer, checkpoint=path)
    except pc.ModelFileError:
        unchanged = optimizer.t == 0 and all(
            np.array_equal(a, b) for a, b in zip(before, weights(net), strict=True)
        )
        return "refused" if unchanged else _bad("refused checkpoint changed the network")
    except Exception as error:  # noqa: BLE001
        return _bad(f"checkpoint: {type(error).__name__}: {error}")
    try:
        with np.load(path, allow_pickle=False) as data:
            ok = all(
                np.array_equal(layer.weights, data[f"W{i}"]) for i, layer in enumerate(net.layers)
            )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _parse_idx(data: bytes) -> np.ndarray:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] != b"\0\0" or data[2] not in IDX_TYPES:
        raise ValueError("magic")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    dtype = np.dtype(IDX_TYPES[data[2]])
    body = data[4 + 4 * ndim :]
    if len(body) != math.prod(shape) * dtype.itemsize:
        raise ValueError("size")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def idx_outcome(path: Path) -> str:
    from perceptron.io.idx import IDXError, read_idx

    try:
        got = read_idx(path)
    except IDXError:
        return "refused"
    except Exception as error:  # noqa: BLE001
        return _bad(f"read_idx: {type(error).__name__}: {error}")
    try:
        expected = _parse_idx(path.read_bytes())
        ok = got.shape == expected.shape and np.array_equal(
            got, expected.astype(got.dtype), equal_nan=got.dtype.kind == "f"
        )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


def file_campaign(
    rng: np.random.Generator, per_kind: int, folder: Path
) -> dict[str, dict[str, int]]:
    kinds: dict[str, tuple[list[bytes], Callable[[Path], str]]] = {}
    models = []
    for i, (sizes, dtype) in enumerate(
        [
            ([2, 3, 1], np.float64),
            ([4, 1], np.float32),
            ([3, 5, 4, 2], np.float64),
            ([1, 1], np.float64),
        ]
    ):
        net = pc.network(
            sizes, "tanh", "quadratic", output_activation="sigmoid", rng=i, dtype=dtype
        )
        path = folder / f"model{i}.npz"
        pc.save(net, path, meta={"labels": ["a", "b"]} if i == 0 else None)
        models.append(path.read_bytes())
    kinds["model"] = (models, model_outcome)
    checkpoints = []
    for seed in (3, 4):
        path = folder / f"run{seed}.ckpt"
        pc.sgd(
            _ckpt_net(), CKPT_X, CKPT_Y, 4, 2, 0.1, rng=seed, optimizer=pc.Adam(), checkpoint=path
        )
        checkpoints.append(path.read_bytes())
    kinds["checkpoint"] = (checkpoints, checkpoint_outcome)
    if (ROOT / "perceptron" / "idx.py").exists():
        from perceptron.io.idx import write_idx

        idx = []
        for i, (code, shape, compress) in enumerate(
            [
                (0x08, (5, 4, 4), False),
                (0x08, (7,), True),
                (0x0D, (3, 2), False),
                (0x0C, (2, 3, 2), True),
            ]
        ):
            array = (np.arange(math.prod(shape)) % 97).reshape(shape)
            array = array.astype(np.dtype(IDX_TYPES[code]).newbyteorder("="))
            path = folder / f"file{i}.idx"
            write_idx(path, array, compress=compress)
            idx.append(path.read_bytes())
        kinds["idx"] = (idx, idx_outcome)
    counts: dict[str, dict[str, int]] = {}
    broken = folder / "broken"
    for kind, (sources, outcome) in kinds.items():
        tally = {"refused": 0, "intact": 0, "bad": 0}
        for _ in range(per_kind):
            pick = int(rng.integers(len(sources)))
            broken.write_bytes(mutate(sources[pick], rng, sources[(pick + 1) % len(sources)]))
            tally[outcome(broken)] += 1
        counts[kind] = tally
    # A pickled object must be refused without being unpickled: as a model, as a checkpoint.
    marker = folder / "marker"
    path = folder / "evil.npz"
    with open(path, "wb") as handle:
        np.savez(
            handle,
            header=np.frombuffer(b"{}", dtype=np.uint8),
            W0=np.array([_Marker(marker)], dtype=object),
        )
    tally = {"refused": 0, "intact": 0, "bad": 0}
    for outcome in (model_outcome, checkpoint_outcome):
        tally["refused" if outcome(path) == "refused" and not marker.exists() else "bad"] += 1
    counts["pickle"] = tally
    return counts


class _Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


# ---------------------------------------------------------------------------
# 3. malformed calls
# ---------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
NOT_NUMBERS: list[Any] = ["3", "", None, [1], {"a": 1}, object(), 1j, b"1"]
BAD_POSITIVE_INT = [*NOT_NUMBERS, 0, -1, -(2**70), 3.5, NAN, INF, True]
BAD_NONNEGATIVE_INT = [*NOT_NUMBERS, -1, -(2**70), 3.5, NAN, INF, True]
BAD_SIZE = [*BAD_POSITIVE_INT, 2**70, 1 << 40]
BAD_POSITIVE_REAL = [*NOT_NUMBERS, 0, -1.0, -INF, NAN, INF, True]
BAD_NONNEGATIVE_REAL = [*NOT_NUMBERS, -1e-3, -INF, NAN, INF, True]
BAD_RNG = ["3", 3.5, -1, True, [1], object(), NAN]


def bad_rows(n: int, k: int) -> list[Any]:
    nan = np.ones((n, k))
    nan[n // 2, k - 1] = NAN
    return [
        nan, np.full((n, k), INF), np.zeros((0, k)), np.ones((n, k + 1)), np.ones((n, k, 1)),
        np.full((n, k), "a"), np.ones((n, k)) * 1j, np.array([[object()] * k] * n), "abc", None,
        [[1.0] * k, [1.0]], 3.0, np.ones(n * k + 1),
    ]  # fmt: skip


def bad_column(k: int) -> list[Any]:
    return [
        np.full(k, NAN), np.full((k, 1), INF), np.ones(k + 1), np.ones((k, 2)), np.ones((1, k, 1)),
        "abc", None, np.ones(k) * 1j, [[1.0], [1.0, 2.0]], np.array([object()] * k), [], 3.0,
    ]  # fmt: skip


X9, Y9 = DATA_X[:9], DATA_Y[:9]
SGD_ARGS: dict[str, Any] = {
    "X": X9, "Y": Y9, "batchsize": 4, "epochs": 1, "lr": 0.1, "rng": 0, "shuffle": True,
    "optimizer": None, "validation": None, "on_epoch": None, "l2": 0.0, "patience": None,
    "engine": "sample", "checkpoint": None,
}  # fmt: skip
SGD_BAD: dict[str, list[Any]] = {
    "X": bad_rows(9, 2),
    "Y": bad_rows(9, 3),
    "batchsize": BAD_POSITIVE_INT,
    "epochs": BAD_NONNEGATIVE_INT,
    "lr": BAD_POSITIVE_REAL,
    "rng": BAD_RNG,
    "shuffle": ["yes", 1, None, 0.5],
    "optimizer": ["adam", 3, object()],
    "validation": ["x", (X9,), (bad_rows(3, 2)[0], Y9[:3]), (X9[:3], Y9[:2]), 3],
    "on_epoch": [3, "f", [1]],
    "l2": BAD_NONNEGATIVE_REAL,
    "patience": [0, -1, 3.5, "2", 2],  # 2 without validation is refused too
    "engine": ["gpu", "", None, 3, "Sample"],
    "checkpoint": [3, ["a"], "/nonexistent-folder/x.ckpt", "."],
}
POSITIONAL = ("X", "Y", "batchsize", "epochs", "lr")


def _sgd(net: pc.Network, changes: dict[str, Any]) -> None:
    args = {**SGD_ARGS, **changes}
    pc.sgd(
        net,
        *(args[p] for p in POSITIONAL),
        **{k: v for k, v in args.items() if k not in POSITIONAL},
    )


def calls() -> dict[str, tuple[Callable[[pc.Network, Any], Any], list[Any]]]:
    """name -> (call with one malformed value, the malformed values)."""
    labels3 = [0, 1, 2]
    table: dict[str, tuple[Callable[[pc.Network, Any], Any], list[Any]]] = {
        "feedforward x": (lambda net, v: pc.feedforward(net, v), bad_column(2)),
        "backpropagate x": (lambda net, v: pc.backpropagate(net, v, [1.0, 0, 0]),
                            [*bad_column(2), [0.5, 0.25]]),
        "backpropagate y": (lambda net, v: pc.backpropagate(net, [0.5, -0.25], v), bad_column(3)),
        "update lr": (lambda net, v: pc.update(net, v), BAD_POSITIVE_REAL),
        "update optimizer": (lambda net, v: pc.update(net, 0.1, v), ["adam", 3, object()]),
        "add_layer outsize": (lambda net, v: pc.add_layer(net, v, "sigmoid"), BAD_SIZE),
        "add_layer activation": (lambda net, v: pc.add_layer(net, 2, v), ["relu2", 3, None, ""]),
        "add_layer init": (lambda net, v: pc.add_layer(net, 2, "relu", init=v), ["nope", 3, 1.5]),
        "add_layer rng": (lambda net, v: pc.add_layer(net, 2, "relu", rng=v), BAD_RNG),
        "predict X": (lambda net, v: pc.predict(net, v), bad_rows(4, 2)),
        "accuracy X": (lambda net, v: pc.accuracy(net, v, labels3), bad_rows(3, 2)),
        "accuracy Y": (lambda net, v: pc.accuracy(net, np.ones((3, 2)), v),
                       [[0, 1, 7], [0, -1, 2], [0.5, 1, 2], [0, 1], [NAN, 1, 2], "abc", None,
                        np.ones((3, 2))]),
        "save path": (lambda net, v: pc.save(net, v), [3, None, 3.5, "", ".", b"x", [1]]),
        "save meta": (lambda net, v: pc.save(net, "model.npz", meta=v),
                      [{"a": object()}, {"b": {1j}}]),
        "load path": (lambda net, v: pc.load(v), [3, None, 3.5, [1], b"x"]),
        "spiral samples_per_class": (lambda net, v: pc.spiral(v, 3), BAD_SIZE),
        "spiral classes": (lambda net, v: pc.spiral(5, v), BAD_SIZE),
        "spiral noise": (lambda net, v: pc.spiral(5, 3, noise=v), BAD_NONNEGATIVE_REAL),
        "spiral rng": (lambda net, v: pc.spiral(5, 3, rng=v), BAD_RNG),
        "one_hot labels": (lambda net, v: pc.one_hot(v, 3),
                           [[[0, 1]], [-1], [3], [0.5], ["a"], [NAN], "abc", None, object()]),
        "one_hot classes": (lambda net, v: pc.one_hot(labels3, v), [*BAD_SIZE, 2]),
        "feedforward net": (lambda net, v: pc.feedforward(v, [0.5, -0.25]),
                            [None, "net", 3, pc.Network(2, "quadratic")]),
    }  # fmt: skip
    for name, values in SGD_BAD.items():
        table[f"sgd {name}"] = (_sgd_slot(name), values)
    return table


def _sgd_slot(name: str) -> Callable[[pc.Network, Any], None]:
    """sgd with the valid arguments, except ``name``."""
    return lambda net, v: _sgd(net, {name: v})


CLI_NUMBER_BAD = ["nan", "inf", "-inf", "abc", "", "1e400", "-1", "-5,3", ",", "/"]
CLI_BAD: dict[str, list[str]] = {
    **{
        o: CLI_NUMBER_BAD
        for o in ("--epochs", "--batchsize", "--lr", "--seed", "--l2", "--patience", "--decay",
                  "--momentum")
    },
    "--layers": ["0", "-1", "abc", "", ",", "0,3", "nan", "1e400", "99999999999999999999"],
    **{o: ["abc", "", "nan", "-1", "Sigmoid"]
       for o in ("--activation", "--cost", "--optimizer", "--engine", "--init")},
    "--data": ["/nonexistent/x.csv", "", "abc", "/"],
    "--save": ["/nonexistent/x.npz", "/", "."],
    "--checkpoint": ["/nonexistent/x.ckpt", "/", "."],
}  # fmt: skip


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def call_campaign(rng: np.random.Generator, trials: int, cli_trials: int) -> dict[str, int]:
    table = calls()
    names = sorted(table)
    counts = {"tried": 0, "rejected": 0, "cli_tried": 0, "cli_rejected": 0}
    failures: list[str] = []
    for i in range(trials):
        # Every (call, value) pair once, then random pairs.
        name = names[i % len(names)] if i < len(names) else names[int(rng.integers(len(names)))]
        call, values = table[name]
        value = (
            values[(i // len(names)) % len(values)]
            if i < 4 * len(names)
            else values[int(rng.integers(len(values)))]
        )
        net = prepared_net()
        before = snapshot(net)
        counts["tried"] += 1
        try:
            call(net, value)
        except (ValueError, TypeError):
            if same(snapshot(net), before):
                counts["rejected"] += 1
                continue
            failures.append(f"{name}={value!r}: changed the network")
        except BaseException as error:  # noqa: BLE001 - counted
            failures.append(f"{name}={value!r}: {type(error).__name__}: {error}")
        else:
            failures.append(f"{name}={value!r}: accepted")
    if (ROOT / "perceptron" / "cli.py").exists():
        from perceptron.cli import main

        options = sorted(CLI_BAD)
        for _ in range(cli_trials):
            argv = ["train", "--data", "spiral", "--epochs", "1"]
            for _ in range(int(rng.integers(1, 4))):
                option = options[int(rng.integers(len(options)))]
                argv += [option, CLI_BAD[option][int(rng.integers(len(CLI_BAD[option])))]]
            counts["cli_tried"] += 1
            try:
                with _quiet():
                    code = main(argv)
            except BaseException as error:  # noqa: BLE001
                failures.append(f"main({argv}): {type(error).__name__}")
                continue
            if isinstance(code, int) and code != 0:
                counts["cli_rejected"] += 1
            else:
                failures.append(f"main({argv}) returned {code!r}")
    for line in failures[:10]:
        print(f"  FAILED {' '.join(line.split())[:200]}")
    return counts


# ---------------------------------------------------------------------------
def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:6.2f}%" if whole else "   n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for the tests")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    size = (
        {"interrupts": 30, "sigints": 0, "files": 150, "calls": 300, "cli": 10}
        if args.quick
        else {"interrupts": 600, "sigints": 6, "files": 3000, "calls": 4000, "cli": 200}
    )
    print(f"fault drill: seed {args.seed}, {'quick' if args.quick else 'full'}")
    started = time.perf_counter()
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp, _chdir(Path(tmp)):
        folder = Path(tmp)
        c = interrupt_campaign(rng, size["interrupts"], size["sigints"], folder)
        print(
            f"interrupts: {c['injected']} injected at random points "
            f"({size['sigints']} of them real SIGINTs to a child process; "
            f"{c['no_fault']} more draws finished before their fault)"
        )
        print(f"  left at a completed update (sums zeroed):     {c['completed_update']:5d}  "
              f"{percent(c['completed_update'], c['injected'])}")  # fmt: skip
        print(f"  resumed from the checkpoint bit-identically: {c['resumed']:5d}  "
              f"{percent(c['resumed'], c['injected'])}")  # fmt: skip
        all_ok &= c["injected"] > 0 and c["resumed"] == c["injected"]
        all_ok &= c["completed_update"] == c["injected"]

        files = file_campaign(rng, size["files"], folder)
        tried = sum(sum(t.values()) for t in files.values())
        clean = sum(t["refused"] + t["intact"] for t in files.values())
        print(f"corrupted files: {tried} tried")
        for kind, t in files.items():
            total = sum(t.values())
            print(
                f"  {kind:10s} {total:5d} tried: refused {t['refused']:5d} "
                f"{percent(t['refused'], total)}, still valid and loaded exactly "
                f"{t['intact']:4d} {percent(t['intact'], total)}, other outcome {t['bad']}"
            )
        print(f"  handled cleanly: {clean:5d}  {percent(clean, tried)}")
        for line in FILE_FAILURES[:10]:
            print(f"  FAILED {' '.join(line.split())[:200]}")
        all_ok &= clean == tried

        calls_ = call_campaign(rng, size["calls"], size["cli"])
        print(f"malformed calls: {calls_['tried']} tried on {len(calls())} argument slots")
        print(f"  rejected (ValueError/TypeError), network unchanged: {calls_['rejected']:5d}  "
              f"{percent(calls_['rejected'], calls_['tried'])}")  # fmt: skip
        if calls_["cli_tried"]:
            print(f"  perceptron.cli.main: {calls_['cli_tried']} malformed command lines, "
                  f"non-zero exit without an exception: {calls_['cli_rejected']:4d}  "
                  f"{percent(calls_['cli_rejected'], calls_['cli_tried'])}")  # fmt: skip
        all_ok &= calls_["rejected"] == calls_["tried"]
        all_ok &= calls_["cli_rejected"] == calls_["cli_tried"]
    print(f"{'all 100%: OK' if all_ok else 'FAILED: not all 100%'} "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    return 0 if all_ok else 1


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


if __name__ == "__main__":
    sys.exit(main())
