"""CSV tables: features, labels and label names; clear errors for malformed files; bounded
memory and the same table as a naive reader."""

from __future__ import annotations

import csv
import math
import string
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from perceptron.io import csvfile
from perceptron.io.csvfile import CSVError, read_csv, read_csv_features, read_labelled, targets_of


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@given(
    X=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 8), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
    ),
    data=st.data(),
    header=st.booleans(),
)
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, X, data, header):
    labels = data.draw(hnp.arrays(np.int64, len(X), elements=st.integers(0, 4)))
    lines = [",".join(f"f{j}" for j in range(X.shape[1])) + ",label"] if header else []
    lines += [
        ",".join(repr(float(v)) for v in row) + f",{y}" for row, y in zip(X, labels, strict=True)
    ]
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    _write(path, "\n".join(lines) + "\n")
    got_X, got_y, names = read_csv(path, "label" if header else None)
    np.testing.assert_array_equal(got_X, X)
    distinct = sorted(set(labels.tolist()))  # the classes are the values present
    np.testing.assert_array_equal(got_y, [distinct.index(v) for v in labels.tolist()])
    assert names == [str(v) for v in distinct]
    assert got_X.dtype == np.float64 and np.issubdtype(got_y.dtype, np.integer)


def test_named_label_column_and_text_labels(tmp_path: Path):
    path = _write(
        tmp_path / "iris.csv",
        "species,length,width\nsetosa,5.1,3.5\nvirginica,6.3,3.3\nsetosa, 4.9 ,3.0\n\n",
    )
    X, y, names = read_csv(path, "species")
    np.testing.assert_array_equal(X, [[5.1, 3.5], [6.3, 3.3], [4.9, 3.0]])
    assert names == ["setosa", "virginica"]
    assert y.tolist() == [0, 1, 0]
    with pytest.raises(CSVError, match="no column named 'kind'"):
        read_csv(path, "kind")


def test_features_only(tmp_path: Path):
    path = _write(tmp_path / "x.csv", "a,b\n1,2\n3,4\n")
    np.testing.assert_array_equal(read_csv_features(path), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        read_csv_features(_write(tmp_path / "y.csv", "1,2\n")), [[1.0, 2.0]]
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("\n\n  \n", "empty"),
        ("a,b,label\n", "no data rows"),
        ("1,2,0\n3,4\n", "line 2 has 2 cells, expected 3"),
        ("1,2,0\n3,4,1,5\n", "line 2 has 4 cells"),
        ("a,b,label\n1,2,0\n3,x,1\n", r"line 3, column 2 \('b'\): expected a number, got 'x'"),
        ("1,,0\n", "expected a number, got ''"),
        ("1,nan,0\n2,3,1\n", "finite"),
        ("1,inf,0\n", "finite"),
        ("5\n6\n", "at least two columns"),
        ("a,a,label\n1,2,0\n", "repeats"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str):
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(CSVError, match=message):
        read_csv(path)


def test_label_name_without_header_and_missing_file(tmp_path: Path):
    with pytest.raises(CSVError, match="no header"):
        read_csv(_write(tmp_path / "h.csv", "1,2,0\n"), "label")
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "missing.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81,1\n")
    with pytest.raises(CSVError):
        read_csv(binary)


def test_a_spreadsheets_csv_reads_as_it_looks(tmp_path: Path) -> None:
    # A byte-order mark, CRLF line ends, a blank line, spaces after commas, quoted names.
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b'\xef\xbb\xbf"sepal length", "sepal width",species\r\n5.1, 3.5,setosa\r\n\r\n'
        b'4.9,3.0, setosa \r\n6.3,3.3,"virginica"\r\n5.8, 2.7, "virginica"\r\n'
    )
    table = read_labelled(path)
    assert table.header == ["sepal length", "sepal width", "species"]
    np.testing.assert_array_equal(table.X, [[5.1, 3.5], [4.9, 3.0], [6.3, 3.3], [5.8, 2.7]])
    labels, names = table.classes()
    assert names == ["setosa", "virginica"] and labels.tolist() == [0, 0, 1, 1]


# Bounded memory. The reader streams rows into float64 chunks (csvfile._CHUNK_ROWS rows at
# most) instead of keeping every row as Python strings. Its peak, measured with tracemalloc
# (numpy reports its allocations to it), stays within 3x the numeric size of the file (N rows x
# columns x 8 bytes) for a wide and a narrow table; its results match a straightforward "read
# all rows, float() each cell" reference for any chunk size, row order and blank lines.

# Headroom over 3x the numeric size, for what does not grow with the file: the chunk
# being filled (about csvfile._CHUNK_BYTES = 1 MB of features, plus 4096 x 12 bytes of
# label values and codes), the csv module's current row, the text file's read buffer
# and the reader's own small objects.
ALLOWANCE = 2 * 1024 * 1024


