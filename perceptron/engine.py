"""The fast paths behind ``sgd``: the per-sample and the batch engine.

Both compute exactly what ``feedforward`` and ``backpropagate`` compute (the
same equations, the same order of operations up to float rounding), but on
buffers that are allocated once and reused, with numpy's ``out=`` arguments:

* one sample (``engine="sample"``) or one block of samples (``engine="batch"``)
  is a *row* (a row block) of the buffers, so a sample's z, a and δ are
  contiguous vectors and the same kernels serve both engines;
* layer l writes its activation a_l straight into row j of layer l+1's
  pending-input buffer A_prevᵀ, and δ_l straight into row j of its own Δᵀ
  buffer (see :class:`perceptron.network.Layer`): ∂C/∂W_l = Σ_j δ_j a_prev,jᵀ
  is then formed from those rows by one matrix product when it is read or at
  ``update``, instead of one rank-1 product per sample;
* the built-in activations have in-place kernels that multiply by σ'(z) (read
  from a = σ(z) where it can be) instead of forming a Jacobian, and the
  built-in costs have in-place gradients. Other activations and costs go
  through their public ``f``/``df``/``backward`` (correct, just not allocation-free).

Shapes: a "row" argument below is either one sample (a 1-D vector of length m)
or a block (n×m, one sample a row); reductions run along the last axis.

The buffers belong to a :class:`Workspace` stored on the network (``net._engine``),
rebuilt when the layers change: nothing lives in module globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Activation, identity, relu, sigmoid, softmax, tanh
from .costs import Cost, cross_entropy, cross_entropy_from_logits, mse, quadratic

Array = NDArray[Any]

# Both engines work through a mini-batch in blocks of at most this many rows,
# which bounds the buffers (784 inputs: 512 rows of float64 = 3.2 MB).
CHUNK = 512

# ---------------------------------------------------------------------------
# activation kernels: forward(z, a, s) writes a = σ(z); backward(z, a, g, d, t, s)
# writes d = (∂a/∂z)ᵀ g. t is scratch shaped like z, s is scratch with the last
# axis of length 1. d may be g itself.
# ---------------------------------------------------------------------------
Forward = Callable[[Array, Array, Array], None]
Backward = Callable[[Array, Array, Array, Array, Array, Array], None]


def _sigmoid_forward(z: Array, a: Array, s: Array) -> None:
    # σ(z) = 1/(1 + e^{−z}). For z below about −709 (−88 in float32) e^{−z} is inf
    # and 1/inf = 0, the correctly rounded answer; the engine runs under
    # np.errstate(over="ignore", under="ignore") so that these exact limits raise
    # no warning (e^{−z} also underflows to 0 for large z, giving σ = 1).
    np.negative(z, out=a)
    np.exp(a, out=a)
    np.add(a, 1.0, out=a)
    np.reciprocal(a, out=a)


def _sigmoid_backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
    # σ'(z) = σ(z)(1 − σ(z)) = a(1 − a)
    np.subtract(1.0, a, out=t)
    np.multiply(t, a, out=t)
    np.multiply(t, g, out=d)


def _relu_forward(z: Array, a: Array, s: Array) -> None:
    np.maximum(z, 0.0, out=a)


def _relu_backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
    # σ'(z) = 1 for z > 0, else 0 (also at the kink, as relu's df says)
    np.greater(z, 0.0, out=t)
    np.multiply(t, g, out=d)


def _tanh_forward(z: Array, a: Array, s: Array) -> None:
    np.tanh(z, out=a)


def _tanh_backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
    # σ'(z) = 1 − tanh² z = 1 − a²
    np.multiply(a, a, out=t)
    np.subtract(1.0, t, out=t)
    np.multiply(t, g, out=d)


def _identity_forward(z: Array, a: Array, s: Array) -> None:
    np.copyto(a, z)


def _identity_backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
    if d is not g:
        np.copyto(d, g)


def _softmax_forward(z: Array, a: Array, s: Array) -> None:
    # e^{z − max z} / Σ e^{z − max z}: the shift keeps every exponent ≤ 0.
    np.maximum.reduce(z, axis=-1, keepdims=True, out=s)
    np.subtract(z, s, out=a)
    np.exp(a, out=a)
    np.add.reduce(a, axis=-1, keepdims=True, out=s)
    np.divide(a, s, out=a)


def _softmax_backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
    # (diag(a) − a aᵀ) g = a ⊙ (g − aᵀg): the Jacobian's product, never the Jacobian.
    np.multiply(a, g, out=t)
    np.add.reduce(t, axis=-1, keepdims=True, out=s)
    np.subtract(g, s, out=t)
    np.multiply(a, t, out=d)


KERNELS: dict[int, tuple[Forward, Backward]] = {
    id(sigmoid): (_sigmoid_forward, _sigmoid_backward),
    id(relu): (_relu_forward, _relu_backward),
    id(tanh): (_tanh_forward, _tanh_backward),
    id(identity): (_identity_forward, _identity_backward),
    id(softmax): (_softmax_forward, _softmax_backward),
}


def _columns(rows: Array) -> Array:
    """The m×n column view (one sample a column) of a row or a block of rows."""
    return rows.reshape(-1, rows.shape[-1]).T


def _generic_kernels(activation: Activation) -> tuple[Forward, Backward]:
    """Kernels for an activation without a fast one: its public f and backward."""

    def forward(z: Array, a: Array, s: Array) -> None:
        a[...] = activation.f(_columns(z)).T.reshape(a.shape)

    def backward(z: Array, a: Array, g: Array, d: Array, t: Array, s: Array) -> None:
        dz = activation.backward(_columns(z), _columns(a), _columns(g))
        d[...] = dz.T.reshape(d.shape)

    return forward, backward


def kernels(activation: Activation) -> tuple[Forward, Backward]:
    """The (forward, backward) kernels of ``activation``."""
    found = KERNELS.get(id(activation))
    return found if found is not None else _generic_kernels(activation)


# ---------------------------------------------------------------------------
# cost gradients: grad(a, y, d, t) writes d = ∂C/∂a
# ---------------------------------------------------------------------------
Gradient = Callable[[Array, Array, Array, Array], None]


def _quadratic_gradient(a: Array, y: Array, d: Array, t: Array) -> None:
    np.subtract(a, y, out=d)


def _mse_gradient(a: Array, y: Array, d: Array, t: Array) -> None:
    np.subtract(a, y, out=d)
    np.multiply(d, 2.0 / a.shape[-1], out=d)


def _cross_entropy_gradient(a: Array, y: Array, d: Array, t: Array) -> None:
    # −y / clip(a), with the clipping of costs.cross_entropy (never a division by 0)
    from .costs import CLIP

    np.clip(a, CLIP, 1.0 - CLIP, out=t)
    np.divide(y, t, out=d)
    np.negative(d, out=d)


def _generic_gradient(cost: Cost) -> Gradient:
    def gradient(a: Array, y: Array, d: Array, t: Array) -> None:
        d[...] = cost.df(_columns(a), _columns(y)).T.reshape(d.shape)

    return gradient


GRADIENTS: dict[int, Gradient] = {
    id(quadratic): _quadratic_gradient,
    id(mse): _mse_gradient,
    id(cross_entropy): _cross_entropy_gradient,
}


# ---------------------------------------------------------------------------
# the workspace
# ---------------------------------------------------------------------------
@dataclass(eq=False)
class _Stage:
    """One layer's part of the workspace (buffers are rows = samples)."""

    weights: Array  # W (out×in), the layer's own array
    bias: Array  # b as a 1-D view of the layer's out×1 array
    forward: Forward
    backward: Backward
    Z: Array  # z rows (capacity×out)
    A: Array  # a rows: the next layer's A_prevᵀ buffer, or the output buffer
    D: Array  # δ rows: the layer's own Δᵀ buffer
    G: Array  # Wᵀδ of the layer above, one row per block row (capacity×out)
    T: Array  # scratch (capacity×out)
    S: Array  # scratch (capacity×1)


