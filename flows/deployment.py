"""The scheduled month: a Prefect deployment of `doudi-monthly` that reconciles the previous month.

`doudi serve` serves it from this process (doudi's resident server, or the one `PREFECT_API_URL` names);
`prefect.yaml` describes the same deployment for a Prefect server with a work pool.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cronsim import CronSim

from schemas.period import TIMEZONE, previous_period

DEFAULT_CRON = "0 6 5 * *"  # 06:00 on the 5th: offices send their month's files in the first days
DEPLOYMENT = "monthly"


def next_run(cron: str, timezone: str = TIMEZONE, now: datetime | None = None) -> datetime:
    """When the schedule next fires, in its own time zone."""
    start = now or datetime.now(ZoneInfo(timezone))
    return next(CronSim(cron, start.astimezone(ZoneInfo(timezone))))


def schedule_sentence(cron: str, timezone: str = TIMEZONE, now: datetime | None = None) -> str:
    when = next_run(cron, timezone, now)
    return (f"已部署 doudi-monthly/{DEPLOYMENT}（定时 {cron}，{timezone}）：每次核对上一个月的数据。"
            f"下次运行：{when:%Y-%m-%d %H:%M}，核对 {previous_period(when)}。")


def serve(inbox: Path, out: Path, policy: Path, cache: Path, cron: str = DEFAULT_CRON,
          timezone: str = TIMEZONE) -> None:
    """Serve the deployment until stopped (Ctrl-C)."""
    from prefect.schedules import Cron

    from flows.monthly import monthly_run

    parameters = {"period": None, "inbox": str(inbox.resolve()), "out": str(out.resolve()),
                  "policy_path": str(policy.resolve()), "quality": True, "cache": str(cache.resolve())}
    monthly_run.serve(name=DEPLOYMENT, schedule=Cron(cron, timezone=timezone), parameters=parameters,
                      description="每月核对上一个月的社会救助兜底数据", print_starting_message=False)
