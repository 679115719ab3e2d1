"""The batch engine: a mini-batch as one block of samples, pushed through at once.

The equations of the per-sample loop with matrices (rows are samples, so
each product is the transpose of the article's column form)::

    Z_l = A_{l−1} W_lᵀ + b_l       A_l = σ(Z_l)
    Δ_{L−1} from the cost          Δ_l = (∂A_l/∂Z_l)ᵀ ⊙ (Δ_{l+1} W_{l+1})

then the same sums and step as :mod:`perceptron.engines.sample`. Faster for
larger batches; equal to the reference path up to float rounding.

Left behind (after :meth:`BatchEngine.finish`): the weights of the last
update, zero sums, and the caches of the last sample of the last batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..structs import Network
from .workspace import CHUNK, Workspace


class BatchEngine(Workspace):
    """``sgd(..., engine="batch")``."""

    name = "batch"

    def __init__(self, net: Network, batchsize: int, factor: float = 1.0) -> None:
        super().__init__(net, min(batchsize, CHUNK), factor)
        self._blocks: dict[int, tuple[Any, ...]] = {}

    def block(self, n: int) -> tuple[Any, ...]:
        """The plan of a block of the first n rows, made once per n: every view its
        steps touch, with the transposes the activation kernels take (columns)."""
        found = self._blocks.get(n)
        if found is None:
            stages, last = self.stages, self.stages[-1]
            forward = tuple(
                (
                    st.weights.T,
                    st.bias,
                    st.Z[:n],
                    st.A[:n],
                    st.Z[:n].T,
                    st.A[:n].T,
                    st.S[:n].T,
                    st.forward,
                )
                for st in stages
            )
            output = (
                last.Z[:n].T,
                last.A[:n].T,
                self.Y[:n].T,
                last.D[:n].T,
                last.T[:n].T,
                last.S[:n].T,
            )
            backward = tuple(
                (
                    above.weights,
                    above.D[:n],
                    st.G[:n],
                    (st.Z[:n].T, st.A[:n].T, st.G[:n].T, st.D[:n].T, st.T[:n].T, st.S[:n].T),
                    st.backward,
                )
                for st, above in reversed(list(zip(stages[:-1], stages[1:], strict=True)))
            )
            found = self._blocks[n] = (self.X[:n], forward, output, backward)
        return found

    def _run(self, n: int) -> None:
        matmul, add = np.matmul, np.add
        X_n, forward_steps, output, backward_steps = self.block(n)
        # forward, layer by layer: Z = A_prev Wᵀ + b, A = σ(Z)
        a_prev = X_n
        for W_T, b, z, a, z_cols, a_cols, s_cols, forward in forward_steps:
            matmul(a_prev, W_T, out=z)
            add(z, b, out=z)
            forward(z_cols, a_cols, s_cols)
            a_prev = a
        # the output layer's Δ, from the cost
        self.delta(*output)
        # backwards: Δ_l = (∂A_l/∂Z_l)ᵀ (Δ_{l+1} W_{l+1})
        for W_above, d_above, g, columns, backward in backward_steps:
            matmul(d_above, W_above, out=g)
            backward(*columns)
