"""flows/server.py and flows/resident.py: doudi's resident Prefect server outlives the command that
started it, is found by status and stopped by hand, restarted when it died, stops by itself when
idle but never under a run, and keeps every task run of every flow run through all of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows import server as resident
from sample_month import generate_month
from schemas.policy import load_policy
from tests.servers import PERIOD, api, clean_env, doudi, run_args, server_state, servers_of
from transforms.ingest.inbox import inbox_files

pytestmark = pytest.mark.e2e
NOT_RUN = {"split-by-district", "reconcile-district", "merge-districts", "quality-site"}  # a thread run without --quality


def flow_tasks() -> list[str]:
    """Every task of the monthly flow that a run by hand without --quality runs once (and
    ingest-file once per file)."""
    from prefect import Task

    import flows.monthly

    tasks = [v.name for v in vars(flows.monthly).values() if isinstance(v, Task)]
    return [name for name in tasks if name not in NOT_RUN | {"ingest-file"}]


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("month")
    generate_month(PERIOD, 0.1, 3, root / "inbox", root / "truth", load_policy(Path("data/policy.toml")))
    return root / "inbox"


@pytest.fixture
def home(tmp_path: Path):
    """doudi's home for one test; whatever server the test left is stopped, and must be gone."""
    home = tmp_path / "home"
    yield home
    doudi("server", "stop", env=clean_env(home))
    assert servers_of(home) == []


def wait_until(condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_server_started_by_hand_outlives_the_command_and_stop_waits_for_the_run_in_progress(home: Path):
    env = clean_env(home)
    started = doudi("server", "start", env=env)
    assert started.returncode == 0, started.stderr[-1000:]
    state = server_state(home)
    assert f"Prefect 服务器已启动：{state['api_url'].removesuffix('/api')}，约 " in started.stdout
    assert "自动停止（空闲 60 分钟" in started.stdout
    assert os.getsid(state["pid"]) == state["pid"]  # a session of its own: the command's end is not its end
    status = doudi("server", "status", env=env)
    assert status.returncode == 0 and "Prefect 服务器运行中" in status.stdout

    resident.take_lease(home / "prefect")  # as a run in progress does
    try:
        stopping = subprocess.Popen([sys.executable, "-c", "from flows.cli import app; app()", "server", "stop"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert stopping.stdout.readline().strip() == "有核对正在进行，等它结束后停止…"
        assert stopping.poll() is None and resident.healthy(state["api_url"])
    finally:
        resident.release_lease()
    assert stopping.stdout.read().strip() == "Prefect 服务器已停止" and stopping.wait(timeout=120) == 0
    assert servers_of(home) == [] and server_state(home) is None
    status = doudi("server", "status", env=env)
    assert status.returncode == 1 and "Prefect 服务器未运行" in status.stdout


def test_a_server_that_died_is_started_again_by_the_next_run(home: Path, tmp_path: Path):
    env = clean_env(home)
    assert doudi("server", "start", env=env).returncode == 0
    dead = server_state(home)["pid"]
    os.killpg(dead, signal.SIGKILL)
    assert wait_until(lambda: servers_of(home) == [])
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    run = doudi(*run_args(tmp_path / "inbox", tmp_path / "out"), env=env)
    assert run.returncode == 0, run.stderr[-1000:]
    assert "正在启动 Prefect 服务器" in run.stderr
    assert servers_of(home) == [server_state(home)["pid"]] != [dead]


def test_a_run_stopped_while_its_server_starts_leaves_no_server_behind(home: Path, tmp_path: Path):
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    command = [sys.executable, "-c", "from flows.cli import app; app()",
               *run_args(tmp_path / "inbox", tmp_path / "out")]
    run = subprocess.Popen(command, env=clean_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: servers_of(home) or run.poll() is not None, 300) and run.poll() is None
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert wait_until(lambda: servers_of(home) == [], 60)
    assert server_state(home) is None


def test_every_task_run_is_recorded_through_an_idle_stop_during_a_run_and_a_stop_by_hand(
        month: Path, home: Path, tmp_path: Path):
    out = tmp_path / "out"
    idle = 0.005  # minutes: 0.3 s, which falls during the run
    first = doudi(*run_args(month, out), env=clean_env(home, DOUDI_SERVER_IDLE_MINUTES=str(idle)))
    assert first.returncode == 0, first.stderr[-1000:]
    manifest = json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["timings"]["ingest"] + manifest["timings"]["reconciliation"] > idle * 60  # it did fall during the run
    assert wait_until(lambda: servers_of(home) == [])  # then the server stopped by itself

    second = doudi(*run_args(month, out), env=clean_env(home))
    assert second.returncode == 0, second.stderr[-1000:]
    assert "正在启动 Prefect 服务器" in second.stderr
    assert "已停止" in doudi("server", "stop", env=clean_env(home)).stdout

    assert doudi("server", "start", env=clean_env(home)).returncode == 0
    api_url = server_state(home)["api_url"]
    flow_runs = api(api_url, "/flow_runs/filter")
    assert sorted(r["name"] for r in flow_runs) == [f"{PERIOD} 第 1 次", f"{PERIOD} 第 2 次"]
    expected = sorted([*flow_tasks(), *["ingest-file"] * len(inbox_files(month, PERIOD))])
    for flow_run in flow_runs:
        task_runs = api(api_url, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
        assert flow_run["state_type"] == "COMPLETED"
        assert sorted(t["name"].rsplit("-", 1)[0] for t in task_runs) == expected
        assert {t["state_type"] for t in task_runs} == {"COMPLETED"}
