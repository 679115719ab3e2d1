"""The reference backward pass over a block of columns, and the common wrong variants of it.

Column convention (one sample a column, n samples side by side), layers l = 0 … L−1,
a[−1] = x::

    z[l] = W[l] a[l−1] + b[l]             out×n
    a[l] = σ(z[l])                         out×n
    g[l] = ∂C/∂a[l]: cost.df(a, y) at the output, W[l+1]ᵀ δ[l+1] below
    δ[l] = σ′(z[l]) ⊙ g[l]  (the cost's own δ at the output, e.g. a − y for softmax
           with cross-entropy)
    ∂C/∂W[l] = δ[l] a[l−1]ᵀ                out×in, summed over the n columns
    ∂C/∂b[l] = δ[l] summed over the columns    out×1

A wrong variant is the same pass with one common mistake made at one layer l, the
layers above it being right: that is how ``check_backprop`` recognises the mistake
where it starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation
from ..costs import Cost
from ..types import Array


@dataclass
class Pass:
    """Every quantity of one forward and backward pass over the columns of x."""

    weights: list[Array]
    activations: list[Activation]
    cost: Cost
    a: list[Array]  # a[0] = x, a[l + 1] = the activation of layer l
    z: list[Array]
    g: list[Array]  # ∂C/∂a of each layer
    delta: list[Array]

    @property
    def samples(self) -> int:
        return int(self.a[0].shape[1])

    def grads(self, l: int, delta: Array | None = None) -> tuple[Array, Array]:
        """(∂C/∂W, ∂C/∂b) of layer l, summed over the samples, from its δ (or another)."""
        d = self.delta[l] if delta is None else delta
        return d @ self.a[l].T, d.sum(axis=1, keepdims=True)


def reference_pass(
    weights: list[Array],
    biases: list[Array],
    activations: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
) -> Pass:
    """The forward and backward pass of the article for the columns of x (k×n) and y (m×n)."""
    a, z = [x], []
    for W, b, act in zip(weights, biases, activations, strict=True):
        z.append(W @ a[-1] + b)
        a.append(act.f(z[-1]))
    L = len(weights)
    g: list[Array] = [np.empty(0)] * L
    delta: list[Array] = [np.empty(0)] * L
    g[-1] = cost.df(a[-1], y)
    delta[-1] = cost.delta(z[-1], a[-1], y, activations[-1])
    for l in range(L - 2, -1, -1):
        g[l] = weights[l + 1].T @ delta[l + 1]
        delta[l] = activations[l].backward(z[l], a[l + 1], g[l])
    return Pass(weights, activations, cost, a, z, g, delta)


@dataclass
class Variant:
    """A common mistake: its code, its hint, and the gradients of layer l it would give."""

    code: str
    hint: str
    dW: Array | None = None
    db: Array | None = None


def prev(l: int) -> str:
    """The name of layer l's input: x for the first layer, a[l − 1] above it."""
    return "x" if l == 0 else f"a[{l - 1}]"


def _elementwise(act: Activation) -> bool:
    return act.elementwise and act.name != "identity"