class Workspace:
    """Buffers for ``capacity`` samples of one network, owned by that network.

    Built by :func:`workspace`; valid while the layers, their shapes, dtypes and
    activations, the cost and the layers' pending buffers stay the ones it was
    built for (checked before every batch).
    """

    def __init__(self, net: Any, capacity: int) -> None:
        layers = net.layers
        dtype = np.dtype(net.dtype)
        self.capacity = capacity
        for layer in layers:
            # Only pending rows need adding; sums that were reset stay lazily zero, so
            # that every update of an sgd run forms its step the same way (bit-identical
            # resume).
            if layer._pending:
                layer._flush()
            layer._reserve(capacity)
        self.key = _key(net)
        self.nlayers = len(layers)
        self.X = layers[0]._inputs_T
        self.Y = np.empty((capacity, layers[-1].outsize), dtype=dtype)
        output = np.empty((capacity, layers[-1].outsize), dtype=dtype)
        self.stages: list[_Stage] = []
        for l, layer in enumerate(layers):
            out = layer.outsize
            forward, backward = kernels(layer.activation)
            self.stages.append(
                _Stage(
                    weights=layer.weights,
                    bias=layer.bias[:, 0],
                    forward=forward,
                    backward=backward,
                    Z=np.empty((capacity, out), dtype=dtype),
                    A=layers[l + 1]._inputs_T if l + 1 < len(layers) else output,
                    D=layer._deltas_T,
                    G=np.empty((capacity, out), dtype=dtype),
                    T=np.empty((capacity, out), dtype=dtype),
                    S=np.empty((capacity, 1), dtype=dtype),
                )
            )
        self.fused = net.cost is cross_entropy and layers[-1].activation is softmax
        self.gradient = GRADIENTS.get(id(net.cost)) or _generic_gradient(net.cost)
        # The factor c of a cost C = c‖a − y‖² (per sample), or 0 for other costs.
        m = layers[-1].outsize
        self.squares = {id(quadratic): 0.5, id(mse): 1.0 / m}.get(id(net.cost), 0.0)
        self._plans: list[tuple[Any, ...]] | None = None
        self._blocks: dict[int, tuple[Any, ...]] = {}
        self._ends: dict[int, tuple[Any, ...]] = {}

    def plans(self) -> list[tuple[Any, ...]]:
        """One plan a sample row j, made once: every view and array its steps touch.

        A plan is (x_j, forward steps, last-layer step, backward steps); the loop
        over samples then only unpacks tuples and calls numpy, creating no array.
        """
        if self._plans is None:
            stages = self.stages
            last = stages[-1]
            self._plans = []
            for j in range(self.capacity):
                forward = tuple(
                    (st.weights, st.bias, st.Z[j], st.A[j], st.S[j], st.forward) for st in stages
                )
                final = (last.Z[j], last.A[j], last.D[j], last.T[j], last.S[j], self.Y[j])
                backward = tuple(
                    (
                        stages[l + 1].weights,
                        stages[l + 1].D[j],
                        st.Z[j],
                        st.A[j],
                        st.G[j],
                        st.D[j],
                        st.T[j],
                        st.S[j],
                        st.backward,
                    )
                    for l, st in reversed(list(enumerate(stages[:-1])))
                )
                self._plans.append((self.X[j], forward, final, backward))
        return self._plans

    def block(self, n: int) -> tuple[Any, ...]:
        """The plan of a block of the first n rows, made once per n (the batch engine's).

        (X, Y, forward steps, last-layer views, backward steps): every view of the
        buffers the block's steps touch, so that a batch slices no array.
        """
        found = self._blocks.get(n)
        if found is None:
            if len(self._blocks) >= 8:  # a run needs two (batch size, last batch)
                self._blocks.clear()
            stages = self.stages
            last = stages[-1]
            forward = tuple(
                (st.weights.T, st.bias, st.Z[:n], st.A[:n], st.S[:n], st.forward) for st in stages
            )
            final = (last.Z[:n], last.A[:n], last.D[:n], last.T[:n], last.S[:n], last.backward)
            backward = tuple(
                (
                    stages[l + 1].weights,
                    stages[l + 1].D[:n],
                    st.Z[:n],
                    st.A[:n],
                    st.G[:n],
                    st.D[:n],
                    st.T[:n],
                    st.S[:n],
                    st.backward,
                )
                for l, st in reversed(list(enumerate(stages[:-1])))
            )
            found = self._blocks[n] = (self.X[:n], self.Y[:n], forward, final, backward)
        return found

    def ends(self, n: int) -> tuple[Any, ...]:
        """Views for the end of a block of n rows, made once per n: the rows n−1 of
        every layer's z, a and δ as out×1 columns (the caches), and the output, target
        and scratch blocks the loss reads."""
        found = self._ends.get(n)
        if found is None:
            if len(self._ends) >= 8:
                self._ends.clear()
            stages = self.stages
            caches = tuple(
                tuple(getattr(st, name)[n - 1].reshape(-1, 1) for st in stages)
                for name in ("Z", "A", "D")
            )
            last = stages[-1]
            found = self._ends[n] = (caches, last.A[:n], self.Y[:n], last.T[:n])
        return found

    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        # A copy of the buffers would no longer be views of the copied layers' rows:
        # a copied network starts without a workspace and makes its own.
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_no_workspace, ())

    def valid_for(self, net: Any) -> bool:
        """Whether the network still has the layers, arrays and cost this was built for."""
        key = self.key
        if net.dtype is not key[0] or net.cost is not key[1] or len(net.layers) != self.nlayers:
            return False
        i = 2
        for layer in net.layers:
            if (
                layer.weights is not key[i]
                or layer.bias is not key[i + 1]
                or layer.activation is not key[i + 2]
                or layer._deltas_T is not key[i + 3]
                or layer._inputs_T is not key[i + 4]
            ):
                return False
            i += 5
        return True


