"""A run killed anywhere, two runs at once, a full disk, an unwritable folder, a bad period: the last
complete outputs and the warehouse stay whole, and the officer reads one line."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sample_month import generate_month
from schemas.policy import load_policy
from transforms.month.faults import POINTS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_backend")]
PERIOD = "2024-10"
POLICY = Path("data/policy.toml")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    generate_month(PERIOD, 0.3, 5, root / "inbox", root / "truth", load_policy(POLICY))
    return root / "inbox"


def doudi(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`doudi` in a new process, reporting to the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    environment = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value()} | env
    return subprocess.run([sys.executable, "-c", "from flows.cli import app; app()", *args],
                          capture_output=True, text=True, env=environment, timeout=600)


def run_args(inbox: Path, out: Path) -> list[str]:
    return ["run", "--period", PERIOD, "--inbox", str(inbox), "--out", str(out), "--cache", str(out.parent / "cache")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def runs(out: Path, order: str = "started_at") -> list[tuple[str, str]]:
    """(run_id, state) of every run recorded; `order="rowid"` puts them in the order they were
    recorded, which is the order they published in (a run is recorded while it holds the lock)."""
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(f"select run_id, state from runs order by {order}").fetchall()
    finally:
        con.close()


def manifest_run(out: Path) -> str:
    return json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))["run_id"]


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_any_point_leaves_the_last_outputs_and_the_warehouse_whole(generated, tmp_path, point):
    out = tmp_path / "out"
    assert doudi(*run_args(generated, out)).returncode == 0
    before, first = snapshot(out / PERIOD), manifest_run(out)
    killed = doudi(*run_args(generated, out), DOUDI_FAULT_AT=point)
    assert killed.returncode == -9  # SIGKILL: no clean-up ran
    recorded = dict(runs(out))
    if point == "swapped":  # the new outputs were already in place: they are the last complete ones
        assert manifest_run(out) != first and recorded[manifest_run(out)] == "publishing"
    else:
        assert snapshot(out / PERIOD) == before
        assert recorded[first] == "complete" and all(s != "complete" for r, s in recorded.items() if r != first)
    again = doudi(*run_args(generated, out))
    assert again.returncode == 0, again.stderr[-500:]
    settled = dict(runs(out))
    assert "publishing" not in settled.values()
    assert settled[manifest_run(out)] == "complete"
    assert not list(out.glob(f".{PERIOD}.building-*")) and not list(out.glob(f".{PERIOD}.previous-*"))


def test_two_runs_of_one_period_at_once_do_not_interleave(generated, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from flows.cli import app; app()", *run_args(generated, out)]
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value()}
    both = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    assert [p.wait(timeout=600) for p in both] == [0, 0]
    # Which run takes the lock first is up to the machine (the one that started first may read its
    # files more slowly): what matters is that they took turns.
    first, second = runs(out, order="rowid")
    assert first[1] == second[1] == "complete"
    assert manifest_run(out) == second[0]  # the run that published second is the one published
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    statuses = set(r[0] for r in con.execute("select status from run_exceptions where run_id = ?", [second[0]]).fetchall())
    con.close()
    assert statuses == {"persisting"}  # it saw the first run whole, as its previous run


def last_line(done: subprocess.CompletedProcess) -> str:
    return done.stderr.strip().splitlines()[-1]


def errors_besides_the_line(done: subprocess.CompletedProcess) -> list[str]:
    """stderr but the progress lines (one per file and stage) and the final line: tracebacks, logs."""
    lines = done.stderr.strip().splitlines()[:-1]
    return [line for line in lines if not line.startswith("[")]


@contextlib.contextmanager
def mounted(folder: Path, options: str):
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
def test_a_full_disk_stops_the_run_with_one_line_and_keeps_the_last_outputs(generated, tmp_path):
    with mounted(tmp_path / "small", "size=9m") as small:  # a scale-0.3 month's outputs take about 7 MB
        out = small / "out"
        assert doudi(*run_args(generated, out)).returncode == 0
        before = snapshot(out / PERIOD)
        filler = small / "filler"
        free = shutil.disk_usage(small).free
        filler.write_bytes(b"\0" * max(free - 1_500_000, 0))  # room for the lock files, not for a month
        full = doudi(*run_args(generated, out))
        assert full.returncode == 2
        assert last_line(full).startswith("doudi: 磁盘空间不足") and not errors_besides_the_line(full)
        assert snapshot(out / PERIOD) == before
        assert not list(out.glob(f".{PERIOD}.building-*"))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a read-only file system")
def test_an_unwritable_output_folder_stops_the_run_with_one_line(generated, tmp_path):
    with mounted(tmp_path / "readonly", "ro,size=1m") as readonly:
        refused = doudi(*run_args(generated, readonly / "out"))
    assert refused.returncode == 2
    assert last_line(refused).startswith("doudi: 没有权限写入") and not errors_besides_the_line(refused)


@pytest.mark.parametrize(("period", "says"), [("2024-13", "格式不对"), ("24-10", "格式不对"), ("2999-01", "还没有到")])
def test_a_malformed_or_future_period_stops_with_one_line_and_writes_nothing(generated, tmp_path, period, says):
    refused = doudi("run", "--period", period, "--inbox", str(generated), "--out", str(tmp_path / "out"))
    assert refused.returncode == 2 and says in refused.stderr and refused.stderr.strip().count("\n") == 0
    assert not (tmp_path / "out").exists()
