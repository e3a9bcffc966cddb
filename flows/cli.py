"""The `doudi` command: run a month, or generate a sample month to try it on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.backend import configure_environment, unreachable_reason

configure_environment()

from schemas.period import PeriodError, checked_period  # noqa: E402
from schemas.policy import BUNDLED_POLICY, PolicyError, load_policy  # noqa: E402
from transforms.ingest.inbox import InboxError, inbox_files  # noqa: E402

app = typer.Typer(help="兜底 doudi：社会救助兜底数据月度核对", no_args_is_help=True, add_completion=False)
out_console = Console()

Period = Annotated[str, typer.Option("--period", help="核对的月份，YYYY-MM")]
PolicyFile = Annotated[Path, typer.Option(help="政策参数文件（TOML），默认为随程序提供的 data/policy.toml")]


def _fail(message: str) -> None:
    typer.echo(f"doudi: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def run(
    period: Period,
    inbox: Annotated[Path, typer.Option(help="收件箱：<inbox>/<period>/<office>/*")] = Path("data/inbox"),
    out: Annotated[Path, typer.Option(help="输出目录：写入 <out>/<period>/")] = Path("reports"),
    policy: PolicyFile = BUNDLED_POLICY,
) -> None:
    """Reconcile one month and publish its outputs to <out>/<period>/."""
    try:
        load_policy(policy)
        inbox_files(inbox, checked_period(period))
    except (PolicyError, PeriodError, InboxError) as e:
        _fail(str(e))
    from flows.monthly import monthly_run

    try:
        record = monthly_run(period=period, inbox=inbox, out=out, policy_path=policy)
    except Exception as e:
        reason = unreachable_reason(e)
        if reason is None:
            raise
        _fail(reason)
    _print_summary(record, out / period)


def _print_summary(record: dict, folder: Path) -> None:
    inputs = record["inputs"]
    table = Table(title=f"doudi {record['period']}：输入")
    for column in ("数据集", "表数", "读取", "接收", "隔离", "跳过"):
        table.add_column(column, justify="right" if column != "数据集" else "left")
    for dataset in sorted({i["dataset"] for i in inputs}):
        rows = [i for i in inputs if i["dataset"] == dataset]
        table.add_row(dataset, str(len(rows)), *(
            str(sum(r[key] for r in rows))
            for key in ("rows_read", "rows_accepted", "rows_quarantined", "rows_skipped")
        ))
    out_console.print(table)
    fired = {code: n for code, n in record["rule_counts"].items() if n}
    out_console.print("异常：" + ("，".join(f"{c} {n}" for c, n in fired.items()) or "无"))
    for note in record["notes"]:
        out_console.print(f"• {note}", highlight=False, markup=False)
    out_console.print(f"输出：{folder}", highlight=False)


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
