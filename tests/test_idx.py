"""IDX reading: round trips, refusals before allocation, memory bounded by what a file holds, and
the shipped MNIST digits."""

from __future__ import annotations

import gzip
import shutil
import struct
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rigging import write_idx

from perceptron import network, save
from perceptron.cli import main
from perceptron.cli import use as cli_use
from perceptron.datasets.mnist import PIXEL_SCALE, SHIPPED, find_files, load_digits
from perceptron.io.idx import IDXError, read_idx, read_images, read_labels, read_mnist

COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def _raw(code: int, shape: tuple[int, ...], data: bytes = b"") -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + data


@given(
    array=st.sampled_from(DTYPES).flatmap(
        lambda dtype: hnp.arrays(
            dtype,
            hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
            elements=hnp.from_dtype(np.dtype(dtype), allow_nan=False),
        )
    ),
    compress=st.booleans(),
)
def test_round_trip_plain_and_gzip(tmp_path_factory: pytest.TempPathFactory, array, compress):
    path = tmp_path_factory.mktemp("idx") / "a.idx"
    write_idx(path, array, compress=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    back = read_idx(path)
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_gzip_is_detected_by_magic_bytes_not_by_name(tmp_path: Path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    plain_named_gz = tmp_path / "labels.gz"
    gz_named_plain = tmp_path / "labels.idx"
    write_idx(plain_named_gz, labels, compress=False)
    write_idx(gz_named_plain, labels, compress=True)
    np.testing.assert_array_equal(read_labels(plain_named_gz), labels)
    np.testing.assert_array_equal(read_labels(gz_named_plain), labels)


@given(cut=st.integers(min_value=0, max_value=39))
def test_every_truncation_is_refused(tmp_path_factory: pytest.TempPathFactory, cut: int):
    folder = tmp_path_factory.mktemp("cut")
    full = _raw(0x08, (2, 3, 4), bytes(range(24)))  # 40 bytes
    plain = folder / "plain"
    plain.write_bytes(full[:cut])
    with pytest.raises(IDXError, match="truncated"):
        read_idx(plain)
    packed = gzip.compress(full, mtime=0)
    zipped = folder / "zipped"
    zipped.write_bytes(packed[: max(2, len(packed) * cut // 40)])
    with pytest.raises(IDXError):
        read_idx(zipped)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "element type"),
        (b"\x00\x00\x08\x00", "dimensions"),
        (b"\x00\x00\x08\x11" + b"\x00" * 68, "dimensions"),
        (_raw(0x08, (3,), b"\x00\x01"), "truncated"),
        (_raw(0x08, (3,), b"\x00\x01\x02\x03"), "too long"),
        (_raw(0x0B, (2,), b"\x00\x01\x02"), "truncated"),
    ],
)
def test_wrong_headers_are_refused(tmp_path: Path, raw: bytes, message: str):
    for compress in (False, True):
        path = tmp_path / f"f{int(compress)}"
        path.write_bytes(gzip.compress(raw, mtime=0) if compress else raw)
        with pytest.raises(IDXError, match=message):
            read_idx(path)


def test_a_lying_header_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # 4 billion bytes claimed by a small file: refused without decompressing it.
    claim = _raw(0x08, (65535, 65535), b"\x00" * 100)
    plain, zipped = tmp_path / "plain", tmp_path / "zipped"
    plain.write_bytes(claim)
    zipped.write_bytes(gzip.compress(claim, mtime=0))
    for path in (plain, zipped):
        with pytest.raises(IDXError, match="claims"):
            read_idx(path)
    # A claim a gzip file could hold, but that it does not: the stream is read at
    # most to the claimed size + 1, then refused.
    reads: list[int] = []
    original = gzip.GzipFile.read

    def counting_read(self, size=-1):
        assert size is not None and size >= 0, "never read a gzip stream without a bound"
        data = original(self, size)
        reads.append(len(data))
        return data

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    noise = np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    big = _raw(0x08, (1000, 1000), noise)  # incompressible: the file is > 1000000/1032 bytes
    zipped.write_bytes(gzip.compress(big, mtime=0))
    with pytest.raises(IDXError, match="truncated"):
        read_idx(zipped)
    assert sum(reads) <= 8 + 1_000_000 + 1


def test_images_and_labels_must_agree(tmp_path: Path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    write_idx(images, np.zeros((3, 2, 2), dtype=np.uint8))
    write_idx(labels, np.array([0, 1], dtype=np.uint8))
    with pytest.raises(IDXError, match="3 images but 2 labels"):
        read_mnist(images, labels)
    write_idx(labels, np.array([0, 1, 10], dtype=np.uint8))
    with pytest.raises(IDXError, match="labels 0 to 9"):
        read_mnist(images, labels)
    with pytest.raises(IDXError, match="labels"):
        read_images(labels)
    with pytest.raises(IDXError, match="images"):
        read_labels(images)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")


def _shipped() -> Path:
    if not (SHIPPED / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the shipped MNIST files are not in perceptron/data/mnist-10k")
    return SHIPPED


def test_shipped_digits_match_their_readme():
    images, labels = read_mnist(*find_files(_shipped())["t10k"])
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == COUNTS


def test_shipped_split_is_stratified_and_stable():
    _shipped()
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (8000, 784) and X_test.shape == (2000, 784)
    assert X_train.dtype == np.float64 and 0.0 <= X_train.min() and X_train.max() == 1.0
    assert np.issubdtype(y_train.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y_train), np.round(0.8 * np.array(COUNTS)))
    np.testing.assert_array_equal(np.bincount(y_test), np.array(COUNTS) - np.bincount(y_train))
    again = load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    np.testing.assert_array_equal(again[3], y_test)
    # Another seed, another split of the same sizes.
    other = load_digits(seed=1)
    assert other[0].shape == X_train.shape and not np.array_equal(other[1], y_train)


def test_a_folder_with_train_and_t10k_files(tmp_path: Path):
    shipped = _shipped()
    images = np.arange(5 * 28 * 28, dtype=np.int64).reshape(5, 28, 28) % 256
    write_idx(tmp_path / "train-images-idx3-ubyte", images.astype(np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(shipped / name, tmp_path / name)
    X_train, y_train, X_test, y_test = load_digits(tmp_path)
    assert X_train.shape == (5, 784) and y_train.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(X_train, images.reshape(5, -1) * PIXEL_SCALE)
    assert X_test.shape == (10000, 784)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(IDXError, match="missing"):
        load_digits(tmp_path)


def test_a_folder_without_mnist_files(tmp_path: Path):
    with pytest.raises(IDXError, match="t10k"):
        load_digits(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_digits(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="train_fraction"):
        load_digits(train_fraction=1.0)


# Memory bounded by what the input really holds. A small gzip file can hold a great deal of
# data (blank images compress about 1000:1) or claim to and not hold it. Reading costs the data's
# own size, once; predicting costs that plus a few float64 blocks; a lying header costs only the
# bytes that are really there. Peaks are measured with tracemalloc (numpy reports its allocations
# to it) or, for untouched pages, the child's peak RSS.

MiB = 1 << 20


def _peak(call: Callable[[], Any]) -> tuple[Any, int]:
    """What ``call()`` returns and the most memory it held at once, in bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def blank_images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """20,000 blank 28×28 images (15.7 MB of pixels) in a gzip file of about 16 KB."""
    path = tmp_path_factory.mktemp("blank") / "blank-images.idx.gz"
    write_idx(path, np.zeros((20_000, 28, 28), np.uint8))
    assert path.stat().st_size < 40_000
    return path, 20_000 * 28 * 28


@pytest.mark.parametrize("dtype", ["u1", "i2", "f4", "f8"])
def test_read_idx_costs_the_data_once(tmp_path: Path, dtype: str) -> None:
    # Chunks, their join and a byte-order copy used to cost three times the data.
    count = (2 << 20) // np.dtype(dtype).itemsize  # 2 MiB of data, whatever the type
    data = np.arange(count, dtype=dtype).reshape(-1, 1024)
    for name in ("plain.idx", "packed.idx.gz"):
        write_idx(tmp_path / name, data)
        got, peak = _peak(lambda name=name: read_idx(tmp_path / name))
        np.testing.assert_array_equal(got, data)
        assert got.dtype == data.dtype and got.flags.writeable
        # The array itself, plus a few decompressed chunks of 64 KiB.
        assert peak <= data.nbytes + MiB, (name, peak / data.nbytes)


def test_a_file_that_holds_much_costs_what_it_holds(blank_images: tuple[Path, int]) -> None:
    path, pixels = blank_images
    images, peak = _peak(lambda: read_idx(path))
    assert images.shape == (20_000, 28, 28) and not images.any()
    assert peak <= pixels + MiB, peak / pixels


def test_predict_costs_the_input_plus_a_few_blocks(
    blank_images: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, pixels = blank_images
    model = tmp_path / "model.npz"
    save(network([784, 30, 10], "sigmoid", rng=0), model)
    status, peak = _peak(lambda: main(["predict", str(model), str(path)]))
    lines = capsys.readouterr().out.splitlines()
    assert status == 0 and len(lines) == 20_000
    # Converting all the pixels to float64 at once used to cost 16 times their size.
    blocks = 4 * cli_use.PREDICT_BLOCK_BYTES
    assert peak <= pixels + blocks + 4 * MiB, peak / pixels


def test_predict_by_blocks_equals_predict_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (103, 4, 5), dtype=np.uint8)
    write_idx(tmp_path / "images.idx", images)
    model = tmp_path / "model.npz"
    save(network([20, 7, 3], "sigmoid", rng=1), model)
    outputs = []
    for block in (1 << 22, 8 * 20 * 10):  # one block; blocks of ten rows, the last short
        monkeypatch.setattr(cli_use, "PREDICT_BLOCK_BYTES", block)
        assert main(["predict", str(model), str(tmp_path / "images.idx")]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 103


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_lying_gzip_header_costs_only_what_is_there(tmp_path: Path) -> None:
    # The header claims 269 MB of images (as much as a file of this size may hold);
    # the stream holds 784 KB of them.
    header = bytes([0, 0, 8, 3]) + np.asarray([343_000, 28, 28], ">u4").tobytes()
    noise = np.random.default_rng(0).integers(0, 256, 1000 * 784, dtype=np.uint8).tobytes()
    liar = tmp_path / "liar.idx.gz"
    liar.write_bytes(gzip.compress(header + noise, mtime=0))
    with pytest.raises(IDXError, match="truncated IDX file.*holds 784000"):
        read_idx(liar)
    child = textwrap.dedent(
        f"""
        from perceptron.io.idx import IDXError, read_idx
        try:
            read_idx({str(liar)!r})
        except IDXError:
            pass
        # VmHWM: this process's own peak (ru_maxrss would carry pytest's over exec).
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        print(status.split()[0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, timeout=120
    )
    peak_kib = int(done.stdout.split()[-1])
    # Python and numpy take about 35 MB; the claim is 269 MB, never touched.
    assert peak_kib * 1024 < 120 * MiB, peak_kib


def test_an_empty_file_gets_the_readers_own_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.idx"
    empty.write_bytes(b"")
    with pytest.raises(IDXError, match=r"empty\.idx: the file is empty \(0 bytes\)"):
        read_idx(empty)
    model = tmp_path / "model.npz"
    save(network([4, 3], "sigmoid", rng=0), model)
    assert main(["predict", str(model), str(empty)]) == 1
    message = capsys.readouterr().err
    assert "empty.idx is empty; expected an IDX file or CSV rows" in message
