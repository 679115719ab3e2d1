"""Corrupted files: models, checkpoints and IDX files, mutated byte by byte."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rigging import (
    IDX_TYPES,
    mutate,
    parse_idx,
)
from rigging import params as weights

import perceptron as pc

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------
# 2. corrupted files
# ---------------------------------------------------------------------------
FILE_FAILURES: list[str] = []


def _bad(reason: str) -> str:
    FILE_FAILURES.append(reason)
    return "bad"


def model_outcome(path: Path) -> str:
    try:
        net = pc.load(path)
    except pc.ModelFileError:
        return "refused"
    except Exception as error:  # noqa: BLE001 - counted as a failure
        return _bad(f"load: {type(error).__name__}: {error}")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes())
            ok = header["inputdim"] == net.inputdim and all(
                np.array_equal(layer.weights, data[f"W{i}"])
                and np.array_equal(layer.bias, data[f"b{i}"])
                and layer.activation.name == header["layers"][i]["activation"]
                for i, layer in enumerate(net.layers)
            )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


CKPT_X, CKPT_LABELS = pc.spiral(6, 3, rng=0)
CKPT_Y = pc.one_hot(CKPT_LABELS, 3)


def _ckpt_net() -> pc.Network:
    return pc.network([2, 4, 3], "relu", "cross_entropy", output_activation="softmax", rng=1)


def checkpoint_outcome(path: Path) -> str:
    net, optimizer = _ckpt_net(), pc.Adam()
    before = [a.copy() for a in weights(net)]
    try:
        pc.sgd(net, CKPT_X, CKPT_Y, 4, 2, 0.1, rng=3, optimizer=optimizer, checkpoint=path)
    except pc.ModelFileError:
        unchanged = optimizer.t == 0 and all(
            np.array_equal(a, b) for a, b in zip(before, weights(net), strict=True)
        )
        return "refused" if unchanged else _bad("refused checkpoint changed the network")
    except Exception as error:  # noqa: BLE001
        return _bad(f"checkpoint: {type(error).__name__}: {error}")
    try:
        with np.load(path, allow_pickle=False) as data:
            ok = all(
                np.array_equal(layer.weights, data[f"W{i}"]) for i, layer in enumerate(net.layers)
            )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


def idx_outcome(path: Path) -> str:
    from perceptron.io.idx import IDXError, read_idx

    try:
        got = read_idx(path)
    except IDXError:
        return "refused"
    except Exception as error:  # noqa: BLE001
        return _bad(f"read_idx: {type(error).__name__}: {error}")
    try:
        expected = parse_idx(path.read_bytes())
        ok = got.shape == expected.shape and np.array_equal(
            got, expected.astype(got.dtype), equal_nan=got.dtype.kind == "f"
        )
    except Exception as error:  # noqa: BLE001
        return _bad(f"loaded, but the independent reader fails: {type(error).__name__}: {error}")
    return "intact" if ok else _bad("loaded arrays differ from the file's")


def file_campaign(
    rng: np.random.Generator, per_kind: int, folder: Path
) -> dict[str, dict[str, int]]:
    kinds: dict[str, tuple[list[bytes], Callable[[Path], str]]] = {}
    models = []
    for i, (sizes, dtype) in enumerate(
        [
            ([2, 3, 1], np.float64),
            ([4, 1], np.float32),
            ([3, 5, 4, 2], np.float64),
            ([1, 1], np.float64),
        ]
    ):
        net = pc.network(
            sizes, "tanh", "quadratic", output_activation="sigmoid", rng=i, dtype=dtype
        )
        path = folder / f"model{i}.npz"
        pc.save(net, path, meta={"labels": ["a", "b"]} if i == 0 else None)
        models.append(path.read_bytes())
    kinds["model"] = (models, model_outcome)
    checkpoints = []
    for seed in (3, 4):
        path = folder / f"run{seed}.ckpt"
        pc.sgd(
            _ckpt_net(), CKPT_X, CKPT_Y, 4, 2, 0.1, rng=seed, optimizer=pc.Adam(), checkpoint=path
        )
        checkpoints.append(path.read_bytes())
    kinds["checkpoint"] = (checkpoints, checkpoint_outcome)
    from rigging import write_idx

    idx = []
    for i, (code, shape, compress) in enumerate(
        [
            (0x08, (5, 4, 4), False),
            (0x08, (7,), True),
            (0x0D, (3, 2), False),
            (0x0C, (2, 3, 2), True),
        ]
    ):
        array = (np.arange(math.prod(shape)) % 97).reshape(shape)
        array = array.astype(np.dtype(IDX_TYPES[code]).newbyteorder("="))
        path = folder / f"file{i}.idx"
        write_idx(path, array, compress=compress)
        idx.append(path.read_bytes())
    kinds["idx"] = (idx, idx_outcome)
    counts: dict[str, dict[str, int]] = {}
    broken = folder / "broken"
    for kind, (sources, outcome) in kinds.items():
        tally = {"refused": 0, "intact": 0, "bad": 0}
        for _ in range(per_kind):
            pick = int(rng.integers(len(sources)))
            broken.write_bytes(mutate(sources[pick], rng, sources[(pick + 1) % len(sources)]))
            tally[outcome(broken)] += 1
        counts[kind] = tally
    # A pickled object must be refused without being unpickled: as a model, as a checkpoint.
    marker = folder / "marker"
    path = folder / "evil.npz"
    with open(path, "wb") as handle:
        np.savez(
            handle,
            header=np.frombuffer(b"{}", dtype=np.uint8),
            W0=np.array([_Marker(marker)], dtype=object),
        )
    tally = {"refused": 0, "intact": 0, "bad": 0}
    for outcome in (model_outcome, checkpoint_outcome):
        tally["refused" if outcome(path) == "refused" and not marker.exists() else "bad"] += 1
    counts["pickle"] = tally
    return counts


class _Marker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))
