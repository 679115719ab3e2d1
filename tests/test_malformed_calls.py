"""Malformed calls and command lines: a ValueError or TypeError, and nothing changed.

Every public function given a malformed argument raises ValueError or
TypeError naming it, and leaves the network as it was; a malformed command
line exits non-zero with one line on stderr; the fault drill counts it all.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rigging import prepared_net, same, snapshot

import perceptron as pc
from perceptron.io.checkpoint import Checkpointer  # noqa: F401  (the module under test)

ROOT = Path(__file__).resolve().parent.parent
# ---------------------------------------------------------------------------
# malformed calls
# ---------------------------------------------------------------------------
BAD: list[Any] = [
    None, "3", "", "abc", b"12", 3.5, -1, 0, 2**70, -(2**70), 1 << 40, True,
    float("nan"), float("inf"), -float("inf"), 1j, [], [[1.0, 2.0], [3.0]], {"a": 1},
    np.array([]), np.zeros((0, 2)), np.zeros((2, 0)), np.full((3, 2), np.nan),
    np.full((3, 2), np.inf), np.array(["a", "b"]), np.zeros((2, 2, 2)),
    np.array([1 + 1j, 2]), np.array([object(), 1.0], dtype=object), np.zeros(7),
    np.ones((3, 5)), np.ones((4, 2)), np.ones((3, 3)) / 3.0, np.arange(3), np.array([0, 1, 7]),
    np.float64("nan"), np.int64(-5), object(),
]  # fmt: skip


X, LABELS = pc.spiral(6, 3, rng=0)
Y = pc.one_hot(LABELS, 3)
Xg, Yg = X[:9], Y[:9]
VALID_SGD: dict[str, Any] = {
    "X": Xg, "Y": Yg, "batchsize": 4, "epochs": 1, "lr": 0.1, "rng": 0, "shuffle": True,
    "optimizer": None, "validation": None, "on_epoch": None, "l2": 0.0, "patience": None,
    "engine": "sample", "checkpoint": None,
}  # fmt: skip
POSITIONAL_SGD = ("X", "Y", "batchsize", "epochs", "lr")


def call_sgd(net: pc.Network, args: dict[str, Any]) -> Any:
    positional = [args[name] for name in POSITIONAL_SGD]
    keywords = {k: v for k, v in args.items() if k not in POSITIONAL_SGD}
    return pc.sgd(net, *positional, **keywords)


# (name, call(net, value), whether a huge valid value would run for ever or diverge)
CALLS: dict[str, Callable[[pc.Network, Any], Any]] = {
    "feedforward x": lambda net, v: pc.feedforward(net, v),
    "backpropagate x": lambda net, v: pc.backpropagate(net, v, [1.0, 0.0, 0.0]),
    "backpropagate y": lambda net, v: pc.backpropagate(net, [0.5, -0.25], v),
    "update lr": lambda net, v: pc.update(net, v),
    "update optimizer": lambda net, v: pc.update(net, 0.1, v),
    "add_layer outsize": lambda net, v: pc.add_layer(net, v, "sigmoid"),
    "add_layer activation": lambda net, v: pc.add_layer(net, 2, v),
    "add_layer init": lambda net, v: pc.add_layer(net, 2, "sigmoid", init=v),
    "add_layer rng": lambda net, v: pc.add_layer(net, 2, "sigmoid", rng=v),
    "predict X": lambda net, v: pc.predict(net, v),
    "accuracy X": lambda net, v: pc.accuracy(net, v, [0, 1, 2]),
    "accuracy Y": lambda net, v: pc.accuracy(net, np.ones((3, 2)), v),
    "save path": lambda net, v: pc.save(net, v),
    "save meta": lambda net, v: pc.save(net, "model.npz", meta=v),
    "load path": lambda net, v: pc.load(v),
    "spiral samples": lambda net, v: pc.spiral(v, 3),
    "spiral classes": lambda net, v: pc.spiral(5, v),
    "spiral noise": lambda net, v: pc.spiral(5, 3, noise=v),
    "spiral rng": lambda net, v: pc.spiral(5, 3, rng=v),
    "one_hot labels": lambda net, v: pc.one_hot(v, 3),
    "one_hot classes": lambda net, v: pc.one_hot([0, 1, 2], v),
    "net": lambda net, v: pc.feedforward(v, [0.5, -0.25]),
}
for _name in VALID_SGD:
    CALLS[f"sgd {_name}"] = (
        lambda name: lambda net, v: call_sgd(net, {**VALID_SGD, name: v})  # noqa: B023
    )(_name)
# A valid but enormous value here would train for ever or diverge: not a malformed call.
RUNAWAY = {"sgd epochs", "sgd lr", "update lr"}


def _runaway(name: str, value: Any) -> bool:
    return (
        name in RUNAWAY
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (math.isfinite(value) and abs(value) > 100)
    )


@given(name=st.sampled_from(sorted(CALLS)), value=st.sampled_from(range(len(BAD))))
@settings(max_examples=300)
def test_malformed_calls_get_value_or_type_errors_and_change_nothing(
    name: str, value: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bad = BAD[value]
    assume(not _runaway(name, bad))
    net = prepared_net()
    before = snapshot(net)
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        CALLS[name](net, bad)
    except (ValueError, TypeError) as error:
        assert str(error), "an error must say what is wrong"
        assert same(snapshot(net), before), f"{name}={bad!r} was refused but changed the net"
    except FileNotFoundError:
        assert name in ("load path", "save path"), name
        assert same(snapshot(net), before)
    finally:
        os.chdir(cwd)


def test_every_malformed_value_against_every_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole product of BAD and CALLS, in one loop (about 1,600 calls)."""
    monkeypatch.chdir(tmp_path)
    failures = []
    for name, call in CALLS.items():
        for bad in BAD:
            if _runaway(name, bad):
                continue
            net = prepared_net()
            before = snapshot(net)
            try:
                call(net, bad)
            except (ValueError, TypeError):
                if not same(snapshot(net), before):
                    failures.append((name, repr(bad), "changed the net"))
            except FileNotFoundError:
                if name not in ("load path", "save path"):
                    failures.append((name, repr(bad), "FileNotFoundError"))
            except BaseException as error:  # noqa: B036 - the test is that nothing else escapes
                failures.append((name, repr(bad), type(error).__name__))
    assert not failures, failures[:20]


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (pc.add_layer, ("net", 1 << 25, "sigmoid")),
        (pc.add_layer, ("net", 1 << 23, "sigmoid")),
        (pc.spiral, (1 << 30, 3)),
        (pc.spiral, (1 << 20, 1 << 10)),
        (pc.one_hot, (np.zeros(1 << 12, dtype=np.int64), 1 << 22)),
        (pc.Network, (1 << 30, "quadratic")),
    ],
)
def test_sizes_beyond_the_limits_are_refused_up_front(function: Any, args: tuple[Any, ...]) -> None:
    net = pc.Network(1 << 10, "quadratic")
    args = tuple(net if isinstance(a, str) and a == "net" else a for a in args)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="limit|<="):
            function(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert not net.layers


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------
NUMBER_BAD = ["nan", "inf", "-inf", "abc", "", "1e400", "-1", "-5,3", ",", "/"]
CLI_BAD: dict[str, list[str]] = {
    **{
        option: NUMBER_BAD
        for option in ("--epochs", "--batchsize", "--lr", "--seed", "--l2", "--patience",
                       "--decay", "--momentum")
    },
    "--layers": ["0", "-1", "abc", "", ",", "0,3", "nan", "1e400", "99999999999999999999"],
    **{
        option: ["abc", "", "nan", "-1", "Sigmoid"]
        for option in ("--activation", "--cost", "--optimizer", "--engine", "--init")
    },
    "--data": ["/nonexistent/x.csv", "", "abc", "/"],
    "--save": ["/nonexistent/x.npz", "/", "."],
    "--checkpoint": ["/nonexistent/x.ckpt", "/", "."],
}  # fmt: skip
CLI_PAIRS = st.sampled_from(sorted(CLI_BAD)).flatmap(
    lambda option: st.tuples(st.just(option), st.sampled_from(CLI_BAD[option]))
)


@given(
    command=st.sampled_from(["train", "evaluate", "summary", "bogus"]),
    pairs=st.lists(CLI_PAIRS, min_size=1, max_size=3),
)
# capsys is read (and so emptied) once per example.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_malformed_command_lines_exit_non_zero(
    command: str,
    pairs: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import os

    from perceptron.cli import main

    # Small, short defaults first: the drawn (bad) values come later and win.
    argv = [command, "--data", "spiral", "--epochs", "1"] if command == "train" else [command]
    for option, value in pairs:
        argv += [option, value]
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cli"))
    try:
        code = main(argv)
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert isinstance(code, int) and code != 0, argv
    assert "error" in err and err.count("\n") == 1, err


def test_the_fault_drill_runs_quick_and_reports_100_percent() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fault_drill.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 100%: OK" in result.stdout
    assert "FAILED" not in result.stdout
