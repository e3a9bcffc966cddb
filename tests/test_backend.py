"""flows/backend.py: a run that cannot reach Prefect stops with one line, and writes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.backend import STARTUP_SECONDS, configure_environment

pytestmark = pytest.mark.e2e
PERIOD = "2024-10"


def run_command(tmp_path: Path, **env: str) -> tuple[list[str], dict]:
    """`doudi run` of an empty month with Prefect embedded (no server configured or running)."""
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    clean |= {"PREFECT_HOME": str(tmp_path / ".prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [sys.executable, "-c", "from flows.cli import app; app()", "run", "--period", PERIOD,
               "--inbox", str(tmp_path / "inbox"), "--out", str(tmp_path / "out")]
    return command, clean | env


def doudi_run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    command, environment = run_command(tmp_path, **env)
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)


def embedded_servers(home: Path) -> list[int]:
    """The pids of the embedded Prefect servers whose PREFECT_HOME is `home`."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes()
            environment = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if b"flows.server:embedded_app" in command and f"PREFECT_HOME={home}".encode() in environment:
            pids.append(int(proc.name))
    return pids


def test_an_embedded_run_completes_and_leaves_no_server_behind(tmp_path: Path):
    result = doudi_run(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "out" / PERIOD / "manifest.json").exists()
    assert embedded_servers(tmp_path / ".prefect") == []


def test_a_killed_run_takes_its_embedded_server_with_it(tmp_path: Path):
    command, environment = run_command(tmp_path)
    run = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not embedded_servers(tmp_path / ".prefect"):
            assert run.poll() is None and time.monotonic() < deadline, "the run never started its server"
            time.sleep(0.05)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 60
    while embedded_servers(tmp_path / ".prefect") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert embedded_servers(tmp_path / ".prefect") == []


def test_an_embedded_server_that_cannot_start_in_time_stops_the_run_with_one_line(tmp_path: Path):
    result = doudi_run(tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "内置服务器 1 秒内未能启动" in result.stderr
    assert not (tmp_path / "out" / PERIOD).exists()


def test_an_unreachable_configured_server_stops_the_run_with_one_line(tmp_path: Path):
    result = doudi_run(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "doudi: 无法连接 Prefect 服务器 http://127.0.0.1:9/api：请确认服务器已启动，"
        "或取消 PREFECT_API_URL 改用内置服务器"
    )
    assert not (tmp_path / "out" / PERIOD).exists()


def test_doudi_waits_minutes_for_the_embedded_server_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    configure_environment()
    assert int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) == STARTUP_SECONDS >= 120
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "45")
    configure_environment()
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "45"


def test_an_embedded_server_whose_port_was_taken_meanwhile_starts_again_on_another(tmp_path, monkeypatch):
    import socket

    from flows import server as servers

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    free_port = servers._free_port
    monkeypatch.setattr(servers, "_free_port", lambda: next(ports, None) or free_port())
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / ".prefect"))
    server = servers.TemporaryServer().start()
    try:
        api_url = server.wait(300)
        assert server.launches == 2 and api_url != f"http://127.0.0.1:{taken.getsockname()[1]}/api"
        assert servers.healthy(api_url)
    finally:
        server.stop()
        taken.close()
    assert server.process.poll() is not None
