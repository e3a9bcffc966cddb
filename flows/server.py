"""doudi's resident Prefect server, seen from the commands that use it.

The first `doudi run` that finds no Prefect API configured starts the server (flows/resident.py)
detached, in a session of its own, and every later run reuses it; so does `doudi serve`, and
`doudi server start|status|stop` manage it by hand. It lives in Prefect's home (flows/homes.py):

  doudi-server.json   pid, address, idle timeout: written when it is started, removed when it ends
  doudi-server.lease  every run holds a shared lock on it while it runs; the server stops itself
                      after `idle_minutes` with no run, taking the lock exclusively, so that it
                      never stops under a run, and a run arriving meanwhile waits and starts anew
  doudi-server.log    what the server says (uvicorn's and Prefect's errors)
  doudi-server.stop   written by `doudi server stop`: the pid of the server asked to stop

A run takes its lease before it looks for the server, so the server it finds cannot idle out
under it; `doudi server stop` also waits for the runs in progress. Either way the server records
everything the runs sent before it stops (flows/resident.py drains Prefect's event queues).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_PORT = 4200
STARTUP_SECONDS = 300  # a busy 2-core machine can take a minute; past this a starting server is hung
PORT_VARIABLE = "DOUDI_SERVER_PORT"  # 0: any free port (the tests)
IDLE_MINUTES = 60.0
IDLE_VARIABLE = "DOUDI_SERVER_IDLE_MINUTES"  # 0: never stops by itself
STATE, LEASE, START_LOCK, LOG = "doudi-server.json", "doudi-server.lease", "doudi-server.start.lock", "doudi-server.log"
STOP = "doudi-server.stop"  # `doudi server stop` asks the server `pid` written in it to stop


@dataclass(frozen=True)
class ServerState:
    pid: int
    api_url: str
    idle_minutes: float
    started_at: float  # time.time() when it was started

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def stops_by_itself(self, after: datetime | None = None) -> str:
        """When it stops if no run comes, in words: `约 16:05 自动停止（空闲 60 分钟）`."""
        if not self.idle_minutes:
            return "不会自动停止（doudi server stop 停止）"
        at = (after or datetime.now()) + timedelta(minutes=self.idle_minutes)
        return f"约 {at:%H:%M} 自动停止（空闲 {self.idle_minutes:g} 分钟，期间再运行则顺延）"


class ServerDidNotStart(RuntimeError):
    """The server did not answer in time, or exited; the message says what to do."""


def idle_minutes_setting(given: float | None = None) -> float:
    value = given if given is not None else os.environ.get(IDLE_VARIABLE, IDLE_MINUTES)
    try:
        minutes = float(value)
    except ValueError:
        raise ServerDidNotStart(f"{IDLE_VARIABLE}「{value}」应为分钟数，例如 60") from None
    if minutes < 0:
        raise ServerDidNotStart(f"空闲停止时间应不小于 0 分钟（当前 {minutes:g}）")
    return minutes


def port_setting(given: int | None = None) -> int:
    return given if given is not None else int(os.environ.get(PORT_VARIABLE, DEFAULT_PORT))


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Whether the process `pid` runs (an exited child not yet waited for does not)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid now someone else's
        return False
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def read_state(home: Path) -> ServerState | None:
    try:
        return ServerState(**json.loads((home / STATE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_state(home: Path, state: ServerState) -> None:
    temporary = home / f".{STATE}.{os.getpid()}"
    temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
    temporary.replace(home / STATE)


def forget_state(home: Path, pid: int) -> None:
    """Remove the state file if it still describes the server `pid`."""
    state = read_state(home)
    if state is not None and state.pid == pid:
        (home / STATE).unlink(missing_ok=True)


def running(home: Path) -> ServerState | None:
    """The resident server of `home` when it is up and answering, else None."""
    state = read_state(home)
    return state if state is not None and alive(state.pid) and healthy(state.api_url, timeout=5) else None


# --- the lease ------------------------------------------------------------------------------------

_held: list = []  # the lease files this process holds, open until it exits


def lock_file(home: Path, name: str):
    home.mkdir(parents=True, exist_ok=True)
    return open(home / name, "a+b")  # noqa: SIM115 - held open for as long as the lock is


def take_lease(home: Path, waiting=None) -> None:
    """Hold a shared lease on the server of `home` until this process exits (or `release_lease`).
    While the server is stopping (it holds the lease exclusively) this waits; `waiting()` is
    called once first, to say so."""
    lease = lock_file(home, LEASE)
    try:
        fcntl.flock(lease, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting:
            waiting()
        fcntl.flock(lease, fcntl.LOCK_SH)
    touch_lease(home)
    _held.append(lease)


def touch_lease(home: Path) -> None:
    """A run started or ended: the server's idle time counts from now."""
    with contextlib.suppress(OSError):
        os.utime(home / LEASE)


