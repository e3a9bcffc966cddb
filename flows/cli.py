"""The `doudi` command: run a month, or generate a sample month to try it on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.backend import configure_environment, unreachable_reason

configure_environment()

from schemas.period import PeriodError, checked_period  # noqa: E402
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
) -> None:
    """Reconcile one month and publish its outputs to <out>/<period>/."""
    try:
        load_policy(policy)
        inbox_files(inbox, checked_period(period))
    except (PolicyError, PeriodError, InboxError) as e:
        _fail(str(e))
    from flows.monthly import monthly_run

    try:
        record = monthly_run(
            period=period, inbox=inbox, out=out, policy_path=policy, unmask=unmask, quality=quality,
            cache=cache,
        )
    except Exception as e:
        reason = unreachable_reason(e)
        if reason is None:
            raise
        _fail(reason)
    _print_summary(record, out / period)


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
