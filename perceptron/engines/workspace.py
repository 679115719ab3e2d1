"""The buffers the fast engines share, and the step they take from them.

A :class:`Workspace` belongs to one ``sgd`` run. Its buffers are *rows*: row j
of a layer's ``Z``, ``A`` and ``D`` holds sample j's z, a and δ, so one sample
is a contiguous vector and a block of samples is a matrix whose transpose is
the article's m×n block of columns. From the rows of a mini-batch the sums are
one matrix product each::

    dC_dW_l = Σ_j δ_j a_{l−1,j}ᵀ = D_lᵀ A_{l−1}        dC_db_l = Σ_j δ_j = 1ᵀ D_l

and :meth:`Workspace.step` hands them to the optimizer as
:func:`perceptron.training.update` does: the means g = Σ/n, or for an optimizer
whose step is linear in η·g (SGD) the sums scaled by η/n with the rate 1, the
same step. The factor is applied to the n×out block D_l before the products, not
to the out×in sums after them, so no pass over the parameters forms a mean or
multiplies by η. The network is only read (weights,
biases, activations, cost) and written through its public fields: the step
moves ``weights`` and ``bias``, and :meth:`Workspace.finish` leaves the caches
holding the last sample pushed forward, with the sums at zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..optimizers import Optimizer
from ..structs import Network
from ..types import Array
from .kernels import Backward, DeltaInto, Forward, activation_kernels, delta_kernel, squares_factor

# Both engines work through a mini-batch in blocks of at most this many rows,
# which bounds the buffers (784 inputs: 512 rows of float64 = 3.2 MB).
CHUNK = 512


@dataclass(eq=False)
class Stage:
    """One layer's part of the workspace (row buffers: capacity × out)."""

    weights: Array  # W (out×in), the layer's own array
    bias: Array  # b as a 1-D view of the layer's out×1 array
    forward: Forward
    backward: Backward
    Z: Array  # z rows
    A: Array  # a rows
    D: Array  # δ rows
    G: Array  # W_{l+1}ᵀ δ_{l+1} rows
    T: Array  # scratch rows
    S: Array  # scratch, capacity × 1
    grad_weights: Array  # Σ δ a_prevᵀ, then the mean gradient (out×in)
    grad_bias: Array  # Σ δ, then the mean gradient (out×1)


