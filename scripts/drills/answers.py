"""Silent wrong answers: every trial must give the right answer or refuse, never a wrong one.

Each trial draws one of the kinds of surprise seen with real data:

- ``columns``: a CSV file with the model's columns in another order (right answer: the
  same predictions as the file in the training order);
- ``renamed``: a CSV file whose header names a column the model never saw (must be
  refused, printing no prediction);
- ``subset``: an evaluation file holding only some of the classes (its accuracy must
  equal the accuracy computed from the model's own predictions on those rows);
- ``pairing``: cross-entropy over an output that is not a softmax (``sgd`` must refuse);
- ``diverge``: a learning rate far too large, in float32 or float64, on any engine (the
  weights must be finite after the call, which returns or raises ``TrainingDiverged``,
  and numpy must not warn);
- ``save``: a network spoilt by hand (a NaN or inf weight, a weight of the wrong shape
  or dtype) or odd metadata, saved over a good file (either ``load`` gives back exactly
  what was saved, or ``save`` refuses and the good file is untouched).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from rigging import write_csv

import perceptron as pc
from perceptron.cli import main as cli
from perceptron.io.model import load_with_meta

KINDS = ("columns", "renamed", "subset", "pairing", "diverge", "save")
NAMES = ["a", "b", "c", "d"]
CLASSES = ["cat", "dog", "emu"]


def _cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(args)
    return code, out.getvalue()


def _model(folder: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A small classifier trained from a CSV file with named columns."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = np.digitize(X[:, 0] - X[:, 3], [-0.6, 0.6])
    rows = [[*(f"{v:.4f}" for v in row), CLASSES[k]] for row, k in zip(X, y, strict=True)]
    data = write_csv(folder / "answers_train.csv", [*NAMES, "kind"], rows)
    model = folder / "answers.npz"
    code, _ = _cli(["train", "--data", str(data), "--layers", "8,3", "--epochs", "10",
                    "--lr", "1.0", "--save", str(model)])  # fmt: skip
    assert code == 0, "the drill's model did not train"
    return model, np.round(X, 4), y


def _columns(rng: np.random.Generator, folder: Path, model: Path, X: np.ndarray) -> bool:
    rows = X[rng.choice(len(X), 10, replace=False)]
    order = list(rng.permutation(4))
    plain = write_csv(folder / "plain.csv", NAMES, rows.tolist())
    moved = write_csv(folder / "moved.csv", [NAMES[i] for i in order], rows[:, order].tolist())
    first, second = (
        _cli(["predict", str(model), str(plain)]),
        _cli(["predict", str(model), str(moved)]),
    )
    return first[0] == 0 and first == second


def _renamed(rng: np.random.Generator, folder: Path, model: Path, X: np.ndarray) -> bool:
    header = list(NAMES)
    header[int(rng.integers(4))] = "zz"
    path = write_csv(folder / "renamed.csv", header, X[:5].tolist())
    code, out = _cli(["predict", str(model), str(path)])
    return code != 0 and out == ""


def _subset(
    rng: np.random.Generator, folder: Path, model: Path, X: np.ndarray, y: np.ndarray
) -> bool:
    keep = np.isin(y, rng.choice(3, int(rng.integers(1, 3)), replace=False))
    rows = [[*row, CLASSES[k]] for row, k in zip(X[keep].tolist(), y[keep], strict=True)]
    path = write_csv(folder / "subset.csv", [*NAMES, "kind"], rows)
    code, out = _cli(["evaluate", str(model), "--data", str(path)])
    net, meta = load_with_meta(model)
    prepare = meta["prepare"]  # the model standardises its inputs (issue 19)
    rows = (X[keep] - prepare["mean"]) / prepare["std"]
    right = int((pc.predict(net, rows).argmax(axis=1) == y[keep]).sum())
    return code == 0 and f"({right} / {int(keep.sum())})" in out


def _pairing(rng: np.random.Generator) -> bool:
    output = str(rng.choice(["sigmoid", "relu", "tanh", "identity"]))
    net = pc.network([3, 4, 3], "relu", "cross_entropy", output_activation=output, rng=0)
    try:
        pc.sgd(net, np.ones((6, 3)), pc.one_hot(np.arange(6) % 3, 3), 2, 1, 0.1, rng=0)
    except ValueError:
        return True
    return False


def _diverge(rng: np.random.Generator) -> bool:
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    engine = str(rng.choice(["reference", "sample", "batch"]))
    net = pc.network([4, 16, 3], "relu", "mse", rng=int(rng.integers(1000)), dtype=dtype)
    X = rng.normal(0, 10 ** rng.uniform(0, 3), size=(40, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            pc.sgd(net, X, pc.one_hot(np.arange(40) % 3, 3), 8, 3, 10 ** rng.uniform(3, 30),
                   rng=0, engine=engine)  # fmt: skip
        except pc.TrainingDiverged:
            pass
        except (RuntimeWarning, FloatingPointError):
            return False
    return all(np.isfinite(p).all() for layer in net.layers for p in (layer.weights, layer.bias))


def _save(rng: np.random.Generator, folder: Path) -> bool:
    net = pc.network([3, int(rng.integers(1, 6)), 2], rng=int(rng.integers(1000)))
    layer = net.layers[int(rng.integers(2))]
    spoil = int(rng.integers(5))
    if spoil == 0:
        layer.weights.flat[0] = float(rng.choice([np.nan, np.inf, -np.inf]))
    elif spoil == 1:
        layer.weights = np.ones((layer.weights.shape[0], layer.weights.shape[1] + 1))
    elif spoil == 2:
        layer.bias = layer.bias.astype(np.float32)
    meta: Any = rng.choice(
        np.array([{"a": (1, 2)}, {"b": float("nan")}, {"c": "x" * (1 << 21)}, {"d": [1, "2"]},
                  None], dtype=object)
    )  # fmt: skip
    path = folder / "roundtrip.npz"
    pc.save(pc.network([2, 1], rng=0), path)
    good = path.read_bytes()
    try:
        pc.save(net, path, meta=meta)
    except (ValueError, TypeError):
        return path.read_bytes() == good
    back, back_meta = pc.load_with_meta(path)
    same = all(
        np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
        for a, b in zip(net.layers, back.layers, strict=True)
    )
    return same and back_meta == (meta or {})


def answer_campaign(rng: np.random.Generator, trials: int, folder: Path) -> dict[str, list[int]]:
    """[tried, right or refused] per kind of surprise."""
    model, X, y = _model(folder)
    counts = {kind: [0, 0] for kind in KINDS}
    for trial in range(trials):
        kind = KINDS[trial % len(KINDS)]  # each kind as often; the surprise itself is drawn
        if kind == "columns":
            ok = _columns(rng, folder, model, X)
        elif kind == "renamed":
            ok = _renamed(rng, folder, model, X)
        elif kind == "subset":
            ok = _subset(rng, folder, model, X, y)
        elif kind == "pairing":
            ok = _pairing(rng)
        elif kind == "save":
            ok = _save(rng, folder)
        else:
            ok = _diverge(rng)
        counts[kind][0] += 1
        counts[kind][1] += int(ok)
    return counts
