"""flows/backend.py and flows/homes.py: which Prefect server a run uses, where doudi keeps its state,
and the one line a run stops with when Prefect cannot be had."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from flows.backend import STARTUP_SECONDS, configure_environment
from flows.homes import home_of
from sample_month import generate_month
from schemas.policy import load_policy
from tests.servers import PERIOD, clean_env, doudi, run_args, server_state, servers_of


def test_doudi_keeps_its_state_beside_the_output_folder_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("DOUDI_HOME", raising=False)
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    home = home_of(Path("site/reports"))
    assert home.root == tmp_path / "site" / ".doudi"
    assert (home.cache, home.prefect) == (tmp_path / "site/.doudi/cache", tmp_path / "site/.doudi/prefect")
    monkeypatch.chdir(tmp_path / "..")
    assert home_of(tmp_path / "site" / "reports") == home


def test_doudi_home_puts_doudis_state_where_it_says(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    monkeypatch.setenv("DOUDI_HOME", str(tmp_path / "state"))
    assert home_of(Path("reports")).cache == tmp_path / "state" / "cache"
    assert home_of(Path("/elsewhere/reports")).prefect == tmp_path / "state" / "prefect"


def test_doudi_asks_prefect_for_no_telemetry_and_waits_minutes_for_a_server(tmp_path, monkeypatch):
    for name in ("DO_NOT_TRACK", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "PREFECT_HOME"):
        monkeypatch.delenv(name, raising=False)
    configure_environment(home_of(tmp_path / "reports"))
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["PREFECT_HOME"] == str(tmp_path / ".doudi" / "prefect")
    assert int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) == STARTUP_SECONDS >= 120
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "45")
    configure_environment(home_of(tmp_path / "reports"))
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "45"


@pytest.mark.e2e
def test_runs_from_two_directories_share_one_cache_one_history_and_one_resident_server(tmp_path: Path):
    generate_month(PERIOD, 0.1, 3, tmp_path / "inbox", tmp_path / "truth", load_policy(Path("data/policy.toml")))
    out, home = tmp_path / "site" / "reports", tmp_path / "site" / ".doudi"
    env = clean_env(home)
    del env["DOUDI_HOME"]  # the home beside the output folder
    first_dir, second_dir = tmp_path / "here", tmp_path / "there"
    first_dir.mkdir(), second_dir.mkdir()
    try:
        first = doudi(*run_args(tmp_path / "inbox", out), env=env, cwd=first_dir)
        assert first.returncode == 0, first.stderr[-1000:]
        assert re.match(rf"\[\d\d:\d\d:\d\d\] doudi {PERIOD}：开始核对", first.stderr)  # timestamped in a log
        assert "正在启动 Prefect 服务器" in first.stderr
        server = server_state(home)
        assert first.stdout.strip().splitlines()[-1].startswith(
            f"Prefect 界面：{server['api_url'].removesuffix('/api')}，约 ")
        assert servers_of(home) == [server["pid"]]  # it outlived the command

        second = doudi(*run_args(tmp_path / "inbox", out), env=env, cwd=second_dir)
        assert second.returncode == 0, second.stderr[-1000:]
        assert "正在启动" not in second.stderr and server_state(home) == server
        manifest = json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))
        assert {entry["ingest"] for entry in manifest["inputs"]} == {"reused"}
        history = doudi("history", "--period", PERIOD, "--out", str(out), env=env, cwd=first_dir)
        assert history.stdout.count("完成") == 2
        assert list(first_dir.iterdir()) == list(second_dir.iterdir()) == []
        assert (home / "cache" / "ingest").is_dir() and (home / "prefect" / "prefect.db").is_file()
    finally:
        doudi("server", "stop", "--out", str(out), env=env)
    assert servers_of(home) == []


@pytest.mark.e2e
def test_a_server_that_cannot_start_in_time_stops_the_run_with_one_line_and_is_not_left(tmp_path: Path):
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    env = clean_env(tmp_path / "home", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")
    result = doudi(*run_args(tmp_path / "inbox", tmp_path / "out"), env=env)
    assert result.returncode == 2
    (reason,) = [line for line in result.stderr.splitlines() if line.startswith("doudi: ")]
    assert "Prefect 服务器 1 秒内未能启动" in reason and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / PERIOD).exists()
    assert servers_of(tmp_path / "home") == [] and server_state(tmp_path / "home") is None


@pytest.mark.e2e
def test_an_unreachable_configured_server_stops_the_run_with_one_line(tmp_path: Path):
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    env = clean_env(tmp_path / "home", PREFECT_API_URL="http://127.0.0.1:9/api")
    result = doudi(*run_args(tmp_path / "inbox", tmp_path / "out"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "doudi: 无法连接 Prefect 服务器 http://127.0.0.1:9/api：请确认服务器已启动，"
        "或取消 PREFECT_API_URL 改用 doudi 自己的服务器"
    )
    assert not (tmp_path / "out" / PERIOD).exists()
    assert servers_of(tmp_path / "home") == []
