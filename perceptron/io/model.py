"""Saving and loading networks: one ``.npz`` file, no pickle.

The file is a zip of ``.npy`` arrays: ``W0, b0, W1, b1, …`` and ``header``,
a JSON document stored as bytes::

    {"format": "perceptron", "version": 1, "inputdim": 784,
     "cost": "quadratic", "dtype": "float64",
     "layers": [{"outsize": 30, "activation": "sigmoid", "init": "standard_normal"}, …],
     "meta": {…}}            # optional: input preparation, label names, …

Loading never runs code from the file (``allow_pickle=False`` and only
numeric dtypes), checks the header's sizes against limits and each array's
declared shape against the header before reading its data, and refuses
anything that does not fit with :class:`ModelFileError`. Saving first makes
the checks loading makes (one function, :func:`check_loadable`), then writes a
temporary file in the target's folder and renames it over the target, so a
crash mid-save never leaves a broken file; a symlink is written through and
anything but a regular file is refused (:func:`~perceptron.io.atomic.regular_target`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..checks import MAX_PARAMETERS, MAX_UNITS
from ..costs import COSTS
from ..structs import Layer, Network
from ..types import Array
from .npz import ModelFileError, PathLike, header_bytes, read_npz_checked, write_npz_atomic

FORMAT = "perceptron"
VERSION = 1
_MAX_LAYERS = 1024
_DTYPES: dict[str, np.dtype[Any]] = {"float64": np.dtype("<f8"), "float32": np.dtype("<f4")}


def network_header(net: Network, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON header describing ``net``; refuses custom activations and costs."""
    if COSTS.get(net.cost.name) != net.cost:
        raise ValueError(
            f"net: the cost {net.cost.name!r} is not a built-in one ({sorted(COSTS)}); "
            "a custom cost cannot be saved by name and loaded back"
        )
    for i, layer in enumerate(net.layers):
        if ACTIVATIONS.get(layer.activation.name) != layer.activation:
            raise ValueError(
                f"net: layer {i}'s activation {layer.activation.name!r} is not a built-in one "
                f"({sorted(ACTIVATIONS)}); it cannot be saved by name and loaded back"
            )
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "inputdim": net.inputdim,
        "cost": net.cost.name,
        "dtype": np.dtype(net.dtype).name,
        "layers": [
            {"outsize": layer.outsize, "activation": layer.activation.name, "init": layer.init}
            for layer in net.layers
        ],
    }
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta: expected a dict of JSON values, got {type(meta).__name__}")
    if meta:
        header["meta"] = meta
    return header


def network_arrays(net: Network, prefix: str = "") -> dict[str, Array]:
    out: dict[str, Array] = {}
    for i, layer in enumerate(net.layers):
        out[f"{prefix}W{i}"] = layer.weights
        out[f"{prefix}b{i}"] = layer.bias
    return out


def expected_network_arrays(
    header: dict[str, Any], prefix: str = ""
) -> dict[str, tuple[tuple[int, ...], np.dtype[Any]]]:
    """Check a network header; return the shapes and dtypes its arrays must have."""
    if header.get("format") != FORMAT:
        raise ModelFileError("not a perceptron model file (format field missing or wrong)")
    if header.get("version") != VERSION:
        raise ModelFileError(
            f"unknown model format version {header.get('version')!r}; this perceptron "
            f"reads version {VERSION}"
        )
    inputdim = header.get("inputdim")
    layers = header.get("layers")
    dtype = _DTYPES.get(str(header.get("dtype")))
    if dtype is None:
        raise ModelFileError(f"unsupported dtype {header.get('dtype')!r}")
    if header.get("cost") not in COSTS:
        raise ModelFileError(f"unknown cost {header.get('cost')!r}")
    if not _is_size(inputdim) or not isinstance(layers, list) or not layers:
        raise ModelFileError("the header's inputdim or layers are missing or invalid")
    if len(layers) > _MAX_LAYERS:
        raise ModelFileError(f"the header lists {len(layers)} layers, more than {_MAX_LAYERS}")
    expected: dict[str, tuple[tuple[int, ...], np.dtype[Any]]] = {}
    insize: int = int(inputdim)  # type: ignore[arg-type]
    total = 0
    for i, spec in enumerate(layers):
        if not isinstance(spec, dict) or not _is_size(spec.get("outsize")):
            raise ModelFileError(f"layer {i} in the header has no valid outsize")
        if spec.get("activation") not in ACTIVATIONS:
            raise ModelFileError(f"layer {i} has an unknown activation {spec.get('activation')!r}")
        init = spec.get("init", "custom")
        if not isinstance(init, str) or len(init) > 100:
            raise ModelFileError(f"layer {i} has an invalid init name")
        outsize = spec["outsize"]
        total += outsize * (insize + 1)
        if total > MAX_PARAMETERS:
            raise ModelFileError("the header describes more parameters than the limit")
        expected[f"{prefix}W{i}"] = ((outsize, insize), dtype)
        expected[f"{prefix}b{i}"] = ((outsize, 1), dtype)
        insize = outsize
    return expected


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_UNITS


