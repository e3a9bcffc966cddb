"""`doudi run` (one month, now) and `doudi serve` (every month, on a schedule).

Nothing heavy is imported before the first line is on the terminal: Prefect and the flow come in
while doudi's resident Prefect server, when it has to be started, comes up on the other core.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows import backend
from flows.cli_options import (
    INBOX,
    OUT,
    POLICY,
    Cache,
    Inbox,
    Out,
    Period,
    PolicyFile,
    fail,
    out_console,
)
from flows.homes import home_of
from flows.hooks import NOTIFY_VARIABLE
from flows.progress import say
from flows.server import ServerDidNotStart, touch_lease

TaskRunner = Annotated[str, typer.Option(
    metavar="thread|dask", help="thread：本机多线程；dask：在 Dask 集群上按文件读取、按区县核对")]


def run(
    period: Period,
    inbox: Inbox = INBOX,
    out: Out = OUT,
    policy: PolicyFile = POLICY,
    unmask: Annotated[bool, typer.Option(help="报表中显示完整身份证号码（默认遮挡中间 8 位）")] = False,
    quality: Annotated[bool, typer.Option(help="同时生成数据质量报告 quality/（Great Expectations）")] = False,
    cache: Cache = None,
    roster_workbooks: Annotated[bool, typer.Option(
        help="花名册只写 parquet，不写 Excel（一个省的花名册约需半分钟）")] = True,
    task_runner: TaskRunner = "thread",
    dask_address: Annotated[str | None, typer.Option(
        metavar="地址", help="Dask 调度器地址，如 tcp://10.0.0.5:8786；不填则在本机启动临时集群")] = None,
    notify: Annotated[bool, typer.Option(
        help="结束后告知政策文件 [notify] webhook 所指的群机器人（只含计数；定时运行总会告知），供 cron 使用")] = False,
) -> None:
    """核对一个月的数据，把结果发布到 <out>/<period>/。

    没有配置 Prefect 服务器（PREFECT_API_URL）时，第一次运行会在后台启动 doudi 自己的 Prefect 服务器，之后的运行直接使用它；无人使用 60 分钟后它自动停止（DOUDI_SERVER_IDLE_MINUTES 可改）。
    """
    _check_inputs(period, inbox, policy, task_runner)
    progress_console = Console(stderr=True)
    say(progress_console, f"doudi {period}：开始核对 {inbox / period}")
    home = home_of(out)
    backend.configure_environment(home)
    if notify:
        os.environ[NOTIFY_VARIABLE] = "1"
    launch = None
    try:
        launch = backend.resident_server(home, lambda line: say(progress_console, line))
        record, server = _run_flow(launch, progress_console, period=period, inbox=inbox, out=out, policy_path=policy,
                                   unmask=unmask, quality=quality, cache=cache or home.cache,
                                   by_district=task_runner == "dask", roster_books=roster_workbooks,
                                   dask_address=dask_address)
    except ServerDidNotStart as e:
        fail(str(e))
    except OSError as e:
        fail(_write_failure(e, out))
    except Exception as e:
        if "No space left on device" in str(e):  # DuckDB's own I/O errors are not OSErrors
            fail(_write_failure(OSError(errno.ENOSPC, "No space left on device"), out))
        reason = backend.unreachable_reason(e, launch and launch.state)
        if reason is None:
            raise
        fail(reason)
    _print_summary(record, out / period)
    if server is not None:
        touch_lease(home.prefect)
        out_console.print(f"Prefect 界面：{server.ui_url}，{server.stops_by_itself()}", highlight=False, soft_wrap=True)


def _check_inputs(period: str, inbox: Path, policy: Path, task_runner: str) -> None:
    from schemas.period import PeriodError, checked_past
    from schemas.policy import PolicyError, load_policy
    from transforms.ingest.inbox import InboxError, inbox_files

    try:
        load_policy(policy)
        if not (inbox / checked_past(period)).is_dir():  # the flow lists (and hashes) the files
            inbox_files(inbox, period)  # raises, saying so
    except (PolicyError, PeriodError, InboxError) as e:
        fail(str(e))
    if task_runner not in ("thread", "dask"):
        fail(f"--task-runner 只能是 thread 或 dask，而不是「{task_runner}」")


def _run_flow(launch, console: Console, dask_address: str | None, **parameters):
    """The month's flow on the chosen Prefect server; returns its manifest and the resident server
    used (None for a configured one)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    from flows.monthly import monthly_run
    from flows.progress import reporting

    server = backend.use_resident(launch)
    # A run started by hand has the person who started it watching, and one cut short is settled by
    # the next run (transforms/month/history.py): Prefect's heartbeat thread, which sleeps in whole
    # seconds, would only hold the end of the run up to a second. Scheduled runs keep it.
    updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if server is not None:
        updates[PREFECT_API_URL] = server.api_url
    flow = monthly_run.with_options(task_runner=_dask(dask_address)) if parameters["by_district"] else monthly_run
    with reporting(console), temporary_settings(updates=updates):
        return flow(**parameters), server