def delta_variants(p: Pass, l: int) -> list[Variant]:
    """Mistakes in δ of layer l (so in both of its gradients), the layers above being right."""
    act, last = p.activations[l], l == len(p.weights) - 1
    out: list[Variant] = []

    def add(code: str, hint: str, delta: Array) -> None:
        out.append(Variant(code, hint, *p.grads(l, delta)))

    if last and _elementwise(act):
        add(
            "output_delta_without_sigma_prime",
            f"the output δ lacks σ′(z): δ[{l}] = ∂C/∂a ⊙ σ′(z[{l}]), not ∂C/∂a = a − y alone "
            "(that shortcut holds only for softmax with cross-entropy, or an identity output)",
            p.g[l],
        )
    if _elementwise(act):
        add(
            "sigma_prime_at_a",
            f"σ′ is evaluated at the activation a[{l}] instead of at z[{l}]: use "
            f"σ′(z[{l}]) (sigmoid_prime(z) = σ(z)(1 − σ(z)) = a(1 − a)); "
            "sigmoid_prime(a) is σ(a)(1 − σ(a)), another number",
            act.df(p.a[l + 1]) * p.g[l],
        )
    if not last and p.weights[l + 1].shape[0] == p.weights[l + 1].shape[1]:
        add(
            "propagated_with_W",
            f"δ is sent down with W[{l + 1}] instead of its transpose: δ[{l}] = "
            f"(W[{l + 1}]ᵀ δ[{l + 1}]) ⊙ σ′(z[{l}]); W[{l + 1}] is out×in, only Wᵀ takes an "
            "out-sized δ back to an in-sized one",
            act.backward(p.z[l], p.a[l + 1], p.weights[l + 1] @ p.delta[l + 1]),
        )
    if last:
        for factor, word in ((2.0, "twice"), (0.5, "half")):
            add(
                f"cost_factor_{word}",
                f"the output gradient is {word} the expected one: ½‖a − y‖² has ∂C/∂a = "
                "a − y, (a − y)² has 2(a − y); use the derivative of the cost being checked",
                factor * p.delta[l],
            )
    return out


SIGN_HINT = (
    "the gradient has the wrong sign: ∂C/∂a = a − y for ½‖a − y‖² (y − a is its "
    "negative); gradient descent then steps θ ← θ − η ∂C/∂θ"
)


def scale_variants(p: Pass, l: int, expected: tuple[Array, Array], mean: bool) -> list[Variant]:
    """Whole-gradient mistakes of layer l: the sign, and the mean against the sum."""
    dW, db = expected
    out = [Variant("sign_flipped", SIGN_HINT, -dW, -db)]
    n = p.samples
    if n > 1 and not mean:
        out.append(
            Variant(
                "divided_by_batch",
                f"divided by the batch size ({n}): the sums over the samples are expected "
                "here (the article's dC_dweights add up; update divides by n once)",
                dW / n,
                db / n,
            )
        )
    if n > 1 and mean:
        out.append(
            Variant(
                "summed_not_averaged",
                f"summed over the {n} samples where their mean is expected: divide by the "
                "batch size",
                dW * n,
                db * n,
            )
        )
    return out


def shape_variants(p: Pass, l: int, expected: tuple[Array, Array], mean: bool) -> list[Variant]:
    """Mistakes that give a gradient of another shape (or a bias left at zero)."""
    dW, db = expected
    scale = 1.0 / p.samples if mean else 1.0
    d = p.delta[l] * scale
    out = [
        Variant(
            "outer_product_reversed",
            f"∂C/∂W[{l}] is δ[{l}] {prev(l)}ᵀ (out×in, the shape of W[{l}]); this is "
            f"{prev(l)} δ[{l}]ᵀ, its transpose (in×out): swap the factors",
            dW=dW.T,
        ),
        Variant(
            "bias_missing",
            f"∂C/∂b[{l}] is zero: the bias gradient is δ[{l}] itself (summed over the "
            "samples); it was never filled in",
            db=np.zeros_like(db),
        ),
        Variant(
            "bias_wrong_axis",
            f"∂C/∂b[{l}] is summed over the wrong axis: δ is out×n, one column a sample, so "
            "sum the columns, delta.sum(axis=1, keepdims=True) (out×1); axis 0 adds the units",
            db=d.sum(axis=0, keepdims=True),
        ),
    ]
    if p.samples > 1:
        out.append(
            Variant(
                "bias_not_summed",
                f"∂C/∂b[{l}] keeps one column a sample (out×n): sum them, "
                "delta.sum(axis=1, keepdims=True)",
                db=d,
            )
        )
    return out


def last_sample_variant(p: Pass, l: int) -> Variant:
    """The sums assigned instead of added to: only the last sample's gradient is left."""
    dW = p.delta[l][:, -1:] @ p.a[l][:, -1:].T
    db = p.delta[l][:, -1:]
    return Variant(
        "not_accumulated",
        "the sums hold only the last sample: add to layer.dC_dweights and layer.dC_dbias "
        "(+=) as backpropagate does, do not assign them",
        dW,
        db,
    )
