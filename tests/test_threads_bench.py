"""scripts/threads_bench.py --quick runs and prints the three thread ratios (never enforced)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_threads_bench_quick_prints_its_ratios(tmp_path: Path, scripts_dir: Path) -> None:
    out = tmp_path / "threads.json"
    done = subprocess.run(
        [sys.executable, str(scripts_dir / "threads_bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    for phase in ("quiet", "busy"):
        rows = report[phase]
        assert set(rows) == {"default", "one thread", "all cores"}
        for row in rows.values():
            assert row["wall"] > 0 and row["cpu"] > 0 and row["wall_ratio"] > 0
        assert rows["one thread"]["wall_ratio"] == 1.0
    assert len(report["targets"]) == 3
    assert "default wall / one thread, busy" in done.stdout
