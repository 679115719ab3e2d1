"""Round trip to PyTorch: ``to_torch`` and ``from_torch`` (optional dependency).

A perceptron layer computes a = σ(W a_prev + b) on a column; ``torch.nn.Linear``
computes z = x Wᵀ + b on a row, with the same W (out×in) and b stored as a vector
of length out. So a network of L layers maps to a ``torch.nn.Sequential`` of L
``Linear`` modules, each followed by its activation module::

    Network(784, cost)                  Sequential(
      layer 0: 784 -> 30, sigmoid         (0): Linear(784, 30)   (1): Sigmoid()
      layer 1:  30 -> 10, softmax         (2): Linear(30, 10)    (3): Softmax(dim=-1)
                                        )

The weights are copied, never shared, in the network's dtype (float64 ->
``torch.float64``, float32 -> ``torch.float32``), so both sides give the same
outputs to rounding. Softmax is taken over the feature dimension (``dim=-1``).

PyTorch is imported inside the functions: the rest of the library neither
installs nor imports it. ``pip install ".[torch]"`` in a checkout (or
``pip install "perceptron-from-scratch[torch]"``) adds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import ACTIVATIONS, Activation
from .costs import Cost, get_cost
from .structs import Layer, Network

if TYPE_CHECKING:  # only for the annotations; never imported at run time here
    import torch

SUPPORTED = ("Linear", "Sigmoid", "ReLU", "Tanh", "Identity", "Softmax")

# perceptron activation name <-> torch.nn module class name
_TO_MODULE = {
    "sigmoid": "Sigmoid",
    "relu": "ReLU",
    "tanh": "Tanh",
    "identity": "Identity",
    "softmax": "Softmax",
}
_FROM_MODULE = {module: name for name, module in _TO_MODULE.items()}


def _import_torch(caller: str) -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"{caller} needs PyTorch, which is not installed; install it with "
            'pip install ".[torch]" in a checkout of perceptron, or '
            'pip install "perceptron-from-scratch[torch]"'
        ) from error
    return torch


def to_torch(net: Network) -> torch.nn.Sequential:
    """A ``torch.nn.Sequential`` computing the same function as ``net``.

    Layer l becomes ``Linear(in_l, out_l)`` holding a copy of W_l (out×in) and
    b_l (as a vector of length out), followed by ``Sigmoid()``, ``ReLU()``,
    ``Tanh()``, ``Identity()`` or ``Softmax(dim=-1)``. Parameters have the
    network's dtype and require gradients, ready for a PyTorch optimizer. The
    cost is not part of the module: pick the matching loss in PyTorch
    (``quadratic`` = ½ Σ (a − y)², ``mse`` = mean (a − y)², ``cross_entropy`` with
    softmax = −Σ y log_softmax(z) on the logits before the softmax).

    Raises ``ValueError`` for a network without layers or with a custom
    (non built-in) activation, ``ImportError`` when PyTorch is not installed.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers; there is nothing to export")
    for i, layer in enumerate(net.layers):
        if ACTIVATIONS.get(layer.activation.name) != layer.activation:
            raise ValueError(
                f"net: layer {i}'s activation {layer.activation.name!r} is not a built-in one "
                f"({sorted(ACTIVATIONS)}); it has no PyTorch module to map to"
            )
    torch = _import_torch("to_torch")
    dtype = torch.float64 if np.dtype(net.dtype) == np.float64 else torch.float32
    modules = []
    for layer in net.layers:
        linear = torch.nn.Linear(layer.insize, layer.outsize, dtype=dtype)
        with torch.no_grad():
            # torch.tensor copies: training either side never moves the other.
            linear.weight.copy_(torch.tensor(layer.weights, dtype=dtype))
            linear.bias.copy_(torch.tensor(layer.bias.reshape(-1), dtype=dtype))
        modules.append(linear)
        name = _TO_MODULE[layer.activation.name]
        modules.append(torch.nn.Softmax(dim=-1) if name == "Softmax" else getattr(torch.nn, name)())
    return torch.nn.Sequential(*modules)


