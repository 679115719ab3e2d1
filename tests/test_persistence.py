"""save/load: bit-identical round trips, and every malformed file refused clearly."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron import Activation, ModelFileError, load, network, predict, save
from perceptron.activations import ACTIVATIONS
from perceptron.costs import COSTS
from perceptron.io.model import load_with_meta


def _small_net(dtype=np.float64):
    return network([3, 4, 2], "sigmoid", "quadratic", init="standard_normal", rng=0, dtype=dtype)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _header(path: Path) -> dict:
    raw = np.load(io.BytesIO(_members(path)["header.npy"]))
    return json.loads(raw.tobytes())


@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    cost=st.sampled_from(sorted(COSTS)),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**16),
)
def test_round_trip_is_bit_identical(
    tmp_path_factory: pytest.TempPathFactory, sizes, activation, cost, dtype, seed
):
    net = network(sizes, activation, cost, rng=seed, dtype=dtype)
    path = tmp_path_factory.mktemp("model") / "net.npz"
    meta = {"prepare": {"scale": 1 / 255}, "label_names": ["a", "b"]}
    save(net, path, meta=meta)
    back, got_meta = load_with_meta(path)
    assert got_meta == meta
    assert back.sizes == net.sizes and back.dtype == net.dtype
    assert back.cost is net.cost
    for a, b in zip(net.layers, back.layers, strict=True):
        assert a.activation is b.activation and a.init == b.init
        assert a.weights.dtype == b.weights.dtype
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)
    X = np.random.default_rng(seed).normal(size=(5, sizes[0]))
    assert np.array_equal(predict(back, X), predict(net, X))


def test_header_records_the_network(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(np.float32), path)
    header = _header(path)
    assert header["format"] == "perceptron" and header["version"] == 1
    assert header["inputdim"] == 3 and header["cost"] == "quadratic"
    assert header["dtype"] == "float32"
    assert header["layers"] == [
        {"outsize": 4, "activation": "sigmoid", "init": "standard_normal"},
        {"outsize": 2, "activation": "sigmoid", "init": "standard_normal"},
    ]
    assert load_with_meta(path)[1] == {}


def test_custom_activation_or_cost_is_refused(tmp_path: Path):
    net = _small_net()
    net.layers[0].activation = Activation("double", lambda z: 2 * z, lambda z: 2 + 0 * z)
    with pytest.raises(ValueError, match="not a built-in one"):
        save(net, tmp_path / "m.npz")
    assert not any(tmp_path.iterdir()), "a refused save writes nothing"
    with pytest.raises(TypeError, match="JSON"):
        save(_small_net(), tmp_path / "m.npz", meta={"bad": object()})
    with pytest.raises(TypeError, match="Network"):
        save("not a network", tmp_path / "m.npz")  # type: ignore[arg-type]


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    other = network([3, 5, 2], rng=1)
    with pytest.raises(OSError, match="disk full"):
        save(other, path)
    assert path.read_bytes() == before, "a failed save leaves the old file as it was"
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"], "no temporary file is left"
    with pytest.raises(FileNotFoundError):
        save(_small_net(), tmp_path / "nowhere" / "m.npz")


def test_every_truncation_is_refused(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    for n in sorted({0, 1, 10, 100, len(data) // 2, len(data) - 22, len(data) - 1}):
        cut.write_bytes(data[:n])
        with pytest.raises(ModelFileError):
            load(cut)


def test_flipped_bytes_never_crash(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    bad = tmp_path / "bad.npz"
    for position in rng.choice(len(data), size=60, replace=False):
        corrupted = bytearray(data)
        corrupted[position] ^= 0xFF
        bad.write_bytes(bytes(corrupted))
        try:
            net = load(bad)
        except ModelFileError:
            continue
        # A flip inside the float data can still be a valid model: same shapes then.
        assert net.sizes == [3, 4, 2]


def test_object_array_is_refused(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    members = _members(path)
    members["W0.npy"] = _npy(np.array([[{"x": 1}] * 3] * 4, dtype=object))
    _rewrite(path, members)
    with pytest.raises(ModelFileError, match="objects"):
        load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda h: h.update(version=2), "version"),
        (lambda h: h.update(format="other"), "not a perceptron model"),
        (lambda h: h.update(cost="hinge"), "unknown cost"),
        (lambda h: h.update(dtype="float16"), "dtype"),
        (lambda h: h["layers"][0].update(activation="swish"), "unknown activation"),
        (lambda h: h["layers"][0].update(outsize=5), "shape"),
        (lambda h: h.update(inputdim=0), "inputdim"),
        (lambda h: h["layers"].append({"outsize": 2, "activation": "relu"}), "missing"),
        (lambda h: h["layers"][0].update(outsize=1 << 20), "shape"),
        (lambda h: h["layers"][0].update(outsize=1 << 24), "more data than the file holds"),
    ],
)
def test_header_that_does_not_fit_is_refused(tmp_path: Path, change, message):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    members = _members(path)
    header = _header(path)
    change(header)
    members["header.npy"] = _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    _rewrite(path, members)
    with pytest.raises(ModelFileError, match=message):
        load(path)


def test_arrays_that_do_not_fit_are_refused(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    members = _members(path)
    for name, array, message in [
        ("W0", np.zeros((4, 2)), "shape"),
        ("b1", np.zeros((2, 1), dtype=np.float32), "dtype"),
        ("W1", np.full((2, 4), np.nan), "not finite"),
    ]:
        _rewrite(path, {**members, f"{name}.npy": _npy(array)})
        with pytest.raises(ModelFileError, match=message):
            load(path)
    _rewrite(path, {**members, "extra.npy": _npy(np.zeros(1))})
    with pytest.raises(ModelFileError, match="unexpected"):
        load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_a_consistent_lie_about_sizes_is_refused_before_reading(tmp_path: Path):
    # Header and .npy both claim a 2**20×3 array; the member holds a few bytes.
    path = tmp_path / "m.npz"
    save(network([3, 2], rng=0), path)
    members = _members(path)
    header = _header(path)
    header["layers"][0]["outsize"] = 1 << 20
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        npy, {"descr": "<f8", "fortran_order": False, "shape": (1 << 20, 3)}
    )
    members["header.npy"] = _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    members["W0.npy"] = npy.getvalue() + bytes(64)
    members["b0.npy"] = _npy(np.zeros((1 << 20, 1)))
    _rewrite(path, members)
    with pytest.raises(ModelFileError, match="array 'W0' is truncated"):
        load(path)


def test_saved_file_is_readable_by_others(tmp_path: Path):
    path = tmp_path / "m.npz"
    save(_small_net(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --- Whatever ``save`` accepts, ``load`` returns exactly; what ``load`` would refuse,


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
