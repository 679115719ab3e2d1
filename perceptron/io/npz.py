"""An ``.npz`` of named arrays plus a JSON header: written atomically, read defensively.

Reading never runs code from the file (``allow_pickle=False``, numeric dtypes
only), asks the caller which arrays the header promises, and checks each
array's declared shape and dtype before reading its data, so a hostile file is
refused with :class:`ModelFileError` before anything large is allocated.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Array
from .atomic import atomic_write

#: The largest JSON header, in bytes of UTF-8 text, that is written or read.
MAX_HEADER_BYTES = 1 << 20
#: Room for the ``.npy`` preamble around the header's bytes (numpy writes 128 bytes).
_NPY_PREAMBLE = 1 << 12


class ModelFileError(ValueError):
    """A model or checkpoint file that cannot be read, or does not fit its header."""


PathLike = str | os.PathLike[str]


def header_bytes(header: dict[str, Any], name: str = "header") -> bytes:
    """The header as stored: its JSON text in UTF-8, refused when the reader would refuse it.

    The one size rule both sides apply: at most ``MAX_HEADER_BYTES`` bytes of text
    (``ValueError``); values JSON cannot hold (NaN, objects) are a ``TypeError``.
    """
    try:
        data = json.dumps(header, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name}: expected JSON values (text, numbers, lists, dicts; {error})"
        ) from None
    if len(data) > MAX_HEADER_BYTES:
        raise ValueError(
            f"{name}: the header would be {len(data):,} bytes, more than load reads "
            f"({MAX_HEADER_BYTES:,}); keep it smaller. Nothing was written"
        )
    return data


def write_npz_atomic(
    path: PathLike, header: dict[str, Any], arrays: dict[str, Array], name: str = "path"
) -> None:
    """Write ``arrays`` and ``header`` to ``path`` via a temporary file and a rename."""
    payload = {"header": np.frombuffer(header_bytes(header), dtype=np.uint8)}
    for name, array in arrays.items():
        payload[name] = np.ascontiguousarray(array)
    atomic_write(path, lambda handle: np.savez(handle, **payload), name)  # type: ignore[arg-type]


def _npy_header(archive: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    with archive.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ModelFileError(f"array {member!r} has an unknown .npy version {version}")
    if dtype.hasobject:
        raise ModelFileError(f"array {member!r} holds Python objects; refusing to unpickle")
    return tuple(int(s) for s in shape), dtype


Expected = dict[str, tuple[tuple[int, ...], np.dtype[Any]]]


def _header(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], source: Path, what: str
) -> dict[str, Any]:
    """The JSON header, checked to be a small byte string holding a JSON object."""
    if "header.npy" not in names:
        raise ModelFileError(f"{source}: not a perceptron {what} file (no header)")
    if names["header.npy"].file_size > MAX_HEADER_BYTES + _NPY_PREAMBLE:
        raise ModelFileError(f"{source}: the header is implausibly large")
    shape, dtype = _npy_header(archive, "header.npy")
    if dtype != np.uint8 or len(shape) != 1:
        raise ModelFileError(f"{source}: the header is not a JSON byte string")
    if shape[0] > MAX_HEADER_BYTES:
        raise ModelFileError(f"{source}: the header is implausibly large")
    with archive.open("header.npy") as handle:
        raw = np.lib.format.read_array(handle, allow_pickle=False)
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{source}: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{source}: the header is not a JSON object")
    return header


def _arrays(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], source: Path, expected: Expected
) -> dict[str, Array]:
    """The expected arrays, each declared shape and dtype checked before its data is read."""
    arrays: dict[str, Array] = {}
    for name, (want_shape, want_dtype) in expected.items():
        member = f"{name}.npy"
        if member not in names:
            raise ModelFileError(f"{source}: array {name!r} is missing")
        got_shape, got_dtype = _npy_header(archive, member)
        if got_shape != want_shape or got_dtype != want_dtype:
            raise ModelFileError(
                f"{source}: array {name!r} has shape {got_shape} and dtype {got_dtype}, "
                f"the header says {want_shape} and {want_dtype}"
            )
        nbytes = int(np.prod(want_shape)) * want_dtype.itemsize
        if names[member].file_size < nbytes:
            # The zip's own size record is smaller than the data the shape needs.
            raise ModelFileError(f"{source}: array {name!r} is truncated")
        with archive.open(member) as handle:
            array = np.lib.format.read_array(handle, allow_pickle=False)
        if array.shape != want_shape:
            raise ModelFileError(f"{source}: array {name!r} is truncated")
        arrays[name] = array
    extra = set(names) - {f"{n}.npy" for n in expected} - {"header.npy"}
    if extra:
        raise ModelFileError(f"{source}: unexpected entries {sorted(extra)}")
    return arrays


def read_npz_checked(
    path: PathLike, expect: Any, what: str = "model"
) -> tuple[dict[str, Any], dict[str, Array]]:
    """Read the header, ask ``expect(header)`` for {name: (shape, dtype)}, then the arrays.

    Every declared shape and dtype is compared with ``expect`` before any array
    data is read, so a hostile header cannot make us allocate much memory.
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no {what} file at {str(source)!r}")
    size = source.stat().st_size
    try:
        with open(source, "rb") as handle:
            # zipfile would also accept bytes before the archive (as in self-extracting
            # files); an .npz starts with the zip signature, as numpy.load requires.
            if handle.read(4) != b"PK\x03\x04":
                raise ModelFileError(f"{source}: not a perceptron {what} file (not an .npz)")
        with zipfile.ZipFile(source) as archive:
            names = {info.filename: info for info in archive.infolist()}
            header = _header(archive, names, source, what)
            try:
                expected: Expected = expect(header)
            except ModelFileError as error:
                # type(error): keep a subclass such as CheckpointMismatchError.
                raise type(error)(f"{source}: {error}") from None
            total = sum(int(np.prod(s)) * d.itemsize for s, d in expected.values())
            if total > 4 * size + (1 << 16) and total > 64 * (1 << 20):
                # npz members are stored uncompressed by np.savez; far more data than
                # the file holds means the header lies.
                raise ModelFileError(f"{source}: the header claims more data than the file holds")
            arrays = _arrays(archive, names, source, expected)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ModelFileError(f"{source}: corrupted or truncated {what} file ({error})") from None
    except Exception as error:  # zlib.error, struct.error, KeyError from a broken zip
        raise ModelFileError(
            f"{source}: corrupted {what} file ({type(error).__name__}: {error})"
        ) from None
    return header, arrays


def plain_json(value: Any) -> Any:
    """``value`` with numpy arrays and scalars made plain JSON (e.g. a generator's state)."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
