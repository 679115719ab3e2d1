"""save ≡ load: whatever ``save`` writes, ``load`` reads back exactly; whatever ``load``
would refuse, ``save`` refuses first and leaves the old file as it was."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perceptron as pc
from perceptron.io.model import load_with_meta, network_header
from perceptron.io.npz import MAX_HEADER_BYTES

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=12,
)


def small_net(seed: int, dtype: str, activation: str) -> pc.Network:
    return pc.network([3, 4, 2], activation, "quadratic", rng=seed, dtype=np.dtype(dtype))


def notes_length(base: dict[str, object], target: int) -> int:
    """The length of the (empty) "notes" text in ``base`` that makes it ``target`` bytes long."""
    return target - len(json.dumps(base))


@given(
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from(["float64", "float32"]),
    activation=st.sampled_from(["sigmoid", "relu", "tanh", "identity"]),
    meta=st.none() | st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    size=st.none()
    | st.integers(MAX_HEADER_BYTES - 200, MAX_HEADER_BYTES + 50)
    | st.just(MAX_HEADER_BYTES - 64),
    spoil=st.sampled_from([None, "nan", "inf", "init"]),
)
def test_save_writes_only_what_load_reads_back_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    dtype: str,
    activation: str,
    meta: dict[str, object] | None,
    size: int | None,
    spoil: str | None,
) -> None:
    path = tmp_path_factory.mktemp("m") / "m.npz"
    old = small_net(seed + 1, "float64", "sigmoid")
    pc.save(old, path)
    before = path.read_bytes()
    net = small_net(seed, dtype, activation)
    if spoil in ("nan", "inf"):
        net.layers[-1].weights[0, 0] = float(spoil)
    elif spoil == "init":
        net.layers[0].init = "x" * 101
    if size is not None:
        meta = dict(meta or {})
        header = network_header(net, {**meta, "notes": ""})
        meta["notes"] = "a" * max(0, notes_length(header, size))
    try:
        pc.save(net, path, meta=meta)
    except (ValueError, TypeError):
        assert path.read_bytes() == before  # refused: the old file untouched
        return
    back, got = load_with_meta(path)  # written: read back, exactly
    assert got == (meta or {})
    assert back.sizes == net.sizes and back.dtype == net.dtype
    for a, b in zip(back.layers, net.layers, strict=True):
        assert a.weights.tobytes() == b.weights.tobytes() and a.bias.tobytes() == b.bias.tobytes()
        assert a.activation == b.activation and a.init == b.init


def test_the_header_limit_is_the_same_on_both_sides(tmp_path: Path) -> None:
    net = small_net(0, "float64", "sigmoid")
    for extra in (0, -1, 1, 100, 128, 129):
        header = network_header(net, {"notes": ""})
        notes = "a" * notes_length(header, MAX_HEADER_BYTES + extra)
        path = tmp_path / f"m{extra}.npz"
        if extra > 0:
            with pytest.raises(ValueError, match="header would be"):
                pc.save(net, path, meta={"notes": notes})
            assert not path.exists()
        else:
            pc.save(net, path, meta={"notes": notes})
            assert load_with_meta(path)[1]["notes"] == notes
