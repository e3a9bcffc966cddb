"""A Prefect server doudi starts once and reuses: `doudi server start|stop|status`.

Prefect's embedded server starts anew in every `doudi run` (15-30 s on a small machine). A data
officer rerunning a month several times on correction day starts one local server instead; every
later `doudi run` finds it (health-checked) and uses it, unless `PREFECT_API_URL` says otherwise.
Its state lives in `PREFECT_HOME`: the database, a log, and `doudi-server.json` (pid, address).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DEFAULT_PORT = 4200
STARTUP_SECONDS = 300


def _home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", Path.cwd() / ".prefect"))


def _state_file() -> Path:
    return _home() / "doudi-server.json"


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def running_api_url() -> str | None:
    """The API address of doudi's local server when it is up and answering, else None."""
    try:
        state = json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state["api_url"] if healthy(state["api_url"], timeout=0.5) else None


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start(port: int = DEFAULT_PORT) -> str:
    """Start the server in the background (or find it running); return its API address."""
    if url := running_api_url():
        return url
    if not _free(port):
        raise RuntimeError(f"端口 {port} 已被占用：请用 --port 换一个端口")
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    log = (home / "doudi-server.log").open("ab")
    env = os.environ | {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not healthy(api_url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Prefect 服务器未能启动，详见 {home / 'doudi-server.log'}")
        time.sleep(0.5)
    _state_file().write_text(json.dumps({"pid": process.pid, "api_url": api_url}), encoding="utf-8")
    return api_url


def stop() -> bool:
    """Stop doudi's server; False when none was running."""
    try:
        state = json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(state["pid"], signal.SIGTERM)  # the server and the workers it started
    for _ in range(40):
        if not healthy(state["api_url"], timeout=0.25):
            break
        time.sleep(0.25)
    _state_file().unlink(missing_ok=True)
    return True