def _no_workspace() -> None:
    return None


def _key(net: Any) -> list[Any]:
    # Identities, not values: the buffers are views of these very arrays.
    key: list[Any] = [net.dtype, net.cost]
    for layer in net.layers:
        key += (layer.weights, layer.bias, layer.activation, layer._deltas_T, layer._inputs_T)
    return key


def workspace(net: Any, n: int) -> Workspace:
    """The network's workspace for blocks of up to n samples (made or reused)."""
    capacity = min(n, CHUNK)
    ws: Workspace | None = getattr(net, "_engine", None)
    if ws is None or ws.capacity < capacity or not ws.valid_for(net):
        ws = Workspace(net, max(capacity, ws.capacity if ws is not None else 0))
        net._engine = ws
    return ws


def _make_room(net: Any) -> None:
    """Start the pending rows at 0: flush whatever an earlier call left."""
    for layer in net.layers:
        if layer._pending:
            layer._flush()


def _finish(net: Any, ws: Workspace, n: int) -> float:
    """File the n rows as pending, copy the last sample's caches, return Σ losses."""
    caches, a, y, t = ws.ends(n)
    for layer, z_last, a_last, d_last in zip(net.layers, *caches, strict=True):
        layer._pending = n
        # The caches hold the last sample, as after feedforward + backpropagate.
        layer.linear_out = z_last.copy()
        layer.activated_out = a_last.copy()
        layer.dC_dlinear = d_last.copy()
    net.accumulated += n
    if ws.squares:
        # Σ_j ½‖a_j − y_j‖² (quadratic) or Σ_j (1/m)‖a_j − y_j‖² (mse): one dot product
        # of the block a − y with itself, formed in the free scratch t.
        np.subtract(a, y, out=t)
        flat = t.reshape(-1)
        return float(np.dot(flat, flat)) * ws.squares
    if ws.fused:
        losses = cross_entropy_from_logits(ws.stages[-1].Z[:n].T, y.T)
    else:
        losses = net.cost.f(a.T, y.T)
    return float(np.add.reduce(losses, axis=None))