class Workspace:
    """Buffers for blocks of up to ``capacity`` samples of one network."""

    def __init__(self, net: Network, capacity: int, factor: float = 1.0) -> None:
        dtype = np.dtype(net.dtype)
        layers = net.layers
        self.net = net
        self.capacity = capacity
        self.X = np.empty((capacity, net.inputdim), dtype=dtype)
        self.Y = np.empty((capacity, net.outputdim), dtype=dtype)
        # Σ_j δ_j as 1ᵀ D: one BLAS call, several times faster than a reduction over rows.
        self.ones = np.ones(capacity, dtype=dtype)
        self.stages: list[Stage] = []
        # Every layer's gradients are slices of one flat buffer: one division forms the means.
        self.flat_grads = np.empty(sum(layer.nparams for layer in layers), dtype=dtype)
        begin = 0
        for layer in layers:
            w, b = layer.weights.size, layer.bias.size
            grad_weights = self.flat_grads[begin : begin + w].reshape(layer.weights.shape)
            grad_bias = self.flat_grads[begin + w : begin + w + b].reshape(layer.bias.shape)
            begin += w + b
            rows = (capacity, layer.outsize)
            forward, backward = activation_kernels(layer.activation)
            Z, A, D, G, T = (np.empty(rows, dtype=dtype) for _ in range(5))
            self.stages.append(
                Stage(
                    weights=layer.weights,
                    bias=layer.bias[:, 0],
                    forward=forward,
                    backward=backward,
                    Z=Z,
                    A=A,
                    D=D,
                    G=G,
                    T=T,
                    S=np.empty((capacity, 1), dtype=dtype),
                    grad_weights=grad_weights,
                    grad_bias=grad_bias,
                )
            )
        last = layers[-1]
        self.cost = net.cost
        self.output = last.activation
        self.delta: DeltaInto = delta_kernel(net.cost, last.activation)
        self.squares = squares_factor(net.cost, last.outsize)
        # Scratch shaped like each layer's weights: D_lᵀ A_{l−1} of a later block of a
        # batch over CHUNK rows, or n·l2_scale·W (made when first needed).
        self.product: list[Array | None] = [None] * len(layers)
        self.arrays = [(layer.weights, layer.bias) for layer in layers]
        # What the step hands the optimizer, in update's order: made once, not per batch.
        self.params = [array for pair in self.arrays for array in pair]
        self.grads = [g for st in self.stages for g in (st.grad_weights, st.grad_bias)]
        self._sums: dict[int, tuple[tuple[Array, ...], ...]] = {}
        self.samples = 0  # rows summed into the gradients since the last step
        # The sums are (factor/n)·Σ for a batch of n rows: factor = η of the run for a linear
        # optimizer (its step then takes the rate η/factor = 1), else 1 (the means).
        self.factor = factor
        self.last_row: int | None = None  # the row of the last sample pushed forward

    def valid_for(self, net: Network) -> bool:
        """Whether the network still has the arrays, activations and cost of this workspace."""
        # Identity first: it is the usual case, and comparing two costs or activations
        # field by field costs microseconds a batch.
        if (net.cost is not self.cost and net.cost != self.cost) or len(net.layers) != len(
            self.stages
        ):
            return False
        for layer, (weights, bias) in zip(net.layers, self.arrays, strict=True):
            if layer.weights is not weights or layer.bias is not bias:
                return False
        output = net.layers[-1].activation
        return output is self.output or output == self.output

    def inputs_of(self, l: int) -> Array:
        """The row buffer holding layer l's input a_{l−1} (X for the first layer)."""
        return self.X if l == 0 else self.stages[l - 1].A

    def gather(self, X: Array, Y: Array, rows: Array) -> None:
        """Copy the given rows of X and Y into the first len(rows) rows of the buffers."""
        # mode="clip": the rows come from a permutation of range(N), so none is out of
        # range; the default mode="raise" would gather into a temporary first.
        n = len(rows)
        X.take(rows, 0, self.X[:n], "clip")  # the method: numpy.take's wrapper costs µs
        Y.take(rows, 0, self.Y[:n], "clip")

    def loss_sum(self, n: int) -> float:
        """Σ_j C(a_j, y_j) over the first n rows of the last forward pass."""
        last = self.stages[-1]
        a, y = last.A[:n], self.Y[:n]
        if self.squares:
            # Σ_j c‖a_j − y_j‖²: one dot product of the block a − y with itself.
            t = last.T[:n]
            np.subtract(a, y, out=t)
            flat = t.reshape(-1)
            return float(flat @ flat) * self.squares
        losses = self.cost.loss(last.Z[:n].T, a.T, y.T, self.output)
        return float(np.add.reduce(losses, axis=None))

    def gradients(self, X: Array, Y: Array, rows: Array) -> float:
        """Forward and backward the rows of one mini-batch of X and Y in blocks that fit,
        adding their gradients (times factor/n) to the sums; return the sum of their losses."""
        total, scale = 0.0, self.factor / len(rows)
        for begin in range(0, len(rows), self.capacity):
            chunk = rows[begin : begin + self.capacity]
            n = len(chunk)
            self.gather(X, Y, chunk)
            self._run(n)
            total += self.loss_sum(n)
            self.accumulate(n, scale)
        return total

    def _run(self, n: int) -> None:
        """Forward and backward the first n rows of the buffers (each engine its way)."""
        raise NotImplementedError

    def sums(self, n: int) -> tuple[tuple[Array, ...], ...]:
        """Per layer, the views ``accumulate`` touches for a block of n rows, made once per n."""
        found = self._sums.get(n)
        if found is None:
            found = self._sums[n] = tuple(
                (
                    stage.D[:n],
                    stage.T[:n],
                    stage.T[:n].T,
                    self.inputs_of(l)[:n],
                    self.ones[:n],
                    stage.grad_weights,
                    stage.grad_bias[:, 0],
                )
                for l, stage in enumerate(self.stages)
            )
        return found

    def accumulate(self, n: int, scale: float = 1.0) -> None:
        """Add c·D_lᵀ A_{l−1} and c·1ᵀ D_l of the first n rows to every layer's sums (c = scale)."""
        matmul, multiply = np.matmul, np.multiply
        first = self.samples == 0
        for l, (deltas, scaled, scaled_T, inputs, ones, grad_weights, grad_bias) in enumerate(
            self.sums(n)
        ):
            multiply(deltas, scale, out=scaled)  # c·D: n×out numbers, not out×in
            if first:
                matmul(scaled_T, inputs, out=grad_weights)
                ones.dot(scaled, out=grad_bias)
            else:  # a later block of a batch of more than CHUNK rows
                product = self.scratch(l)
                matmul(scaled_T, inputs, out=product)
                grad_weights += product
                grad_bias += ones.dot(scaled)
        self.samples += n
        self.last_row = n - 1

    def step(self, lr: float, optimizer: Optimizer, l2_scale: float = 0.0) -> None:
        """θ ← θ − Δ from the mean gradients g = Σ/n (+ l2_scale·W), as ``update`` does
        (all or nothing), with the sums back at zero."""
        factor, self.samples = self.factor, 0
        if l2_scale:  # (factor/n)·Σ + factor·l2_scale·W is (factor/n)·(the penalised sums)
            for l, ((weights, _), stage) in enumerate(zip(self.arrays, self.stages, strict=True)):
                scratch = self.scratch(l)
                np.multiply(weights, factor * l2_scale, out=scratch)
                stage.grad_weights += scratch
        if optimizer.linear:  # Δ(g, η) = Δ(factor·g, η/factor): the rate 1 when factor = η
            optimizer.step(self.params, self.grads, lr / factor, flat=self.flat_grads)
        else:
            if factor != 1.0:  # the sums were scaled for a linear optimizer: back to the means
                np.multiply(self.flat_grads, 1.0 / factor, out=self.flat_grads)
            optimizer.step(self.params, self.grads, lr, flat=self.flat_grads)

    def scratch(self, l: int) -> Array:
        """A buffer shaped like layer l's weights (made when first needed)."""
        buffer = self.product[l]
        if buffer is None:
            buffer = self.product[l] = np.empty_like(self.stages[l].grad_weights)
        return buffer

    def finish(self) -> None:
        """Leave the caches as the reference path would: the last sample's z, a and δ."""
        self.samples = 0
        if self.last_row is None:
            return
        j = self.last_row
        self.net.last_input = self.X[j].reshape(-1, 1).copy()
        for layer, stage in zip(self.net.layers, self.stages, strict=True):
            layer.linear_out = stage.Z[j].reshape(-1, 1).copy()
            layer.activated_out = stage.A[j].reshape(-1, 1).copy()
            layer.dC_dlinear = stage.D[j].reshape(-1, 1).copy()
