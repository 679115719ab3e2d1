"""Answers that are not numbers, and strings from files: a row whose outputs are NaN or
±inf is an error, not a class; text read from a file is escaped before a terminal or
matplotlib sees it; crafted counts and empty files get their documented errors."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from rigging import write_idx

import perceptron as pc
from perceptron import cli
from perceptron.io.npz import ModelFileError, write_npz_atomic


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def relu_model(tmp_path: Path) -> Path:
    model = tmp_path / "r.npz"
    argv = ["train", "--data", "spiral", "--epochs", "1", "--activation", "relu"]
    assert cli.main([*argv, "--save", str(model)]) == 0
    return model


@pytest.mark.parametrize("where", [0, 1])
def test_predict_on_rows_giving_non_finite_outputs_says_so(
    where: int, relu_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    rows = ["0.1,0.2", "0.1,0.2"]
    rows[where] = "1e308,1e308"
    data = tmp_path / "big.csv"
    data.write_text("\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _, err = run(capsys, "predict", relu_model, data)
    assert code == 1 and f"row {where + 1} gives non-finite outputs" in err


def test_the_estimators_refuse_rows_giving_non_finite_outputs() -> None:
    pytest.importorskip("sklearn", reason='the estimators need pip install ".[sklearn]"')
    from perceptron.sklearn import PerceptronClassifier, PerceptronRegressor

    X, y = pc.spiral(20, 2, rng=0)
    huge = np.full((2, 2), 1e308)
    for model in (
        PerceptronClassifier(hidden_sizes=(8,), activation="relu", epochs=2),
        PerceptronRegressor(hidden_sizes=(8,), activation="relu", epochs=2),
    ):
        model.fit(X, y.astype(float) if isinstance(model, PerceptronRegressor) else y)
        model.net_.layers[0].weights[...] = 10.0  # 1e308 rows overflow to inf, then NaN
        methods = [model.predict]
        if isinstance(model, PerceptronClassifier):
            methods.append(model.predict_proba)
        for method in methods:
            with pytest.raises(ValueError, match="non-finite"):
                method(huge)


def crafted(model: Path, change: object) -> None:
    """Rewrite ``model``'s header with ``change(header)`` applied (arrays kept)."""
    with zipfile.ZipFile(model) as archive:
        arrays = {
            name[:-4]: np.lib.format.read_array(archive.open(name)) for name in archive.namelist()
        }
    header = json.loads(arrays.pop("header").tobytes())
    change(header)  # type: ignore[operator]
    write_npz_atomic(model, header, arrays)


def test_summary_escapes_every_string_from_the_file(
    relu_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def spoil(header: dict) -> None:
        header["meta"].update(epochs="\x1b[2J", seed="\x1b]0;owned\x07", data="a\rb")
        header["layers"][0]["init"] = "\x1b[31mred"

    crafted(relu_model, spoil)
    code, out, err = run(capsys, "summary", relu_model)
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "\\x1b[31mred" in out


def test_report_label_names_are_text_to_matplotlib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    data = tmp_path / "dollars.csv"
    rng = np.random.default_rng(0)
    labels = ["$\\foo$", "$x^$", "plain"]
    rows = [f"{a:.3f},{b:.3f},{labels[i % 3]}" for i, (a, b) in enumerate(rng.normal(size=(60, 2)))]
    data.write_text("a,b,kind\n" + "\n".join(rows) + "\n")
    code, _, err = run(
        capsys,
        "train",
        "--data",
        data,
        "--epochs",
        "1",
        "--report",
        tmp_path / "r.html",
        "--save",
        tmp_path / "m.npz",
    )
    assert code == 0, err
    assert (tmp_path / "r.html").is_file()


def test_a_crafted_checkpoint_count_is_a_model_file_error(tmp_path: Path) -> None:
    net = pc.network([2, 3, 2], rng=0)
    X, labels = pc.spiral(5, 2, rng=0)
    Y = pc.one_hot(labels, 2)
    checkpoint = tmp_path / "run.ckpt"
    pc.sgd(net, X, Y, 4, 1, 0.1, rng=0, checkpoint=checkpoint)
    crafted(checkpoint, lambda h: h["run"].update(epochs_done=2**40 - 1))
    with pytest.raises(ModelFileError, match="history"):
        pc.sgd(pc.network([2, 3, 2], rng=0), X, Y, 4, 2**40, 0.1, rng=0, checkpoint=checkpoint)


def test_an_idx_file_with_no_items_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--epochs", "1", "--save", str(model)]) == 0
    empty = tmp_path / "empty-idx3-ubyte"
    write_idx(empty, np.zeros((0, 28, 28), dtype=np.uint8))
    capsys.readouterr()
    code, _, err = run(capsys, "predict", model, empty)
    assert code == 1 and "no items" in err
