"""The network's state: ``Layer`` and ``Network`` dataclasses, and ``add_layer``.

As in the Julia article, state lives in mutable structs and the steps of
training are free functions (``perceptron.training``). A layer l holds

* ``weights`` W (out×in) and ``bias`` b (out×1);
* the caches of the last forward pass, ``linear_out`` z = W a_prev + b and
  ``activated_out`` a = σ(z), and of the last backward pass, ``dC_dlinear``
  δ = ∂C/∂z (all out×1);
* the sums ``dC_dweights`` = Σ δ a_prevᵀ (out×in) and ``dC_dbias`` = Σ δ
  (out×1) over the ``accumulated`` samples backpropagated since the last update.

They are ordinary arrays: ``backpropagate`` adds to the sums with ``+=`` and
``update`` zeroes them, exactly as in the article.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import DTypeLike

from .activations import Activation, get_activation
from .checks import MAX_PARAMETERS, MAX_UNITS, as_generator, check_int
from .costs import Cost, get_cost
from .initializers import Initializer, get_initializer
from .types import Array


def _zeros_like_bias(weights: Array) -> Array:
    return np.zeros((weights.shape[0], 1), dtype=weights.dtype)


@dataclass(eq=False, repr=False)
class Layer:
    """One fully-connected layer: a = σ(W a_prev + b).

    Build layers with :func:`add_layer`; set ``weights`` and ``bias`` by hand
    when an example needs given numbers (keep their shapes out×in and out×1).
    The caches and sums start at zero; ``init`` names the initializer used.
    """

    weights: Array
    bias: Array
    activation: Activation
    init: str = "custom"
    linear_out: Array = field(default=None)  # type: ignore[arg-type]
    activated_out: Array = field(default=None)  # type: ignore[arg-type]
    dC_dlinear: Array = field(default=None)  # type: ignore[arg-type]
    dC_dweights: Array = field(default=None)  # type: ignore[arg-type]
    dC_dbias: Array = field(default=None)  # type: ignore[arg-type]
    accumulated: int = 0

    def __post_init__(self) -> None:
        for name in ("linear_out", "activated_out", "dC_dlinear", "dC_dbias"):
            if getattr(self, name) is None:
                setattr(self, name, _zeros_like_bias(self.weights))
        if self.dC_dweights is None:
            self.dC_dweights = np.zeros_like(self.weights)

    @property
    def insize(self) -> int:
        return int(self.weights.shape[1])

    @property
    def outsize(self) -> int:
        return int(self.weights.shape[0])

    @property
    def nparams(self) -> int:
        return int(self.weights.size + self.bias.size)

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
    #: The input x of the last ``feedforward`` (k×1), as the layers cache its z and a.
    last_input: Array | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        self.inputdim = check_int(self.inputdim, "inputdim", 1, MAX_UNITS)
        self.cost = get_cost(self.cost)
        dtype = np.dtype(self.dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype: expected numpy.float64 or numpy.float32, got {dtype}")
        self.dtype = dtype

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

    @property
    def accumulated(self) -> int:
        """Samples backpropagated since the last update (every layer counts the same)."""
        return self.layers[0].accumulated if self.layers else 0

    def __repr__(self) -> str:
        layers = ", ".join(f"{layer.outsize} {layer.activation.name}" for layer in self.layers)
        return (
            f"Network(inputdim={self.inputdim}, cost={self.cost.name}, "
            f"dtype={np.dtype(self.dtype).name}" + (f", layers: {layers})" if layers else ")")
        )

    def _repr_html_(self) -> str:  # a notebook shows the layer table and diagram
        from .display import network_html

        return network_html(self)


def default_initializer(activation: Activation) -> Initializer:
    """The initializer the activation asks for (He normal for relu, Glorot normal otherwise)."""
    return get_initializer(activation.init)


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
    otherwise (biases zero); ``"standard_normal"`` gives Nielsen's N(0, 1)
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
    ``network([784, 30, 10])`` is the 784-30-10 sigmoid network of Nielsen's book.
    ``activation`` is the hidden layers'; the output layer's is
    ``output_activation``, by default softmax under cross-entropy (which needs
    outputs summing to one) and ``activation`` otherwise.
    """
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
        raise ValueError(f"sizes: expected a list of at least two sizes, got {sizes!r}")
    generator = as_generator(rng)
    net = Network(sizes[0], get_cost(cost), dtype=dtype)
    last = output_activation
    if last is None:
        last = "softmax" if net.cost.probability_targets else activation
    for i, size in enumerate(sizes[1:]):
        act = last if i == len(sizes) - 2 else activation
        add_layer(net, size, act, init=init, rng=generator)
    return net