def build_network(header: dict[str, Any], arrays: dict[str, Array], prefix: str = "") -> Network:
    """A Network from a checked header and its arrays (copied, finite)."""
    dtype = _DTYPES[header["dtype"]]
    net = Network(header["inputdim"], COSTS[header["cost"]], dtype=dtype)
    for i, spec in enumerate(header["layers"]):
        weights = np.array(arrays[f"{prefix}W{i}"], dtype=dtype, order="C")
        bias = np.array(arrays[f"{prefix}b{i}"], dtype=dtype, order="C")
        if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            raise ModelFileError(f"layer {i}'s weights or biases are not finite")
        net.layers.append(
            Layer(
                weights=weights,
                bias=bias,
                activation=ACTIVATIONS[spec["activation"]],
                init=spec.get("init", "custom"),
            )
        )
    return net


def save(net: Network, path: PathLike, meta: dict[str, Any] | None = None) -> None:
    """Save ``net`` to ``path`` (``.npz``), atomically.

    ``meta`` is any JSON-serialisable dict kept in the header (the command
    line stores the input preparation and label names there). Networks with a
    custom activation or cost are refused: they could not be loaded by name.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a Network, got {type(net).__name__}")
    if not net.layers:
        raise ValueError("net: the network has no layers; there is nothing to save")
    header = network_header(net, meta)
    arrays = network_arrays(net)
    check_loadable(header, arrays)
    write_npz_atomic(path, header, arrays)


def check_savable(net: Network, meta: dict[str, Any] | None = None) -> None:
    """Raise now what :func:`save` of ``net`` with ``meta`` would raise (nothing is written)."""
    check_loadable(network_header(net, meta), network_arrays(net))


def check_loadable(header: dict[str, Any], arrays: dict[str, Array]) -> None:
    """Refuse, before anything is written, what :func:`load` would refuse or change.

    The header must survive JSON unchanged and pass the reader's size rule
    (:func:`~perceptron.io.npz.header_bytes`, the same function the writer uses),
    and the header and arrays must pass the very checks ``load`` makes (shapes,
    dtypes, names, sizes, finite values), so a save never replaces a good file
    with one that cannot be read back exactly. The command line calls this
    before training, with the metadata it will save.
    """
    if not isinstance(header.get("meta", {}), dict):
        raise TypeError(f"meta: expected a dict, got {type(header['meta']).__name__}")
    text = header_bytes(header, "meta")
    if json.loads(text) != header:
        raise TypeError(
            "meta: holds values JSON would change (tuples, non-text keys); use lists and text keys"
        )
    try:
        expected = expected_network_arrays(header)
        for name, (shape, dtype) in expected.items():
            array = arrays.get(name)
            if array is None or array.shape != shape or array.dtype != dtype:
                got = "missing" if array is None else f"{array.shape} {array.dtype}"
                raise ModelFileError(f"array {name} is {got}, expected {shape} {dtype}")
        build_network(header, arrays)
    except ModelFileError as error:
        raise ValueError(
            f"net: load would refuse this network ({error}); nothing was written"
        ) from None


def load(path: PathLike) -> Network:
    """Load a network saved by :func:`save`; it gives bit-identical outputs."""
    header, arrays = read_npz_checked(path, expected_network_arrays)
    return build_network(header, arrays)


def load_with_meta(path: PathLike) -> tuple[Network, dict[str, Any]]:
    """Like :func:`load`, also returning the header's ``meta`` dict (or {})."""
    header, arrays = read_npz_checked(path, expected_network_arrays)
    meta = header.get("meta") or {}
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: the header's meta is not a JSON object")
    return build_network(header, arrays), meta
