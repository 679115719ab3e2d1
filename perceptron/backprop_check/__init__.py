"""Check a learner's own backpropagation against the reference, and name the likely mistake.

``check_backprop(fn)`` builds a small random network, runs ``fn`` on it (either
``fn(weights, biases, x, y)`` returning the gradients, or ``fn(net, x, y)``
filling the layers' sums), and compares every layer's ∂C/∂W and ∂C/∂b with
the library's ``feedforward`` + ``backpropagate``, themselves checked against
central finite differences. The first layer that differs, counting from the
output down as backpropagation computes them, is where the mistake starts; its
numbers are tested against the common wrong variants (see
:mod:`perceptron.backprop_check.passes`) to name the mistake.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..activations import Activation
from ..costs import Cost
from ..gradcheck import gradient_check
from ..structs import Network, network
from ..training import backpropagate, feedforward
from ..types import Array
from .call import ARRAYS_FORM, NET_FORM, call_arrays_form, call_net_form, form_of
from .crash import explain_crash
from .find import find_mistake
from .report import BackpropCheck

__all__ = ["BackpropCheck", "check_backprop"]


def _sizes(sizes: Sequence[int]) -> list[int]:
    if (
        not isinstance(sizes, Sequence)
        or len(sizes) < 2
        or not all(isinstance(s, numbers.Integral) and 1 <= int(s) <= 64 for s in sizes)
    ):
        raise ValueError(
            f"sizes: expected a list of at least two sizes from 1 to 64, got {sizes!r}"
        )
    return [int(s) for s in sizes]


def _problem(net: Network, samples: int, gen: np.random.Generator) -> tuple[Array, Array]:
    """Random inputs x (k×n) and targets y (m×n) the cost accepts, and non-zero biases."""
    for layer in net.layers:
        layer.bias[...] = gen.normal(0.0, 0.5, size=layer.bias.shape)
    x = gen.normal(size=(net.inputdim, samples))
    if net.cost.name == "cross_entropy":
        logits = gen.normal(size=(net.outputdim, samples))
        y = np.exp(logits) / np.exp(logits).sum(axis=0, keepdims=True)
    else:
        y = gen.uniform(size=(net.outputdim, samples))
    return x, y


def reference_gradients(net: Network, x: Array, y: Array, mean: bool) -> list[tuple[Array, Array]]:
    """The library's own sums (or means) of ∂C/∂W and ∂C/∂b over the columns of x."""
    probe = copy.deepcopy(net)
    for j in range(x.shape[1]):
        feedforward(probe, x[:, j : j + 1])
        backpropagate(probe, x[:, j : j + 1], y[:, j : j + 1])
    scale = 1.0 / x.shape[1] if mean else 1.0
    return [(layer.dC_dweights * scale, layer.dC_dbias * scale) for layer in probe.layers]


def _run(fn: Callable[..., Any], result: BackpropCheck, net: Network, x: Array, y: Array) -> bool:
    """Call the learner's function; if it raises, explain why in ``result``."""
    form = result.form
    try:
        if form == ARRAYS_FORM:
            result.got, result.order = call_arrays_form(fn, net, x, y)
        else:
            result.got, result.order = call_net_form(fn, net, x, y), "layer.dC_dweights, dC_dbias"
    except Exception as error:  # the learner's bug, explained below
        crash = explain_crash(error, fn, result.sizes)
        result.variant, result.layer, result.crash = crash.code, crash.layer, crash
        result.quantity = "dC_dweights" if crash.layer is not None else None
        result.hint = crash.hint
        return False
    return True


def check_backprop(
    fn: Callable[..., Any],
    sizes: Sequence[int] = (2, 3, 2),
    activation: Activation | str = "sigmoid",
    cost: Cost | str = "quadratic",
    *,
    output_activation: Activation | str | None = None,
    samples: int = 1,
    mean: bool = False,
    rng: int | np.random.Generator = 0,
) -> BackpropCheck:
    """Run the learner's ``fn`` on a small random network and compare every gradient.

    ``fn(weights, biases, x, y)`` gets ``weights[l]`` (out×in), ``biases[l]``
    (out×1), x (k×n) and y (m×n), n = ``samples`` columns, and returns the two
    lists ∂C/∂W[l] (out×in) and ∂C/∂b[l] (out×1), in either order; they must be
    the sums over the n samples (their means with ``mean=True``).
    ``fn(net, x, y)`` is called once a sample, after ``feedforward(net, x)``,
    and must add that sample's gradients to ``layer.dC_dweights`` and
    ``layer.dC_dbias``. The network is ``network(sizes, activation, cost,
    output_activation=…)`` with seeded weights and biases. The result's
    ``.ok``, ``.layer``, ``.quantity`` and ``.hint`` say whether and where it
    differs; ``str(result)`` is a report with the numbers side by side.
    """
    form = form_of(fn)
    sizes = _sizes(sizes)
    if isinstance(samples, bool) or not isinstance(samples, numbers.Integral) or samples < 1:
        raise ValueError(f"samples: expected an int >= 1, got {samples!r}")
    if mean and form == NET_FORM:
        raise ValueError("mean: fn(net, x, y) adds sums, as backpropagate does; leave mean=False")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    net = network(sizes, activation, cost, output_activation=output_activation, rng=gen)
    x, y = _problem(net, int(samples), gen)
    expected = reference_gradients(net, x, y, mean)
    fd = max(gradient_check(net, x[:, j], y[:, j]) for j in range(min(x.shape[1], 3)))
    result = BackpropCheck(
        ok=False,
        layer=None,
        quantity=None,
        hint="",
        form=form,
        sizes=sizes,
        activations=[layer.activation.name for layer in net.layers],
        cost=net.cost.name,
        samples=int(samples),
        mean=mean,
        expected=expected,
        finite_difference_error=fd,
    )
    if _run(fn, result, net, x, y):
        find_mistake(result, net, x, y)
    if result.ok:
        result.hint = "every gradient matches the reference: this backpropagation is right"
    return result
