"""Issue 19: honest held-out figures (--validation, --validation-data, a folder's t10k as a
test set scored once) and evaluate/explain using the model's own data. Each test failed on
the code before (no such options; t10k was the held-out set; evaluate scored the digits)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from rigging import write_idx

from perceptron.cli import main
from perceptron.io.model import load_with_meta


def _table(path: Path, rows: int, seed: int, order: tuple[str, ...] = ("a", "b", "c")) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3)) * [1, 20, 300] + [0, 50, 1000]
    kind = np.where(X[:, 0] + (X[:, 1] - 50) / 20 > 0, "up", "down")
    columns = {"a": X[:, 0], "b": X[:, 1], "c": X[:, 2]}
    lines = [",".join([*order, "kind"])]
    lines += [",".join(f"{columns[c][i]:.6g}" for c in order) + f",{kind[i]}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _epoch_counts(out: str) -> list[int]:
    return [int(n) for n in re.findall(r"^Epoch \d+: \d+ / (\d+),", out, re.MULTILINE)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A tiny MNIST-format folder: 120 training images, 30 t10k images, 6×6 pixels."""
    rng = np.random.default_rng(0)
    root = tmp_path / "mnist"
    root.mkdir()
    for part, count in (("train", 120), ("t10k", 30)):
        labels = np.arange(count) % 3
        images = rng.integers(0, 60, size=(count, 6, 6)).astype(np.uint8)
        images[np.arange(count), labels * 2, :] = 250  # a bright row per class
        write_idx(root / f"{part}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{part}-labels-idx1-ubyte.gz", labels.astype(np.uint8))
    return root


def test_a_folders_test_set_is_scored_once_never_used_for_early_stopping(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: the 30 t10k images were the held-out rows of every epoch and of --patience.
    model = tmp_path / "f.npz"
    argv = ["train", "--data", str(folder), "--layers", "8,10", "--epochs", "4", "--patience", "2"]
    assert main([*argv, "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "99 training, 21 held-out images, 30 test images (t10k)" in out
    assert set(_epoch_counts(out)) == {21}  # a sixth of the training images, not t10k
    tests = [line for line in out.splitlines() if line.startswith("Test accuracy")]
    assert len(tests) == 1 and re.search(r"\(\d+ / 30\)$", tests[0])
    assert "never used for training or early stopping" in tests[0]
    assert main(["evaluate", str(model), "--split", "test"]) == 0
    assert "(30)" in capsys.readouterr().out


def test_validation_zero_trains_on_every_row_and_refuses_patience(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _table(tmp_path / "t.csv", 50, 0)
    argv = ["train", "--data", str(data), "--layers", "4,2", "--epochs", "2"]
    assert main([*argv, "--validation", "0"]) == 0
    out = capsys.readouterr().out
    assert "50 training, 0 held-out rows" in out
    assert "No held-out rows (--validation 0): trained on every row" in out
    assert main([*argv, "--validation", "0", "--patience", "2"]) == 2
    err = capsys.readouterr().err
    assert "--patience" in err and "--validation 0" in err and len(err.strip().splitlines()) == 1
    assert main([*argv, "--validation", "0.5"]) == 0
    assert "25 training, 25 held-out rows" in capsys.readouterr().out


def test_validation_data_is_a_separate_held_out_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = _table(tmp_path / "train.csv", 60, 0)
    held = _table(tmp_path / "held.csv", 17, 1, order=("c", "a", "b"))  # columns by name
    model = tmp_path / "m.npz"
    argv = ["train", "--data", str(train), "--validation-data", str(held), "--layers", "4,2"]
    assert main([*argv, "--epochs", "3", "--patience", "2", "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "60 training rows; held out: the 17 rows of" in out
    assert set(_epoch_counts(out)) == {17}
    _, meta = load_with_meta(model)
    assert meta["validation"] == str(held)
    assert main(["evaluate", str(model)]) == 0  # its own held-out rows: that file
    text = capsys.readouterr().out
    assert f"CSV file {held}: all its 17 rows" in text and "/ 17)" in text
    assert main([*argv, "--validation", "0.3"]) == 2
    assert "not both" in capsys.readouterr().err


def test_evaluate_without_data_uses_the_models_own_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: evaluate without --data scored the shipped digits ("the rows have 784 values").
    data = _table(tmp_path / "t.csv", 80, 0)
    model = tmp_path / "m.npz"
    argv = ["train", "--data", str(data), "--layers", "4,2", "--epochs", "3"]
    assert main([*argv, "--save", str(model)]) == 0
    held = re.search(r"Held-out accuracy: \S+ \((\d+) / 16\)", capsys.readouterr().out)
    assert held
    assert main(["evaluate", str(model)]) == 0
    out = capsys.readouterr().out
    assert "the model's own data" in out and "evaluating the held-out rows (16)" in out
    assert f"({held.group(1)} / 16)" in out and "mnist" not in out
    assert main(["explain", "--model", str(model), "--index", "3"]) == 0
    assert f"training row 3 of {data}" in capsys.readouterr().out
    data.unlink()
    assert main(["evaluate", str(model)]) == 2
    err = capsys.readouterr().err
    assert "give --data" in err and "t.csv" in err
