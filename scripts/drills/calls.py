"""Malformed library calls and command lines: refused, the network unchanged."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from rigging import (
    prepared_net,
    same,
    snapshot,
)

import perceptron as pc

ROOT = Path(__file__).resolve().parents[2]

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


from drills.interrupts import DATA_X, DATA_Y  # noqa: E402

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
