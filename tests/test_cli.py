"""The command line, run in-process: every subcommand, and one-line errors."""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rigging import write_idx

from perceptron import cli, load
from perceptron.cli import outputs as cli_outputs
from perceptron.cli import train as cli_train
from perceptron.datasets.mnist import PIXEL_SCALE, SHIPPED, load_digits
from perceptron.io.model import load_with_meta
from perceptron.reports.explain import ARTICLE_NUMBERS

EPOCH_LINE = re.compile(r"^Epoch (\d+): (\d+) / (\d+), loss \d+\.\d+, \d+\.\d+ s")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("perceptron: error: ")


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    names = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    path = tmp_path / "table.csv"
    lines = ["a,b,c,kind"] + [f"{r[0]},{r[1]},{r[2]},{k}" for r, k in zip(X, names, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def mnist_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (SHIPPED / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the shipped MNIST files are not in perceptron/data/mnist-10k")
    path = tmp_path_factory.mktemp("mnist") / "digits.npz"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(["train", "--epochs", "1", "--save", str(path)]) == 0
    (path.parent / "train.txt").write_text(printed.getvalue())
    return path


def test_train_defaults_print_the_article_form(mnist_model: Path):
    # The module fixture trained seed 001's network for one epoch on the shipped digits.
    out = (mnist_model.parent / "train.txt").read_text().splitlines()
    assert "784-30-10, sigmoid, cost quadratic, init standard_normal" in out[1]
    assert "plain SGD, batch 10, lr 3.0, 1 epoch," in out[2]
    match = EPOCH_LINE.match(out[3])
    assert match and match.group(1) == "0" and match.group(3) == "2000"
    assert int(match.group(2)) > 1000  # one epoch of seed 001's network: well above chance
    net, meta = load_with_meta(mnist_model)
    assert net.sizes == [784, 30, 10]
    assert [layer.activation.name for layer in net.layers] == ["sigmoid", "sigmoid"]
    assert net.cost.name == "quadratic" and net.layers[0].init == "standard_normal"
    assert meta["prepare"] == {"scale": PIXEL_SCALE}
    assert meta["label_names"] == [str(d) for d in range(10)]


def test_train_prints_one_line_an_epoch(capsys):
    code, out, err = run(capsys, "train", "--data", "spiral", "--epochs", "3", "--layers", "8,3")
    assert code == 0, err
    epochs = [EPOCH_LINE.match(line) for line in out.splitlines() if line.startswith("Epoch")]
    assert [int(m.group(1)) for m in epochs if m] == [0, 1, 2]
    assert all(m and m.group(3) == "60" for m in epochs)
    assert "Held-out accuracy" in out


def test_train_evaluate_predict_summary_explain_on_a_csv(labelled_csv: Path, tmp_path, capsys):
    model = tmp_path / "m.npz"
    code, out, err = run(
        capsys,
        "train",
        "--data",
        labelled_csv,
        "--label",
        "kind",
        "--layers",
        "5,2",
        "--epochs",
        "2",
        "--lr",
        "1.0",
        "--save",
        model,
        "--optimizer",
        "momentum",
    )
    assert code == 0, err
    assert f"Saved the network to {model}" in out
    net, meta = load_with_meta(model)
    assert meta["label_names"] == ["down", "up"] and set(meta["prepare"]) == {"mean", "std"}

    code, out, err = run(capsys, "evaluate", model, "--data", labelled_csv)
    assert code == 0, err
    match = re.search(r"Accuracy: [\d.]+% \((\d+) / (\d+)\)", out)
    assert match and match.group(2) == "60"  # a file given to evaluate is scored whole
    rows = [line.split() for line in out.splitlines()[-2:]]
    assert [r[0] for r in rows] == ["down", "up"]
    assert sum(int(v) for r in rows for v in r[1:]) == 60
    assert sum(int(rows[i][1 + i]) for i in range(2)) == int(match.group(1))

    features = tmp_path / "x.csv"
    features.write_text("a,b,c\n2,2,0\n-2,-2,0\n")
    code, out, err = run(capsys, "predict", model, features)
    assert code == 0, err
    X = np.array([[2.0, 2, 0], [-2, -2, 0]])
    expected = [["down", "up"][i] for i in cli.predicted(net, X)]
    assert out.splitlines() == expected

    code, out, err = run(capsys, "predict", model, labelled_csv)
    assert_one_line_error(code, err)
    assert "leave out the label column" in err

    code, out, err = run(capsys, "summary", model)
    assert code == 0 and "total parameters" in out and "labels: down, up" in out

    code, out, err = run(
        capsys, "explain", "--model", model, "--data", labelled_csv, "--index", "3"
    )
    assert code == 0, err
    assert "training row 3" in out and "dC/dw0" in out and "after the step" in out


def test_predict_reads_idx_images_prepared_as_in_training(mnist_model: Path, tmp_path, capsys):
    X_train, _, _, _ = load_digits()
    pixels = np.round(X_train[:5] / PIXEL_SCALE).astype(np.uint8).reshape(5, 28, 28)
    images = tmp_path / "five-images-idx3-ubyte.gz"
    write_idx(images, pixels)
    code, out, err = run(capsys, "predict", mnist_model, images)
    assert code == 0, err
    expected = [str(i) for i in cli.predicted(load(mnist_model), X_train[:5])]
    assert out.splitlines() == expected


def test_evaluate_the_mnist_model(mnist_model: Path, capsys):
    code, out, err = run(capsys, "evaluate", mnist_model)
    assert code == 0, err
    assert re.search(r"Accuracy: [\d.]+% \(\d+ / 2000\)", out)
    matrix = [line.split()[1:] for line in out.splitlines()[-10:]]
    assert sum(int(v) for row in matrix for v in row) == 2000


def test_explain_reproduces_the_worked_example(capsys):
    code, out, err = run(capsys, "explain", "--precision", "17")
    assert code == 0, err
    for value in ARTICLE_NUMBERS.values():
        assert repr(value) in out
    assert f"{len(ARTICLE_NUMBERS)} of {len(ARTICLE_NUMBERS)} numbers equal" in out
    # By default the numbers are rounded to 6 significant digits, easier to read.
    code, out, err = run(capsys, "explain")
    assert code == 0, err
    assert "a0 = 0.75473" in out and "0.7547299213576082" not in out
    assert f"{len(ARTICLE_NUMBERS)} of {len(ARTICLE_NUMBERS)} numbers equal" in out


def test_ctrl_c_saves_and_exits_130(monkeypatch, tmp_path, capsys):
    real_sgd = cli_train.sgd

    def interrupted_sgd(*args, **kwargs):
        inner = kwargs["on_epoch"]

        def on_epoch(epoch, history, net):
            inner(epoch, history, net)
            raise KeyboardInterrupt

        kwargs["on_epoch"] = on_epoch
        return real_sgd(*args, **kwargs)

    monkeypatch.setattr(cli_train, "sgd", interrupted_sgd)
    model = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "5", "--save", model)
    assert code == 130
    assert "saved the network" in err and "after 1 complete epoch" in err
    assert load(model).sizes == [2, 30, 2]
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "5")
    assert code == 130 and "nothing saved" in err


def test_plot_without_matplotlib_is_one_note(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli_outputs, "plotting_available", lambda: False)
    plot = tmp_path / "curves.png"
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "1", "--plot", plot)
    assert code == 0
    assert err.strip().startswith("perceptron: note: --plot needs matplotlib")
    assert len(err.strip().splitlines()) == 1 and not plot.exists()


