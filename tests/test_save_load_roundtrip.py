"""Whatever ``save`` accepts, ``load`` returns exactly; what ``load`` would refuse,
``save`` refuses first, leaving the old file as it was."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8)
    | st.floats(allow_nan=True, allow_infinity=True) | st.tuples(st.integers()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=5) | st.integers(0, 3), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
SPOIL = st.sampled_from(["none", "nan", "inf", "shape", "dtype", "readonly"])


def _spoil(net: pc.Network, how: str, rng: np.random.Generator) -> None:
    layer = net.layers[int(rng.integers(len(net.layers)))]
    if how in ("nan", "inf"):
        layer.weights.flat[int(rng.integers(layer.weights.size))] = (
            np.nan if how == "nan" else np.inf
        )
    elif how == "shape":
        layer.weights = np.ones((layer.weights.shape[0], layer.weights.shape[1] + 1))
    elif how == "dtype":
        layer.bias = layer.bias.astype(np.float16)
    elif how == "readonly":
        layer.weights.setflags(write=False)  # harmless: saved and loaded as any array


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    activation=st.sampled_from(["sigmoid", "relu", "tanh", "identity"]),
    cost=st.sampled_from(["quadratic", "mse", "cross_entropy"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    meta=st.none() | st.dictionaries(st.text(max_size=6), JSON, max_size=4),
    spoil=SPOIL,
    seed=st.integers(0, 2**16),
)
def test_save_accepts_only_what_load_returns_exactly(
    sizes: list[int], activation: str, cost: str, dtype: Any, meta: Any, spoil: str, seed: int
) -> None:
    net = pc.network(sizes, activation, cost, rng=seed, dtype=dtype)
    _spoil(net, spoil, np.random.default_rng(seed))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.npz"
        pc.save(pc.network([2, 1], rng=0), path)
        good = path.read_bytes()
        try:
            pc.save(net, path, meta=meta)
        except (ValueError, TypeError):
            assert path.read_bytes() == good  # refused: the old file untouched
            return
        back, back_meta = pc.load_with_meta(path)
    assert back.sizes == net.sizes and back.cost == net.cost and back.dtype == net.dtype
    for mine, theirs in zip(net.layers, back.layers, strict=True):
        assert np.array_equal(mine.weights, theirs.weights)
        assert np.array_equal(mine.bias, theirs.bias)
        assert mine.weights.dtype == theirs.weights.dtype
        assert mine.activation == theirs.activation and mine.init == theirs.init
    assert back_meta == (meta or {})
    assert spoil not in ("nan", "inf", "shape", "dtype")  # those must have been refused
