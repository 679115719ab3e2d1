"""The training report: one self-contained HTML page, checked as markup and in a real browser."""

from __future__ import annotations

import csv
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import perceptron as pc
from perceptron.cli import main

pytest.importorskip("matplotlib", reason='matplotlib is not installed: pip install ".[plot]"')

from perceptron.reports import report  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Outline(HTMLParser):
    """The section ids, tables, pictures and every address the page names."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tables: list[str] = []
        self.pictures = 0
        self.addresses: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.sections.append(found.get("id") or "")
        if tag == "table":
            self.tables.append(found.get("id") or "")
        if tag in ("svg", "img") and found.get("role", "img") == "img":
            self.pictures += 1 if tag == "img" or "aria-label" in found else 0
        for name in ("src", "href"):
            value = found.get(name)
            if value is not None and not value.startswith(("#", "data:")):
                self.addresses.append(value)


def outline(path: Path) -> Outline:
    parsed = Outline()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def _digits_run(tmp_path: Path) -> Path:
    X_train, y_train, X_test, y_test = pc.load_digits()
    net = pc.network([784, 20, 10], init="standard_normal", rng=0)
    history = pc.sgd(
        net,
        X_train[:2000],
        pc.one_hot(y_train[:2000], 10),
        10,
        2,
        3.0,
        rng=0,
        validation=(X_test[:500], pc.one_hot(y_test[:500], 10)),
    )
    return report(
        net,
        history,
        X_test[:500],
        y_test[:500],
        tmp_path / "digits.html",
        settings={"data": "shipped digits", "epochs": 2},
    )


def test_digits_report_shows_every_part(tmp_path: Path) -> None:
    page = outline(_digits_run(tmp_path))
    assert page.sections == [
        "network",
        "curves",
        "confusion",
        "hidden-units",
        "mistakes",
        "diagnosis",  # issue 23
        "settings",
    ]
    assert page.tables == ["summary", "settings-table"]
    assert page.pictures == 6  # diagram, curves, confusion, hidden units, mistakes, diagnosis
    assert page.addresses == [] and "script" not in page.tags and "link" not in page.tags
    assert (tmp_path / "digits.html").stat().st_size < 2_000_000


def test_spiral_and_regression_reports(tmp_path: Path) -> None:
    X, labels = pc.spiral(40, 3, rng=0)
    net = pc.network([2, 16, 3], "relu", "cross_entropy", rng=0)
    history = pc.sgd(net, X, pc.one_hot(labels, 3), 40, 5, 0.1, rng=0, optimizer=pc.Adam())
    path = report(net, history, X, labels, tmp_path / "spiral.html", label_names=["a", "b", "c"])
    assert outline(path).sections == [
        "network",
        "curves",
        "confusion",
        "regions",
        "diagnosis",
        "settings",
    ]

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -1.0, 0.5])
    net = pc.network([3, 8, 1], "tanh", "mse", output_activation="identity", rng=0)
    history = pc.sgd(net, X, y[:, None], 8, 5, 0.01, rng=0, optimizer=pc.Adam())
    path = report(net, history, X, y, tmp_path / "fit.html")
    page = outline(path)
    assert page.sections == ["network", "curves", "regression", "diagnosis", "settings"]
    assert "R²" in path.read_text(encoding="utf-8")


def test_bad_arguments_are_named_and_write_nothing(tmp_path: Path) -> None:
    net = pc.network([2, 4, 3], "relu", "cross_entropy", rng=0)
    X, labels = pc.spiral(10, 3, rng=0)
    history = pc.History(loss=[1.0])
    target = tmp_path / "never.html"
    for kwargs, words in [
        ({"y": labels[:-1]}, "same number of rows"),
        ({"y": labels + 5}, "below the number of classes"),
        ({"label_names": ["a"]}, "label_names"),
        ({"task": "ranking"}, "task"),
        ({"X": X[:, :1]}, "X"),
    ]:
        call = {"X": X, "y": labels, **kwargs}
        with pytest.raises(ValueError, match=words):
            report(net, history, call.pop("X"), call.pop("y"), target, **call)
        assert not target.exists()
    with pytest.raises(TypeError, match="history"):
        report(net, [1.0], X, labels, target)  # type: ignore[arg-type]


def _csv(path: Path, regression: bool) -> Path:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "c", "d", "target"])
        for row in X:
            if regression:
                target: object = round(float(row @ [0.5, -1.0, 2.0, 0.1]) + 0.05, 4)
            else:
                target = ["low", "mid", "high"][int(np.digitize(row[0] + row[1], [-0.7, 0.7]))]
            writer.writerow([*(f"{v:.4f}" for v in row), target])
    return path


@pytest.mark.parametrize(
    "options, sections",
    [
        (["--epochs", "2"], {"hidden-units", "mistakes", "confusion"}),
        (
            [
                "--data",
                "spiral",
                "--layers",
                "32,3",
                "--activation",
                "relu",
                "--epochs",
                "20",
                "--optimizer",
                "adam",
                "--lr",
                "0.01",
                "--cost",
                "cross_entropy",
            ],
            {"regions"},
        ),
        (["--data", "CLASSES", "--layers", "8,3", "--epochs", "20", "--lr", "1.0"], {"confusion"}),
    ],
    ids=["digits", "spiral", "csv"],
)
def test_train_report_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], sections: set[str]
) -> None:
    options = [str(_csv(tmp_path / "classes.csv", False)) if o == "CLASSES" else o for o in options]
    target = tmp_path / "run.html"
    assert main(["train", *options, "--report", str(target)]) == 0
    assert f"Wrote the training report to {target}" in capsys.readouterr().out
    page = outline(target)
    assert sections <= set(page.sections) and "settings" in page.sections
    text = target.read_text(encoding="utf-8")
    assert "learning rate" in text and "batch size" in text and "engine" in text


def test_report_refused_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--report", str(tmp_path / "run.txt")]) == 2
    assert "--report: expected a file name ending in .html" in capsys.readouterr().err
    monkeypatch.setattr("perceptron.cli.outputs.plotting_available", lambda: False)
    assert main(["train", "--report", str(tmp_path / "run.html")]) == 2
    captured = capsys.readouterr()
    assert 'pip install ".[plot]"' in captured.err and "Epoch" not in captured.out


def test_report_in_a_real_browser(tmp_path: Path) -> None:
    """Headless Chromium opens the page from disk: every part shows, nothing is fetched."""
    if CHROMIUM is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium; .ci/run installs it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    path = _digits_run(tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        for anchor in ("network", "curves", "confusion", "hidden-units", "mistakes", "settings"):
            assert page.locator(f"section#{anchor}").is_visible()
        assert page.locator("figure svg[role=img]").count() == 4  # issue 23: diagnosis
        assert page.locator("figure img").count() == 2
        sizes = page.eval_on_selector_all(
            "figure img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
        )
        assert sizes == [True, True]
        assert page.locator("table#summary tr").count() == 3
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith("data:")] == [path.resolve().as_uri()]
    assert (tmp_path / "report.png").stat().st_size > 10_000
