"""--dtype float32 and --threads on the command line: recorded in the model, used after."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from perceptron import cli
from perceptron.cli.data import load_data, predicted
from perceptron.io.model import load_with_meta


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_float32_model_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m.npz"
    common = ["--data", "spiral", "--layers", "16,3", "--activation", "relu", "--epochs", "3"]
    code, out, err = run(
        capsys, "train", *common, "--dtype", "float32", "--threads", "1", "--save", model
    )
    assert code == 0, err
    assert "float32, BLAS threads 1" in out
    trained = re.search(r"Held-out accuracy: ([\d.]+%)", out)
    assert trained is not None
    net, meta = load_with_meta(model)
    assert net.dtype == np.float32
    assert all(layer.weights.dtype == np.float32 for layer in net.layers)
    # evaluate scores the float32 network: the accuracy train printed
    code, out, err = run(capsys, "evaluate", model, "--data", "spiral", "--threads", "2")
    assert code == 0, err
    assert f"Accuracy: {trained.group(1)}" in out
    # the same run in float64 is another network (float32 was really used)
    code, out64, err = run(capsys, "train", *common, "--save", tmp_path / "m64.npz")
    assert code == 0, err
    net64, _ = load_with_meta(tmp_path / "m64.npz")
    assert net64.dtype == np.float64
    gap = np.abs(net64.layers[0].weights - net.layers[0].weights).max()
    assert 0 < gap < 1e-3


def test_predict_uses_the_models_dtype(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, rows = tmp_path / "m.npz", tmp_path / "rows.csv"
    code, _, err = run(
        capsys, "train", "--data", "spiral", "--layers", "16,3", "--epochs", "2",
        "--dtype", "float32", "--save", model,
    )  # fmt: skip
    assert code == 0, err
    data = load_data("spiral", seed=0)
    np.savetxt(rows, data.X_test, delimiter=",", fmt="%.17g")
    code, out, err = run(capsys, "predict", model, rows, "--threads", "1")
    assert code == 0, err
    net, _ = load_with_meta(model)
    expected = predicted(net, data.X_test.astype(np.float32))
    assert out.split() == [str(int(i)) for i in expected]


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--dtype", "float16"],
        ["train", "--threads", "0"],
        ["evaluate", "m.npz", "--threads", "two"],
        ["predict", "m.npz", "x.csv", "--threads", "-1"],
    ],
)
def test_bad_speed_options_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert "--dtype" in err or "--threads" in err


def test_images_load_in_the_run_dtype_with_the_float64_values_rounded() -> None:
    """`train --dtype float32` reads the images straight into float32 (no float64 copy of
    the set to convert later), and the values are float64's k/255 rounded, as before."""
    wide = load_data("mnist-10k", seed=0)
    narrow = load_data("mnist-10k", seed=0, dtype=np.float32)
    for a, b in ((wide.X_train, narrow.X_train), (wide.X_test, narrow.X_test)):
        assert a.dtype == np.float64 and b.dtype == np.float32
        np.testing.assert_array_equal(a.astype(np.float32), b)
    np.testing.assert_array_equal(wide.y_train, narrow.y_train)
    # every byte k is k·(1/255) exactly as float64 computes it
    from perceptron.datasets.mnist import PIXEL_SCALE, unit_pixels

    k = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(unit_pixels(k), k.astype(np.float64) * PIXEL_SCALE)
