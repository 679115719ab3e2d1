"""Issue 19: inputs standardised by default and remembered by the model; regression that
converges with no options. Each test failed on the code before (no --scale, no recorded
means, SGD at lr 3.0 for a regression, the scale note judged by the largest value)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import perceptron as pc
from perceptron.cli import main
from perceptron.cli.prepare import (
    apply_preparation,
    check_preparation,
    fit_preparation,
    scale_note,
)
from perceptron.io.model import load_with_meta, save
from perceptron.io.npz import ModelFileError


def _write(path: Path, X: np.ndarray, y: np.ndarray, names: list[str] | None = None) -> Path:
    names = names or [f"f{i}" for i in range(X.shape[1])]
    lines = [",".join([*names, "label"])]
    lines += [",".join(f"{v:.6g}" for v in row) + f",{t:.6g}" for row, t in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """scikit-learn's wine table as CSV (raw columns from 0.1 to 1680), split 80/20."""
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_wine(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.8 * len(y))
    folder = tmp_path_factory.mktemp("wine")
    train = _write(folder / "train.csv", X[order[:cut]], y[order[:cut]])
    test = _write(folder / "test.csv", X[order[cut:]], y[order[cut:]])
    return train, test


def _accuracy(text: str) -> float:
    found = re.search(r"Accuracy: ([\d.]+)%", text) or re.search(r"accuracy: ([\d.]+)%", text)
    assert found, text
    return float(found.group(1))


def test_wine_csv_trained_with_the_defaults_learns(
    wine: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: the raw columns saturated every sigmoid and the run ended at chance (33%).
    train, _ = wine
    assert main(["train", "--data", str(train), "--save", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "Prepared: standardised with the training rows' mean and std (13 columns)" in out
    assert _accuracy(out) >= 90


def test_the_model_applies_its_preparation_to_raw_rows(
    wine: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: a model trained on standardised rows scored raw rows as they came (27.8%).
    train, test = wine
    model = tmp_path / "m.npz"
    assert main(["train", "--data", str(train), "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model), "--data", str(test)]) == 0
    score = _accuracy(capsys.readouterr().out)
    net, meta = load_with_meta(model)
    table = np.loadtxt(test, delimiter=",", skiprows=1)
    prepared = (table[:, :-1] - meta["prepare"]["mean"]) / meta["prepare"]["std"]
    right = np.mean(pc.predict(net, prepared).argmax(axis=1) == table[:, -1])
    assert score == pytest.approx(100 * right, abs=0.01) and score >= 85
    # predict prepares the rows too: its answers are the classes of the prepared rows.
    features = tmp_path / "features.csv"
    features.write_text("\n".join(",".join(f"{v:.6g}" for v in r) for r in table[:, :-1]) + "\n")
    assert main(["predict", str(model), str(features)]) == 0
    answers = capsys.readouterr().out.split()
    assert answers == [str(int(k)) for k in pc.predict(net, prepared).argmax(axis=1)]


def test_the_scale_note_is_quiet_on_standardised_skewed_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: the note fired on any value above 10; a skewed column's z-scores reach 10-38.
    rng = np.random.default_rng(0)
    skewed = rng.lognormal(0, 2.0, size=(400, 2))
    z = (skewed - skewed.mean(axis=0)) / skewed.std(axis=0)
    assert np.abs(z).max() > 10
    y = (z[:, 0] > 0).astype(int)
    path = _write(tmp_path / "z.csv", z, y)
    argv = ["train", "--data", str(path), "--layers", "4,2", "--epochs", "1", "--scale", "none"]
    assert main(argv) == 0
    assert "unit scale" not in capsys.readouterr().err
    raw = _write(tmp_path / "raw.csv", 100 + 50 * rng.uniform(size=(50, 2)), y[:50])
    assert main([*argv[:2], str(raw), *argv[3:]]) == 0
    assert "note: the inputs are far from unit scale" in capsys.readouterr().err


def test_a_regression_converges_with_its_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: --task regression kept SGD at lr 3.0 and diverged (loss inf at epoch 3).
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)) * [1, 10, 100]
    t = 300 + X @ np.array([40.0, -3.0, 0.5]) + rng.normal(scale=5, size=200)
    data = _write(tmp_path / "t.csv", X, t)
    model = tmp_path / "r.npz"
    assert main(["train", "--data", str(data), "--task", "regression", "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "Training: Adam, batch 10, lr 0.001, 100 epochs" in out
    r2 = float(re.search(r"Held-out mean squared error \S+, R² (\S+),", out).group(1))
    assert r2 > 0.9
    assert main(["evaluate", str(model), "--data", str(data)]) == 0
    text = capsys.readouterr().out
    mse = float(re.search(r"Mean squared error: (\S+)", text).group(1))
    assert mse < 0.2 * np.var(t)  # in the target's units (its variance is about 2,000)
    features = tmp_path / "x.csv"
    features.write_text("f0,f1,f2\n" + "\n".join(",".join(f"{v:.6g}" for v in r) for r in X[:20]))
    assert main(["predict", str(model), str(features)]) == 0
    answers = np.array(capsys.readouterr().out.split(), dtype=float)
    assert np.corrcoef(answers, t[:20])[0, 1] > 0.9 and abs(answers.mean() - t[:20].mean()) < 30


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(deadline=None, max_examples=40, derandomize=True)
@given(
    X=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=finite),
    method=st.sampled_from(["standard", "minmax"]),
)
def test_a_recorded_preparation_gives_back_the_training_rows(
    X: np.ndarray, method: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    prepare = fit_preparation(method, X, {}, "csv")
    trained = apply_preparation(X, prepare, {})
    assert np.all(np.isfinite(trained))
    # through the model file's JSON header and back, checked as a loaded header is
    net = pc.network([X.shape[1], 2], "sigmoid", "quadratic", rng=0)
    path = tmp_path_factory.mktemp("prep") / "m.npz"
    save(net, path, {"prepare": prepare})
    _, meta = load_with_meta(path)
    loaded = check_preparation(meta, X.shape[1], str(path))
    assert loaded == json.loads(json.dumps(prepare))
    np.testing.assert_array_equal(apply_preparation(X, loaded, {}), trained)


@settings(deadline=None, max_examples=40, derandomize=True)
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(2, 60), st.integers(1, 4)), elements=finite))
def test_the_scale_note_never_fires_on_standardised_columns(X: np.ndarray) -> None:
    # Chebyshev: at most 1/k² of a standardised column lies beyond k; 95% lie within 4.5.
    prepare = fit_preparation("standard", X, {}, "csv")
    assert scale_note(apply_preparation(X, prepare, {}), None) is None


@pytest.mark.parametrize(
    "prepare",
    [
        {"mean": [0.0], "std": [1.0]},  # one number for two inputs
        {"mean": [0.0, float("nan")], "std": [1.0, 1.0]},
        {"mean": [0.0, 0.0], "std": [1.0, 0.0]},  # nothing to divide by
        {"mean": [0.0, 0.0]},
        {"mean": [0.0, 0.0], "std": [1.0, 1.0], "min": [0, 0], "range": [1, 1]},
        {"scale": -1.0},
        {"target": {"mean": 1.0, "std": 0.0}},
        {"shift": 3},
    ],
)
def test_a_malformed_recorded_preparation_is_refused(prepare: dict) -> None:
    with pytest.raises(ModelFileError, match="m.npz"):
        check_preparation({"prepare": prepare}, 2, "m.npz")