def test_plot_with_matplotlib(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "curves.png"
    code, out, err = run(capsys, "train", "--data", "xor", "--epochs", "2", "--plot", plot)
    assert code == 0, err
    assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "options",
    [
        ["--optimizer", "adam"],
        ["--optimizer", "momentum", "--momentum", "0.5", "--decay", "0.01"],
        ["--patience", "1", "--epochs", "3", "--l2", "0.1"],
        [
            "--engine",
            "sample",
            "--activation",
            "relu",
            "--output-activation",
            "softmax",
            "--cost",
            "cross_entropy",
            "--init",
            "default",
        ],
    ],
)
def test_train_options(options, capsys):
    code, out, err = run(capsys, "train", "--data", "spiral", "--epochs", "1", *options)
    assert code == 0, err
    assert EPOCH_LINE.match([line for line in out.splitlines() if line.startswith("Epoch")][0])


def test_checkpoint_is_passed_to_sgd(tmp_path, capsys):
    checkpoint = tmp_path / "run.ckpt"
    code, out, err = run(
        capsys, "train", "--data", "xor", "--epochs", "2", "--checkpoint", checkpoint
    )
    assert code == 0, err
    assert checkpoint.is_file()


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    files["ragged"] = tmp_path / "ragged.csv"
    files["ragged"].write_text("a,b,y\n1,2,0\n3,1\n")
    files["text"] = tmp_path / "text.csv"
    files["text"].write_text("a,b,y\n1,2,0\n3,x,1\n")
    files["empty"] = tmp_path / "empty.csv"
    files["empty"].write_text("")
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((4, 28, 28), dtype=np.uint8))
    labels = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]))  # claims 9, holds 2
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(labels)
    files["idx"] = folder
    files["model"] = tmp_path / "broken.npz"
    files["model"].write_bytes(b"PK\x03\x04 not really a zip")
    files["images"] = tmp_path / "img-idx3-ubyte"
    write_idx(files["images"], np.zeros((2, 3, 3), dtype=np.uint8))
    return files


