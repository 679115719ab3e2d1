"""The per-sample engine: the article's loop, one column sample at a time, on reused buffers.

For every sample j of a mini-batch, every layer: z = W a_prev + b, a = σ(z);
then δ_{L−1} from the cost and δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1} backwards,
each into row j of the workspace (see :mod:`perceptron.engines.workspace`).
The same equations as :func:`~perceptron.train.feedforward` and
:func:`~perceptron.train.backpropagate`; only the sums differ in form: the
batch's rank-1 products δ_j a_{l−1,j}ᵀ are added by one matrix product.
Nothing is allocated per sample: each row's views are made once, in a plan.

Left behind (after :meth:`SampleEngine.finish`): the weights of the last
update, zero sums, and the caches of the last sample of the last batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..structs import Network
from .workspace import CHUNK, Workspace


class SampleEngine(Workspace):
    """``sgd(..., engine="sample")``."""

    name = "sample"

    def __init__(self, net: Network, batchsize: int, factor: float = 1.0) -> None:
        super().__init__(net, min(batchsize, CHUNK), factor)
        self._plans: list[tuple[Any, ...]] | None = None

    def plans(self) -> list[tuple[Any, ...]]:
        """One plan per row j, made once: (x_j, forward steps, output step, backward steps),
        every view of the buffers sample j touches, so the loop creates no array."""
        if self._plans is None:
            stages, Y = self.stages, self.Y
            last = stages[-1]
            self._plans = []
            for j in range(self.capacity):
                forward = tuple(
                    (st.weights, st.bias, st.Z[j], st.A[j], st.S[j], st.forward) for st in stages
                )
                output = (last.Z[j], last.A[j], Y[j], last.D[j], last.T[j], last.S[j])
                backward = tuple(
                    (
                        above.weights,
                        above.D[j],
                        st.Z[j],
                        st.A[j],
                        st.G[j],
                        st.D[j],
                        st.T[j],
                        st.S[j],
                        st.backward,
                    )
                    for st, above in reversed(list(zip(stages[:-1], stages[1:], strict=True)))
                )
                self._plans.append((self.X[j], forward, output, backward))
        return self._plans

    def _run(self, n: int) -> None:
        matmul, add = np.matmul, np.add
        delta = self.delta
        for x, forward_steps, output, backward_steps in self.plans()[:n]:
            # forward, layer by layer: z = W a_prev + b, a = σ(z)
            a_prev = x
            for W, b, z, a, s, forward in forward_steps:
                matmul(W, a_prev, out=z)
                add(z, b, out=z)
                forward(z, a, s)
                a_prev = a
            # the output layer's δ, from the cost
            delta(*output)
            # backwards: δ_l = (∂a_l/∂z_l)ᵀ W_{l+1}ᵀ δ_{l+1}
            for W_above, d_above, z, a, g, d, t, s, backward in backward_steps:
                matmul(d_above, W_above, out=g)
                backward(z, a, g, d, t, s)
