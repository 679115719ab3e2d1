"""Corrupted files: models, checkpoints and IDX files that lie, bytes that flip.

The promise: a broken file gets only the documented error (ModelFileError or
IDXError, both ValueErrors) — or loads, when what is left still describes a
valid network whose arrays are exactly those in the file; nothing is ever
unpickled; a header that claims huge arrays is refused before anything large
is allocated.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rigging import IDX_TYPES, mutate, parse_idx

import perceptron as pc
from perceptron.io import model as persistence
from perceptron.io.checkpoint import Checkpointer  # noqa: F401  (the module under test)

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------
def small_net(sizes: list[int], dtype: Any = np.float64, seed: int = 0) -> pc.Network:
    return pc.network(
        sizes, "tanh", "quadratic", output_activation="sigmoid", rng=seed, dtype=dtype
    )


def load_outcome(path: Path) -> str:
    """'refused' or 'loaded' (checked against an independent reading); anything else raises."""
    try:
        net = pc.load(path)
    except pc.ModelFileError:
        return "refused"
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(data["header"].tobytes())
        assert header["inputdim"] == net.inputdim
        assert [spec["outsize"] for spec in header["layers"]] == net.sizes[1:]
        for i, layer in enumerate(net.layers):
            assert np.array_equal(layer.weights, data[f"W{i}"])
            assert np.array_equal(layer.bias, data[f"b{i}"])
            assert layer.activation.name == header["layers"][i]["activation"]
    return "loaded"


@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=20)
def test_corrupted_model_files_are_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], dtype: Any, seed: int
) -> None:
    folder = tmp_path_factory.mktemp("models")
    original, other = folder / "model.npz", folder / "other.npz"
    pc.save(small_net(sizes, dtype, seed % 1000), original)
    pc.save(small_net([3, 2], np.float64, 1), other)
    data, other_data = original.read_bytes(), other.read_bytes()
    rng = np.random.default_rng(seed)
    broken = folder / "broken.npz"
    outcomes = []
    for _ in range(60):
        broken.write_bytes(mutate(data, rng, other_data))
        outcomes.append(load_outcome(broken))
    assert "refused" in outcomes


def test_thousands_of_corrupted_files_from_a_seeded_rng(tmp_path: Path) -> None:
    sources = []
    for i, sizes in enumerate(([2, 3, 1], [4, 1], [3, 5, 4, 2])):
        path = tmp_path / f"m{i}.npz"
        pc.save(small_net(sizes, seed=i), path)
        sources.append(path.read_bytes())
    rng = np.random.default_rng(2024)
    broken = tmp_path / "broken.npz"
    counts = {"refused": 0, "loaded": 0}
    for _ in range(1500):
        pick = int(rng.integers(len(sources)))
        broken.write_bytes(mutate(sources[pick], rng, sources[(pick + 1) % len(sources)]))
        counts[load_outcome(broken)] += 1
    assert counts["refused"] > 1000, counts


# ---------------------------------------------------------------------------
# checkpoints
# ---------------------------------------------------------------------------
X, LABELS = pc.spiral(6, 3, rng=0)
Y = pc.one_hot(LABELS, 3)


def ckpt_net() -> pc.Network:
    return pc.network([2, 4, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)


def test_corrupted_checkpoints_are_refused_and_change_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.ckpt"
    pc.sgd(ckpt_net(), X, Y, 4, 2, 0.1, rng=3, optimizer=pc.Adam(), checkpoint=good)
    other = tmp_path / "other.ckpt"
    pc.sgd(ckpt_net(), X, Y, 4, 2, 0.1, rng=4, optimizer=pc.Adam(), checkpoint=other)
    data, other_data = good.read_bytes(), other.read_bytes()
    rng = np.random.default_rng(7)
    broken = tmp_path / "broken.ckpt"
    counts = {"refused": 0, "loaded": 0}
    for _ in range(400):
        broken.write_bytes(mutate(data, rng, other_data))
        net, optimizer = ckpt_net(), pc.Adam()
        before = [(layer.weights.copy(), layer.bias.copy()) for layer in net.layers]
        try:
            history = pc.sgd(net, X, Y, 4, 2, 0.1, rng=3, optimizer=optimizer, checkpoint=broken)
        except pc.ModelFileError:
            counts["refused"] += 1
            assert optimizer.t == 0
            assert not any(a.any() for a in optimizer.state["moment"] + optimizer.state["cache"])
            for (w, b), layer in zip(before, net.layers, strict=True):
                assert np.array_equal(w, layer.weights) and np.array_equal(b, layer.bias)
            continue
        counts["loaded"] += 1
        assert history.epochs == 2
        with np.load(broken, allow_pickle=False) as saved:
            for i, layer in enumerate(net.layers):
                assert np.array_equal(layer.weights, saved[f"W{i}"])
            assert np.array_equal(optimizer.state["moment"][0], saved["opt_moment_0"])
    assert counts["refused"] > 300, counts


# ---------------------------------------------------------------------------
# no code runs, no huge allocation
# ---------------------------------------------------------------------------
class Marker:
    """Unpickling this object creates the file at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def _npz(path: Path, **arrays: Any) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _header(net: pc.Network) -> np.ndarray:
    return np.frombuffer(json.dumps(persistence.network_header(net)).encode(), dtype=np.uint8)


