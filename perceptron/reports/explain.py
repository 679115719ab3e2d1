"""One training step, every number shown: the MNIST article's worked example, for any network.

the MNIST article walks one learning step of a 1-1-1 sigmoid network (x = 0.8, y = 1,
w₁ = 1.58, b₁ = −0.14, w₂ = 2.45, b₂ = −0.11, rate 0.1) and prints every
intermediate value. :func:`explain_step` does the same step with this
package's own ``feedforward``, ``backpropagate`` and ``update`` on a copy of
any network, and records per layer l (counted from 0; the article's L1, L2
are layers 0, 1)::

    z_l = W_l a_{l−1} + b_l,  a_l = σ(z_l)                      forward
    ∂C/∂a_l  (the output layer: ∂C/∂a = a − y for ½(a − y)²)
    ∂C/∂b_l = σ'(z_l) ⊙ ∂C/∂a_l = δ_l                           backward
    ∂C/∂W_l = δ_l a_{l−1}ᵀ,  ∂C/∂a_{l−1} = W_lᵀ δ_l
    W_l ← W_l − η ∂C/∂W_l,  b_l ← b_l − η ∂C/∂b_l               update

then feeds the sample forward again and compares the costs.
:func:`format_step` turns the record into text; nothing here prints.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import as_column, check_real
from ..structs import Layer, Network
from ..training import backpropagate, feedforward, loss, update
from ..types import Array

#: the MNIST article's worked example: the 1-1-1 network and its sample.
ARTICLE = {"x": 0.8, "y": 1.0, "w1": 1.58, "b1": -0.14, "w2": 2.45, "b2": -0.11, "lr": 0.1}


#: The numbers the MNIST article's Python session prints for that step (layers 0, 1 = L1, L2).
ARTICLE_NUMBERS = {
    "z0": 1.124,
    "a0": 0.7547299213576082,
    "z1": 1.73908830732614,
    "a1": 0.850571226530534,
    "dC/db1": -0.018992369482903983,
    "dC/dw1": -0.014334109526226761,
    "dC/da0": -0.04653130523311476,
    "new b1": -0.1081007630517096,
    "new w1": 2.451433410952623,
    "dC/db0": -0.008613534018377424,
    "dC/dw0": -0.006890827214701939,
    "new b0": -0.13913864659816227,
    "new w0": 1.5806890827214704,
    "new z0": 1.125412619579014,
    "new a0": 0.7549913210309638,
    "new z1": 1.7427101863028525,
    "new a1": 0.8510309824120517,
    "cost": 0.011164479170294499,
    "new cost": 0.011095884100559231,
}


@dataclass
class LayerStep:
    """What one layer computed in the step (shapes as in :class:`~perceptron.Layer`)."""

    index: int
    activation: str
    a_prev: Array
    weights: Array
    bias: Array
    z: Array
    a: Array
    dC_da: Array | None  # None for a fused softmax/cross-entropy output
    dC_db: Array
    dC_dw: Array
    dC_da_prev: Array
    new_weights: Array
    new_bias: Array
    new_z: Array
    new_a: Array


@dataclass
class Step:
    """One sample's training step: inputs, per-layer records, costs before and after."""

    x: Array
    y: Array
    lr: float
    cost: str
    layers: list[LayerStep]
    output: Array
    loss: float
    new_output: Array
    new_loss: float
    fused: bool


def article_network() -> tuple[Network, Array, Array, float]:
    """the MNIST article's 1-1-1 sigmoid network with quadratic cost, its x, y and rate."""
    from ..activations import sigmoid
    from ..costs import quadratic

    net = Network(1, quadratic)
    for w, b in ((ARTICLE["w1"], ARTICLE["b1"]), (ARTICLE["w2"], ARTICLE["b2"])):
        net.layers.append(
            Layer(weights=np.array([[w]]), bias=np.array([[b]]), activation=sigmoid, init="custom")
        )
    return net, np.array([[ARTICLE["x"]]]), np.array([[ARTICLE["y"]]]), ARTICLE["lr"]