def _refuse(index: int, module: Any, why: str = "") -> ValueError:
    kind = type(module).__name__
    reason = why or f"cannot be mapped; supported: {', '.join(SUPPORTED)}"
    return ValueError(f"module {index} ({kind}): {reason}")


def _layer_specs(torch: Any, children: list[Any]) -> tuple[list[tuple[Any, Activation]], Any]:
    """(Linear, activation) pairs of a Sequential and its parameters' dtype, all checked."""
    specs: list[tuple[Any, Activation]] = []
    dtype: Any = None
    for i, child in enumerate(children):
        kind = type(child).__name__
        if isinstance(child, torch.nn.Linear):
            weight = child.weight
            if weight.dtype not in (torch.float64, torch.float32):
                raise _refuse(
                    i, child, f"parameters are {weight.dtype}; expected float64 or float32"
                )
            if dtype is None:
                dtype = weight.dtype
            elif weight.dtype != dtype:
                raise _refuse(i, child, f"parameters are {weight.dtype}, earlier ones {dtype}")
            if specs and child.in_features != specs[-1][0].out_features:
                raise _refuse(
                    i,
                    child,
                    f"in_features={child.in_features} does not match the previous Linear's "
                    f"out_features={specs[-1][0].out_features}",
                )
            specs.append((child, ACTIVATIONS["identity"]))
        elif kind in _FROM_MODULE and type(child) is getattr(torch.nn, kind):
            if not specs or not isinstance(children[i - 1], torch.nn.Linear):
                raise _refuse(i, child, "an activation must directly follow a Linear")
            if kind == "Softmax" and child.dim not in (-1, 1):
                raise _refuse(
                    i, child, f"dim={child.dim}; only softmax over the features (dim=-1) maps"
                )
            specs[-1] = (specs[-1][0], ACTIVATIONS[_FROM_MODULE[kind]])
        else:
            raise _refuse(i, child)

    return specs, dtype


def from_torch(module: torch.nn.Sequential, cost: Cost | str) -> Network:
    """A ``Network`` with the weights of a ``torch.nn.Sequential`` and the given cost.

    The sequence must be ``Linear`` modules, each followed optionally by one
    activation module (``Sigmoid``, ``ReLU``, ``Tanh``, ``Identity`` or
    ``Softmax`` over the features, ``dim=-1`` or ``dim=1``); a ``Linear`` not
    followed by an activation gets the identity. A ``Linear`` without bias gets
    b = 0. Each ``Linear``'s ``in_features`` must equal the previous one's
    ``out_features``. The parameters, all float64 or all float32, are copied
    into a network of that dtype; their ``init`` is recorded as ``"torch"``.

    Anything else is refused with a ``ValueError`` naming the module's index
    and type, e.g. ``module 3 (Dropout): cannot be mapped; supported: Linear,
    Sigmoid, ReLU, Tanh, Identity, Softmax``.
    """
    torch = _import_torch("from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"module: expected a torch.nn.Sequential, got {type(module).__name__}")
    cost = get_cost(cost)
    children = list(module)
    if not children:
        raise ValueError("module: the Sequential is empty; expected at least one Linear")

    # First pass: check everything, so a refused module builds nothing.
    specs, dtype = _layer_specs(torch, children)
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    layers = []
    for linear, activation in specs:
        with torch.no_grad():
            weights = np.array(linear.weight.detach().cpu().numpy(), dtype=np_dtype, order="C")
            if linear.bias is None:
                bias = np.zeros((linear.out_features, 1), dtype=np_dtype)
            else:
                bias = np.array(
                    linear.bias.detach().cpu().numpy().reshape(-1, 1), dtype=np_dtype, order="C"
                )
        if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            index = next(k for k, child in enumerate(children) if child is linear)
            raise _refuse(index, linear, "weights or bias are not finite")
        layers.append(Layer(weights=weights, bias=bias, activation=activation, init="torch"))
    net = Network(specs[0][0].in_features, cost, dtype=np_dtype)
    net.layers.extend(layers)
    return net