@pytest.mark.parametrize("where", ["weights", "header", "whole file", "checkpoint"])
def test_a_pickled_object_is_never_unpickled(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "marker"
    # The test can fail: unpickling this payload really does create the marker.
    pickle.loads(pickle.dumps(Marker(marker)))
    assert marker.exists()
    marker.unlink()

    net = small_net([2, 3, 1])
    evil = np.array([Marker(marker)], dtype=object)
    path = tmp_path / "evil.npz"
    if where == "weights":
        _npz(path, header=_header(net), W0=evil, b0=net.layers[0].bias, W1=net.layers[1].weights,
             b1=net.layers[1].bias)  # fmt: skip
    elif where == "header":
        _npz(path, header=evil)
    elif where == "whole file":
        path.write_bytes(pickle.dumps(Marker(marker)))
    if where == "checkpoint":
        pc.sgd(ckpt_net(), X, Y, 4, 1, 0.1, rng=3, checkpoint=path)
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        arrays["W0"] = evil
        _npz(path, **arrays)
        with pytest.raises(pc.ModelFileError, match="object|pickle"):
            pc.sgd(ckpt_net(), X, Y, 4, 1, 0.1, rng=3, checkpoint=path)
    else:
        with pytest.raises(pc.ModelFileError):
            pc.load(path)
    assert not marker.exists()


def _lying_model(path: Path, inputdim: int, outsize: int) -> None:
    """A small file whose header and .npy headers claim inputdim×outsize weights."""
    header = {
        "format": "perceptron",
        "version": 1,
        "inputdim": inputdim,
        "cost": "quadratic",
        "dtype": "float64",
        "layers": [{"outsize": outsize, "activation": "sigmoid", "init": "custom"}],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        member = io.BytesIO()
        np.lib.format.write_array(member, raw)
        archive.writestr("header.npy", member.getvalue())
        for name, shape in (("W0", (outsize, inputdim)), ("b0", (outsize, 1))):
            member = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                member, {"descr": "<f8", "fortran_order": False, "shape": shape}
            )
            archive.writestr(f"{name}.npy", member.getvalue() + b"\0" * 64)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(
    ("inputdim", "outsize"),
    [(1 << 24, 64), (1 << 20, 1 << 10), (1 << 13, 1 << 13), (1 << 24, 1 << 24)],
)
def test_a_header_claiming_huge_arrays_allocates_nothing_large(
    tmp_path: Path, inputdim: int, outsize: int
) -> None:
    path = tmp_path / "liar.npz"
    _lying_model(path, inputdim, outsize)
    assert path.stat().st_size < 2_000
    tracemalloc.start()
    try:
        with pytest.raises(pc.ModelFileError):
            pc.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, peak


# ---------------------------------------------------------------------------
# IDX files
# ---------------------------------------------------------------------------


@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    code=st.sampled_from(sorted(IDX_TYPES)),
    compress=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=25)
def test_corrupted_idx_files_get_only_idx_errors(
    tmp_path_factory: pytest.TempPathFactory,
    shape: list[int],
    code: int,
    compress: bool,
    seed: int,
) -> None:
    from rigging import write_idx

    from perceptron.io.idx import IDXError, read_idx

    folder = tmp_path_factory.mktemp("idx")
    rng = np.random.default_rng(seed)
    array = (rng.random(shape) * 100).astype(np.dtype(IDX_TYPES[code]).newbyteorder("="))
    original = folder / ("a.idx.gz" if compress else "a.idx")
    write_idx(original, array)
    assert np.array_equal(read_idx(original), array)
    other = folder / "b.idx"
    write_idx(other, np.arange(12, dtype=np.uint8).reshape(3, 4))
    data, other_data = original.read_bytes(), other.read_bytes()
    broken = folder / "broken"
    for _ in range(50):
        mutated = mutate(data, rng, other_data)
        broken.write_bytes(mutated)
        try:
            got = read_idx(broken)
        except IDXError:
            continue
        expected = parse_idx(mutated)
        assert got.shape == expected.shape
        assert np.array_equal(got, expected.astype(got.dtype), equal_nan=got.dtype.kind == "f")


@pytest.mark.parametrize("compress", [False, True])
def test_an_idx_header_claiming_huge_data_allocates_nothing_large(
    tmp_path: Path, compress: bool
) -> None:
    from perceptron.io.idx import IDXError, read_idx

    data = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 60000, 2800, 2800) + b"\0" * 100
    path = tmp_path / "liar.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    tracemalloc.start()
    try:
        with pytest.raises(IDXError):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, peak
