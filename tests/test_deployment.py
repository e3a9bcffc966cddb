"""The scheduled month and doudi's local Prefect server (flows/deployment.py, flows/server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.deployment import DEFAULT_CRON, next_run, schedule_sentence
from schemas.period import previous_period

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_default_schedule_fires_at_six_on_the_fifth_in_china_time():
    assert next_run(DEFAULT_CRON, now=datetime(2026, 12, 2, 18, 0, tzinfo=SHANGHAI)) == datetime(2026, 12, 5, 6, 0, tzinfo=SHANGHAI)
    assert next_run(DEFAULT_CRON, now=datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)) == datetime(2027, 1, 5, 6, 0, tzinfo=SHANGHAI)


def test_a_scheduled_run_reconciles_the_month_before_it():
    assert previous_period(datetime(2027, 1, 5, 6, 0, tzinfo=SHANGHAI)) == "2026-12"
    assert previous_period(datetime(2026, 12, 5, 6, 0, tzinfo=SHANGHAI)) == "2026-11"
    sentence = schedule_sentence(DEFAULT_CRON, now=datetime(2026, 12, 31, 23, 0, tzinfo=SHANGHAI))
    assert "下次运行：2027-01-05 06:00，核对 2026-12" in sentence


def clean_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(tmp_path / ".prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"} | extra


def doudi(*args: str, env: dict, timeout: int = 400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from flows.cli import app; app()", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


@pytest.mark.e2e
def test_serve_registers_the_monthly_deployment_and_prints_its_next_run(tmp_path: Path, prefect_backend):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = clean_env(tmp_path, PREFECT_API_URL=PREFECT_API_URL.value())
    command = [sys.executable, "-c", "from flows.cli import app; app()", "serve", "--cron", "30 7 6 * *",
               "--inbox", str(tmp_path / "inbox"), "--out", str(tmp_path / "out")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        first = server.stdout.readline()
        assert "定时 30 7 6 * *，Asia/Shanghai" in first and "下次运行：" in first
        deadline, deployment = time.monotonic() + 240, None
        with get_client(sync_client=True) as client:
            while deployment is None and time.monotonic() < deadline:
                try:
                    deployment = client.read_deployment_by_name("doudi-monthly/monthly")
                except Exception:  # noqa: BLE001 - not registered yet
                    time.sleep(1)
        assert deployment is not None
        (schedule,) = deployment.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 6 * *", "Asia/Shanghai")
        assert deployment.parameters["period"] is None and deployment.parameters["quality"] is True
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.e2e
def test_a_local_server_started_once_is_used_by_later_runs_and_stops(tmp_path: Path):
    env = clean_env(tmp_path)
    (tmp_path / "inbox" / "2024-10").mkdir(parents=True)
    port = str(4300 + os.getpid() % 500)
    try:
        started = doudi("server", "start", "--port", port, env=env)
        assert started.returncode == 0 and f"127.0.0.1:{port}" in started.stdout
        assert doudi("server", "status", env=env).returncode == 0
        run = doudi("run", "--period", "2024-10", "--inbox", str(tmp_path / "inbox"), "--out", str(tmp_path / "out"),
                    env=env)
        assert run.returncode == 0, run.stderr[-500:]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/flow_runs/filter", data=b"{}",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            runs = json.load(response)
        assert [r["state_type"] for r in runs] == ["COMPLETED"]  # the run was recorded by the local server
    finally:
        stopped = doudi("server", "stop", env=env)
    assert "已停止" in stopped.stdout
    status = doudi("server", "status", env=env)
    assert status.returncode == 1 and "未运行" in status.stdout
