"""Issue 19: how a CSV file is laid out — its header, its delimiter, which cells are numbers.

Before the change a header of numbers (pandas' ``0,1,label``) over a features file was
read as a data row, a semicolon file was "one column", and ``float`` read ``1_000``,
``٣`` and ``１２`` as numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from perceptron.cli import main
from perceptron.io.csvfile import CSVError, read_csv, read_csv_features, read_labelled


def _train_file(path: Path, header: str = "0,1,label", sep: str = ",", rows: int = 40) -> Path:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(rows, 2))
    lines = [header.replace(",", sep)] if header else []
    lines += [sep.join([f"{a:.4f}", f"{b:.4f}", str(1 + i % 2)]) for i, (a, b) in enumerate(X)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_header_of_numbers_is_a_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """pandas' integer column names: predict gives one answer per data row, not one more."""
    model = tmp_path / "m.npz"
    data = _train_file(tmp_path / "t.csv")
    assert main(["train", "--data", str(data), "--epochs", "1", "--save", str(model)]) == 0
    capsys.readouterr()
    rows = tmp_path / "x.csv"
    rows.write_text("0,1\n0.25,-0.5\n0.75,0.125\n")
    assert main(["predict", str(model), str(rows)]) == 0
    assert len(capsys.readouterr().out.split()) == 2
    assert main(["predict", str(model), str(rows), "--no-header"]) == 0
    assert len(capsys.readouterr().out.split()) == 3  # told: the first row is data


def test_column_numbers_and_text_below_make_a_header(tmp_path: Path) -> None:
    pandas = tmp_path / "p.csv"
    pandas.write_text("0,1,2\n0.5,1.5,1\n2.5,3.5,0\n")  # pandas' names of three columns
    table = read_labelled(pandas)
    assert table.header == ["0", "1", "2"] and len(table.X) == 2
    assert "--no-header" in table.notes[0]
    named = tmp_path / "n.csv"
    named.write_text("5,6,7\n0.5,1.5,setosa\n2.5,3.5,virginica\n")  # names below numbers
    assert read_labelled(named).header == ["5", "6", "7"]
    data = tmp_path / "d.csv"
    data.write_text("5,6,7\n0.5,1.5,1\n")  # all numbers, nothing contradicts: data
    assert read_labelled(data).header is None and len(read_csv_features(data)) == 2
    assert read_labelled(data, header=True).header == ["5", "6", "7"]
    assert read_labelled(pandas, header=False).header is None


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_semicolons_and_tabs_are_sniffed_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sep: str, name: str
) -> None:
    data = _train_file(tmp_path / "s.csv", header="a,b,label", sep=sep)
    assert main(["train", "--data", str(data), "--epochs", "1"]) == 0
    captured = capsys.readouterr()
    assert f"separated by {name}" in captured.err
    assert "2 inputs, 2 classes (1, 2)" in captured.out


def test_one_column_says_what_separates_cells(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("a b label\n1 2 0\n")
    with pytest.raises(CSVError, match="no comma, semicolon or tab separates its cells"):
        read_csv(path)


@pytest.mark.parametrize(
    "cell, write", [("1_000", "1000"), ("٣", "3"), ("１２", "12"), ("0,5", "0.5")]
)
def test_only_ascii_decimal_numbers(tmp_path: Path, cell: str, write: str) -> None:
    sep = ";" if "," in cell else ","
    path = tmp_path / "n.csv"
    path.write_text(f"a{sep}b{sep}label\n1{sep}2{sep}0\n3{sep}{cell}{sep}1\n", encoding="utf-8")
    with pytest.raises(CSVError) as error:
        read_csv(path)
    message = str(error.value)
    assert f"{path}: line 3, column 2 ('b'): expected a number, got {cell!r}" in message
    assert f"write {write}" in message


floats = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


@settings(max_examples=40, deadline=None)
@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 4)), elements=floats),
    data=st.data(),
    header=st.booleans(),
    names=st.sampled_from(["range", "label", "words"]),
)
def test_pandas_tables_round_trip(
    tmp_path_factory: pytest.TempPathFactory, X, data, header: bool, names: str
) -> None:
    """Any table pandas writes with to_csv(index=False), with or without its header, reads
    back as the same rows: integer column names are a header, never a data row."""
    pd = pytest.importorskip("pandas", reason="pandas is not installed: pip install pandas")
    labels = data.draw(hnp.arrays(np.int64, len(X), elements=st.integers(0, 3)))
    frame = pd.DataFrame(X)  # columns 0, 1, …
    if names == "words":
        frame.columns = [f"f{j}" for j in range(X.shape[1])]
    frame["label" if names != "range" else X.shape[1]] = labels
    path = tmp_path_factory.mktemp("pandas") / "t.csv"
    frame.to_csv(path, index=False, header=header)
    table = read_labelled(path)
    np.testing.assert_array_equal(table.X, X)
    y, classes = table.classes()
    assert [classes[i] for i in y] == [str(v) for v in labels]
    assert (table.header is not None) == header
    features = path.with_name("x.csv")
    frame.iloc[:, :-1].to_csv(features, index=False, header=header)
    if header and names != "words" and X.shape[1] < 3:
        return  # features named 0,1 alone could be a row of data: predict decides by the model
    np.testing.assert_array_equal(read_csv_features(features), X)
