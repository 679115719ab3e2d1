"""Memory bounded by what the input really holds: IDX files and ``perceptron predict``.

A small gzip file can hold a great deal of data (blank images compress about
1000:1) or claim to and not hold it. Reading costs the data's own size, once;
predicting costs that plus a few float64 blocks; a lying header costs only the
bytes that are really there. Peaks are measured with ``tracemalloc`` (numpy
reports its allocations to it) or, for untouched pages, the child's peak RSS.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rigging import write_idx

from perceptron import network, save
from perceptron.cli import main
from perceptron.cli import use as cli_use
from perceptron.io.idx import IDXError, read_idx

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