def _gather(ws: Workspace, X: Array, Y: Array, rows: Array) -> None:
    # mode="clip": the rows come from a permutation of range(N), so no index is out of
    # range; the default mode="raise" would first gather into a temporary and then copy
    # it into out (4x slower for a batch of 100 rows of 784).
    n = len(rows)
    np.take(X, rows, axis=0, out=ws.X[:n], mode="clip")
    np.take(Y, rows, axis=0, out=ws.Y[:n], mode="clip")


# ---------------------------------------------------------------------------
# the engines
# ---------------------------------------------------------------------------
def _chunks(net: Any, X: Array, Y: Array, rows: Array, chunk: Callable[..., float]) -> float:
    """Run ``chunk`` over the rows in pieces that fit the workspace; return Σ losses."""
    total = 0.0
    ws = workspace(net, len(rows))
    with np.errstate(over="ignore", under="ignore"):
        for begin in range(0, len(rows), ws.capacity):
            total += chunk(net, ws, X, Y, rows[begin : begin + ws.capacity])
    return total


def run_sample(net: Any, X: Array, Y: Array, rows: Array) -> float:
    """The per-sample engine: forward and backward one sample (one row) at a time.

    For every sample j, every layer: z = W a_prev + b, a = σ(z); then
    δ_{L−1} = (∂a/∂z)ᵀ ∂C/∂a (a − y when softmax meets cross-entropy) and
    δ_l = σ'(z_l) ⊙ W_{l+1}ᵀ δ_{l+1}, each into its row of the pending buffers.
    Returns the sum of the samples' losses.
    """
    return _chunks(net, X, Y, rows, _sample_chunk)


