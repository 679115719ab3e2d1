"""The network's state: ``Layer`` and ``Network`` dataclasses, and ``add_layer``.

As in the Julia article, state lives in mutable structs and the steps of
training are free functions (``perceptron.train``). A layer l holds

* ``weights`` W (out×in) and ``bias`` b (out×1);
* the caches of the last forward pass, ``linear_out`` z = W a_prev + b and
  ``activated_out`` a = σ(z), and of the last backward pass, ``dC_dlinear``
  δ = ∂C/∂z (all out×1);
* the sums ``dC_dweights`` = Σ δ a_prevᵀ (out×in) and ``dC_dbias`` = Σ δ
  (out×1) over the samples backpropagated since the last update.

The sums are formed lazily: ``backpropagate`` files each sample's δ and
a_prev as one row of two buffers (Δᵀ, n×out, and A_prevᵀ, n×in), and reading
``dC_dweights`` (or ``update``) adds Δ A_prevᵀ = Σ_j δ_j a_prev,jᵀ, one matrix
product for the whole batch, to the sum. Every read sees the exact accumulated
sum; the batch's rank-1 products simply get added in one BLAS call instead of
one at a time. The training engines (``perceptron.engine``) write δ and the
activations straight into these rows, so nothing is copied to file them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._checks import MAX_PARAMETERS, MAX_UNITS, as_generator, check_int
from .activations import Activation, get_activation, relu
from .costs import Cost, get_cost
from .initializers import Initializer, get_initializer, glorot_normal, he_normal

Array = NDArray[Any]

# The pending buffers grow in steps of this many columns when a batch is longer.
_INITIAL_PENDING = 16


@dataclass(eq=False, repr=False)
class Layer:
    """One fully-connected layer: a = σ(W a_prev + b).

    Build layers with :func:`add_layer`; set ``weights`` and ``bias`` by hand
    when an example needs given numbers (keep their shapes out×in and out×1).
    """

    weights: Array
    bias: Array
    activation: Activation
    init: str = "custom"
    linear_out: Array = field(default=None)  # type: ignore[arg-type]
    activated_out: Array = field(default=None)  # type: ignore[arg-type]
    dC_dlinear: Array = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        outsize, insize = self.weights.shape
        dtype = self.weights.dtype
        if self.linear_out is None:
            self.linear_out = np.zeros((outsize, 1), dtype=dtype)
        if self.activated_out is None:
            self.activated_out = np.zeros((outsize, 1), dtype=dtype)
        if self.dC_dlinear is None:
            self.dC_dlinear = np.zeros((outsize, 1), dtype=dtype)
        self._sum_weights = np.zeros((outsize, insize), dtype=dtype)
        self._sum_bias = np.zeros((outsize, 1), dtype=dtype)
        # False once the sums are reset: they then hold stale numbers that stand for
        # zero, and the next flush writes its product straight into them (no fill).
        self._sums_valid = True
        # Rows j < _pending of Δᵀ and A_prevᵀ wait to be added to the sums. Rows, not
        # columns, so that one sample's δ and a_prev are contiguous.
        self._deltas_T = np.empty((_INITIAL_PENDING, outsize), dtype=dtype)
        self._inputs_T = np.empty((_INITIAL_PENDING, insize), dtype=dtype)
        self._pending = 0
        # Scratch for Δ A_prevᵀ when it must be added to sums already formed.
        self._product: Array | None = None
        # The mean gradient handed to the update, reused (see _mean_gradient).
        self._mean: tuple[Array, Array] | None = None

    # -- sizes --------------------------------------------------------------
    @property
    def insize(self) -> int:
        return int(self.weights.shape[1])

    @property
    def outsize(self) -> int:
        return int(self.weights.shape[0])

    @property
    def nparams(self) -> int:
        return int(self.weights.size + self.bias.size)

    # -- the accumulated sums -------------------------------------------------
    def _reserve(self, n: int) -> None:
        """Make room for n more pending rows: flush when full, grow when too small."""
        if self._pending + n > self._deltas_T.shape[0]:
            if self._pending:
                self._flush()
            if n > self._deltas_T.shape[0]:
                capacity = max(n, 2 * self._deltas_T.shape[0])
                dtype = self._deltas_T.dtype
                self._deltas_T = np.empty((capacity, self.outsize), dtype=dtype)
                self._inputs_T = np.empty((capacity, self.insize), dtype=dtype)

    def _accumulate(self, delta: Array, a_prev: Array) -> None:
        """File one sample's (or a batch's) δ and a_prev; columns are samples."""
        n = delta.shape[1]
        self._reserve(n)
        p = self._pending
        self._deltas_T[p : p + n] = delta.T
        self._inputs_T[p : p + n] = a_prev.T
        self._pending = p + n

    def _flush(self) -> None:
        """Add the pending Δ A_prevᵀ and Σ_j δ_j to the sums."""
        n = self._pending
        if n:
            deltas_T = self._deltas_T[:n]
            if self._sums_valid:
                if self._product is None:
                    self._product = np.empty_like(self._sum_weights)
                np.matmul(deltas_T.T, self._inputs_T[:n], out=self._product)
                self._sum_weights += self._product
                self._sum_bias[:, 0] += np.add.reduce(deltas_T, axis=0)
            else:
                np.matmul(deltas_T.T, self._inputs_T[:n], out=self._sum_weights)
                np.add.reduce(deltas_T, axis=0, out=self._sum_bias[:, 0])
            self._pending = 0
        elif not self._sums_valid:
            self._sum_weights.fill(0)
            self._sum_bias.fill(0)
        self._sums_valid = True

    def _mean_gradient(self, n: int, l2_scale: float = 0.0) -> tuple[Array, Array]:
        """(Σ ∂C/∂W / n + l2_scale·W, Σ ∂C/∂b / n) in buffers reused at every update.

        The arrays are overwritten by the next call: use them before then.
        """
        if self._mean is None:
            self._mean = (np.empty_like(self._sum_weights), np.empty_like(self._sum_bias))
        gw, gb = self._mean
        np.divide(self.dC_dweights, n, out=gw)
        if l2_scale:
            gw += l2_scale * self.weights
        np.divide(self.dC_dbias, n, out=gb)
        return gw, gb

    def _plain_step(self, n: int, lr: float) -> tuple[Array, Array]:
        """Plain SGD's step (Δ_W, Δ_b) = lr·(Σ ∂C/∂W / n, Σ ∂C/∂b / n).

        The mean is divided by n, then multiplied by lr: bit for bit what
        ``lr * (dC_dweights / n)`` gives. When nothing was summed yet (the usual case in
        ``sgd``), Δ A_prevᵀ is formed from the pending rows straight into the step's
        buffer instead of the sum's. The sums themselves are left as they are. Same
        buffers as :meth:`_mean_gradient`, overwritten by the next call.
        """
        if self._mean is None:
            self._mean = (np.empty_like(self._sum_weights), np.empty_like(self._sum_bias))
        gw, gb = self._mean
        p = self._pending
        if p and not self._sums_valid:
            deltas_T = self._deltas_T[:p]
            np.matmul(deltas_T.T, self._inputs_T[:p], out=gw)
            np.add.reduce(deltas_T, axis=0, out=gb[:, 0])
        else:
            np.copyto(gw, self.dC_dweights)
            np.copyto(gb, self.dC_dbias)
        for g in (gw, gb):
            np.divide(g, n, out=g)
            np.multiply(g, lr, out=g)
        return gw, gb

    def _reset_sums(self) -> None:
        self._pending = 0
        self._sums_valid = False

    @property
    def dC_dweights(self) -> Array:
        """Σ δ a_prevᵀ over the samples since the last update (out×in)."""
        self._flush()
        return self._sum_weights

    @dC_dweights.setter
    def dC_dweights(self, value: Array) -> None:
        self._flush()
        self._sum_weights[...] = value

    @property
    def dC_dbias(self) -> Array:
        """Σ δ over the samples since the last update (out×1)."""
        self._flush()
        return self._sum_bias

    @dC_dbias.setter
    def dC_dbias(self, value: Array) -> None:
        self._flush()
        self._sum_bias[...] = value

    def __repr__(self) -> str:
        return (
            f"Layer({self.insize} -> {self.outsize}, activation={self.activation.name}, "
            f"init={self.init}, weights {self.weights.shape} {self.weights.dtype}, "
            f"bias {self.bias.shape})"
        )


@dataclass(eq=False, repr=False)
class Network:
    """A feedforward, fully-connected network: ``inputdim`` inputs, then ``layers``.

    ``cost`` is a :class:`~perceptron.costs.Cost` or the name of a built-in one
    (``"quadratic"``, ``"mse"``, ``"cross_entropy"``). All arrays use ``dtype``
    (float64 by default; float32 is supported).
    """

    inputdim: int
    cost: Cost
    dtype: DTypeLike = np.float64
    layers: list[Layer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.inputdim = check_int(self.inputdim, "inputdim", 1, MAX_UNITS)
        self.cost = get_cost(self.cost)
        dtype = np.dtype(self.dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype: expected numpy.float64 or numpy.float32, got {dtype}")
        self.dtype = dtype
        # Number of samples backpropagated since the last update.
        self.accumulated = 0
        # The input of the last feedforward, which backpropagate must be given again.
        self._last_input: Array | None = None
        # The training engines' reusable buffers (perceptron.engine.Workspace), made
        # by the first sgd call and rebuilt when the layers change.
        self._engine: Any = None
        # One flat buffer whose slices are every layer's step buffers (Layer._mean), so
        # that one dot product checks every step is finite (see train._flat_steps).
        self._steps: Array | None = None

    @property
    def outputdim(self) -> int:
        """Size of the output: the last layer's, or ``inputdim`` with no layers."""
        return self.layers[-1].outsize if self.layers else self.inputdim

    @property
    def sizes(self) -> list[int]:
        """[inputdim, out_1, ..., out_L], as in Nielsen's ``Network([784, 30, 10])``."""
        return [self.inputdim] + [layer.outsize for layer in self.layers]

    @property
    def nparams(self) -> int:
        return sum(layer.nparams for layer in self.layers)

    def __repr__(self) -> str:
        from .summary import summary

        return summary(self)


