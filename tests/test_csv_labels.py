"""Issue 19: a CSV file's labels are names, its classes the distinct label values.

Each example below is one of the issue's "What was seen" bullets; before the change
integer labels were class indices 0..max (1, 2, 3 made four classes, 2019/2020 made
2,021, 2^53 and 2^53 + 1 one) and a one-value column trained.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perceptron.cli import main
from perceptron.io.csvfile import read_csv, read_labelled
from perceptron.reports.confusion import MAX_MATRIX, MAX_ROWS, confusion_lines


def _table(path: Path, labels: list[object], seed: int = 0, header: str = "a,b,label") -> Path:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(len(labels), 2))
    lines = [header] + [f"{x:.4f},{y:.4f},{label}" for (x, y), label in zip(X, labels, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _train(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["train", "--epochs", "2", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_codes_1_2_3_are_three_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _table(tmp_path / "wine.csv", [1 + i % 3 for i in range(60)])
    code, out, err = _train(["--data", str(data), "--layers", "30,3"], capsys)
    assert code == 0, err
    assert "3 classes (1, 2, 3)" in out and "-30-3," in out


def test_codes_2_4_are_two_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _table(tmp_path / "cancer.csv", [2 + 2 * (i % 2) for i in range(60)])
    code, out, err = _train(["--data", str(data)], capsys)
    assert code == 0, err
    assert "2 classes (2, 4)" in out and "2-30-2," in out


def test_years_are_two_classes_without_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _table(tmp_path / "years.csv", [2019 + i % 2 for i in range(60)])
    code, out, err = _train(["--data", str(data)], capsys)
    assert code == 0, err
    assert "2 classes (2019, 2020)" in out and "different whole numbers" not in err


def test_status_codes_are_named_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _table(tmp_path / "http.csv", [(200, 404, 500)[i % 3] for i in range(60)])
    model = tmp_path / "m.npz"
    code, out, err = _train(["--data", str(data), "--save", str(model)], capsys)
    assert code == 0 and "3 classes (200, 404, 500)" in out and "2-30-3," in out
    assert main(["evaluate", str(model), "--data", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-4].split() == ["200", "404", "500"]
    assert [line.split()[0] for line in lines[-3:]] == ["200", "404", "500"]
    rows = tmp_path / "x.csv"
    rows.write_text("a,b\n0.1,0.2\n-0.3,0.4\n")
    assert main(["predict", str(model), str(rows)]) == 0
    answers = capsys.readouterr().out.split()
    assert len(answers) == 2 and set(answers) <= {"200", "404", "500"}
    assert main(["summary", str(model)]) == 0
    assert "labels: 200, 404, 500" in capsys.readouterr().out


def test_far_apart_codes_evaluate_in_a_few_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _table(tmp_path / "far.csv", [(0, 10000)[i % 2] for i in range(60)])
    model = tmp_path / "m.npz"
    assert _train(["--data", str(data), "--save", str(model)], capsys)[0] == 0
    assert main(["evaluate", str(model), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 8 and len(out) < 1000
    assert out.splitlines()[-1].split()[0] == "10000"


def test_many_classes_give_a_bounded_summary() -> None:
    k = 5_000  # a k×k matrix would be 200 MB of counts; the summary is O(N)
    rng = np.random.default_rng(0)
    truth = rng.integers(0, k, size=20_000)
    guess = np.where(rng.random(20_000) < 0.7, truth, rng.integers(0, k, size=20_000))
    lines = confusion_lines(truth, guess, [f"c{i}" for i in range(k)])
    assert len(lines) <= 2 * MAX_ROWS + 6
    assert re.search(r"\.\.\. and \d+ more classes", "\n".join(lines))
    small = confusion_lines(np.array([0, 1]), np.array([0, 0]), ["x"] * MAX_MATRIX)
    assert small[0].startswith("Confusion matrix") and len(small) == MAX_MATRIX + 2


def test_one_value_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _table(tmp_path / "one.csv", [7] * 40)
    code, out, err = _train(["--data", str(data)], capsys)
    assert code != 0 and out == ""
    assert "holds one value only ('7' in all 40 rows)" in err and "--label" in err


def test_numbers_past_2_to_the_53_stay_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    big = ["9007199254740992", "9007199254740993"]
    data = _table(tmp_path / "big.csv", [big[i % 2] for i in range(40)])
    _, y, names = read_csv(data)
    assert names == big and y.tolist() == [i % 2 for i in range(40)]
    code, out, err = _train(["--data", str(data)], capsys)
    assert code == 0 and "2 classes (9007199254740992, 9007199254740993)" in out


def test_spellings_of_one_number_are_one_class(tmp_path: Path) -> None:
    """1, 1.0 and 1e0 are one class named 1 (compared by value; documented)."""
    data = _table(tmp_path / "s.csv", ["1", "1.0", "1e0", "2", "2.00", "10"])
    _, y, names = read_csv(data)
    assert names == ["1", "2", "10"] and y.tolist() == [0, 0, 0, 1, 1, 2]


def test_many_whole_numbers_are_a_regression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _table(tmp_path / "d.csv", [25 + 7 * (i % 30) for i in range(90)])
    code, out, err = _train(["--data", str(data)], capsys)
    assert code == 0 and "(regression)" in out
    assert "30 different whole numbers in 90 rows" in err and "--task classification" in err
    code, out, err = _train(["--data", str(data), "--task", "classification"], capsys)
    assert code == 0 and "(regression)" not in out


def test_class_codes_first_are_pointed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The UCI wine layout: class first, no header, a continuous last column."""
    rng = np.random.default_rng(1)
    rows = [f"{1 + i % 3},{rng.normal():.3f},{rng.uniform(300, 1600):.0f}" for i in range(90)]
    data = tmp_path / "wine.data"
    data.write_text("\n".join(rows) + "\n")
    code, out, err = _train(["--data", str(data)], capsys)
    assert code == 0 and "(regression)" in out
    assert "the first (column 1) holds 3 whole numbers like class codes" in err
    assert "--label 1" in err
    code, out, err = _train(["--data", str(data), "--label", "1"], capsys)
    assert code == 0 and "3 classes (1, 2, 3)" in out