def _sample_chunk(net: Any, ws: Workspace, X: Array, Y: Array, rows: Array) -> float:
    n = len(rows)
    _make_room(net)
    _gather(ws, X, Y, rows)
    matmul, add, subtract = np.matmul, np.add, np.subtract
    last_backward = ws.stages[-1].backward
    gradient = ws.gradient
    fused = ws.fused
    for x, forward_steps, final, backward_steps in ws.plans()[:n]:
        # forward, layer by layer: z = W a_prev + b, a = σ(z)
        a_prev = x
        for W, b, z, a, s, forward in forward_steps:
            matmul(W, a_prev, out=z)
            add(z, b, out=z)
            forward(z, a, s)
            a_prev = a
        # the last layer's δ = (∂a/∂z)ᵀ ∂C/∂a (a − y when softmax meets cross-entropy)
        z, a, d, t, s, y = final
        if fused:
            subtract(a, y, out=d)
        else:
            gradient(a, y, d, t)
            last_backward(z, a, d, d, t, s)
        # backwards: δ_l = σ'(z_l) ⊙ W_{l+1}ᵀ δ_{l+1}
        for W_above, d_above, z, a, g, d, t, s, backward in backward_steps:
            matmul(d_above, W_above, out=g)
            backward(z, a, g, d, t, s)
    return _finish(net, ws, n)


def run_batch(net: Any, X: Array, Y: Array, rows: Array) -> float:
    """The batch engine: the mini-batch as one block whose rows are its samples.

    The same equations with matrices: Z_l = A_prev W_lᵀ + b_l, A_l = σ(Z_l),
    Δ_{L−1} from the cost, Δ_l = σ'(Z_l) ⊙ Δ_{l+1} W_{l+1}. Returns Σ losses.
    """
    return _chunks(net, X, Y, rows, _batch_chunk)


def _batch_chunk(net: Any, ws: Workspace, X: Array, Y: Array, rows: Array) -> float:
    n = len(rows)
    _make_room(net)
    X_n, Y_n, forward_steps, final, backward_steps = ws.block(n)
    # the batch's rows of X and Y (mode="clip": see _gather)
    np.take(X, rows, axis=0, out=X_n, mode="clip")
    np.take(Y, rows, axis=0, out=Y_n, mode="clip")
    matmul, add = np.matmul, np.add
    # forward, layer by layer: Z = A_prev Wᵀ + b, A = σ(Z)
    a_prev = X_n
    for W_T, b, z, a, s, forward in forward_steps:
        matmul(a_prev, W_T, out=z)
        add(z, b, out=z)
        forward(z, a, s)
        a_prev = a
    # the last layer's Δ from the cost (A − Y when softmax meets cross-entropy)
    z, a, d, t, s, last_backward = final
    if ws.fused:
        np.subtract(a, Y_n, out=d)
    else:
        ws.gradient(a, Y_n, d, t)
        last_backward(z, a, d, d, t, s)
    # backwards: Δ_l = σ'(Z_l) ⊙ Δ_{l+1} W_{l+1}
    for W_above, d_above, z, a, g, d, t, s, backward in backward_steps:
        matmul(d_above, W_above, out=g)
        backward(z, a, g, d, t, s)
    return _finish(net, ws, n)
