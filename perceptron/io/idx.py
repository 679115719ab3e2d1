"""Reading and writing IDX files, the format of the MNIST database.

An IDX file is big-endian::

    bytes 0-1   zero
    byte 2      element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte 3      number of dimensions d
    4·d bytes   one unsigned 32-bit size per dimension
    the data    prod(sizes) elements, row-major

MNIST images are type 0x08 with d = 3 (magic 0x00000803, sizes N, 28, 28) and
labels type 0x08 with d = 1 (magic 0x00000801, size N). A file may be
gzip-compressed; that is detected by its first two bytes (1f 8b), not by its
name.

Everything is checked before anything large is allocated: the magic number,
the dimensions, and the claimed data size against what the file can hold (for
a plain file its size; for a gzip file at most 1032 times its size, DEFLATE's
largest ratio). A gzip stream is read in chunks and never past the claimed
size + 1 byte, so a lying header cannot make us decompress without bound.
Anything that does not fit raises :class:`IDXError`, a ``ValueError``.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..types import Array

PathLike = str | os.PathLike[str]

GZIP_MAGIC = b"\x1f\x8b"
#: element type code -> big-endian numpy dtype
TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in TYPES.items()}
_MAX_DIMS = 16
#: DEFLATE cannot expand data by more than about 1032:1.
_MAX_GZIP_RATIO = 1032
#: Refuse files claiming more than this much data (the full MNIST set is 55 MB).
MAX_DATA_BYTES = 1 << 32
#: Bytes decompressed at a time: the reader holds about three such buffers.
_CHUNK = 1 << 16


class IDXError(ValueError):
    """An IDX file that is truncated, malformed, or does not fit what was asked."""


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _read_exactly(stream: BinaryIO, n: int, path: Path, what: str) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise IDXError(
            f"{path}: truncated IDX file: the {what} needs {n} bytes, the file holds {len(data)}"
        )
    return data


def _parse_header(stream: BinaryIO, path: Path) -> tuple[np.dtype[Any], tuple[int, ...], int]:
    """Read and check the magic number and sizes; return (dtype, shape, header bytes)."""
    magic = _read_exactly(stream, 4, path, "magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise IDXError(
            f"{path}: not an IDX file (magic number 0x{magic.hex()}; an IDX file starts "
            "with two zero bytes, e.g. 0x00000803 for images, 0x00000801 for labels)"
        )
    code, ndim = magic[2], magic[3]
    if code not in TYPES:
        raise IDXError(
            f"{path}: unknown IDX element type 0x{code:02x} (expected one of "
            f"{', '.join(f'0x{c:02x}' for c in TYPES)})"
        )
    if not 1 <= ndim <= _MAX_DIMS:
        raise IDXError(f"{path}: IDX header gives {ndim} dimensions, expected 1 to {_MAX_DIMS}")
    raw = _read_exactly(stream, 4 * ndim, path, f"header ({ndim} sizes)")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4"))
    return TYPES[code], shape, 4 + 4 * ndim


def read_idx(path: PathLike) -> Array:
    """Read an IDX file (plain or gzip) into an array of its shape and type.

    The array has native byte order (uint8 for MNIST). Raises
    :class:`IDXError` for an empty file, a wrong magic number, a truncated
    file, a header that claims more (or less) data than the file holds, or a
    broken gzip stream; ``FileNotFoundError`` when there is no such file.

    Memory: the data is read straight into the one array that is returned
    (byte order swapped in place), so reading costs the data's size and no
    more; a gzip stream is decompressed into it chunk by chunk and never past
    the header's claim, so a file that lies about its size costs only what it
    really holds.
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no IDX file at {str(source)!r}")
    file_size = source.stat().st_size
    if file_size == 0:
        raise IDXError(
            f"{source}: the file is empty (0 bytes): truncated, or not an IDX file; expected "
            "a magic number, the sizes, then the data"
        )
    compressed = _is_gzip(source)
    try:
        with open(source, "rb") as raw_handle:
            stream: BinaryIO = gzip.GzipFile(fileobj=raw_handle) if compressed else raw_handle  # type: ignore[assignment]
            dtype, shape, header_bytes = _parse_header(stream, source)
            claimed = _check_claim(source, dtype, shape, file_size, header_bytes, compressed)
            data = np.empty(claimed, dtype=np.uint8)
            got = _read_into(stream, data.data, claimed)
    except IDXError:
        raise
    except (EOFError, OSError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise IDXError(f"{source}: corrupted or truncated gzip stream ({error})") from None
    if got != claimed:
        kind = "truncated IDX file" if got < claimed else "IDX file too long"
        held = f"{got}" if got < claimed else "more"
        stored = "gzip stream" if compressed else "file"
        raise IDXError(
            f"{source}: {kind}: the header claims {claimed} bytes of data (shape {shape}), "
            f"the {stored} holds {held}"
        )
    array = data.view(dtype).reshape(shape)
    native = dtype.newbyteorder("=")
    if array.dtype.itemsize > 1 and array.dtype != native:
        array.byteswap(inplace=True)  # big-endian on disk: swapped where it lies, no copy
    return array.view(native)


def _check_claim(
    path: Path,
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    file_size: int,
    header_bytes: int,
    compressed: bool,
) -> int:
    """The header's data size in bytes, refused when no file of this size can hold it."""
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed > MAX_DATA_BYTES:
        raise IDXError(
            f"{path}: IDX header claims {claimed} bytes of data (shape {shape}), "
            f"more than the limit {MAX_DATA_BYTES}"
        )
    if compressed and claimed > _MAX_GZIP_RATIO * file_size + 1024:
        raise IDXError(
            f"{path}: IDX header claims {claimed} bytes of data (shape {shape}), "
            f"more than a {file_size}-byte gzip file can hold"
        )
    if not compressed and file_size - header_bytes != claimed:
        available = file_size - header_bytes
        kind = "truncated IDX file" if available < claimed else "IDX file too long"
        raise IDXError(
            f"{path}: {kind}: the header claims {claimed} bytes of data "
            f"(shape {shape}), the file holds {available}"
        )
    return claimed


def _read_into(stream: BinaryIO, buffer: memoryview, claimed: int) -> int:
    """Fill ``buffer`` (``claimed`` bytes) from the stream in chunks; the bytes it held.

    Returns ``claimed`` + 1 when the stream holds more than the claim (one more
    byte is read to find out, never more).
    """
    got = 0
    while got < claimed:
        n = stream.readinto(buffer[got : min(claimed, got + _CHUNK)])  # type: ignore[attr-defined]
        if not n:
            return got
        got += n
    return got + 1 if stream.read(1) else got


def read_images(path: PathLike) -> Array:
    """An IDX file of images: a 3-D array (N, rows, cols); MNIST: uint8 (N, 28, 28)."""
    array = read_idx(path)
    if array.ndim != 3:
        raise IDXError(
            f"{path}: expected an IDX file of images (3 dimensions, magic 0x00000803), "
            f"got {array.ndim} dimension(s) of shape {array.shape}"
        )
    return array


def read_labels(path: PathLike, classes: int | None = None) -> Array:
    """An IDX file of labels: a 1-D integer array; with ``classes``, each in [0, classes)."""
    array = read_idx(path)
    if array.ndim != 1:
        raise IDXError(
            f"{path}: expected an IDX file of labels (1 dimension, magic 0x00000801), "
            f"got {array.ndim} dimensions of shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.integer):
        raise IDXError(f"{path}: expected integer labels, got IDX type {array.dtype}")
    if classes is not None and array.size and (array.min() < 0 or array.max() >= classes):
        raise IDXError(
            f"{path}: expected labels 0 to {classes - 1}, got values from "
            f"{int(array.min())} to {int(array.max())}"
        )
    return array


def read_mnist(images_path: PathLike, labels_path: PathLike) -> tuple[Array, Array]:
    """MNIST-format images (N, rows, cols) and their labels (N,), digits 0-9.

    Checks that both hold the same number of items and every label is a digit.
    """
    labels = read_labels(labels_path, classes=10)
    images = read_images(images_path)
    if len(images) != len(labels):
        raise IDXError(
            f"{images_path} and {labels_path}: {len(images)} images but {len(labels)} labels; "
            "expected the same count"
        )
    return images, labels