labels = st.one_of(
    st.integers(-(2**60), 2**60).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.text("abcxyz", min_size=1, max_size=4),
)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(labels, min_size=2, max_size=6, unique=True), data=st.data())
def test_classes_are_the_distinct_sorted_values(
    tmp_path_factory: pytest.TempPathFactory, values: list[str], data: st.DataObject
) -> None:
    """Any distinct labels, any row order: the classes are the distinct values, sorted (as
    numbers when all are numbers), and each row's class names its own label."""
    cells = data.draw(st.permutations(values * 2))
    path = _table(tmp_path_factory.mktemp("p") / "t.csv", cells)
    table = read_labelled(path)
    y, names = table.classes()
    assert len(names) == table.distinct()
    numeric = all(re.fullmatch(r"[-+\d.e]+", v) for v in values)
    if numeric:
        from decimal import Decimal

        assert [Decimal(n) for n in names] == sorted({Decimal(v) for v in values})
        assert [Decimal(names[i]) for i in y] == [Decimal(c) for c in cells]
    else:
        assert names == sorted(names)
        assert all(names[i] == c or not c.isalpha() for i, c in zip(y, cells, strict=True))


def test_the_report_summarises_many_classes(tmp_path: Path) -> None:
    """Above MAX_MATRIX classes the report shows two bounded tables, not a k×k picture."""
    pytest.importorskip("matplotlib")
    import perceptron as pc
    from perceptron.reports.html import report

    k = 60
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = rng.integers(0, k, size=300)
    net = pc.network([2, 4, k], "sigmoid", "quadratic", rng=0)
    history = pc.sgd(net, X, pc.one_hot(y, k), 10, 1, 0.5, rng=0)
    page = report(net, history, X, y, tmp_path / "r.html").read_text()
    assert 'id="worst-classes"' in page and 'id="confused-pairs"' in page
    assert "more classes with fewer wrong answers" in page
    assert page.count("<tr>") <= 2 * MAX_ROWS + 2 + 20  # the two tables and the settings
