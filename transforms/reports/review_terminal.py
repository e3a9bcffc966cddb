"""What the terminal shows of the review loop (SPEC §7): `doudi cases` and `doudi feedback import`.

Counts, rates, 疑点编号, townships and reasons; never a person's name or ID number.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from rich.box import SIMPLE_HEAD
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from schemas.catalog import rule_catalog
from schemas.review import CASE_STATES
from transforms.reports.terminal import Sentences, folded
from transforms.review.supervision import MONEY, RATES, SUPERVISION_HEADERS, percent, supervision
from transforms.review.takeback import TakeBack

LISTED = 50  # cases listed one per line before "……另有"


def cases_text(period: str, cases: pl.DataFrame, today: date, county_names: dict[str, str],
               state: str | None) -> RenderableType:
    """Supervision per county and township, then the cases themselves (in the state asked for)."""
    if cases.is_empty():
        return Text(f"{period} 没有下发过的疑点（或筛选条件下没有）。")
    named = cases.with_columns(pl.col("county").replace_strict(county_names, default=pl.col("county"),
                                                                return_dtype=pl.String))
    counts = supervision(named, today)
    tables = [_supervision_table(f"{period} 疑点核查督办（截至 {today}）", counts, COUNT_COLUMNS),
              _supervision_table("追回与补发（元）", counts, MONEY_COLUMNS)]
    listed = named if state is None else named.filter(pl.col("case_state") == state)
    return Group(*tables, _case_list(listed, state))


COUNT_COLUMNS = ("county", "township", "handed_out", "answered", "feedback_rate", "overdue", "confirmed_rate",
                 "rectified_rate")
MONEY_COLUMNS = ("county", "township", "overpaid", "recovered", "recovery_rate", "underpaid", "supplemented")


def _supervision_table(title: str, counts: pl.DataFrame, columns: tuple[str, ...]) -> Table:
    """Two narrow tables rather than one wide one: a terminal of 80 columns shows them whole."""
    table = Table(title=title, title_justify="left", box=SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        header = SUPERVISION_HEADERS[column].removesuffix("（元）")
        table.add_column(header, justify="left" if column in ("county", "township") else "right", no_wrap=True)
    for row in counts.iter_rows(named=True):
        total = row["county"] == "合计"
        table.add_row(*("" if total and column == "township" else _cell(column, row[column]) for column in columns),
                      style="bold" if total else None)
    return table


def _cell(column: str, value: object) -> str:
    if column in RATES:
        return percent(value)
    if column in MONEY:
        return f"{value:,.2f}" if value is not None else "—"
    return "（县级）" if value is None and column == "township" else str(value if value is not None else "")


def _case_list(cases: pl.DataFrame, state: str | None) -> RenderableType:
    heading = f"状态为“{CASE_STATES.get(state, state)}”的疑点" if state else "全部疑点"
    listed = cases.sort("due_on", "county", "township", "case_id", nulls_last=True).head(LISTED)
    more = [Text(f"……另有 {cases.height - LISTED} 条，见 exceptions.xlsx 或各乡镇下发工作簿")] if cases.height > LISTED else []
    return Group(CaseList(f"{heading}：{cases.height} 条", listed), *more)


class CaseList:
    """One case a row, fitted to the terminal: the number, state, deadline and money never wrap;
    the place, rule and answer share the rest of the line, folded as Chinese text is (a closing
    mark never begins a line). One deadline for every case is said once, in the title."""

    def __init__(self, title: str, cases: pl.DataFrame) -> None:
        self.title, self.cases = title, cases

    def __rich_console__(self, console, options):
        titles = {code: rule.title for code, rule in rule_catalog().items()}
        deadlines = {str(d or "") for d in self.cases["due_on"]}
        one_deadline = len(deadlines) == 1
        rows = [(row["case_id"], CASE_STATES.get(row["case_state"], ""), str(row["due_on"] or ""),
                 "\n".join(f"{label} {_money(row[field])}"
                           for field, label in (("overpaid", "追回"), ("underpaid", "补发")) if row[field]),
                 (row["county"] or "") + (row["township"] or "（县级）") + "："
                 + titles.get(row["rule_code"], row["rule_code"])
                 + (f"（{row['review_result']}）" if row["review_result"] else ""))
                for row in self.cases.iter_rows(named=True)]
        headers = ("疑点编号", "状态", "反馈截止", "金额（元）")
        shown = [i for i in range(4) if not (i == 2 and one_deadline)]
        fixed = sum(max([cell_len(headers[i])] + [cell_len(line) for r in rows for line in r[i].split("\n")])
                    for i in shown)
        width = max(16, options.max_width - fixed - 3 * len(shown) - 2)  # padding and a rule between columns
        title = self.title + (f"（反馈截止 {deadlines.pop()}）" if one_deadline and rows else "")
        table = Table(title=title, title_justify="left", box=SIMPLE_HEAD, pad_edge=False)
        for i in shown:
            table.add_column(headers[i], justify="right" if i == 3 else "left", no_wrap=True)
        table.add_column("乡镇与疑点", width=width, no_wrap=True)
        for row in rows:
            table.add_row(*(row[i] for i in shown), "\n".join(folded(row[4], width)))
        yield table


def _money(value: float | None) -> str:
    return f"{value:,.2f}" if value else ""


def import_text(result: TakeBack) -> RenderableType:
    """What `doudi feedback import` did, file by file, and every row it did not take."""
    table = Table(title="导入的核查反馈", title_justify="left", box=SIMPLE_HEAD)
    for column in ("文件", "乡镇（街道）", "批次", "新记录答复", "已记录过", "未采用的行"):
        table.add_column(column, justify="right" if column in ("新记录答复", "已记录过", "未采用的行") else "left")
    for entry in result.read:
        rejected = sum(1 for r in result.rejected if r.file == entry.file and not r.answer_taken)
        table.add_row(entry.file, entry.township, entry.batch[:8], str(entry.answers_recorded),
                      str(entry.answers_unchanged), str(rejected))
    lines: list[RenderableType] = [table]
    if result.rejected:
        lines.append(Text("未采用或需要注意的行："))
        lines.append(Sentences([f"{r.file}" + (f"「{r.sheet}」第 {r.row} 行" if r.row else "") + f"：{r.reason}"
                                for r in result.rejected]))
    if result.conflicts:
        lines.append(Text("同一疑点、同一核查日期和批次有不同答复（均未采用，请重新核实后以新的核查日期答复）："))
        lines.append(Sentences([f"疑点编号 {c.case_id}，核查日期 {c.reviewed_on}：{'、'.join(c.files)}"
                                for c in result.conflicts]))
    return Group(*lines)
