"""The articles' own numbers, as examples, and the scripts that reproduce them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import perceptron as pc

# Seed 001, "Example Calculation": inputs and every printed intermediate.
X, Y = 0.8, 1.0
W1, B1, W2, B2 = 1.58, -0.14, 2.45, -0.11
WORKED = {
    "z_l1": 1.124,
    "a_l1": 0.7547299213576082,
    "z_l2": 1.73908830732614,
    "a_l2": 0.850571226530534,
    "dc_db_l2": -0.018992369482903983,
    "dc_dw_l2": -0.014334109526226761,
    "dc_da_l1": -0.04653130523311476,
    "updated_b_l2": -0.1081007630517096,
    "updated_w_l2": 2.451433410952623,
    "dc_db_l1": -0.008613534018377424,
    "dc_dw_l1": -0.006890827214701939,
    "updated_b_l1": -0.13913864659816227,
    "updated_w_l1": 1.5806890827214704,
    "updated_z_l1": 1.125412619579014,
    "updated_a_l1": 0.7549913210309638,
    "updated_z_l2": 1.7427101863028525,
    "updated_a_l2": 0.8510309824120517,
    "original_cost": 0.011164479170294499,
    "updated_cost": 0.011095884100559231,
}


def _one_one_one() -> pc.Network:
    net = pc.Network(1, "quadratic")
    for w, b in ((W1, B1), (W2, B2)):
        layer = pc.add_layer(net, 1, "sigmoid", rng=0)
        layer.weights[...] = w
        layer.bias[...] = b
    return net


def test_worked_example_every_intermediate_to_1e_12() -> None:
    net = _one_one_one()
    hidden, output = net.layers
    got = {}
    a = pc.feedforward(net, [X])
    got["z_l1"], got["a_l1"] = hidden.linear_out[0, 0], hidden.activated_out[0, 0]
    got["z_l2"], got["a_l2"] = output.linear_out[0, 0], output.activated_out[0, 0]
    got["original_cost"] = net.cost(a, np.array([[Y]]))[0]
    pc.backpropagate(net, [X], [Y])
    got["dc_db_l2"], got["dc_dw_l2"] = output.dC_dbias[0, 0], output.dC_dweights[0, 0]
    got["dc_da_l1"] = (output.weights.T @ output.dC_dlinear)[0, 0]
    got["dc_db_l1"], got["dc_dw_l1"] = hidden.dC_dbias[0, 0], hidden.dC_dweights[0, 0]
    pc.update(net, 0.1)
    got["updated_b_l2"], got["updated_w_l2"] = output.bias[0, 0], output.weights[0, 0]
    got["updated_b_l1"], got["updated_w_l1"] = hidden.bias[0, 0], hidden.weights[0, 0]
    a = pc.feedforward(net, [X])
    got["updated_z_l1"], got["updated_a_l1"] = hidden.linear_out[0, 0], hidden.activated_out[0, 0]
    got["updated_z_l2"], got["updated_a_l2"] = output.linear_out[0, 0], output.activated_out[0, 0]
    got["updated_cost"] = net.cost(a, np.array([[Y]]))[0]
    assert set(got) == set(WORKED)
    for name, expected in WORKED.items():
        assert abs(float(got[name]) - expected) <= 1e-12, (name, float(got[name]), expected)
    assert got["updated_cost"] < got["original_cost"]


def test_seed_002_neuron_is_2_93() -> None:
    net = pc.Network(2, "quadratic")
    layer = pc.add_layer(net, 1, "identity", rng=0)
    layer.weights[...] = [[1.1, 2.6]]
    out = pc.feedforward(net, [0.3, 1.0])
    assert out.shape == (1, 1)
    assert abs(out[0, 0] - 2.93) <= 1e-12


@pytest.mark.parametrize(("index", "article"), [(2, 0.51), (0, 2.3)])
def test_seed_003_cross_entropy_examples(index: int, article: float) -> None:
    y_hat = np.array([[0.1], [0.2], [0.6], [0.1]])
    y = np.zeros((4, 1))
    y[index] = 1.0
    loss = float(pc.cross_entropy(y_hat, y)[0])
    assert round(loss, 2) == article
    assert loss == pytest.approx(-np.log(y_hat[index, 0]), rel=1e-12)


def test_seed_003_cross_entropy_of_the_article_table_columnwise() -> None:
    # Both examples at once: the columns are samples.
    y_hat = np.tile([[0.1], [0.2], [0.6], [0.1]], (1, 2))
    y = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(pc.cross_entropy(y_hat, y), [-np.log(0.6), -np.log(0.1)])


# --- the scripts, each in its quick mode -------------------------------------------
SCRIPT_EXPECTATIONS = {
    "worked_example.py": [
        "0.7547299213576082",
        "-0.04653130523311476",
        "1.5806890827214704",
        "0.011095884100559231",
        "OK: all 20 values",
    ],
    "linear_collapse.py": ["isapprox(full, simplified)", "true", "OK:"],
    "article_numbers.py": [
        "article 2.93",
        "computed 2.93",
        "article 0.51",
        "(2 d.p. 0.51)",
        "article 2.3",
        "(2 d.p. 2.30)",
        "OK: all article numbers reproduced",
    ],
}


@pytest.mark.parametrize("script", sorted(SCRIPT_EXPECTATIONS))
def test_script_quick_mode(scripts_dir: Path, script: str) -> None:
    path = scripts_dir / script
    result = subprocess.run(
        [sys.executable, str(path), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MISMATCH" not in result.stdout
    for text in SCRIPT_EXPECTATIONS[script]:
        assert text in result.stdout, f"{text!r} missing from the output of {script}"


def test_worked_example_table_rows_show_article_and_computed(scripts_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(scripts_dir / "worked_example.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
    for name, expected in WORKED.items():
        article, computed, diff = rows[name][1:4]
        assert float(article) == expected
        assert abs(float(computed) - expected) <= 1e-12
        assert float(diff) <= 1e-12