def release_lease() -> None:
    while _held:
        _held.pop().close()


def exclusive_lease(home: Path, wait: bool):
    """The lease taken exclusively (no run in progress) as an open file, or None when a run holds
    it and `wait` is False. Closing the file gives it back."""
    lease = lock_file(home, LEASE)
    try:
        fcntl.flock(lease, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        lease.close()
        return None
    return lease


def last_used(home: Path) -> float:
    try:
        return (home / LEASE).stat().st_mtime
    except OSError:
        return 0.0


# --- starting and stopping --------------------------------------------------------------------------

def _listening_socket(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1: on `port` if it is free, else on any free port."""
    for candidate in dict.fromkeys([port, 0]):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise ServerDidNotStart("本机没有可用的端口")


@dataclass
class Launch:
    """The server of a run: already running, or just started by this process (`process`)."""

    home: Path
    state: ServerState
    process: subprocess.Popen | None = None

    def wait(self, seconds: float) -> ServerState:
        """Until the server answers; ServerDidNotStart after `seconds` or when it exits, and then
        the server this process started is stopped: no half-started server is left behind."""
        deadline = time.monotonic() + seconds
        while not healthy(self.state.api_url):
            exited = self.process.poll() is not None if self.process else not alive(self.state.pid)
            if exited or time.monotonic() > deadline:
                self.abandon()
                log = self.home / LOG
                raise ServerDidNotStart(
                    f"Prefect 服务器{'未能启动' if exited else f' {seconds:g} 秒内未能启动（机器可能过于繁忙）'}，详见 {log}："
                    "请稍后重试，或设置 PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS 延长等待")
            time.sleep(0.05)
        return self.state

    def abandon(self) -> None:
        """Stop the server if this process started it and it has not come up (it is not wanted,
        or it failed)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.process is not None:
            forget_state(self.home, self.process.pid)


def ensure(home: Path, port: int | None = None, idle_minutes: float | None = None) -> Launch:
    """The resident server of `home`: the one running (or being started by another run), else a new
    one, started detached and not yet answering (`Launch.wait`). Take the lease first."""
    with lock_file(home, START_LOCK) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one starter at a time
        state = read_state(home)
        if state is not None and alive(state.pid):
            if time.time() - state.started_at < STARTUP_SECONDS or healthy(state.api_url, timeout=10):
                return Launch(home, state)  # still starting, or up
            _kill(state.pid)  # hung
        if state is not None:
            (home / STATE).unlink(missing_ok=True)
        return _launch(home, port_setting(port), idle_minutes_setting(idle_minutes))


def _launch(home: Path, port: int, idle_minutes: float) -> Launch:
    sock = _listening_socket(port)
    api_url = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
    env = os.environ | {
        "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        # the UI asks the API at this address (Prefect would say 4200)
        "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(sock.getsockname()[1]),
    }
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "flows.resident", "--fd", str(sock.fileno()), "--home", str(home),
               "--idle-minutes", f"{idle_minutes:g}", "--starter", str(os.getpid())]
    with (home / LOG).open("wb") as log:  # this server's own: the last one's is of no use now
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                   pass_fds=[sock.fileno()], start_new_session=True)
    sock.close()  # the server has its own copy
    state = ServerState(process.pid, api_url, idle_minutes, time.time())
    write_state(home, state)
    return Launch(home, state, process)


def _kill(pid: int, grace: float = 60.0) -> None:
    """Stop the server `pid` (SIGTERM: it records what it holds first), killing it after `grace` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop_requested(home: Path, pid: int) -> bool:
    try:
        return int((home / STOP).read_text(encoding="utf-8")) == pid
    except (OSError, ValueError):
        return False


def stop(home: Path, waiting=None) -> bool:
    """Stop the resident server of `home` once no run holds it; False when none was running.
    `waiting()` is called first when runs are in progress. The server is asked (it then lets the
    last run's connection close and records what it sent); one that does not end in a minute is
    terminated, then killed."""
    lease = exclusive_lease(home, wait=False)
    if lease is None:
        if waiting:
            waiting()
        lease = exclusive_lease(home, wait=True)
    with lease:
        state = read_state(home)
        if state is None:
            return False
        was_alive = alive(state.pid)
        if was_alive:
            (home / STOP).write_text(str(state.pid), encoding="utf-8")
            deadline = time.monotonic() + 60
            while alive(state.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _kill(state.pid, grace=30)
        (home / STOP).unlink(missing_ok=True)
        forget_state(home, state.pid)
        return was_alive
