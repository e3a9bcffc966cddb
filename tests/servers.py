"""Helpers for the tests that run `doudi` in a process of its own with doudi's resident Prefect
server: an environment with no Prefect server configured and a home of its own, and the server
processes found by their home, so that a test can prove it left none behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

PERIOD = "2024-10"


def clean_env(home: Path, **extra: str) -> dict:
    """No Prefect server configured; doudi's state in `home`; any free port; quiet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DOUDI_"))}
    return env | {"DOUDI_HOME": str(home), "DOUDI_SERVER_PORT": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"} | extra


def doudi(*args: str, env: dict, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from flows.cli import app; app(prog_name='doudi')", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def run_args(inbox: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--period", PERIOD, "--inbox", str(inbox), "--out", str(out), *extra]


def servers_of(home: Path) -> list[int]:
    """The pids of the resident servers whose home is under `home` (any of them, alive)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):  # gone, or not a process
            continue
        if b"flows.resident" in command and state != "Z":
            at = command.index(b"--home") + 1 if b"--home" in command else None
            if at and Path(command[at].decode()).is_relative_to(home):
                pids.append(int(proc.name))
    return pids


def api(api_url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(f"{api_url}{path}", data=json.dumps(body or {}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def server_state(home: Path) -> dict | None:
    try:
        return json.loads((home / "prefect" / "doudi-server.json").read_text(encoding="utf-8"))
    except OSError:
        return None
