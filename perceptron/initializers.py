"""Initial weights W (out×in) and biases b (out×1) for a new layer.

=====================  =====================================  ==========
name                   weights                                biases
=====================  =====================================  ==========
``glorot_normal``      N(0, σ²), σ = √(2 / (in + out))         zero
``he_normal``          N(0, σ²), σ = √(2 / in)                 zero
``standard_normal``    N(0, 1)                                N(0, 1)
``zeros``              zero                                   zero
=====================  =====================================  ==========

The Julia article scales its Glorot weights by the *variance* 2/(in+out)
instead of the standard deviation √(2/(in+out)), which makes them far too
small for wide layers; ``glorot_normal`` here uses the square root. It also
draws its biases at random; the design brief starts them at zero. ``he_normal``
is the usual choice under relu. ``standard_normal`` is the initialization of
the network of Nielsen's book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike

from .types import Array


@dataclass(frozen=True)
class Initializer:
    """``init(outsize, insize, rng, dtype)`` returns the pair (W, b)."""

    name: str
    init: Callable[[int, int, np.random.Generator, DTypeLike], tuple[Array, Array]]

    def __call__(
        self, outsize: int, insize: int, rng: np.random.Generator, dtype: DTypeLike
    ) -> tuple[Array, Array]:
        return self.init(outsize, insize, rng, dtype)

    def __repr__(self) -> str:
        return f"Initializer({self.name!r})"


def _glorot(
    outsize: int, insize: int, rng: np.random.Generator, dtype: DTypeLike
) -> tuple[Array, Array]:
    std = np.sqrt(2.0 / (insize + outsize))
    weights = (rng.standard_normal((outsize, insize)) * std).astype(dtype)
    return weights, np.zeros((outsize, 1), dtype=dtype)


def _he(
    outsize: int, insize: int, rng: np.random.Generator, dtype: DTypeLike
) -> tuple[Array, Array]:
    std = np.sqrt(2.0 / insize)
    weights = (rng.standard_normal((outsize, insize)) * std).astype(dtype)
    return weights, np.zeros((outsize, 1), dtype=dtype)


def _standard_normal(
    outsize: int, insize: int, rng: np.random.Generator, dtype: DTypeLike
) -> tuple[Array, Array]:
    # the MNIST article draws the biases first, then the weights, layer by layer; within one
    # layer we draw the weights first. Only the distribution matters here.
    weights = rng.standard_normal((outsize, insize)).astype(dtype)
    bias = rng.standard_normal((outsize, 1)).astype(dtype)
    return weights, bias


def _zeros(
    outsize: int, insize: int, rng: np.random.Generator, dtype: DTypeLike
) -> tuple[Array, Array]:
    return np.zeros((outsize, insize), dtype=dtype), np.zeros((outsize, 1), dtype=dtype)


glorot_normal = Initializer("glorot_normal", _glorot)
he_normal = Initializer("he_normal", _he)
standard_normal = Initializer("standard_normal", _standard_normal)
zeros = Initializer("zeros", _zeros)

INITIALIZERS: dict[str, Initializer] = {
    i.name: i for i in (glorot_normal, he_normal, standard_normal, zeros)
}


def get_initializer(init: Initializer | str) -> Initializer:
    """Return the built-in initializer named ``init``, or ``init`` itself."""
    if isinstance(init, Initializer):
        return init
    if isinstance(init, str):
        try:
            return INITIALIZERS[init]
        except KeyError:
            raise ValueError(
                f"init: expected one of {sorted(INITIALIZERS)} or an Initializer, got {init!r}"
            ) from None
    raise TypeError(
        f"init: expected an Initializer or one of {sorted(INITIALIZERS)}, got {type(init).__name__}"
    )
