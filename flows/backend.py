"""Which Prefect backend a run talks to, and the one line to print when it cannot be reached.

By default Prefect runs embedded: `doudi run` starts a temporary server for the run
(flows/server.py `TemporaryServer`), with its state in `PREFECT_HOME` (`.prefect/` beside the data).
On a busy machine that server can take far longer than Prefect's default 20 s to come up, so doudi
waits minutes (`PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`). When `PREFECT_API_URL` is set,
the configured server is used instead; when `doudi server start` has started a local one that
answers, that one.
"""

from __future__ import annotations

import os
from pathlib import Path

from flows.server import running_api_url

STARTUP_SECONDS = 300


def configure_environment() -> None:
    """Prefect's settings for doudi, unless the operator chose otherwise. Call before importing
    prefect. A local server started by `doudi server start` is used when it answers."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The run's log (counts and file names) goes to Prefect, where the UI shows it; the terminal
    # gets doudi's own display and, on failure, one line: Prefect's console handler stays quiet.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(STARTUP_SECONDS))
    wanted = not os.environ.get("DOUDI_NO_LOCAL_SERVER")  # the benchmark measures the embedded server too
    if "PREFECT_API_URL" not in os.environ and wanted and (local := running_api_url()):
        os.environ["PREFECT_API_URL"] = local


def startup_seconds() -> float:
    """How long to wait for an embedded server (Prefect's setting, which doudi raises to minutes)."""
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", STARTUP_SECONDS))


def unreachable_reason(error: BaseException) -> str | None:
    """One line for the officer when `error` means the Prefect backend could not be reached."""
    text = str(error)
    api_url = os.environ.get("PREFECT_API_URL")
    if api_url and ("Failed to reach API" in text or type(error).__name__ in {"ConnectError", "ConnectTimeout"}):
        return f"无法连接 Prefect 服务器 {api_url}：请确认服务器已启动，或取消 PREFECT_API_URL 改用内置服务器"
    return None
