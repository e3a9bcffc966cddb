"""The Prefect servers doudi runs against.

A server doudi starts once and reuses: `doudi server start|stop|status`. An embedded server starts
anew in every `doudi run` (6 s on a quiet 2-core machine, twice that on a busy one). A data officer rerunning a month several
times on correction day starts one local server instead; every later `doudi run` finds it
(health-checked) and uses it, unless `PREFECT_API_URL` says otherwise. Its state lives in
`PREFECT_HOME`: the database, a log, and `doudi-server.json` (pid, address).

The embedded server of a run (`TemporaryServer`) is the one Prefect itself would start: the same
app (`create_app(ephemeral=True)`: the API without the UI and background services) under uvicorn,
in a process of its own, on the same database. doudi starts it at the very beginning of the run,
so that it comes up on the other core while doudi imports its libraries, rather than after; and
the run itself then needs none of the server's code (Prefect's own start imports it in the run's
process: seconds). It stops when the run ends, and with the run if the run is killed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
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


def _answers(process: subprocess.Popen, api_url: str, deadline: float) -> bool:
    """Whether the server `process` starts answering at `api_url` before `deadline` (False as soon
    as it has exited)."""
    while not healthy(api_url):
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
    if not _answers(process, api_url, time.monotonic() + STARTUP_SECONDS):
        process.kill()
        raise RuntimeError(f"Prefect 服务器未能启动，详见 {home / 'doudi-server.log'}")
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


def embedded_app():
    """The app of Prefect's embedded server, for uvicorn's --factory (see `TemporaryServer`)."""
    from prefect.server.api.server import create_app

    return create_app(ephemeral=True, final=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the server's process before it starts: end it when the run's process ends, however."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ServerDidNotStart(RuntimeError):
    """The run's embedded server did not answer in time; the message says what to do."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Prefect 内置服务器 {seconds:g} 秒内未能启动（机器可能过于繁忙）：请稍后重试，"
            "或设置 PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS 延长等待，或设置 PREFECT_API_URL 使用常驻服务器")


class TemporaryServer:
    """One run's embedded Prefect server: `start()` as early as possible, `wait()` before the flow
    runs, `stop()` when it is over. Its database is the one in `PREFECT_HOME`."""

    def __init__(self) -> None:
        self.port, self.api_url = 0, ""
        self.process: subprocess.Popen | None = None
        self.launches = 0

    def start(self) -> TemporaryServer:
        """Start the server, to stop at exit: registered before Prefect's log and event workers
        register theirs, it stops after they have sent what they hold (exit handlers run last
        registered first), as Prefect's own embedded server does. Call it before any thread is
        started (before Prefect is imported): the child sets its parent-death signal between fork
        and exec."""
        self._launch()
        atexit.register(self.stop)
        return self

    def _launch(self) -> None:
        """The server's process, on a port free a moment ago."""
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.launches += 1
        env = os.environ | {"PREFECT_UI_ENABLED": "0"}
        env.pop("PREFECT_API_URL", None)
        home = _home()
        home.mkdir(parents=True, exist_ok=True)
        with (home / "doudi-embedded-server.log").open("ab") as log:  # for maintainers, if it fails
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "flows.server:embedded_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    def wait(self, seconds: float) -> str:
        """Until the server answers, then its API address; ServerDidNotStart after `seconds`. A
        server that exits before it answers (its port taken meanwhile) is started again, twice."""
        deadline = time.monotonic() + seconds
        while not _answers(self.process, self.api_url, deadline):
            if self.process.poll() is None or self.launches == 3:  # timed out, or failed three times
                self.stop()
                raise ServerDidNotStart(seconds)
            self._launch()
        return self.api_url

    def stop(self) -> None:
        """Stop the server, if it still runs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