@pytest.mark.parametrize(
    "argv, status",
    [
        (["frobnicate"], 2),
        (["train", "--layers", "30,x"], 2),
        (["train", "--layers", "0,10"], 2),
        (["train", "--data", "xor", "--layers", "3,3"], 2),
        (["train", "--lr", "-3"], 2),
        (["train", "--epochs", "many"], 2),
        (["train", "--momentum", "1.5"], 2),
        (["train", "--activation", "swish"], 2),
        (["train", "--data", "no/such/place"], 2),
        (["train", "--save", "no/such/folder/m.npz"], 2),
        (["train", "--data", "{ragged}"], 1),
        (["train", "--data", "{text}"], 1),
        (["train", "--data", "{empty}"], 1),
        (["train", "--data", "{idx}"], 1),
        (["train", "--data", "{text}", "--label", "nope"], 1),
        (["evaluate", "missing.npz"], 1),
        (["evaluate", "{model}"], 1),
        (["summary", "{model}"], 1),
        (["summary", "{ragged}"], 1),
        (["predict", "{model}", "{ragged}"], 1),
        (["explain", "--model", "{model}"], 1),
        (["explain", "--lr", "0"], 2),
        (["evaluate"], 2),
    ],
)
def test_errors_are_one_line(argv, status, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _bad_files(tmp_path)
    argv = [a.format(**files) for a in argv]
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err)
    assert code == status, err


def test_predict_with_the_wrong_width(tmp_path, capsys):
    files = _bad_files(tmp_path)
    model = tmp_path / "m.npz"
    assert cli.main(["train", "--data", "xor", "--epochs", "1", "--save", str(model)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "predict", model, files["images"])
    assert_one_line_error(code, err)
    assert "9 values" in err and "2 inputs" in err


def test_help_and_no_command(capsys):
    code, out, err = run(capsys, "--help")
    assert code == 0 and "train" in out and "explain" in out
    code, out, err = run(capsys)
    assert code == 2


def test_python_dash_m():
    done = subprocess.run(
        [sys.executable, "-m", "perceptron", "explain", "--precision", "17"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "0.8510309824120517" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "perceptron", "train", "--layers", "oops"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("perceptron: error:") and "Traceback" not in done.stderr


def test_mnist_script_quick(scripts_dir: Path):
    done = subprocess.run(
        [sys.executable, str(scripts_dir / "mnist.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "784-30-10" in done.stdout and "94.58%" in done.stdout
    assert "expected to be lower" in done.stdout


@pytest.mark.parametrize("scale", [1.0, 255.0])
def test_train_says_when_csv_inputs_are_far_from_unit_scale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scale: float
) -> None:
    # Raw pixels (0-255) saturate the sigmoids: the run goes on, and says what to change.
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(60, 3)) * [1.0, scale, 1.0]
    y = (X[:, 0] > 0.5).astype(int)
    path = tmp_path / "pixels.csv"
    rows = [",".join(f"{v:.3f}" for v in row) + f",{k}" for row, k in zip(X, y, strict=True)]
    path.write_text("a,bright,c,label\n" + "\n".join(rows) + "\n")
    argv = ["train", "--data", str(path), "--layers", "4,2", "--epochs", "1", "--scale", "none"]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    if scale > 10:
        assert "note: the inputs are far from unit scale (column 'bright'" in err
        assert "--scale standard" in err
    else:
        assert "far from unit scale" not in err