def default_initializer(activation: Activation) -> Initializer:
    """He normal under relu, Glorot normal otherwise."""
    return he_normal if activation is relu else glorot_normal


def add_layer(
    net: Network,
    outsize: int,
    activation: Activation | str,
    init: Initializer | str | None = None,
    rng: int | np.random.Generator | None = None,
) -> Layer:
    """Append a layer of ``outsize`` units to ``net`` and return it.

    Its input size is the previous layer's output, or ``net.inputdim`` for the
    first layer. ``init`` defaults to He normal for relu and Glorot normal
    otherwise (biases zero); ``"standard_normal"`` gives seed 001's N(0, 1)
    weights and biases. ``rng`` is an int seed or a Generator: the same seed
    gives bit-identical weights.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    outsize = check_int(outsize, "outsize", 1, MAX_UNITS)
    activation = get_activation(activation)
    initializer = default_initializer(activation) if init is None else get_initializer(init)
    generator = as_generator(rng)
    insize = net.outputdim
    if outsize * (insize + 1) > MAX_PARAMETERS:
        raise ValueError(
            f"outsize: a layer of {outsize} units on {insize} inputs would hold "
            f"{outsize * (insize + 1)} parameters, more than the limit {MAX_PARAMETERS}"
        )
    weights, bias = initializer(outsize, insize, generator, net.dtype)
    if weights.shape != (outsize, insize) or bias.shape != (outsize, 1):
        raise ValueError(
            f"init: {initializer.name} returned shapes {weights.shape} and {bias.shape}, "
            f"expected ({outsize}, {insize}) and ({outsize}, 1)"
        )
    layer = Layer(
        weights=np.ascontiguousarray(weights, dtype=net.dtype),
        bias=np.ascontiguousarray(bias, dtype=net.dtype),
        activation=activation,
        init=initializer.name,
    )
    net.layers.append(layer)
    return layer


def network(
    sizes: list[int],
    activation: Activation | str = "sigmoid",
    cost: Cost | str = "quadratic",
    *,
    output_activation: Activation | str | None = None,
    init: Initializer | str | None = None,
    rng: int | np.random.Generator | None = None,
    dtype: DTypeLike = np.float64,
) -> Network:
    """Build ``Network(sizes[0], cost)`` with one layer per further size.

    A shorthand for the article's sequence of ``add_layer`` calls:
    ``network([784, 30, 10])`` is seed 001's 784-30-10 sigmoid network.
    """
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
        raise ValueError(f"sizes: expected a list of at least two sizes, got {sizes!r}")
    generator = as_generator(rng)
    net = Network(sizes[0], get_cost(cost), dtype=dtype)
    last = output_activation if output_activation is not None else activation
    for i, size in enumerate(sizes[1:]):
        act = last if i == len(sizes) - 2 else activation
        add_layer(net, size, act, init=init, rng=generator)
    return net