def _write_failure(error: OSError, out: Path) -> str:
    """One line for a run stopped by the file system; the previous outputs are untouched."""
    if error.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入 {out}：请清理磁盘后重新运行（上一次的输出保持不变）"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有权限写入 {error.filename or out}：请换一个输出目录（--out），或请管理员开放写权限"
    return f"写入 {error.filename or out} 时出错（{error.strerror or type(error).__name__}）：上一次的输出保持不变"


def _dask(address: str | None):
    """Prefect's Dask task runner: an existing cluster's scheduler, or a temporary local one."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})


def _print_summary(record: dict, folder: Path) -> None:
    import polars as pl

    from schemas.outputs import EXCEPTIONS, Manifest
    from transforms.reports.terminal import run_summary

    exceptions = pl.read_parquet(folder / EXCEPTIONS.file)
    out_console.print(run_summary(Manifest.model_validate(record), exceptions, folder))


def serve(
    inbox: Inbox = INBOX,
    out: Out = OUT,
    policy: PolicyFile = POLICY,
    cache: Cache = None,
    cron: Annotated[str, typer.Option(metavar="表达式", help="定时（cron 表达式）；默认为每月 5 日 06:00")] = "0 6 5 * *",
    timezone: Annotated[str, typer.Option(metavar="时区", help="定时所用的时区")] = "Asia/Shanghai",
) -> None:
    """按时核对：每月定时核对上一个月的数据，直到按 Ctrl-C 停止。

    定时需要真正的 Prefect 服务器：没有配置 PREFECT_API_URL 时使用（或启动）doudi 自己的服务器，并在运行期间一直使用它。每次定时运行结束后，若政策文件设置了 [notify] webhook，就向这个地址发送一条只含计数的消息。
    """
    from flows.deployment import schedule_sentence
    from flows.deployment import serve as serve_deployment
    from schemas.policy import PolicyError, load_policy

    home = home_of(out)
    backend.configure_environment(home)
    try:
        load_policy(policy)
        sentence = schedule_sentence(cron, timezone)
        launch = backend.resident_server(home, lambda line: typer.echo(line, err=True))
        if launch is not None:
            os.environ["PREFECT_API_URL"] = launch.wait(backend.startup_seconds()).api_url
    except (PolicyError, ServerDidNotStart) as e:
        fail(str(e))
    except (ValueError, KeyError) as e:
        fail(f"定时「{cron}」或时区「{timezone}」无效：{e}")
    typer.echo(f"{sentence}\nPrefect 界面：{os.environ['PREFECT_API_URL'].removesuffix('/api')}（按 Ctrl-C 停止）")
    serve_deployment(inbox, out, policy, cache or home.cache, cron, timezone)
