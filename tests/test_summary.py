"""summary(net) and repr: a table of the layers and the cost, shapes but never array data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.cli import main
from perceptron.costs import Cost

ACTIVATIONS = ("sigmoid", "relu", "tanh", "identity", "softmax")
INITS = ("glorot_normal", "he_normal", "standard_normal", "zeros")


def table_rows(text: str) -> list[list[str]]:
    """The layer rows of a summary, each split into its cells (cells hold single spaces)."""
    rows = []
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0].isdigit() and len(cells) > 1 and cells[1] == "Dense":
            rows.append(cells)
    return rows


def test_seed_001_network() -> None:
    net = pc.network([784, 30, 10], init="standard_normal", rng=0)
    text = pc.summary(net)
    assert text.splitlines()[0] == "Network(inputdim=784, cost=quadratic, dtype=float64)"
    header = re.split(r"\s{2,}", text.splitlines()[1].strip())
    assert header == ["#", "layer", "in", "out", "activation", "weights", "bias", "params", "init"]
    assert table_rows(text) == [
        ["0", "Dense", "784", "30", "sigmoid", "(30, 784)", "(30, 1)", "23,550", "standard_normal"],
        ["1", "Dense", "30", "10", "sigmoid", "(10, 30)", "(10, 1)", "310", "standard_normal"],
    ]
    assert "total parameters: 23,860 (186.4 KiB as float64)" in text
    assert "sizes: 784-30-10" in text
    assert "cost: quadratic, C = 0.5 * sum((a - y)^2)" in text
    assert pc.summary(net) == text
    assert repr(net).startswith(text.splitlines()[0][:-1])


@settings(max_examples=30)
@given(
    inputdim=st.integers(1, 2000),
    layers=st.lists(
        st.tuples(st.integers(1, 300), st.sampled_from(ACTIVATIONS), st.sampled_from(INITS)),
        min_size=1,
        max_size=4,
    ),
    cost=st.sampled_from(("quadratic", "mse", "cross_entropy")),
    dtype=st.sampled_from((np.float64, np.float32)),
)
def test_rows_match_the_layers(
    inputdim: int, layers: list[tuple[int, str, str]], cost: str, dtype: type
) -> None:
    net = pc.Network(inputdim, cost, dtype=dtype)
    for outsize, activation, init in layers:
        pc.add_layer(net, outsize, activation, init=init, rng=0)
    text = pc.summary(net)
    rows = table_rows(text)
    assert len(rows) == len(layers)
    insize = inputdim
    total = 0
    for k, (row, (outsize, activation, init)) in enumerate(zip(rows, layers, strict=True)):
        params = outsize * insize + outsize  # W is out×in, b is out×1
        total += params
        assert row == [
            str(k),
            "Dense",
            str(insize),
            str(outsize),
            activation,
            f"({outsize}, {insize})",
            f"({outsize}, 1)",
            f"{params:,}",
            init,
        ]
        insize = outsize
    name = np.dtype(dtype).name
    assert text.splitlines()[0] == f"Network(inputdim={inputdim}, cost={cost}, dtype={name})"
    assert f"total parameters: {total:,} (" in text and f" as {name})" in text
    sizes = "-".join(str(s) for s in [inputdim, *(size for size, _, _ in layers)])
    assert f"sizes: {sizes}" in text
    assert f"cost: {cost}, C = " in text
    assert pc.summary(net) == text
    assert repr(net).startswith(text.splitlines()[0][:-1])
    assert text.isascii()


def test_memory_counts_the_dtype() -> None:
    net64 = pc.network([3, 4, 2], rng=0)  # 16 + 10 = 26 parameters
    net32 = pc.network([3, 4, 2], rng=0, dtype=np.float32)
    assert "total parameters: 26 (208 B as float64)" in pc.summary(net64)
    assert "total parameters: 26 (104 B as float32)" in pc.summary(net32)


def test_empty_network_repr() -> None:
    assert repr(pc.Network(5, "mse")) == "Network(inputdim=5, cost=mse, dtype=float64)"
    text = pc.summary(pc.Network(5, "mse"))
    assert text.splitlines()[0] == "Network(inputdim=5, cost=mse, dtype=float64)"
    assert "(no layers: add one with add_layer(net, outsize, activation))" in text
    assert "total parameters: 0 (0 B as float64)" in text
    assert "sizes: 5" in text
    assert table_rows(text) == []


def test_custom_cost_and_activation_by_name() -> None:
    hinge = Cost("hinge", lambda a, y: np.maximum(0, 1 - a * y).sum(axis=0), lambda a, y: -y)
    net = pc.Network(2, hinge)
    swish = pc.Activation("swish", lambda z: z / (1 + np.exp(-z)), lambda z: np.ones_like(z))
    pc.add_layer(net, 3, swish, rng=0)
    text = pc.summary(net)
    assert text.splitlines()[-1] == "cost: hinge"
    assert table_rows(text)[0][4] == "swish"


def test_layer_repr_shows_shapes_not_data() -> None:
    net = pc.network([784, 30, 10], rng=0)
    layer = net.layers[0]
    layer.weights[...] = 0.123456789
    layer.bias[...] = 0.987654321
    text = repr(layer)
    assert "(30, 784)" in text and "(30, 1)" in text
    assert "784 -> 30" in text and "sigmoid" in text and "glorot_normal" in text
    assert "0.123" not in text and "0.987" not in text and "[" not in text
    assert len(text) < 200
    # The network's repr holds no array data either.
    assert "0.123" not in repr(net) and "[" not in repr(net)


def test_summary_refuses_what_is_not_a_network() -> None:
    with pytest.raises(TypeError, match="net: expected a Network, got list"):
        pc.summary([784, 30, 10])  # type: ignore[arg-type]


def test_cli_summary_prints_the_same_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from perceptron.cli import main

    net = pc.network([4, 8, 3], "relu", "cross_entropy", output_activation="softmax", rng=0)
    path = tmp_path / "model.npz"
    pc.save(net, path)
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(pc.summary(net) + "\n")
    assert table_rows(out)[1] == [
        "1",
        "Dense",
        "8",
        "3",
        "softmax",
        "(3, 8)",
        "(3, 1)",
        "27",
        "glorot_normal",
    ]


def test_cli_summary_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from perceptron.cli import main

    missing = tmp_path / "nothing.npz"
    assert main(["summary", str(missing)]) != 0
    captured = capsys.readouterr()
    assert "nothing.npz" in captured.err and captured.out == ""


@pytest.mark.parametrize("names", [[1, 2, 3], "abc", ["a", "b"], {"0": "a"}])
def test_cli_summary_of_malformed_label_names_is_an_error_before_any_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], names: object
) -> None:
    model = tmp_path / "names.npz"
    pc.save(pc.network([2, 3], rng=0), model, meta={"label_names": names})
    assert main(["summary", str(model)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # not half a table, then an error
    assert f"{model}: the" in captured.err and "label" in captured.err


def test_cli_predict_on_a_folder_says_it_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.npz"
    pc.save(pc.network([2, 3], rng=0), model)
    (tmp_path / "images").mkdir()
    assert main(["predict", str(model), str(tmp_path / "images")]) == 1
    assert "is a folder; expected an IDX or CSV file" in capsys.readouterr().err
