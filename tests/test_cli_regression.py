"""Regression from the command line: a CSV whose label column holds numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.cli import main
from perceptron.io.model import load_with_meta


def _table(path: Path, rows: int = 200, whole: bool = False, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(rows, 3))
    t = X @ np.array([1.5, -2.0, 0.5]) + 0.25
    if whole:
        t = np.round(t * 3)
    lines = ["x0,x1,x2,y"] + [
        ",".join(f"{v:.5f}" for v in row) + f",{target:.4f}"
        for row, target in zip(X, t, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


TRAIN = [
    "--layers",
    "16,1",
    "--activation",
    "tanh",
    "--optimizer",
    "adam",
    "--lr",
    "0.01",
    "--epochs",
    "30",
]


def test_fractions_train_a_regression_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _table(tmp_path / "t.csv")
    model = tmp_path / "m.npz"
    assert main(["train", "--data", str(data), *TRAIN, "--save", str(model)]) == 0
    captured = capsys.readouterr()
    assert "training a regression" in captured.err
    assert "target 'y' (regression)" in captured.out and "cost mse" in captured.out
    assert "Held-out mean squared error" in captured.out
    r2 = float(captured.out.split("R² ")[-1].split(",")[0])
    assert r2 > 0.9  # a linear target is learned well

    assert main(["evaluate", str(model), "--data", str(data)]) == 0
    text = capsys.readouterr().out
    assert "Mean squared error:" in text and "R²:" in text and "Accuracy" not in text

    features = tmp_path / "new.csv"
    features.write_text("x0,x1,x2\n0.1,0.2,0.3\n-0.5,0.5,0.0\n")
    assert main(["predict", str(model), str(features)]) == 0
    values = [float(v) for v in capsys.readouterr().out.split()]
    net, meta = load_with_meta(model)
    prepare = meta["prepare"]  # the model's inputs and targets are standardised
    rows = (np.array([[0.1, 0.2, 0.3], [-0.5, 0.5, 0.0]]) - prepare["mean"]) / prepare["std"]
    outputs = pc.predict(net, rows)[:, 0]
    expected = outputs * prepare["target"]["std"] + prepare["target"]["mean"]
    np.testing.assert_allclose(values, expected, rtol=1e-5)


def test_task_option_overrides_the_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = _table(tmp_path / "w.csv", whole=True)
    assert main(["train", "--data", str(whole), "--task", "regression", *TRAIN]) == 0
    assert "(regression)" in capsys.readouterr().out
    assert main(["train", "--data", "spiral", "--task", "regression"]) == 2
    assert "--task regression: needs a CSV file" in capsys.readouterr().err
    data = _table(tmp_path / "t.csv")
    assert main(["train", "--data", str(data), "--cost", "cross_entropy"]) == 2
    assert "use mse for a regression" in capsys.readouterr().err
    assert main(["train", "--data", str(data), "--layers", "8,2"]) == 2
    assert "end --layers with 1" in capsys.readouterr().err


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), offset=st.floats(-100, 100), scale=st.floats(0.1, 100))
def test_regression_scores_are_mse_and_r2(seed: int, offset: float, scale: float) -> None:
    """MSE and R² by their definitions; a perfect fit has R² = 1, the mean's R² is 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 2))
    net = pc.network([2, 1], "identity", "mse", rng=seed)
    out = pc.predict(net, X)[:, 0]
    y = offset + scale * rng.normal(size=30)
    mse, r2 = pc.regression_scores(net, X, y)
    assert mse == pytest.approx(np.mean((out - y) ** 2))
    assert r2 == pytest.approx(1 - np.sum((out - y) ** 2) / np.sum((y - y.mean()) ** 2))
    assert pc.regression_scores(net, X, out)[1] == pytest.approx(1.0)


def test_accuracy_on_numbers_points_to_a_regression_metric() -> None:
    net = pc.network([2, 1], "identity", "mse", rng=0)
    with pytest.raises(ValueError, match="regression_scores"):
        pc.accuracy(net, np.zeros((3, 2)), np.array([0.5, 1.25, 2.0]))


def test_a_diverged_regression_prints_short_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Raw targets and the default rate blow up: every figure stays a short number."""
    data = _table(tmp_path / "t.csv")
    main(["train", "--data", str(data), "--layers", "8,1", "--lr", "50", "--epochs", "2"])
    captured = capsys.readouterr()
    numbers = re.findall(r"-?[0-9][0-9.e+-]*", captured.out + captured.err)
    assert numbers and max(len(n) for n in numbers) < 20, captured.out
