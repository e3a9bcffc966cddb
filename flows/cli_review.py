"""`doudi feedback import` and `doudi cases` (SPEC §7): thin calls into transforms/review/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_help import DoudiCommand, DoudiGroup
from flows.cli_options import OUT, POLICY, Out, Period, PolicyFile, fail
from flows.cli_options import out_console as console
from schemas.period import PeriodError, checked_period
from schemas.review import CASE_STATES

feedback_app = typer.Typer(cls=DoudiGroup, help="核查反馈：把乡镇交回的下发工作簿记录到运行记录库。", no_args_is_help=True)
_fail = fail


def _county_names(policy: Path) -> dict[str, str]:
    from schemas.policy import PolicyError, load_policy

    try:
        return {code: county.name for code, county in load_policy(policy).counties.items()}
    except PolicyError as e:
        _fail(str(e))


@feedback_app.command("import", cls=DoudiCommand)
def feedback_import(
    files: Annotated[list[Path], typer.Argument(metavar="工作簿", help="交回的下发工作簿（.xlsx），可以多个")],
    out: Out = OUT,
    policy: PolicyFile = POLICY,
) -> None:
    """立即记录交回的下发工作簿，并说明哪些答复被采用、哪些没有及其原因。"""
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
    period: Period,
    out: Out = OUT,
    county: Annotated[str | None, typer.Option(metavar="区县", help="只看一个区县（名称或代码）")] = None,
    township: Annotated[str | None, typer.Option(metavar="乡镇", help="只看一个乡镇（街道）")] = None,
    state: Annotated[str | None, typer.Option(metavar="状态", help="只列出一种状态：" + "、".join(
        f"{code}（{label}）" for code, label in CASE_STATES.items()))] = None,
    policy: PolicyFile = POLICY,
) -> None:
    """截至某月已下发的疑点：各区县、乡镇的数量与比率，以及疑点清单。"""
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
    app.command("cases", cls=DoudiCommand)(cases)
