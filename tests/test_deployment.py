"""The scheduled month (flows/deployment.py) and the message a scheduled run sends (flows/hooks.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from flows.deployment import DEFAULT_CRON, next_run, schedule_sentence
from sample_month import generate_month
from schemas.period import previous_period
from schemas.policy import load_policy
from tests.servers import PERIOD, clean_env

POLICY = Path("data/policy.toml")

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_default_schedule_fires_at_six_on_the_fifth_in_china_time():
    assert next_run(DEFAULT_CRON, now=datetime(2026, 12, 2, 18, 0, tzinfo=SHANGHAI)) == datetime(2026, 12, 5, 6, 0, tzinfo=SHANGHAI)
    assert next_run(DEFAULT_CRON, now=datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)) == datetime(2027, 1, 5, 6, 0, tzinfo=SHANGHAI)


def test_a_scheduled_run_reconciles_the_month_before_it():
    assert previous_period(datetime(2027, 1, 5, 6, 0, tzinfo=SHANGHAI)) == "2026-12"
    assert previous_period(datetime(2026, 12, 5, 6, 0, tzinfo=SHANGHAI)) == "2026-11"
    sentence = schedule_sentence(DEFAULT_CRON, now=datetime(2026, 12, 31, 23, 0, tzinfo=SHANGHAI))
    assert "下次运行：2027-01-05 06:00，核对 2026-12" in sentence


class Robot(BaseHTTPRequestHandler):
    """A group robot on 127.0.0.1: keeps the JSON it is sent."""

    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        self.received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0}')

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def robot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    Robot.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test", Robot.received
    server.shutdown()


def policy_with_webhook(tmp_path: Path, url: str) -> Path:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text(encoding="utf-8") + f'\n[notify]\nwebhook = "{url}"\n', encoding="utf-8")
    return policy


def serving(tmp_path: Path, *args: str) -> subprocess.Popen:
    """`doudi serve` against the session's Prefect server, picking up runs within a second."""
    from prefect.settings import PREFECT_API_URL

    env = clean_env(tmp_path / "home", PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_RUNNER_POLL_FREQUENCY="1")
    command = [sys.executable, "-c", "from flows.cli import app; app()", "serve",
               "--inbox", str(tmp_path / "inbox"), "--out", str(tmp_path / "out"), *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def registered_deployment(client, out: Path, seconds: float = 240):
    """The deployment once the `doudi serve` writing to `out` has registered it (the session's server
    may still hold another test's)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            deployment = client.read_deployment_by_name("doudi-monthly/monthly")
        except Exception:  # noqa: BLE001 - not registered yet
            deployment = None
        if deployment is not None and deployment.parameters["out"] == str(out.resolve()):
            return deployment
        time.sleep(1)
    return None


@pytest.mark.e2e
def test_serve_registers_the_monthly_deployment_and_prints_its_next_run(tmp_path: Path, prefect_backend):
    from prefect.client.orchestration import get_client

    server = serving(tmp_path, "--cron", "30 7 6 * *")
    try:
        first = server.stdout.readline()
        assert "定时 30 7 6 * *，Asia/Shanghai" in first and "下次运行：" in first
        with get_client(sync_client=True) as client:
            deployment = registered_deployment(client, tmp_path / "out")
        assert deployment is not None
        (schedule,) = deployment.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 6 * *", "Asia/Shanghai")
        assert deployment.parameters["period"] is None and deployment.parameters["quality"] is True
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.e2e
def test_a_scheduled_run_tells_the_group_robot_its_counts_and_a_run_by_hand_does_not(
        tmp_path: Path, prefect_backend, robot):
    from prefect.client.orchestration import get_client

    from flows.monthly import monthly_run

    url, received = robot
    policy = policy_with_webhook(tmp_path, url)
    generate_month(PERIOD, 0.1, 3, tmp_path / "inbox", tmp_path / "truth", load_policy(policy))
    monthly_run(period=PERIOD, inbox=tmp_path / "inbox", out=tmp_path / "by-hand", policy_path=policy)
    assert received == []  # a run started by hand: the person who started it is watching

    server = serving(tmp_path, "--policy", str(policy))
    try:
        with get_client(sync_client=True) as client:
            deployment = registered_deployment(client, tmp_path / "out")
            client.create_flow_run_from_deployment(deployment.id, parameters={"period": PERIOD})
        deadline = time.monotonic() + 300
        while not received and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        server.terminate()
        said = server.communicate(timeout=60)[0]
    assert len(received) == 1, said[-3000:]
    (message,) = received
    assert message["msgtype"] == "text"
    content = message["text"]["content"]
    manifest = json.loads((tmp_path / "out" / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert content.startswith(f"doudi：{PERIOD} 第 1 次核对完成（定时运行）")
    assert f"隔离 {sum(i['rows_quarantined'] for i in manifest['inputs']):,}" in content
    assert f"发现异常 {sum(manifest['rule_counts'].values()):,} 条" in content
    names = pl.read_parquet(tmp_path / "out" / PERIOD / "roster_persons.parquet")["name"].drop_nulls()
    assert not re.search(r"\d{15,18}", content) and not [n for n in names if len(n) >= 2 and n in content]


@pytest.mark.e2e
def test_a_run_by_hand_asked_to_notify_tells_the_robot_too(tmp_path: Path, prefect_backend, robot, monkeypatch):
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.delenv("DOUDI_NOTIFY", raising=False)  # `--notify` sets it for the run's process
    url, received = robot
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    args = ["run", "--period", PERIOD, "--inbox", str(tmp_path / "inbox"), "--out", str(tmp_path / "out"),
            "--policy", str(policy_with_webhook(tmp_path, url)), "--notify"]
    assert CliRunner().invoke(app, args).exit_code == 0
    (message,) = received
    assert message["text"]["content"].startswith(f"doudi：{PERIOD} 第 1 次核对完成")
