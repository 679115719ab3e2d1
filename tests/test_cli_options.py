"""The command line's defaults, refusals before training, and what it remembers in a model."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perceptron import cli
from perceptron.cli.console import number, printable
from perceptron.io.model import load_with_meta


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def flowers(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 2))
    kind = np.array(["iris", "rose", "tulip"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    path = tmp_path / "flowers.csv"
    rows = [f"{a:.4f},{b:.4f},{k}" for (a, b), k in zip(X, kind, strict=True)]
    path.write_text("petal,sepal,kind\n" + "\n".join(rows) + "\n")
    return path


def test_version_and_every_default_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == "perceptron 0.1.0"
    for command in ("train", "evaluate", "predict", "explain", "summary"):
        assert cli.main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        if command == "train":
            for default in ("(default: mnist-10k)", "(default: sigmoid)",
                            "(default: quadratic; mse for a regression)",
                            "(default: auto)", "(default: 10)", "(default: 30)",
                            "(default: batch)"):  # fmt: skip
                assert default in text, default
            assert "(default: None)" not in text


@pytest.mark.parametrize(
    ("options", "init"),
    [
        ((), "standard_normal"),
        (("--activation", "relu"), "he_normal"),
        (("--activation", "tanh"), "glorot_normal"),
        (("--cost", "cross_entropy"), "glorot_normal"),
        (("--activation", "relu", "--init", "standard_normal"), "standard_normal"),
    ],
)
def test_the_initializer_suits_the_activation_unless_told(
    options: tuple[str, ...], init: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", "spiral", "--epochs", "1", "--save", model,
                         *options)  # fmt: skip
    assert code == 0, err
    net, _ = load_with_meta(model)
    assert net.layers[0].init == init
    if "--cost" in options:
        assert net.layers[-1].activation.name == "softmax"  # chosen for cross-entropy


def test_cross_entropy_without_softmax_is_refused_before_training(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "train", "--data", "spiral", "--cost", "cross_entropy",
                         "--output-activation", "sigmoid")  # fmt: skip
    assert code == 2 and "Epoch" not in out
    assert "--output-activation" in err and "softmax" in err


def test_unusable_targets_are_refused_before_the_first_epoch(
    flowers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "train", "--data", flowers, "--save", flowers)
    assert code == 2 and "training data" in err and "Epoch" not in out
    code, out, err = run(capsys, "train", "--data", "xor", "--plot", tmp_path / "curves.bmp")
    assert code == 2 and "--plot" in err and "Epoch" not in out
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        code, out, err = run(capsys, "train", "--data", "xor", "--save", locked / "m.npz")
        assert code == 2 and "cannot write" in err and "Epoch" not in out


def test_a_csv_is_evaluated_whole_through_the_model_s_label_names(
    flowers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    code, _, err = run(capsys, "train", "--data", flowers, "--epochs", "20", "--save", model,
                       "--lr", "0.5")  # fmt: skip
    assert code == 0, err
    # Only the roses: their label must still be "rose", not the file's first class.
    roses = tmp_path / "roses.csv"
    lines = flowers.read_text().splitlines()
    roses.write_text("\n".join([lines[0]] + [r for r in lines[1:] if r.endswith(",rose")]) + "\n")
    code, out, err = run(capsys, "evaluate", model, "--data", roses)
    assert code == 0, err
    matrix = [line.split() for line in out.splitlines()[-3:]]
    assert [row[0] for row in matrix] == ["iris", "rose", "tulip"]
    assert sum(int(v) for v in matrix[0][1:]) == 0 and sum(int(v) for v in matrix[2][1:]) == 0
    # An unknown label is an error that names it.
    odd = tmp_path / "odd.csv"
    odd.write_text(lines[0] + "\n0.1,0.2,daisy\n0.3,0.1,rose\n")
    code, _, err = run(capsys, "evaluate", model, "--data", odd)
    assert code == 1 and "daisy" in err


def test_explain_uses_the_model_s_rate_and_names_the_prediction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--data", "spiral", "--epochs", "1", "--lr", "0.25",
                     "--save", str(model)]) == 0  # fmt: skip
    capsys.readouterr()
    assert load_with_meta(model)[1]["lr"] == 0.25
    code, out, err = run(capsys, "explain", "--model", model, "--data", "spiral")
    assert code == 0, err
    assert "η = 0.25" in out and "the network predicts" in out
    code, out, err = run(capsys, "explain", "--model", model, "--data", "spiral", "--lr", "0.5")
    assert code == 0 and "η = 0.5" in out


def test_predict_reads_a_shipped_file_by_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--epochs", "1", "--save", str(model)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "predict", model, "t10k-images-idx3-ubyte.gz")
    assert code == 0, err
    assert len(out.splitlines()) == 10_000


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_loss_prints_short_whatever_its_size(value: float) -> None:
    text = number(value)
    assert len(text) <= 12, text
    if not np.isfinite(value):
        assert text in ("inf", "-inf", "nan")


def test_control_characters_in_labels_are_escaped() -> None:
    assert printable("ro\x1b[31mse\n") == "ro\\x1b[31mse\\n"
    assert printable("tulip") == "tulip"


def test_a_reader_that_goes_away_does_not_lose_the_run(tmp_path: Path) -> None:
    """``perceptron train ... --save M | head -1``: the run goes on and saves."""
    import subprocess
    import sys

    model = tmp_path / "m.npz"
    child = subprocess.Popen(
        [sys.executable, "-m", "perceptron", "train", "--data", "spiral", "--layers", "8,3",
         "--epochs", "300", "--save", str(model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(b"Data: spiral")
    child.stdout.close()  # as head does after its first line
    err = child.stderr.read()
    assert child.wait(timeout=120) == 0, err
    assert model.exists() and err == b""
