"""The output plan of ``perceptron train``: every output checked and kept apart before
training; symlinks written through; devices, FIFOs and folders never written over;
one writer per checkpoint."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perceptron import cli, load
from perceptron.io.atomic import atomic_write, exclusive_lock

ROOT = Path(__file__).resolve().parent.parent
SPIRAL = ("train", "--data", "spiral", "--epochs", "2")


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def first_model(path: Path) -> bytes:
    """A saved model at ``path`` (one epoch), its bytes."""
    assert cli.main(["train", "--data", "spiral", "--epochs", "1", "--save", str(path)]) == 0
    return path.read_bytes()


@pytest.mark.parametrize("option", ["--save", "--checkpoint"])
def test_a_symlink_target_is_written_through(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "m0.npz"
    old = first_model(real) if option == "--save" else b""
    link = tmp_path / "link.npz"
    link.symlink_to(Path("real") / "m0.npz")
    code, _, err = run(capsys, *SPIRAL, option, link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "m0.npz")
    assert real.read_bytes() != old  # the new run is in the file the link points to
    if option == "--save":
        load(link)
    else:
        assert (tmp_path / "real" / "m0.npz.history").is_file()
        assert not (tmp_path / "link.npz.history").exists()


def special_files(folder: Path) -> dict[str, Path]:
    """A FIFO, a folder and (as root) a private character device made in ``folder``."""
    found = {"fifo": folder / "fifo", "folder": folder / "folder"}
    os.mkfifo(found["fifo"])
    found["folder"].mkdir()
    if os.geteuid() == 0:
        found["device"] = folder / "null"
        os.mknod(found["device"], 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return found


def fingerprint(path: Path) -> tuple[int, int, int]:
    found = path.lstat()
    return found.st_mode, found.st_ino, found.st_rdev


@pytest.mark.parametrize("option", ["--save", "--checkpoint", "--report", "--plot"])
def test_special_files_are_refused_before_training_and_left_alone(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix = {"--report": ".html", "--plot": ".png"}.get(option, "")
    for kind, path in special_files(tmp_path).items():
        target = path.with_name(path.name + suffix)
        if suffix:
            path.rename(target)
        before = fingerprint(target)
        link = tmp_path / f"link-to-{kind}{suffix}"
        link.symlink_to(target)
        for given in (target, link):
            code, out, err = run(capsys, *SPIRAL, option, given)
            assert code == 2 and "Epoch" not in out, (kind, given, err)
            assert option in err and ("folder" in err or "not a regular file" in err)
        assert fingerprint(target) == before
        assert link.is_symlink()


def test_atomic_write_never_renames_over_a_special_file(tmp_path: Path) -> None:
    for kind, path in special_files(tmp_path).items():
        before = fingerprint(path)
        with pytest.raises(ValueError, match="path"):
            atomic_write(path, lambda handle: handle.write(b"x"))
        assert fingerprint(path) == before, kind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(special_files_names())


def special_files_names() -> list[str]:
    return ["fifo", "folder"] + (["null"] if os.geteuid() == 0 else [])


@pytest.mark.parametrize(
    "outputs",
    [
        ["--save", "out.html", "--report", "out.html"],
        ["--save", "p.png", "--plot", "p.png"],
        ["--save", "x", "--checkpoint", "x"],
        ["--save", "c.ckpt.history", "--checkpoint", "c.ckpt"],
        ["--save", "c.ckpt.lock", "--checkpoint", "c.ckpt"],
        ["--save", "m.npz", "--checkpoint", "./sub/../m.npz"],
        ["--plot", "same.png", "--save", "hard.npz"],
    ],
    ids=["save-report", "save-plot", "save-checkpoint", "checkpoint-history", "lock", "dots", "hl"],
)
def test_colliding_outputs_are_refused_before_training(
    outputs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    if "hard.npz" in outputs:
        Path("same.png").write_bytes(b"old")
        os.link("same.png", "hard.npz")  # two names, one file
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(capsys, *SPIRAL, *outputs)
    assert code == 2 and "Epoch" not in out
    assert "the same file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_checkpoint_has_one_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "run.ckpt"
    with exclusive_lock(f"{checkpoint}.lock"):  # as another run would hold it
        code, out, err = run(capsys, *SPIRAL, "--checkpoint", checkpoint)
    assert code == 1 and "Epoch" not in out and "another run" in err
    assert not checkpoint.exists()
    code, _, err = run(capsys, *SPIRAL, "--checkpoint", checkpoint)
    assert code == 0, err
    assert not Path(f"{checkpoint}.lock").exists()


def test_a_lock_left_by_a_killed_run_does_not_block_a_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    assert run(capsys, *SPIRAL, "--checkpoint", checkpoint)[0] == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)",
            f"{checkpoint}.lock",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    assert run(capsys, *SPIRAL, "--checkpoint", checkpoint)[0] == 1  # alive: refused
    holder.kill()
    holder.wait()
    assert Path(f"{checkpoint}.lock").exists()  # left behind by the killed run
    code, out, err = run(
        capsys, "train", "--data", "spiral", "--epochs", "3", "--checkpoint", checkpoint
    )
    assert code == 0 and "Resuming" in out and out.count("Epoch ") == 1, err


def test_two_runs_on_one_checkpoint_do_not_mix(tmp_path: Path) -> None:
    checkpoint = tmp_path / "run.ckpt"
    argv = [
        sys.executable,
        "-m",
        "perceptron",
        "train",
        "--data",
        "spiral",
        "--epochs",
        "400",
        "--checkpoint",
        str(checkpoint),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert first.stdout is not None
    first.stdout.readline()  # started: the Data line
    while not first.stdout.readline().startswith("Epoch"):
        pass
    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    first.kill()
    first.wait()
    assert second.returncode == 1 and "another run" in second.stderr
    assert "Epoch" not in second.stdout


def test_a_model_that_would_not_fit_the_header_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = 2500
    names = [f"{'a-long-column-name-' * 25}{i}" for i in range(columns)]
    rng = np.random.default_rng(0)
    rows = [",".join(f"{v:.2f}" for v in rng.normal(size=columns)) + f",{i % 2}" for i in range(12)]
    data = tmp_path / "wide.csv"
    data.write_text(",".join([*names, "label"]) + "\n" + "\n".join(rows) + "\n")
    code, out, err = run(
        capsys,
        "train",
        "--data",
        data,
        "--epochs",
        "1",
        "--layers",
        "2",
        "--save",
        tmp_path / "m.npz",
    )
    assert code == 1 and "Epoch" not in out
    assert "--save" in err and "header would be" in err
    assert not (tmp_path / "m.npz").exists()
