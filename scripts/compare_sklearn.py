"""Our command line's defaults against scikit-learn's, on scikit-learn's bundled tables as CSV.

Each table is written as a CSV file (a header of column names, the label in the
last column, as a new user would write it: wine's labels 1, 2, 3; breast
cancer's 2 (benign) and 4 (malignant), as the UCI file codes them; digits 0-9;
the diabetes progression numbers), split 80/20 (stratified by class for the
classifiers, by seed 0), and scored on the 20% by

    python -m perceptron train --data train.csv --save m.npz      (no other option: the
    python -m perceptron evaluate m.npz --data test.csv            diabetes targets are
                                                                   detected as a regression)

beside ``make_pipeline(StandardScaler(), MLPClassifier(random_state=0))`` fitted on
the same training rows (diabetes: ``LinearRegression`` and
``make_pipeline(StandardScaler(), MLPRegressor(random_state=0))``). A row says
whether ours is within 3 points of scikit-learn's accuracy (or 0.1 of linear
regression's R²); a run that fails is a row saying so, not a crash. ``--fashion``
adds Fashion-MNIST (an MNIST-format folder) for a few epochs; ``--quick`` skips
the digits.

Run: ``python scripts/compare_sklearn.py`` (needs scikit-learn and pandas).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FASHION = Path("/usr/share/datasets/fashion-mnist")
TOLERANCE = {"accuracy": 3.0, "R²": 0.1}


def _tables() -> dict[str, tuple[object, np.ndarray, list[str]]]:
    """name -> (features frame, labels as the CSV holds them, feature names)."""
    from sklearn import datasets

    wine = datasets.load_wine(as_frame=True)
    cancer = datasets.load_breast_cancer(as_frame=True)
    digits = datasets.load_digits(as_frame=True)
    diabetes = datasets.load_diabetes(as_frame=True)
    return {
        "wine": (wine.data, wine.target.to_numpy() + 1, []),  # labels 1, 2, 3
        # scikit-learn: 0 malignant, 1 benign; the UCI file: 4 malignant, 2 benign
        "breast cancer": (cancer.data, np.where(cancer.target.to_numpy() == 0, 4, 2), []),
        "digits": (digits.data, digits.target.to_numpy(), []),
        "diabetes": (diabetes.data, diabetes.target.to_numpy(), []),
    }


def _perceptron(*argv: str, cwd: Path) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "perceptron", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _ours(folder: Path, regression: bool, train_extra: list[str]) -> float | str:
    """Our test figure (accuracy in %, or R²), or the reason the run failed."""
    code, out, err = _perceptron(
        "train", "--data", "train.csv", *train_extra, "--save", "m.npz", cwd=folder
    )
    if code != 0:
        return "train failed: " + (err.strip().splitlines() or ["?"])[-1][:90]
    code, out, err = _perceptron("evaluate", "m.npz", "--data", "test.csv", cwd=folder)
    if code != 0:
        return "evaluate failed: " + (err.strip().splitlines() or ["?"])[-1][:90]
    pattern = r"^R²: (\S+)" if regression else r"^Accuracy: ([\d.]+)%"
    found = re.search(pattern, out, re.MULTILINE)
    return float(found.group(1)) if found else "no figure in: " + out[:90]


def _theirs(name: str, X_train, y_train, X_test, y_test) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LinearRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "diabetes":
            linear = LinearRegression().fit(X_train, y_train).score(X_test, y_test)
            mlp = make_pipeline(StandardScaler(), MLPRegressor(random_state=0))
            return {"linear": linear, "mlp": mlp.fit(X_train, y_train).score(X_test, y_test)}
        mlp = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
        return {"mlp": 100 * mlp.fit(X_train, y_train).score(X_test, y_test)}


def compare(name: str, X, y, work: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """One table's row(s): write the split as CSV, run ours and scikit-learn's."""
    from sklearn.model_selection import train_test_split

    regression = name == "diabetes"
    frame = X.copy()
    frame["label"] = y
    train, test = train_test_split(
        frame, test_size=0.2, random_state=0, stratify=None if regression else y
    )
    folder = work / name.replace(" ", "-")
    folder.mkdir()
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    ours = _ours(folder, regression, [])
    theirs = _theirs(name, train.iloc[:, :-1], train["label"], test.iloc[:, :-1], test["label"])
    measure = "R²" if regression else "accuracy"
    reference = theirs["linear"] if regression else theirs["mlp"]
    if isinstance(ours, str):
        verdict, shown = "FAILED", ours
    else:
        verdict = "yes" if ours >= reference - TOLERANCE[measure] else "NO"
        shown = f"{ours:.4f}" if regression else f"{ours:.1f}%"
    ref = f"{reference:.4f}" if regression else f"{reference:.1f}%"
    scikit = "LinearRegression" if regression else "StandardScaler + MLPClassifier"
    rows = [f"{name:14} {measure:9} {shown:>10}  {ref:>10}  {scikit:31} {verdict}"]
    if regression:
        rows.append(
            f"{'':14} {'':9} {'':>10}  {theirs['mlp']:>10.4f}  "
            f"{'StandardScaler + MLPRegressor':31} (for reference)"
        )
    return rows


def fashion(work: Path, epochs: int) -> list[str]:
    """Fashion-MNIST, an MNIST-format folder: ours for a few epochs (held-out rows from the
    training images, t10k scored once), and an MLPClassifier given as many epochs."""
    if not FASHION.is_dir():
        return [f"{'fashion-mnist':14} skipped: no folder {FASHION}"]
    code, out, err = _perceptron(
        "train", "--data", str(FASHION), "--epochs", str(epochs), "--save", "f.npz", cwd=work
    )
    found = re.search(r"^Test accuracy.*?: ([\d.]+)%", out, re.MULTILINE)
    if code != 0 or not found:
        return [f"{'fashion-mnist':14} FAILED: {(err.strip().splitlines() or ['?'])[-1][:90]}"]
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    sys.path.insert(0, str(ROOT))
    from perceptron.datasets import load_digits

    X_train, y_train, X_test, y_test = load_digits(FASHION)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(random_state=0, max_iter=epochs).fit(X_train, y_train)
    theirs = 100 * mlp.score(X_test, y_test)
    ours = float(found.group(1))
    verdict = "yes" if ours >= theirs - TOLERANCE["accuracy"] else "NO"
    return [
        f"{'fashion-mnist':14} {'accuracy':9} {ours:>9.1f}%  {theirs:>9.1f}%  "
        f"{f'MLPClassifier, {epochs} epochs':31} {verdict}"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the digits")
    parser.add_argument("--fashion", type=int, metavar="EPOCHS", help="add Fashion-MNIST")
    args = parser.parse_args(argv)
    print(
        f"{'data':14} {'measure':9} {'perceptron':>10}  {'sklearn':>10}  {'scikit-learn model':31} "
        "within"
    )
    failed = False
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        for name, (X, y, _) in _tables().items():
            if args.quick and name == "digits":
                continue
            for row in compare(name, X, y, work):
                print(row, flush=True)
                failed |= row.endswith(("NO", "FAILED")) or "FAILED" in row
        if args.fashion:
            for row in fashion(work, args.fashion):
                print(row, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
