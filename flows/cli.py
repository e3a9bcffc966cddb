"""The `doudi` command: run a month, or generate a sample month to try it on."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.backend import configure_environment, startup_seconds, unreachable_reason

configure_environment()

from flows import cli_review  # noqa: E402
from flows.cli_inspect import inspect as inspect_command  # noqa: E402
from flows.server import ServerDidNotStart, TemporaryServer  # noqa: E402
from schemas.period import PeriodError, checked_past, checked_period  # noqa: E402
from schemas.policy import BUNDLED_POLICY, PolicyError, load_policy  # noqa: E402
from transforms.ingest.inbox import InboxError, inbox_files  # noqa: E402

app = typer.Typer(help="兜底 doudi：社会救助兜底数据月度核对", no_args_is_help=True, add_completion=False)
out_console = Console()

Period = Annotated[str, typer.Option("--period", help="核对的月份，YYYY-MM")]
PolicyFile = Annotated[Path, typer.Option(help="政策参数文件（TOML），默认为随程序提供的 data/policy.toml")]
Out = Annotated[Path, typer.Option(help="输出目录：每期写入 <out>/<period>/，运行记录在 <out>/warehouse.duckdb")]


def _fail(message: str) -> None:
    typer.echo(f"doudi: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def run(
    period: Period,
    inbox: Annotated[Path, typer.Option(help="收件箱：<inbox>/<period>/<office>/*")] = Path("data/inbox"),
    out: Out = Path("reports"),
    policy: PolicyFile = BUNDLED_POLICY,
    unmask: Annotated[bool, typer.Option(help="报表中显示完整身份证号码（默认遮挡中间 8 位）")] = False,
    quality: Annotated[bool, typer.Option(help="同时生成数据质量报告 quality/（Great Expectations，较慢）")] = False,
    cache: Annotated[Path, typer.Option(help="解析结果缓存目录：重跑时未改动的文件不再解析")] = Path("data/cache"),
    roster_workbooks: Annotated[bool, typer.Option(help="花名册也写成 Excel（一个省的花名册约需半分钟；不写时仍有 parquet）")] = True,
    task_runner: Annotated[str, typer.Option(help="thread：本机多线程（默认）；dask：在 Dask 集群上按文件读取、按区县核对")] = "thread",
    dask_address: Annotated[str | None, typer.Option(help="Dask 调度器地址，如 tcp://10.0.0.5:8786；不填则在本机启动临时集群")] = None,
) -> None:
    """Reconcile one month and publish its outputs to <out>/<period>/."""
    try:
        load_policy(policy)
        inbox_files(inbox, checked_past(period))
    except (PolicyError, PeriodError, InboxError) as e:
        _fail(str(e))
    if task_runner not in ("thread", "dask"):
        _fail(f"--task-runner 只能是 thread 或 dask，而不是「{task_runner}」")
    # The embedded server starts first, and comes up on the other core while doudi imports Prefect
    # and the rest; unless Prefect's settings (a profile may name a server) say it is not wanted.
    server = TemporaryServer().start() if "PREFECT_API_URL" not in os.environ else None
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    settings = get_current_settings()
    if server and (settings.api.url or not settings.server.ephemeral.enabled):
        server.stop()
        server = None
    # A run started by hand has the person who started it watching, and one cut short is settled by
    # the next run (transforms/month/history.py): Prefect's heartbeat thread, which sleeps in whole
    # seconds, would only hold the end of the run up to a second. Scheduled runs keep it.
    updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    try:
        from flows.monthly import monthly_run
        from flows.progress import reporting

        flow = monthly_run if task_runner == "thread" else monthly_run.with_options(task_runner=_dask(dask_address))
        if server:  # its address in the environment too, for processes the run starts (Dask workers)
            updates[PREFECT_API_URL] = os.environ["PREFECT_API_URL"] = server.wait(startup_seconds())
        with reporting(Console(stderr=True)), temporary_settings(updates=updates):
            record = flow(
                period=period, inbox=inbox, out=out, policy_path=policy, unmask=unmask, quality=quality,
                cache=cache, by_district=task_runner == "dask", roster_books=roster_workbooks,
            )
    except ServerDidNotStart as e:
        _fail(str(e))
    except OSError as e:
        _fail(_write_failure(e, out))
    except Exception as e:
        if "No space left on device" in str(e):  # DuckDB's own I/O errors are not OSErrors
            _fail(_write_failure(OSError(errno.ENOSPC, "No space left on device"), out))
        reason = unreachable_reason(e)
        if reason is None:
            raise
        _fail(reason)
    _print_summary(record, out / period)


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


@app.command()
def history(period: Period, out: Out = Path("reports")) -> None:
    """List the runs of a period recorded in <out>/warehouse.duckdb."""
    from transforms.month.history import runs_of, warehouse
    from transforms.reports.terminal import runs_table

    try:
        checked_period(period)
    except PeriodError as e:
        _fail(str(e))
    with warehouse(out, read_only=True) as con:
        out_console.print(runs_table(period, runs_of(con, period)))


@app.command()
def diff(
    period: Period,
    out: Out = Path("reports"),
    against: Annotated[str | None, typer.Option(help="与之比较的运行编号（可只写前几位）或期间 YYYY-MM；默认为本期上一次运行")] = None,
) -> None:
    """What changed between the latest run of a period and an earlier run or another period."""
    from transforms.month.history import HistoryError, compared, warehouse
    from transforms.reports.terminal import comparison_text

    try:
        checked_period(period)
        with warehouse(out, read_only=True) as con:
            comparison = compared(con, period, against)
    except (PeriodError, HistoryError) as e:
        _fail(str(e))
    out_console.print(comparison_text(period, comparison))


@app.command()
def sample(
    period: Period,
    scale: Annotated[float, typer.Option(help="规模：1 为几千行，100 约为一个地级市（约 25 万行）")] = 1.0,
    seed: Annotated[int, typer.Option(help="随机种子，相同种子生成相同数据")] = 7,
    out: Annotated[Path, typer.Option(help="收件箱根目录")] = Path("data/inbox"),
    truth: Annotated[Path | None, typer.Option(help="标准答案目录，默认为 <out>/../truth")] = None,
    policy: PolicyFile = BUNDLED_POLICY,
) -> None:
    """Generate a messy sample month, with the ground truth a correct run must reproduce."""
    from sample_month import generate_month

    try:
        checked_period(period)
        rules = load_policy(policy)
    except (PolicyError, PeriodError, InboxError) as e:
        _fail(str(e))
    month = generate_month(period, scale, seed, out, truth, rules)
    out_console.print(
        f"样例数据已生成：{month.period_dir}（{month.total_rows} 行），标准答案：{month.truth_dir}",
        highlight=False,
    )


@app.command()
def purge(
    period: Period,
    out: Out = Path("reports"),
    cache: Annotated[Path, typer.Option(help="解析结果缓存目录")] = Path("data/cache"),
    yes: Annotated[bool, typer.Option("--yes", help="不再确认，直接删除")] = False,
    answers: Annotated[bool, typer.Option("--answers", help="同时删除对本期下发疑点的核查反馈（默认保留；删除本身会被记录）")] = False,
) -> None:
    """Delete everything doudi keeps of a period: its outputs, its runs in the warehouse, its cache
    (the townships' answers stay unless --answers: they are people's records, and cases span months)."""
    import shutil

    from transforms.ingest.cache import purge_period as purge_cache
    from transforms.month.history import purge_period as purge_history
    from transforms.month.history import rewrite_warehouse, warehouse
    from transforms.month.publish import period_lock
    from transforms.review.store import purge_answers

    try:
        checked_period(period)
    except PeriodError as e:
        _fail(str(e))
    if not yes and not typer.confirm(f"删除 {period} 的全部输出、运行记录和缓存？此操作不能撤销", default=False):
        raise typer.Exit(code=1)
    with period_lock(out, period):
        shutil.rmtree(out / period, ignore_errors=True)
        for leftover in out.glob(f".{period}.*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
        with warehouse(out) as con:
            purged = purge_answers(con, period) if answers else None  # SPEC §7: recorded in answer_purges
            runs = purge_history(con, period)
        rewrite_warehouse(out)
    cached = purge_cache(cache / "ingest", period)
    kept = f"核查反馈 {purged[0]} 条已删除（已记录此次删除）" if purged else "核查反馈保留"
    out_console.print(f"已删除 {period}：输出目录、{runs} 次运行记录、{cached} 个缓存文件；{kept}。", highlight=False)


@app.command()
def serve(
    inbox: Annotated[Path, typer.Option(help="收件箱：<inbox>/<period>/<office>/*")] = Path("data/inbox"),
    out: Out = Path("reports"),
    policy: PolicyFile = BUNDLED_POLICY,
    cache: Annotated[Path, typer.Option(help="解析结果缓存目录")] = Path("data/cache"),
    cron: Annotated[str, typer.Option(help="定时（cron 表达式），默认每月 5 日 06:00")] = "0 6 5 * *",
    timezone: Annotated[str, typer.Option(help="定时所用时区")] = "Asia/Shanghai",
) -> None:
    """Serve the monthly deployment: reconcile the previous month on a schedule, until stopped.

    Schedules need a real Prefect server (the embedded one runs no scheduler): without
    PREFECT_API_URL, doudi's local server is started (or found) and used."""
    import os

    from flows.deployment import schedule_sentence
    from flows.deployment import serve as serve_deployment
    from flows.server import start

    try:
        load_policy(policy)
        sentence = schedule_sentence(cron, timezone)
        if "PREFECT_API_URL" not in os.environ:
            os.environ["PREFECT_API_URL"] = start()
    except (PolicyError, RuntimeError) as e:
        _fail(str(e))
    except (ValueError, KeyError) as e:
        _fail(f"定时「{cron}」或时区「{timezone}」无效：{e}")
    typer.echo(f"{sentence}\nPrefect 服务器：{os.environ['PREFECT_API_URL'].removesuffix('/api')}（按 Ctrl-C 停止）")
    serve_deployment(inbox, out, policy, cache, cron, timezone)


app.command("inspect")(inspect_command)
cli_review.register(app)  # feedback import, cases (SPEC §7)

server_app = typer.Typer(help="本机常驻 Prefect 服务器：启动一次，之后每次 doudi run 都直接使用", no_args_is_help=True)
app.add_typer(server_app, name="server")


@server_app.command("start")
def server_start(port: Annotated[int, typer.Option(help="端口")] = 4200) -> None:
    """Start a local Prefect server that later runs reuse."""
    from flows.server import start

    try:
        url = start(port)
    except RuntimeError as e:
        _fail(str(e))
    out_console.print(f"Prefect 服务器已启动：{url.removesuffix('/api')}（之后的 doudi run 会自动使用它）", highlight=False)


@server_app.command("status")
def server_status() -> None:
    """Say whether the local Prefect server is up."""
    from flows.server import running_api_url

    url = running_api_url()
    out_console.print(f"Prefect 服务器运行中：{url.removesuffix('/api')}" if url else "Prefect 服务器未运行", highlight=False)
    raise typer.Exit(code=0 if url else 1)


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server."""
    from flows.server import stop

    out_console.print("Prefect 服务器已停止" if stop() else "Prefect 服务器本来就没有运行", highlight=False)
