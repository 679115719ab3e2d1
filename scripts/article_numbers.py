"""The remaining numbers of the articles, reproduced with the library.

(a) the MNIST article's 2-3-2 demo: the article's given weights and biases, one step of
    size 0.1 from x = [0.8, 0.2] towards y = [0, 1] (sigmoid, quadratic cost
    ½‖a − y‖²). The library's feedforward/backpropagate/update is compared,
    to 1e-12, with an independent hand computation in plain numpy that
    re-expresses the article's ``feed_forward`` and ``propagate_backward``.
(b) the backpropagation article's neuron 1.1·0.3 + 2.6·1.0 = 2.93, as a 2-1 identity network.
(c) the spiral article's categorical cross-entropy of ŷ = [0.1, 0.2, 0.6, 0.1]: 0.51
    for the one-hot target at index 2, 2.3 for the one at index 0, via
    ``perceptron.cross_entropy`` (checked to the article's two decimals).

Run: ``python scripts/article_numbers.py`` (``--quick`` is accepted and changes
nothing; everything here is instant). Exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

import perceptron as pc
from perceptron.types import Array

TOLERANCE = 1e-12

# --- (a) the MNIST article's demo network, numbers copied from the article ------------------
DEMO_B = [
    np.array([[0.54001045], [0.75958375], [0.01870296]]),
    np.array([[-0.32783478], [0.06061246]]),
]
DEMO_W = [
    np.array(
        [
            [-0.11499179, 0.454649],
            [-0.65801895, 0.56618695],
            [-0.15686814, -0.87499479],
        ]
    ),
    np.array(
        [
            [0.01071228, -0.49139708, -0.81775586],
            [-0.87455946, -0.08351883, -0.77534763],
        ]
    ),
]
DEMO_X = [0.8, 0.2]
DEMO_Y = [0.0, 1.0]
DEMO_STEP = 0.1


def hand_step(
    w: list[Array], b: list[Array], inputs: list[float], y: list[float], step_size: float
) -> dict[str, Any]:
    """The article's feed_forward + propagate_backward, in plain numpy.

    Layer by layer it computes z = w·a_prev + b and a = 1/(1 + e^{−z}); then,
    from the output back, dc_db = σ'(z) ⊙ dc_da, dc_dw = dc_db · a_prevᵀ,
    dc_da_prev = wᵀ · dc_db (with the weights before their update), and
    updates b −= dc_db·step, w −= dc_dw·step.
    """

    def sigmoid(z: Array) -> Array:
        return 1.0 / (1.0 + np.exp(-z))

    def sigmoid_prime(z: Array) -> Array:
        return sigmoid(z) * (1 - sigmoid(z))

    w = [wl.copy() for wl in w]
    b = [bl.copy() for bl in b]
    a = [np.asarray([inputs], dtype=float).T]
    z: list[Array] = []
    for wl, bl in zip(w, b, strict=True):
        z.append(np.dot(wl, a[-1]) + bl)
        a.append(sigmoid(z[-1]))
    output = a[-1].copy()

    dc_da = a[-1] - np.asarray([y], dtype=float).T
    grads: list[tuple[Array, Array]] = [(np.empty(0), np.empty(0))] * len(w)
    for l in range(len(w) - 1, -1, -1):
        dc_db = sigmoid_prime(z[l]) * dc_da
        dc_dw = np.dot(dc_db, a[l].T)  # a[l] is this layer's input
        dc_da = np.dot(w[l].T, dc_db)
        grads[l] = (dc_dw, dc_db)
        b[l] -= dc_db * step_size
        w[l] -= dc_dw * step_size
    return {"output": output, "grads": grads, "w": w, "b": b}


def library_step() -> dict[str, Any]:
    """The same step through Network, feedforward, backpropagate and update."""
    net = pc.Network(2, pc.quadratic)
    for wl, bl in zip(DEMO_W, DEMO_B, strict=True):
        layer = pc.add_layer(net, wl.shape[0], pc.sigmoid, rng=0)
        layer.weights[...] = wl
        layer.bias[...] = bl
    output = pc.feedforward(net, DEMO_X)
    pc.backpropagate(net, DEMO_X, DEMO_Y)
    grads = [(layer.dC_dweights.copy(), layer.dC_dbias.copy()) for layer in net.layers]
    pc.update(net, DEMO_STEP)
    return {
        "output": output,
        "grads": grads,
        "w": [layer.weights.copy() for layer in net.layers],
        "b": [layer.bias.copy() for layer in net.layers],
    }


def part_a() -> bool:
    hand = hand_step(DEMO_W, DEMO_B, DEMO_X, DEMO_Y, DEMO_STEP)
    lib = library_step()
    print("(a) the MNIST article, 2-3-2 demo: one step of 0.1 from x = [0.8, 0.2], y = [0, 1]")
    print(f"    {'quantity':<16} {'max |hand - library|':>21}")
    rows: list[tuple[str, Array, Array]] = [("output a", hand["output"], lib["output"])]
    for l in range(len(DEMO_W)):
        rows += [
            (f"dC/dW layer {l}", hand["grads"][l][0], lib["grads"][l][0]),
            (f"dC/db layer {l}", hand["grads"][l][1], lib["grads"][l][1]),
            (f"new W layer {l}", hand["w"][l], lib["w"][l]),
            (f"new b layer {l}", hand["b"][l], lib["b"][l]),
        ]
    ok = True
    for name, h, g in rows:
        diff = float(np.abs(h - g).max()) if h.shape == g.shape else float("inf")
        ok &= diff <= TOLERANCE
        print(f"    {name:<16} {diff:21.1e}{'' if diff <= TOLERANCE else '  MISMATCH'}")
    for label, key in (("output before the step", "output"), ("new b of the output layer", "b")):
        h = hand[key] if key == "output" else hand[key][-1]
        g = lib[key] if key == "output" else lib[key][-1]
        print(f"    {label}: article's code {np.array2string(h.ravel(), precision=15)}")
        print(f"    {'':<{len(label)}}  library        {np.array2string(g.ravel(), precision=15)}")
    return ok


def part_b() -> bool:
    net = pc.Network(2, pc.quadratic)
    layer = pc.add_layer(net, 1, pc.identity, rng=0)
    layer.weights[...] = [[1.1, 2.6]]
    layer.bias[...] = 0.0
    value = float(pc.feedforward(net, [0.3, 1.0])[0, 0])
    diff = abs(value - 2.93)
    ok = diff <= TOLERANCE
    print("(b) the backpropagation article, one neuron: 1.1*0.3 + 2.6*1.0 (2-1 identity network)")
    print(f"    article 2.93   computed {value!r}   |diff| {diff:.1e}")
    return ok


def part_c() -> bool:
    y_hat = np.array([[0.1], [0.2], [0.6], [0.1]])
    print("(c) the spiral article, categorical cross-entropy of y_hat = [0.1, 0.2, 0.6, 0.1]")
    ok = True
    for index, article in ((2, "0.51"), (0, "2.3")):
        y = np.zeros((4, 1))
        y[index] = 1.0
        loss = float(pc.cross_entropy(y_hat, y)[0])
        good = round(loss, 2) == float(article)
        ok &= good
        print(
            f"    y one-hot at {index}: article {article:<5} computed {loss:.15f} "
            f"(2 d.p. {loss:.2f}){'' if good else '  MISMATCH'}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted; everything is instant")
    parser.parse_args(argv)
    results = {"(a)": part_a(), "(b)": part_b(), "(c)": part_c()}
    failed = [name for name, ok in results.items() if not ok]
    if failed:
        print(f"FAIL: {', '.join(failed)}")
        return 1
    print("OK: all article numbers reproduced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
