"""`doudi feedback import` and `doudi cases` (SPEC §7): thin calls into transforms/review/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from schemas.period import PeriodError, checked_period
from schemas.policy import BUNDLED_POLICY, PolicyError, load_policy
from schemas.review import CASE_STATES

feedback_app = typer.Typer(help="核查反馈：把乡镇交回的下发工作簿记录到运行记录库", no_args_is_help=True)
console = Console()
Out = Annotated[Path, typer.Option(help="输出目录：运行记录在 <out>/warehouse.duckdb")]
PolicyFile = Annotated[Path, typer.Option(help="政策参数文件（TOML），默认为随程序提供的 data/policy.toml")]


def _fail(message: str) -> None:
    typer.echo(f"doudi: {message}", err=True)
    raise typer.Exit(code=2)


def _county_names(policy: Path) -> dict[str, str]:
    try:
        return {code: county.name for code, county in load_policy(policy).counties.items()}
    except PolicyError as e:
        _fail(str(e))
        raise


@feedback_app.command("import")
def feedback_import(
    files: Annotated[list[Path], typer.Argument(help="交回的下发工作簿（.xlsx），可以多个")],
    out: Out = Path("reports"),
    policy: PolicyFile = BUNDLED_POLICY,
) -> None:
    """Record returned 下发 workbooks at once; say what was taken and what was not, and why."""
    from transforms.month.history import warehouse
    from transforms.reports.review_terminal import import_text
    from transforms.review.clock import today
    from transforms.review.takeback import returned_file, take_back

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        _fail(f"找不到文件：{'、'.join(missing)}")
    names = _county_names(policy)
    with warehouse(out) as con:
        result = take_back(con, [returned_file(f) for f in files], None, today(), names)
    console.print(import_text(result))


def cases(
    period: Annotated[str, typer.Option("--period", help="期间，YYYY-MM")],
    out: Out = Path("reports"),
    county: Annotated[str | None, typer.Option(help="只看一个区县（名称或代码）")] = None,
    township: Annotated[str | None, typer.Option(help="只看一个乡镇（街道）")] = None,
    state: Annotated[str | None, typer.Option(help="只列出一种状态：" + "、".join(
        f"{code}（{label}）" for code, label in CASE_STATES.items()))] = None,
    policy: PolicyFile = BUNDLED_POLICY,
) -> None:
    """The cases handed out up to a period: counts and rates per county and township, and the cases."""
    from transforms.reports.review_terminal import cases_text
    from transforms.review.loop import period_cases

    try:
        checked_period(period)
    except PeriodError as e:
        _fail(str(e))
    states = {label: code for code, label in CASE_STATES.items()} | {code: code for code in CASE_STATES}
    if state is not None and state not in states:
        _fail(f"--state 只能是 {'、'.join(CASE_STATES)}（或其中文：{'、'.join(CASE_STATES.values())}），而不是「{state}」")
    names = _county_names(policy)
    codes = {name: code for code, name in names.items()} | {code: code for code in names}
    if county is not None and county not in codes:
        _fail(f"政策文件中没有区县「{county}」")
    found, today = period_cases(out, period, codes.get(county) if county else None, township)
    console.print(cases_text(period, found, today, names, states.get(state) if state else None))


def register(app: typer.Typer) -> None:
    """The review loop's commands on the `doudi` command."""
    app.add_typer(feedback_app, name="feedback")
    app.command("cases")(cases)