def _write_rows(path: Path, header: list[str] | None, rows: list[list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int, int]]:
    """A wide (MNIST-like) and a narrow (regression-like) file: (path, rows, columns)."""
    folder = tmp_path_factory.mktemp("memory")
    rng = np.random.default_rng(20240611)
    X = rng.normal(size=(2_000, 100))
    y = rng.integers(0, 10, size=2_000)
    wide = _write_rows(
        folder / "wide.csv",
        [f"p{i}" for i in range(100)] + ["label"],
        [[*map(repr, row.tolist()), int(label)] for row, label in zip(X, y, strict=True)],
    )
    values = rng.uniform(-1e3, 1e3, size=(200_000, 3))  # all distinct, all fractional
    narrow = _write_rows(folder / "narrow.csv", ["a", "b", "target"], values.tolist())
    return {"wide": (wide, 2_000, 101), "narrow": (narrow, 200_000, 3)}


def _peak(read: Callable[[Path], object], path: Path) -> int:
    tracemalloc.start()
    try:
        read(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["wide", "narrow"])
@pytest.mark.parametrize("reader", [read_labelled, read_csv_features])
def test_peak_memory_is_within_three_times_the_numbers(
    tables: dict[str, tuple[Path, int, int]], name: str, reader: Callable[[Path], object]
) -> None:
    path, rows, columns = tables[name]
    numeric = rows * columns * 8
    peak = _peak(reader, path)
    assert peak <= 3 * numeric + ALLOWANCE, f"{name}: peak {peak / numeric:.2f}x the numbers"


def test_the_narrow_target_is_kept_as_numbers(tables: dict[str, tuple[Path, int, int]]) -> None:
    path, rows, _ = tables["narrow"]
    table = read_labelled(path)
    assert table.X.shape == (rows, 2) and table.has_fractions() and not table.texts
    assert table.values.dtype == np.float64 and table.codes.dtype == np.int32
    assert targets_of(path, table).shape == (rows,)


