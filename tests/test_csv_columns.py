"""CSV columns are matched by name: a model remembers its feature names, files are reordered."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rigging import write_csv

from perceptron.cli import main

NAMES = ["alpha", "beta", "gamma"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("columns")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    kinds = np.where(X[:, 0] - 2 * X[:, 2] > 0, "up", "down")
    data = write_csv(
        folder / "train.csv",
        [*NAMES, "kind"],
        [[*(f"{v:.4f}" for v in row), k] for row, k in zip(X, kinds, strict=True)],
    )
    model = folder / "m.npz"
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--layers",
                "6,2",
                "--epochs",
                "30",
                "--lr",
                "1.0",
                "--save",
                str(model),
            ]
        )
        == 0
    )
    return folder, model, X


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(NAMES))
def test_any_column_order_predicts_the_same(
    trained: tuple[Path, Path, np.ndarray], order: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, model, X = trained
    rows = [[f"{v:.4f}" for v in row] for row in X[:15]]
    plain = write_csv(folder / "plain.csv", NAMES, rows)
    index = [NAMES.index(n) for n in order]
    shuffled = write_csv(folder / "shuffled.csv", order, [[r[i] for i in index] for r in rows])
    expected = _run(["predict", str(model), str(plain)], capsys)
    got = _run(["predict", str(model), str(shuffled)], capsys)
    assert expected[0] == got[0] == 0 and expected[1] == got[1]


def test_evaluate_reorders_and_refuses_other_names(
    trained: tuple[Path, Path, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, model, _ = trained
    source = list(csv.reader(open(folder / "train.csv")))
    order = [2, 3, 0, 1]  # gamma, kind, alpha, beta
    moved = write_csv(
        folder / "moved.csv",
        [source[0][i] for i in order],
        [[row[i] for i in order] for row in source[1:]],
    )
    same = _run(["evaluate", str(model), "--data", str(folder / "train.csv")], capsys)
    again = _run(["evaluate", str(model), "--data", str(moved)], capsys)
    assert same[0] == again[0] == 0
    assert same[1].splitlines()[2:] == again[1].splitlines()[2:]  # accuracy and matrix

    renamed = write_csv(folder / "renamed.csv", ["alpha", "beta", "delta", "kind"], source[1:])
    code, _, err = _run(["evaluate", str(model), "--data", str(renamed)], capsys)
    assert code != 0 and "missing ['gamma']" in err and "not in the model ['delta']" in err
    features = write_csv(folder / "f.csv", ["alpha", "beta", "delta"], [r[:3] for r in source[1:4]])
    code, out, err = _run(["predict", str(model), str(features)], capsys)
    assert code != 0 and out == "" and "missing ['gamma']" in err
