"""scripts/bench.py --quick runs from a plain install and reports what it measured or skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_bench_quick_runs_and_writes_its_figures(tmp_path: Path, scripts_dir: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(scripts_dir / "bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "samples/s" in done.stdout and "ceiling" in done.stdout
    report = json.loads(out.read_text())
    assert report["quick"] is True and not report["problems"]
    assert report["ceiling_gflops"]["1"]["float64"] > 0
    assert report["ceiling_gflops"]["1"]["float32"] > 0
    rows = report["rows"]
    ours = [row for row in rows if row["impl"] in ("sample", "batch")]
    assert len(ours) == 8  # 4 configurations x 2 engines, at one thread
    for row in ours:
        assert row["samples_per_s"] > 0 and row["gflops"] > 0, row
        assert 0 < row["pct_ceiling"], row
        assert row["peak_mb"] is None or row["peak_mb"] > 0
    for row in rows:
        if row["impl"] in ("torch", "sklearn", "estimator"):
            # Measured when installed, else listed with the reason.
            assert "samples_per_s" in row or "not installed" in row["skipped"], row
            if "samples_per_s" not in row:
                assert "skipped: " + row["skipped"] in done.stdout
    assert report["cli"]["peak_mb"] is None or report["cli"]["peak_mb"] > 0
    assert "error" not in report["cli"], report["cli"]
    # scikit-learn's default workload is a group of its own, PerceptronClassifier in it
    assert any(row["workload"] == "w3" and row["impl"] == "estimator" for row in rows)
    assert report["cli_dtypes"]["cpu_s"]["float32"] > 0
    assert "% ceil" in done.stdout
    assert len(report["targets"]) == 6
