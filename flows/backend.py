"""Which Prefect server a command talks to, and the one line to print when it cannot be reached.

A server the operator configured (`PREFECT_API_URL`, or a Prefect profile that names one) is
used as it is. Otherwise doudi's resident server of the output folder's home (flows/server.py)
is found, or started on the first run, and every command that runs flows holds a lease on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from flows import server as resident
from flows.homes import Home

STARTUP_SECONDS = resident.STARTUP_SECONDS


def configure_environment(home: Home) -> None:
    """Prefect's settings for doudi, unless the operator chose otherwise. Call before importing
    prefect: its settings are read once."""
    os.environ.setdefault("PREFECT_HOME", str(home.prefect))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")  # no telemetry, and no notice about it on Ctrl-C
    # The run's log (counts and file names) goes to Prefect, where the UI shows it; the terminal
    # gets doudi's own display and, on failure, one line: Prefect's console handler stays quiet.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(STARTUP_SECONDS))


def startup_seconds() -> float:
    """How long to wait for a server to start (Prefect's setting, which doudi raises to minutes)."""
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", STARTUP_SECONDS))


def configured_api_url() -> str | None:
    """The server the operator chose, when it is known without importing Prefect: the environment,
    or Prefect's settings when Prefect is already loaded (a test, or doudi called from Python)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        return get_current_settings().api.url
    return None


def resident_server(home: Home, say: Callable[[str], None]) -> resident.Launch | None:
    """doudi's resident server for this command, found or being started (not yet waited for), with
    the command's lease on it; None when the operator configured a server."""
    if configured_api_url():
        return None
    resident.take_lease(home.prefect, waiting=lambda: say("Prefect 服务器正在停止，稍候…"))
    launch = resident.ensure(home.prefect)
    if launch.process is not None:
        say(f"正在启动 Prefect 服务器 {launch.state.ui_url}（之后的运行直接使用它）…")
    return launch


def use_resident(launch: resident.Launch | None) -> resident.ServerState | None:
    """After Prefect is imported: wait for the resident server and return it, or give it up when
    Prefect's own settings (a profile) name a server."""
    if launch is None:
        return None
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        launch.abandon()
        resident.release_lease()
        return None
    state = launch.wait(startup_seconds())
    os.environ["PREFECT_API_URL"] = state.api_url  # for the processes the run starts (Dask workers)
    return state


def unreachable_reason(error: BaseException, resident_server: resident.ServerState | None = None) -> str | None:
    """One line for the officer when `error` means the Prefect backend could not be reached (the
    configured one, or doudi's own, `resident_server`, which stopped answering during the run)."""
    text = str(error)
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url or not ("Failed to reach API" in text or type(error).__name__ in {"ConnectError", "ConnectTimeout"}):
        return None
    if resident_server is not None:
        return f"doudi 的 Prefect 服务器 {resident_server.ui_url} 在运行中停止了响应：请重新运行（会重新启动服务器）"
    return f"无法连接 Prefect 服务器 {api_url}：请确认服务器已启动，或取消 PREFECT_API_URL 改用 doudi 自己的服务器"
