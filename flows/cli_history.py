"""`doudi history`, `doudi diff` and `doudi purge`: what the warehouse remembers of a period."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli_options import OUT, Cache, Out, Period, fail, out_console
from flows.homes import home_of
from schemas.period import PeriodError, checked_period


def _checked(period: str) -> None:
    try:
        checked_period(period)
    except PeriodError as e:
        fail(str(e))


def history(period: Period, out: Out = OUT) -> None:
    """列出一个月份记录在 <out>/warehouse.duckdb 中的每一次运行。"""
    from transforms.month.history import runs_of, warehouse
    from transforms.reports.terminal import runs_table

    _checked(period)
    with warehouse(out, read_only=True) as con:
        out_console.print(runs_table(period, runs_of(con, period)))


def diff(
    period: Period,
    out: Out = OUT,
    against: Annotated[str | None, typer.Option(
        metavar="运行|YYYY-MM", help="与之比较的运行编号（可只写前几位）或月份；默认为本期上一次运行")] = None,
) -> None:
    """对比一个月份最近一次运行与上一次运行（或另一个月份）的变化。"""
    from transforms.month.history import HistoryError, compared, warehouse
    from transforms.reports.terminal import comparison_text

    _checked(period)
    try:
        with warehouse(out, read_only=True) as con:
            comparison = compared(con, period, against)
    except HistoryError as e:
        fail(str(e))
    out_console.print(comparison_text(period, comparison))


def purge(
    period: Period,
    out: Out = OUT,
    cache: Cache = None,
    yes: Annotated[bool, typer.Option("--yes", help="不再确认，直接删除")] = False,
    answers: Annotated[bool, typer.Option("--answers", help="同时删除对本期下发疑点的核查反馈（默认保留；删除本身会被记录）")] = False,
) -> None:
    """删除一个月份的全部内容：输出、运行记录和解析缓存。

    乡镇的核查反馈默认保留（它们是人的记录，疑点也跨月），除非加 --answers。"""
    import shutil

    from transforms.ingest.cache import purge_period as purge_cache
    from transforms.month.history import purge_period as purge_history
    from transforms.month.history import rewrite_warehouse, warehouse
    from transforms.month.publish import period_lock
    from transforms.review.store import purge_answers

    _checked(period)
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
    cached = purge_cache((cache or home_of(out).cache) / "ingest", period)
    kept = f"核查反馈 {purged[0]} 条已删除（已记录此次删除）" if purged else "核查反馈保留"
    out_console.print(f"已删除 {period}：输出目录、{runs} 次运行记录、{cached} 个缓存文件；{kept}。", highlight=False)
