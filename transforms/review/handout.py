"""下发 (SPEC §7): one workbook per township of the cases it must check, `<out>/<period>/下发/<区县>/<乡镇>.xlsx`
(county rules and cases with no township in `<区县>/县级.xlsx`, cases with no county in `未分区县.xlsx`).

Each workbook: a first sheet of instructions; the cases, one per row, a locked part (疑点编号, the
person, the finding, the money, the dates — the sheet is protected without a password) and an
answer part on the same rows with drop-down lists, showing the case's last accepted answer for the
township to update; and a hidden batch sheet (the run, the township, a digest of each row's locked
cells) that the take-back checks. Printed: A4 landscape, the columns an officer reads at the door
and writes back on one page width, the header repeated, page numbers and a 核查人 / 审核人 / 日期
line at the foot of every page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from schemas.catalog import rule_catalog
from schemas.policy import Policy
from schemas.review import (
    ANSWERS,
    BATCH_MARK,
    BATCH_SHEET,
    CASE_SHEET,
    CASE_STATES,
    HANDED_OUT_STATES,
    HANDOUT_COLUMNS,
    INSTRUCTIONS_SHEET,
    LOCKED,
    PRINTED,
    UNRECOVERABLE,
)
from transforms.reports.masking import masked_column
from transforms.reports.workbook import FORMULA_LIKE, LINE_POINTS, display_width

FOLDER = "下发"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
FIRST_ROW = 4  # the first case row (0-based): title, note, part headings, column headers above it
ROW_LINE_POINTS = 13.5  # a line of 10 pt text
SIGNATURE = "核查人：____________　　审核人：____________　　日期：______年____月____日"


@dataclass(frozen=True)
class Township:
    """One workbook's addressee: a county code (None: no county) and a township (None: 县级)."""

    county: str | None
    county_name: str
    township: str | None

    @property
    def label(self) -> str:
        return f"{self.county_name}{self.township or '（县级）'}" if self.county else "未分区县"

    def path(self, folder: Path) -> Path:
        if self.county is None:
            return folder / FOLDER / "未分区县.xlsx"
        return folder / FOLDER / safe_name(self.county_name) / f"{safe_name(self.township or '县级')}.xlsx"


def safe_name(text: str) -> str:
    """A name every file system takes: no path separators or reserved characters, not hidden."""
    cleaned = _UNSAFE.sub("_", text).strip().strip(".")
    return cleaned[:60] or "未命名"


def handed_out(exceptions: pl.DataFrame) -> pl.DataFrame:
    """The cases this run hands out: found this month, neither closed nor dismissed."""
    return exceptions.filter(pl.col("status").is_in(("new", "persisting"))
                             & pl.col("case_state").is_in(HANDED_OUT_STATES))


