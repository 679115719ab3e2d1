"""check_backprop: a right backprop passes; every common mistake is caught, placed and named."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import perceptron as pc
from perceptron.backprop_check import check_backprop


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    return sigmoid(z) * (1 - sigmoid(z))


def make_backprop(mistake: str | None = None, order: str = "wb", hidden_only: bool = False) -> Any:
    """A learner's column-convention backprop for a sigmoid network and ½‖a − y‖², with one
    mistake injected (at every layer, or only below the output with ``hidden_only``)."""

    def backprop(weights: list, biases: list, x: np.ndarray, y: np.ndarray) -> tuple:
        n, L = x.shape[1], len(weights)
        activations, zs = [x], []
        for W, b in zip(weights, biases, strict=True):
            zs.append(W @ activations[-1] + b)
            activations.append(sigmoid(zs[-1]))
        nabla_w: list = [None] * L
        nabla_b: list = [None] * L
        out = mistake if not hidden_only else None
        dC_da = y - activations[-1] if out == "sign" else activations[-1] - y
        if out == "factor2":
            dC_da = 2 * dC_da
        if out == "no_sigma_prime":
            delta = dC_da
        elif out == "sigma_at_a":
            delta = dC_da * sigmoid_prime(activations[-1])
        else:
            delta = dC_da * sigmoid_prime(zs[-1])
        for l in range(L - 1, -1, -1):
            here = mistake if (not hidden_only or l < L - 1) else None
            if l < L - 1:
                W = weights[l + 1]
                back = W @ delta if here == "W" else W.T @ delta
                at = activations[l + 1] if here == "sigma_at_a" else zs[l]
                delta = back * sigmoid_prime(at)
            a_prev = activations[l]
            if here == "not_transposed":
                nabla_w[l] = delta @ a_prev
            elif here == "reversed":
                nabla_w[l] = a_prev @ delta.T
            else:
                nabla_w[l] = delta @ a_prev.T
            if here == "bias_missing":
                nabla_b[l] = np.zeros_like(biases[l])
            elif here == "bias_axis":
                nabla_b[l] = delta.sum(axis=0, keepdims=True)
            elif here == "bias_not_summed":
                nabla_b[l] = delta
            elif here == "vector":
                nabla_b[l] = delta.sum(axis=1)
            else:
                nabla_b[l] = delta.sum(axis=1, keepdims=True)
            if here == "divided":
                nabla_w[l], nabla_b[l] = nabla_w[l] / n, nabla_b[l] / n
        return (nabla_b, nabla_w) if order == "bw" else (nabla_w, nabla_b)

    return backprop


# mistake -> (options, expected layer, quantity, variant code)
CASES: dict[str, tuple[dict, int, str, str]] = {
    "no_sigma_prime": ({}, 1, "dC_dweights", "output_delta_without_sigma_prime"),
    "sigma_at_a": ({}, 1, "dC_dweights", "sigma_prime_at_a"),
    "W": ({}, 0, "dC_dweights", "propagated_with_W"),
    "not_transposed": ({}, 1, "dC_dweights", "a_prev_not_transposed"),
    "reversed": ({}, 1, "dC_dweights", "outer_product_reversed"),
    "sign": ({}, 1, "dC_dweights", "sign_flipped"),
    "factor2": ({}, 1, "dC_dweights", "cost_factor_twice"),
    "bias_missing": ({}, 1, "dC_dbias", "bias_missing"),
    "bias_axis": ({}, 1, "dC_dbias", "bias_wrong_axis"),
    "bias_not_summed": ({"samples": 4}, 1, "dC_dbias", "bias_not_summed"),
    "divided": ({"samples": 4}, 1, "dC_dweights", "divided_by_batch"),
    "vector": ({}, 1, "dC_dbias", "shape"),
}


@pytest.mark.parametrize("order", ["wb", "bw"])
def test_a_right_backprop_is_ok_in_either_order(order: str) -> None:
    result = check_backprop(make_backprop(order=order), samples=3)
    assert result.ok and result.layer is None and result.variant is None
    assert ("Nielsen" in result.order) == (order == "bw")
    assert "ok: every gradient matches" in str(result)
    assert result.finite_difference_error < 1e-6


def test_the_library_backpropagate_passes_in_the_net_form() -> None:
    for sizes, act, cost in [((2, 3, 2), "sigmoid", "quadratic"), ((3, 4, 3), "relu", "mse")]:
        assert check_backprop(pc.backpropagate, sizes, act, cost, samples=2).ok
    assert check_backprop(pc.backpropagate, (2, 3, 3), "tanh", "cross_entropy").ok


@pytest.mark.parametrize("mistake", sorted(CASES))
def test_every_wrong_variant_is_named_at_its_layer(mistake: str) -> None:
    options, layer, quantity, code = CASES[mistake]
    result = check_backprop(make_backprop(mistake), **options)
    assert not result.ok
    assert (result.layer, result.quantity, result.variant) == (layer, quantity, code), result
    assert "NOT ok" in str(result)


def test_the_hints_differ_between_variants() -> None:
    hints = {
        m: check_backprop(make_backprop(m), **options).hint for m, (options, *_) in CASES.items()
    }
    assert len(set(hints.values())) == len(hints), hints


def test_W_instead_of_its_transpose_is_found_by_numbers_on_square_layers() -> None:
    result = check_backprop(make_backprop("W"), sizes=(3, 3, 3))
    assert (result.layer, result.variant) == (0, "propagated_with_W")
    assert "expected" in str(result) and "yours" in str(result)


def test_a_mistake_below_the_output_is_placed_where_it_starts() -> None:
    result = check_backprop(make_backprop("sigma_at_a", hidden_only=True), sizes=(2, 3, 4, 2))
    assert (result.layer, result.variant) == (1, "sigma_prime_at_a")
    result = check_backprop(make_backprop("bias_missing", hidden_only=True), sizes=(2, 3, 4, 2))
    assert (result.layer, result.quantity, result.variant) == (1, "dC_dbias", "bias_missing")


def test_sums_where_means_are_expected() -> None:
    result = check_backprop(make_backprop(), samples=4, mean=True)
    assert (result.layer, result.variant) == (1, "summed_not_averaged")


def test_a_net_form_that_assigns_instead_of_adding() -> None:
    def assigns(net: pc.Network, x: np.ndarray, y: np.ndarray) -> None:
        pc.backpropagate(net, x, y)
        for layer in net.layers:  # keep only this sample, as `=` would
            layer.dC_dweights[...] = layer.dC_dlinear @ (
                x.T if layer is net.layers[0] else net.layers[0].activated_out.T
            )
            layer.dC_dbias[...] = layer.dC_dlinear

    result = check_backprop(assigns, samples=3)
    assert (result.layer, result.variant) == (1, "not_accumulated")


def test_the_shape_error_is_explained_in_the_column_convention() -> None:
    result = check_backprop(make_backprop("vector"))
    assert "(2,)" in result.hint and "(2, 1)" in result.hint and "column" in result.hint
    crash = check_backprop(make_backprop("not_transposed"))
    assert "activations" not in crash.hint or "×1" in crash.hint
    assert "line" in str(crash) and "delta @ a_prev" in str(crash)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="fn"):
        check_backprop(lambda x: x)
    with pytest.raises(ValueError, match="sizes"):
        check_backprop(make_backprop(), sizes=[3])
    with pytest.raises(ValueError, match="samples"):
        check_backprop(make_backprop(), samples=0)


def test_the_check_command_on_a_file(tmp_path: Any, capsys: Any) -> None:
    from perceptron.cli import main

    source = (pc_examples() / "backprop.py").read_text()
    right = tmp_path / "right.py"
    right.write_text(source)
    assert main(["check", str(right)]) == 0
    assert "ok: every gradient matches" in capsys.readouterr().out
    wrong = tmp_path / "wrong.py"
    wrong.write_text(source.replace("delta @ a_prev.T", "delta @ a_prev"))
    assert main(["check", str(wrong), "--sizes", "3,4,2"]) == 1
    report = capsys.readouterr().out
    assert "NOT ok: layer 1, dC_dweights" in report and "transpose of a[0]" in report
    assert "dC_dweights[l] = delta @ a_prev" in report
    assert main(["check", str(wrong), "--function", "nope"]) == 2
    assert "defines no function 'nope'" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.py")]) == 1


def pc_examples() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "examples"
