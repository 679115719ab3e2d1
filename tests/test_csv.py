"""CSV tables: features, labels and label names; clear errors for malformed files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from perceptron.io.csvfile import CSVError, read_csv, read_csv_features, read_labelled


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