def cell_text(value: object) -> str:
    """A locked cell as the digest reads it, the same whoever saved the file: white space
    dropped, amounts to the fen, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return f"{float(value):.2f}"
    return re.sub(r"\s+", "", str(value))


def row_digest(values: list[object]) -> str:
    return hashlib.sha256("\x1f".join(cell_text(v) for v in values).encode()).hexdigest()[:16]


def shown(cases: pl.DataFrame, policy: Policy, unmask: bool) -> pl.DataFrame:
    """The cases as the workbooks show them: names for codes, masked IDs, joined sources."""
    rules = rule_catalog()
    names = {code: c.name for code, c in policy.counties.items()}
    id_shown = pl.col("id_number") if unmask else masked_column(pl.col("id_number"))
    return cases.with_columns(
        id_shown.alias("id_shown"),
        pl.col("rule_code").replace_strict({c: r.title for c, r in rules.items()}, default=pl.col("rule_code"))
        .alias("rule_title"),
        pl.col("rule_code").replace_strict({c: r.programme for c, r in rules.items()}, default=None,
                                           return_dtype=pl.String).alias("programme"),
        pl.col("county").replace_strict(names, default=pl.col("county"), return_dtype=pl.String).alias("county_cn"),
        pl.col("case_state").replace_strict(CASE_STATES, default=pl.col("case_state")).alias("state_cn"),
        pl.col("sources").list.join("\n").alias("sources_text"),
    ).sort("village", "rule_code", "case_id", nulls_last=True)


def write_handout_books(folder: Path, exceptions: pl.DataFrame, policy: Policy, period: str, run_id: str,
                        unmask: bool) -> pl.DataFrame:
    """Every township's workbook; returns the hand-out rows the warehouse records (one per case)."""
    cases = shown(handed_out(exceptions), policy, unmask)
    records = []
    for (county, township), rows in cases.group_by("county", "township", maintain_order=True):
        place = Township(county, policy.counties[county].name if county in policy.counties else (county or ""),
                         township if county else None)
        path = place.path(folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        digests = _write_book(path, place, rows, period, run_id)
        records.append(rows.select(
            pl.lit(run_id).alias("batch"), pl.lit(period).alias("period"), "case_id", "rule_code", "subject",
            "county", pl.lit(place.township, pl.String).alias("township"),
            pl.lit(path.relative_to(folder).as_posix()).alias("workbook"), "handed_out_on", "due_on",
            "evidence_digest", pl.Series("locked_digest", digests, pl.String), "overpaid", "underpaid"))
    return pl.concat(records) if records else pl.DataFrame(schema={
        "batch": pl.String, "period": pl.String, "case_id": pl.String, "rule_code": pl.String,
        "subject": pl.String, "county": pl.String, "township": pl.String, "workbook": pl.String,
        "handed_out_on": pl.Date, "due_on": pl.Date, "evidence_digest": pl.String, "locked_digest": pl.String,
        "overpaid": pl.Float64, "underpaid": pl.Float64})


def _write_book(path: Path, place: Township, rows: pl.DataFrame, period: str, run_id: str) -> list[str]:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        formats = _formats(book)
        _instructions(book.add_worksheet(INSTRUCTIONS_SHEET), place, rows, period, formats)
        digests = _cases_sheet(book.add_worksheet(CASE_SHEET), place, rows, period, formats)
        _batch_sheet(book.add_worksheet(BATCH_SHEET), place, rows, period, run_id, digests)
        book.worksheets()[1].activate()
    finally:
        book.close()
    return digests


def _formats(book) -> dict:
    base = {"font_size": 10, "valign": "top", "border": 1, "border_color": "#B7B7B7"}
    answer = base | {"locked": False, "bg_color": "#FFF9DB"}
    add = book.add_format
    return {
        "title": add({"bold": True, "font_size": 14}),
        "note": add({"font_size": 10, "text_wrap": True, "valign": "top", "font_color": "#444444"}),
        "part": add({"bold": True, "font_size": 10, "align": "center", "bg_color": "#D9D9D9", "border": 1}),
        "part_answer": add({"bold": True, "font_size": 10, "align": "center", "bg_color": "#FFE699", "border": 1}),
        "header": add({"bold": True, "font_size": 10, "text_wrap": True, "valign": "vcenter", "align": "center",
                       "bg_color": "#DDEBF7", "border": 1}),
        "header_answer": add({"bold": True, "font_size": 10, "text_wrap": True, "valign": "vcenter",
                              "align": "center", "bg_color": "#FFE699", "border": 1}),
        "text": add(base), "text_quoted": add(base | {"quote_prefix": True}),
        "longtext": add(base | {"text_wrap": True}), "longtext_quoted": add(base | {"text_wrap": True, "quote_prefix": True}),
        "money": add(base | {"num_format": "#,##0.00"}), "date": add(base | {"num_format": "yyyy-mm-dd"}),
        "a_text": add(answer), "a_longtext": add(answer | {"text_wrap": True}),
        "a_money": add(answer | {"num_format": "#,##0.00"}), "a_date": add(answer | {"num_format": "yyyy-mm-dd"}),
        "instruction": add({"font_size": 11, "text_wrap": True, "valign": "top"}),
        "instruction_head": add({"font_size": 12, "bold": True}),
        "signature": add({"font_size": 11}),
    }


def _instructions(ws, place: Township, rows: pl.DataFrame, period: str, f: dict) -> None:
    due = rows["due_on"].min()
    ws.set_column(0, 0, 110)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    lines = [
        ("title", f"{place.label} {period} 社会救助兜底数据疑点核查（下发）"),
        ("instruction", f"本表共 {rows.height} 条疑点，请逐条入户或查档核实，在“{CASE_SHEET}”表右侧黄色各列填写核查结果，"
                        f"最迟于反馈截止日期（最早一条为 {due}）前将本文件原样交回（文件名可改，请勿另存为其他格式）。"),
        ("instruction_head", "怎么填"),
        ("instruction", "左侧灰色部分（疑点编号、对象、问题说明、应追回、应补发、日期等）已锁定，不需要也不能修改；"
                        "如发现其中信息有误，请在“核查说明”中写明。每一行的答复只针对该行的疑点编号，可以筛选、排序，但请不要删除、复制或移动单元格。"),
        ("instruction", "核查结果：属实 / 部分属实 / 不属实 / 无法核实（从下拉列表选择）。"),
        ("instruction", "处理措施：停发 / 减发 / 追回 / 补发 / 纳入保障 / 更正数据 / 无需处理。核查结果为“属实”或“部分属实”的必须填写。"),
        ("instruction", "整改状态：未整改 / 整改中 / 已整改 / 无需整改。核查结果为“不属实”的，须填“无需整改”，并在“核查说明”中写明理由。"),
        ("instruction", "已追回金额、已补发金额：填数字（元），不小于 0，已追回金额不能超过应追回金额。整改状态为“已整改”的，"
                        f"已追回金额应等于应追回金额，否则须选择无法追回原因（{' / '.join(UNRECOVERABLE)}）。"),
        ("instruction", "核查人、核查日期：必填核查日期（不早于下发日期，不晚于交回当天），格式如 2024-11-20。"),
        ("instruction", "已经反馈过的疑点，表中显示上次的答复，如有新情况请直接修改并更新核查日期；未修改的视为原答复不变。"),
        ("instruction_head", "交回以后"),
        ("instruction", "交回的文件由县级统一导入。答复不符合以上要求的行不会被采用，会连同文件名、行号和原因列在下一次的核查汇总中，"
                        "请按原因改正后再交回。同一疑点以核查日期最新的答复为准；同一天对同一疑点有两份不同答复的，两份都不采用，需重新核实后再答复。"),
        ("signature", ""),
        ("signature", SIGNATURE),
    ]
    for row, (style, text) in enumerate(lines):
        if style == "instruction":
            ws.set_row(row, LINE_POINTS * max(1, -(-display_width(text) // 104)))
        ws.write_string(row, 0, text, f[style])


def _cases_sheet(ws, place: Township, rows: pl.DataFrame, period: str, f: dict) -> list[str]:
    last = len(HANDOUT_COLUMNS) - 1
    first_answer = HANDOUT_COLUMNS.index(ANSWERS[0])
    last_answer = HANDOUT_COLUMNS.index(ANSWERS[-1])
    for i, column in enumerate(HANDOUT_COLUMNS):
        ws.set_column(i, i, column.width)
    ws.write_string(0, 0, f"{place.label} {period} 疑点核查清单：{rows.height} 条", f["title"])
    ws.set_row(1, LINE_POINTS * 2)
    ws.merge_range(1, 0, 1, last_answer, "灰色部分已锁定；请在黄色部分填写核查反馈（下拉选择或填写），"
                   "核查日期必填。已反馈过的疑点显示上次答复。填写说明见第一张工作表。", f["note"])
    ws.merge_range(2, 0, 2, first_answer - 1, "下发内容（锁定）", f["part"])
    ws.merge_range(2, first_answer, 2, last_answer, "核查反馈（请填写）", f["part_answer"])
    ws.merge_range(2, last_answer + 1, 2, last, "下发内容（锁定）", f["part"])
    ws.set_row(3, LINE_POINTS * 2)
    for i, column in enumerate(HANDOUT_COLUMNS):
        ws.write_string(3, i, column.header, f["header_answer" if column.answer else "header"])
    digests = []
    for r, case in enumerate(rows.iter_rows(named=True)):
        row = FIRST_ROW + r
        ws.set_row(row, ROW_LINE_POINTS * _lines(case) + 4)
        for i, column in enumerate(HANDOUT_COLUMNS):
            _write_cell(ws, row, i, column, case.get(column.name), f)
        digests.append(row_digest([case.get(c.name) for c in LOCKED]))
    end = FIRST_ROW + max(rows.height, 1) - 1
    _validations(ws, end)
    ws.freeze_panes(FIRST_ROW, 1)
    ws.autofilter(3, 0, end, last)
    ws.protect("", {"autofilter": True, "sort": True, "format_rows": True, "format_columns": True})
    ws.write_string(end + 2, 0, SIGNATURE, f["signature"])
    _print_setup(ws, place, period, end + 2)
    return digests


def _lines(case: dict) -> int:
    """Lines the row's wrapped text takes at 10 pt (a column of width w holds about 1.2 w half-width
    characters at 10 pt), at least two: room to write by hand on the printed sheet."""
    lines = max(-(-display_width(str(case.get(c.name) or "")) // max(int((c.width - 1) * 1.2), 1))
                for c in HANDOUT_COLUMNS if c.kind == "longtext" and c.name != "sources_text")
    return min(max(lines, 2), 12)


def _write_cell(ws, row: int, col: int, column, value: object, f: dict) -> None:
    prefix = "a_" if column.answer else ""
    if column.kind == "money":
        if value is None:
            ws.write_blank(row, col, None, f[prefix + "money"])
        else:
            ws.write_number(row, col, float(value), f[prefix + "money"])
    elif column.kind == "date":
        if value is None:
            ws.write_blank(row, col, None, f[prefix + "date"])
        else:
            ws.write_datetime(row, col, datetime.combine(value, datetime.min.time()), f[prefix + "date"])
    else:
        style = prefix + ("longtext" if column.kind == "longtext" else "text")
        text = "" if value is None else str(value)
        if not text:
            ws.write_blank(row, col, None, f[style])
        elif not column.answer and FORMULA_LIKE.match(text):
            ws.write_string(row, col, text, f[style + "_quoted"])
        else:
            ws.write_string(row, col, text, f[style])


def _validations(ws, end: int) -> None:
    for column in ANSWERS:
        col = HANDOUT_COLUMNS.index(column)
        if column.choices:
            rule = {"validate": "list", "source": list(column.choices)}
        elif column.kind == "money":
            rule = {"validate": "decimal", "criteria": ">=", "value": 0}
        elif column.kind == "date":
            rule = {"validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
                    "maximum": date(2099, 12, 31)}
        else:
            continue
        message = ("请从下拉列表中选择：" + " / ".join(column.choices)) if column.choices else (
            "请填写不小于 0 的金额（元）" if column.kind == "money" else "请填写日期，如 2024-11-20")
        ws.data_validation(FIRST_ROW, col, end, col, rule | {
            "error_title": f"{column.header}填写有误", "error_message": message,
            "input_title": column.header, "input_message": message[:255]})


def _print_setup(ws, place: Township, period: str, last_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.7)
    ws.print_area(0, 0, last_row, len(PRINTED) - 1)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2, 3)
    ws.set_header(f"&L&9{place.label} {period} 疑点核查清单&R&9反馈后请签字交回")
    ws.set_footer(f"&L&10{SIGNATURE}&R&10第 &P 页，共 &N 页")


def _batch_sheet(ws, place: Township, rows: pl.DataFrame, period: str, run_id: str, digests: list[str]) -> None:
    """What the take-back checks a returned workbook against; hidden, not for the township."""
    ws.write_string(0, 0, BATCH_MARK)
    for r, (label, value) in enumerate([("批次", run_id), ("期间", period), ("区县", place.county or ""),
                                        ("乡镇", place.township or ""), ("工作簿", place.label)], start=1):
        ws.write_string(r, 0, label)
        ws.write_string(r, 1, value)
    ws.write_row(7, 0, ["疑点编号", "行号", "锁定内容摘要"])
    for r, (case_id, digest) in enumerate(zip(rows["case_id"], digests, strict=True)):
        ws.write_row(8 + r, 0, [case_id, FIRST_ROW + r + 1, digest])
    ws.protect()
    ws.hide()