# --- the same results as a naive reader --------------------------------------------------


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _naive(path: Path) -> tuple[np.ndarray, list[str]]:
    """Every row kept as stripped strings, the header detected, each cell float()ed."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    rows = [row for row in rows if any(row)]
    if any(cell and not _is_number(cell) for cell in rows[0]):
        rows = rows[1:]
    X = np.array([[float(cell) for cell in row[:-1]] for row in rows], dtype=np.float64)
    return X, [row[-1] for row in rows]


def _naive_classes(cells: list[str]) -> tuple[list[int], list[str]]:
    """The distinct labels, each number named by its value; sorted as numbers when all
    are finite numbers, else as text."""
    numbers = [float(c) if _is_number(c) else math.nan for c in cells]
    keys = [
        (str(int(v)) if v.is_integer() else repr(v)) if math.isfinite(v) else cell
        for cell, v in zip(cells, numbers, strict=True)
    ]
    if all(math.isfinite(v) for v in numbers):
        value = dict(zip(keys, numbers, strict=True))
        names = sorted(set(keys), key=value.__getitem__)
    else:
        names = sorted(set(keys))
    return [names.index(k) for k in keys], names


_finite = st.floats(allow_nan=False, allow_infinity=False)
_words = st.text(string.ascii_letters, min_size=1, max_size=6).filter(lambda w: not _is_number(w))


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[list[float]], list[Any], bool]:
    rows, width = draw(st.integers(1, 25)), draw(st.integers(1, 4))
    X = draw(
        st.lists(st.lists(_finite, min_size=width, max_size=width), min_size=rows, max_size=rows)
    )
    kind = draw(st.sampled_from(["integers", "words", "floats", "mixed"]))
    label = {
        "integers": st.integers(-2, 6) | st.integers(9_998, 10_002),
        "words": _words,
        "floats": st.floats(-1e3, 1e3, allow_nan=False),
        "mixed": _words | st.floats(-10, 10, allow_nan=False),
    }[kind]
    labels = draw(st.lists(label, min_size=rows, max_size=rows))
    # Without a header a text label would make the first row one; text files get a header.
    header = kind in ("words", "mixed") or draw(st.booleans())
    return X, labels, header


def _lines(X: list[list[float]], labels: list[Any], pad: str = "") -> list[str]:
    out = []
    for row, label in zip(X, labels, strict=True):
        cells = [repr(v) for v in row] + [repr(label) if isinstance(label, float) else str(label)]
        out.append(",".join(f"{pad}{cell}{pad}" for cell in cells))
    return out


def _header_line(width: int) -> str:
    return ",".join([f"f{j}" for j in range(width)] + ["label"])


@settings(deadline=None, max_examples=50)
@given(table=_tables(), chunk=st.sampled_from([1, 2, 3, 4096]))
def test_the_same_as_a_naive_reader(
    tmp_path_factory: pytest.TempPathFactory, table: tuple[Any, ...], chunk: int
) -> None:
    X, labels, header = table
    lines = ([_header_line(len(X[0]))] if header else []) + _lines(X, labels)
    path = tmp_path_factory.mktemp("naive") / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    want_X, cells = _naive(path)
    want_y, want_names = _naive_classes(cells)
    with mock.patch.object(csvfile, "_CHUNK_ROWS", chunk):
        got_X, got_y, got_names = read_csv(path)
        every = read_csv_features(path) if all(_is_number(c) for c in cells) else None
    assert got_X.dtype == np.float64 and got_X.shape == want_X.shape
    assert got_X.tobytes() == want_X.tobytes()  # the very same bits, signed zeros too
    assert got_y.tolist() == want_y and got_names == want_names
    if every is not None:
        want = np.array([[*row, float(c)] for row, c in zip(want_X.tolist(), cells, strict=True)])
        assert every.tobytes() == want.tobytes()


@settings(deadline=None, max_examples=50)
@given(table=_tables(), chunk=st.sampled_from([1, 2, 3, 4096]), data=st.data())
def test_reordered_rows_and_blank_lines_give_the_same_table(
    tmp_path_factory: pytest.TempPathFactory, table: tuple[Any, ...], chunk: int, data: Any
) -> None:
    X, labels, header = table
    order = data.draw(st.permutations(range(len(X))))
    pad = data.draw(st.sampled_from(["", " ", "  "]))
    blanks = st.sampled_from(["", "   ", ",", " , ,"])
    lines = []
    for line in ([_header_line(len(X[0]))] if header else []) + _lines(
        [X[i] for i in order], [labels[i] for i in order], pad
    ):
        lines += data.draw(st.lists(blanks, max_size=2)) + [line]
    folder = tmp_path_factory.mktemp("reorder")
    plain = folder / "plain.csv"
    plain.write_text("\n".join(([_header_line(len(X[0]))] if header else []) + _lines(X, labels)))
    moved = folder / "moved.csv"
    moved.write_text("\n".join(lines + data.draw(st.lists(blanks, max_size=2))) + "\n")
    with mock.patch.object(csvfile, "_CHUNK_ROWS", chunk):
        X1, y1, names1 = read_csv(plain)
        X2, y2, names2 = read_csv(moved)
    assert X2.tobytes() == X1[order].tobytes()
    assert names2 == names1 and y2.tolist() == y1[order].tolist()


# --- examples -----------------------------------------------------------------------------


def test_an_over_long_cell_names_the_file_and_its_line(tmp_path: Path) -> None:
    limit = csv.field_size_limit()
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n" + "1" * (limit + 1) + ",3\n4,5\n")
    with pytest.raises(CSVError) as error:
        read_csv(path)
    assert str(error.value) == (
        f"{path}: line 3: a cell of more than {limit} characters; expected numbers"
    )
    quoted = tmp_path / "quoted.csv"  # a quoted cell over many lines: the line it began on
    quoted.write_text('1,2\n\n"' + "x\n" * (limit // 2 + 1) + '",3\n')
    with pytest.raises(CSVError, match=rf"^{quoted}: line 3: a cell of more than {limit} "):
        read_csv_features(quoted)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    for read in (read_csv, read_csv_features):
        with pytest.raises(CSVError) as error:
            read(path)
        assert str(error.value) == f"{path}: the file is empty; expected rows of numbers"


@pytest.mark.parametrize(
    "cell, problem",
    [("x", "expected a number, got 'x'"), (" nan ", "expected a finite number, got 'nan'")],
)
def test_a_bad_cell_in_a_later_chunk_names_its_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: str, problem: str
) -> None:
    monkeypatch.setattr(csvfile, "_CHUNK_ROWS", 3)
    rows = [[str(i), str(i + 0.5), str(i % 2)] for i in range(10)]
    rows[7][1] = cell  # the 8th data row, in the third chunk
    lines = ["a,b,label", "", *(",".join(row) for row in rows)]  # a blank line 2
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CSVError) as error:
        read_csv(path)
    assert str(error.value) == f"{path}: line 10, column 2 ('b'): {problem}"
    rows[7][1], rows[8][2] = "1", cell  # now a label: a regression target names its line
    path.write_text("\n".join(["a,b,label", *(",".join(row) for row in rows)]) + "\n")
    with pytest.raises(CSVError) as error:
        targets_of(path, read_labelled(path))
    assert str(error.value) == f"{path}: line 10, column 3 ('label'): {problem}"
    assert read_csv(path)[0].shape == (10, 2)  # as a class label the cell is a name


def test_a_ragged_row_in_a_later_chunk_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "_CHUNK_ROWS", 2)
    path = tmp_path / "ragged.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n7,8\n")
    with pytest.raises(CSVError, match=r"line 4 has 2 cells, expected 3"):
        read_csv(path)


def test_numbers_among_text_labels_are_named_by_value(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("x,kind\n1,1.50\n2,setosa\n3,1.5\n4,2.0\n5, setosa \n6,inf\n")
    _, y, names = read_csv(path)
    assert names == ["1.5", "2", "inf", "setosa"]
    assert y.tolist() == [0, 3, 0, 1, 3, 2]


def test_a_row_whose_sum_overflows_is_still_finite(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("1e308,1e308,0\n-1e308,1e308,1\n")
    np.testing.assert_array_equal(read_csv(path)[0], [[1e308, 1e308], [-1e308, 1e308]])
