"""the MNIST article's worked example: one learning step of a 1-1-1 sigmoid network.

The article feeds x = 0.8 (target y = 1) through a hidden neuron (w1 = 1.58,
b1 = −0.14) and an output neuron (w2 = 2.45, b2 = −0.11), backpropagates the
quadratic cost C = ½(a − y)², takes one gradient step of size 0.1, and prints
every intermediate number. This script computes the same numbers through the
library's public steps — ``feedforward``, ``backpropagate``, ``update`` —
reading them from the layer caches, and compares each with the article's
printed digits (tolerance 1e-12, absolute).

    dC/da2 = a2 − y                  dC/db2 = σ'(z2) dC/da2     dC/dw2 = dC/db2 · a1
    dC/da1 = w2ᵀ dC/db2 (= W2ᵀ δ2)   dC/db1 = σ'(z1) dC/da1     dC/dw1 = dC/db1 · x

Run: ``python scripts/worked_example.py`` (``--quick`` is accepted and changes
nothing: the example is one step). Exits 1 when a number differs.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import perceptron as pc
from perceptron.reports.explain import ARTICLE as ARTICLE_INPUTS
from perceptron.reports.explain import ARTICLE_NUMBERS

TOLERANCE = 1e-12

# The article's inputs and printed numbers live in one table, the package's
# (perceptron explain --article prints them too); here under the names of the
# article's own Python session.
X, Y = ARTICLE_INPUTS["x"], ARTICLE_INPUTS["y"]
W1, B1, W2, B2 = (ARTICLE_INPUTS[k] for k in ("w1", "b1", "w2", "b2"))
STEP_SIZE = ARTICLE_INPUTS["lr"]
NAMES = {
    "z_l1": "z0", "a_l1": "a0", "z_l2": "z1", "a_l2": "a1",
    "dc_db_l2": "dC/db1", "dc_dw_l2": "dC/dw1", "dc_da_l1": "dC/da0",
    "updated_b_l2": "new b1", "updated_w_l2": "new w1",
    "dc_db_l1": "dC/db0", "dc_dw_l1": "dC/dw0", "updated_b_l1": "new b0", "updated_w_l1": "new w0",
    "updated_z_l1": "new z0", "updated_a_l1": "new a0",
    "updated_z_l2": "new z1", "updated_a_l2": "new a1",
    "original_cost": "cost", "updated_cost": "new cost",
}  # fmt: skip
ARTICLE: dict[str, float] = {name: ARTICLE_NUMBERS[key] for name, key in NAMES.items()}
# dC/da of the output layer is not printed; the article defines it as a_l2 − 1.
ARTICLE["dc_da_l2"] = ARTICLE["a_l2"] - 1.0


def build() -> pc.Network:
    """The article's 1-1-1 network: quadratic cost, sigmoid in both layers."""
    net = pc.Network(1, pc.quadratic)
    hidden = pc.add_layer(net, 1, pc.sigmoid, rng=0)
    output = pc.add_layer(net, 1, pc.sigmoid, rng=0)
    hidden.weights[...] = W1
    hidden.bias[...] = B1
    output.weights[...] = W2
    output.bias[...] = B2
    return net


def compute() -> dict[str, float]:
    """Every intermediate of the article's step, through the public functions."""
    net = build()
    hidden, output = net.layers
    x = np.array([[X]])
    y = np.array([[Y]])
    got: dict[str, float] = {}

    a_out = pc.feedforward(net, x)
    got["z_l1"] = float(hidden.linear_out[0, 0])
    got["a_l1"] = float(hidden.activated_out[0, 0])
    got["z_l2"] = float(output.linear_out[0, 0])
    got["a_l2"] = float(output.activated_out[0, 0])
    got["original_cost"] = float(net.cost(a_out, y)[0])

    pc.backpropagate(net, x, y)
    # One sample since the last update, so the sums are that sample's gradients.
    got["dc_da_l2"] = float(net.cost.df(output.activated_out, y)[0, 0])
    got["dc_db_l2"] = float(output.dC_dbias[0, 0])
    got["dc_dw_l2"] = float(output.dC_dweights[0, 0])
    # The cache holds δ2 = ∂C/∂z2; the article's dc_da_l1 is W2ᵀ δ2.
    got["dc_da_l1"] = float((output.weights.T @ output.dC_dlinear)[0, 0])
    got["dc_db_l1"] = float(hidden.dC_dbias[0, 0])
    got["dc_dw_l1"] = float(hidden.dC_dweights[0, 0])

    pc.update(net, STEP_SIZE)
    got["updated_b_l2"] = float(output.bias[0, 0])
    got["updated_w_l2"] = float(output.weights[0, 0])
    got["updated_b_l1"] = float(hidden.bias[0, 0])
    got["updated_w_l1"] = float(hidden.weights[0, 0])

    a_new = pc.feedforward(net, x)
    got["updated_z_l1"] = float(hidden.linear_out[0, 0])
    got["updated_a_l1"] = float(hidden.activated_out[0, 0])
    got["updated_z_l2"] = float(output.linear_out[0, 0])
    got["updated_a_l2"] = float(output.activated_out[0, 0])
    got["updated_cost"] = float(net.cost(a_new, y)[0])
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted; the example is one step")
    parser.parse_args(argv)

    got = compute()
    print("the MNIST article worked example: 1-1-1 sigmoid network, x = 0.8, y = 1, step size 0.1")
    print(f"{'quantity':<15} {'article':>22} {'computed':>22} {'|diff|':>9}")
    failures = []
    for name, expected in ARTICLE.items():
        diff = abs(got[name] - expected)
        flag = "" if diff <= TOLERANCE else "  MISMATCH"
        print(f"{name:<15} {expected!r:>22} {got[name]!r:>22} {diff:9.1e}{flag}")
        if diff > TOLERANCE:
            failures.append(name)
    print("(dc_da_l2 is not printed by the article, which defines it as a_l2 - 1: its value")
    print(" in the article column is the printed a_l2 minus 1)")
    cost_fell = got["updated_cost"] < got["original_cost"]
    print(f"cost fell after the step: {cost_fell}")
    if failures or not cost_fell:
        print(f"FAIL: {len(failures)} value(s) differ by more than {TOLERANCE:g}: {failures}")
        return 1
    print(f"OK: all {len(ARTICLE)} values agree with the article to {TOLERANCE:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