def _forward_records(net: Network, x: Array) -> list[dict[str, Any]]:
    """Each layer's a_prev, W, b, z and a after ``feedforward(net, x)``, copied."""
    forward: list[dict[str, Any]] = []
    a_prev = x
    for i, layer in enumerate(net.layers):
        forward.append(
            {
                "index": i,
                "activation": layer.activation.name,
                "a_prev": a_prev.copy(),
                "weights": layer.weights.copy(),
                "bias": layer.bias.copy(),
                "z": layer.linear_out.copy(),
                "a": layer.activated_out.copy(),
            }
        )
        a_prev = layer.activated_out

    return forward


def explain_step(net: Network, x: Any, y: Any, lr: float) -> Step:
    """Train a copy of ``net`` on the one sample (x, y) with rate ``lr``; record it all.

    ``x`` is k×1 (or a vector of length k), ``y`` m×1. ``net`` is not changed.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers")
    lr = check_real(lr, "lr", positive=True)
    work = copy.deepcopy(net)
    column = as_column(x, work.inputdim, "x", work.dtype)
    target = as_column(y, work.outputdim, "y", work.dtype)

    output = feedforward(work, column)
    cost_before = loss(work, target)
    fused = work.cost.fused_with == work.layers[-1].activation.name
    forward = _forward_records(work, column)

    backpropagate(work, column, target)
    # ∂C/∂a of the output layer comes from the cost; below it, ∂C/∂a_{l−1} = W_lᵀ δ_l.
    dC_da: Array | None = None if fused else work.cost.df(output, target)
    for record, layer in zip(reversed(forward), reversed(work.layers), strict=True):
        record["dC_da"] = None if dC_da is None else dC_da.copy()
        record["dC_db"] = layer.dC_dbias.copy()
        record["dC_dw"] = layer.dC_dweights.copy()
        record["dC_da_prev"] = layer.weights.T @ layer.dC_dlinear
        dC_da = record["dC_da_prev"]

    update(work, lr)
    new_output = feedforward(work, column)
    new_loss = loss(work, target)
    records = [
        LayerStep(
            **record,
            new_weights=layer.weights.copy(),
            new_bias=layer.bias.copy(),
            new_z=layer.linear_out.copy(),
            new_a=layer.activated_out.copy(),
        )
        for record, layer in zip(forward, work.layers, strict=True)
    ]
    return Step(
        x=column,
        y=target,
        lr=lr,
        cost=work.cost.name,
        layers=records,
        output=output,
        loss=cost_before,
        new_output=new_output,
        new_loss=new_loss,
        fused=fused,
    )


def article_comparison(step: Step) -> list[tuple[str, float, float]]:
    """(name, ours, article's) for every number of :data:`ARTICLE_NUMBERS`.

    ``step`` must be a step of a 1-1-1 network (the article's).
    """
    if [r.a.size for r in step.layers] != [1, 1] or step.x.size != 1:
        raise ValueError("step: expected a step of a 1-1-1 network, the article's")
    l0, l1 = step.layers
    ours = {
        "z0": l0.z,
        "a0": l0.a,
        "z1": l1.z,
        "a1": l1.a,
        "dC/db1": l1.dC_db,
        "dC/dw1": l1.dC_dw,
        "dC/da0": l1.dC_da_prev,
        "new b1": l1.new_bias,
        "new w1": l1.new_weights,
        "dC/db0": l0.dC_db,
        "dC/dw0": l0.dC_dw,
        "new b0": l0.new_bias,
        "new w0": l0.new_weights,
        "new z0": l0.new_z,
        "new a0": l0.new_a,
        "new z1": l1.new_z,
        "new a1": l1.new_a,
        "cost": np.array(step.loss),
        "new cost": np.array(step.new_loss),
    }
    return [
        (name, float(ours[name].reshape(-1)[0]), value) for name, value in ARTICLE_NUMBERS.items()
    ]
