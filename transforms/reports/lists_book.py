"""The officers' workbooks: who must leave 低保 (`exit_due.xlsx`), the reconciled rosters
(`roster_persons.xlsx`, `roster_households.xlsx`) and what to correct at the source
(`quarantine.xlsx`, one sheet per office so each office gets its part).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from schemas.catalog import policy_sentence, rule_catalog
from schemas.datasets import DATASETS, OFFICE_LABELS, OFFICES
from schemas.outputs import ROSTER_HOUSEHOLDS, ROSTER_PERSONS
from transforms.reports import MonthReport
from transforms.reports import labels as show
from transforms.reports.masking import masked_suggestions
from transforms.reports.workbook import Sheet, Workbook, write_table_book

MONEY = "money"


def write_exit_due_book(path: Path, report: MonthReport) -> Path:
    exits = report.exceptions.filter(
        (pl.col("rule_code") == "DIBAO_EXIT_DUE") & pl.col("status").is_in(("new", "persisting"))
    ).select("household_id", "id_number", "detail", "first_seen", "status", "sources")
    due = report.households.filter(pl.col("exit_due")).join(exits, on="household_id", how="left")
    frame = due.with_columns(
        show.county_name("county", report.policy).alias("county"),
        show.category("area_type", "area_type").alias("area_type"),
        show.masked("id_number", report.unmask).alias("id_number"),
        (pl.col("income_used") - pl.col("standard")).round(2).alias("over_standard"),
        show.status().alias("status"),
        pl.col("sources").list.join("\n").alias("sources"),
    ).sort("county", "household_id")
    headers = {
        "county": "区县", "township": "乡镇（街道）", "village": "村（社区）", "household_id": "户编号",
        "head_name": "户主姓名", "id_number": "户主身份证号码",
        "area_type": "城乡类别", "members": "保障人数", "per_capita_income": "花名册月人均收入（元）",
        "registry_income_monthly": "建档立卡月人均收入（元）", "income_used": "认定月人均收入（元）",
        "standard": "低保标准（元/人·月）", "over_standard": "超出标准（元）", "benefit_total": "月保障金合计（元）",
        "topup_total": "分类施保金合计（元）", "first_seen": "首次发现期间", "status": "状态",
        "detail": "说明", "sources": "数据来源（文件:工作表:行）",
    }
    money = ("per_capita_income", "registry_income_monthly", "income_used", "standard", "over_standard",
             "benefit_total", "topup_total")
    sheet = Sheet(
        name="应退出低保家庭",
        frame=frame.select(list(headers)),
        headers=headers,
        kinds={c: MONEY for c in money} | {"members": "number", "detail": "longtext", "sources": "longtext"},
        title=f"{report.period} 应按程序退出低保的家庭：{frame.height} 户",
        note="依据：" + policy_sentence(rule_catalog()["DIBAO_EXIT_DUE"], report.policy),
        widths={"detail": 50, "sources": 36},
    )
    with Workbook(path) as book:
        book.add_table(sheet)
    return path


def write_roster_books(folder: Path, report: MonthReport) -> list[Path]:
    persons = report.persons.with_columns(
        show.masked("id_number", report.unmask).alias("id_number"),
        show.county_name("county", report.policy).alias("county"),
        show.category("poverty_status", "poverty_status").alias("poverty_status"),
        show.category("labor_ability", "labor_ability").alias("labor_ability"),
        show.category("child_category", "child_category").alias("child_category"),
        show.rule_titles("exception_codes").alias("exception_codes"),
    )
    households = report.households.with_columns(
        show.county_name("county", report.policy).alias("county"),
        show.category("area_type", "area_type").alias("area_type"),
        show.rule_titles("exception_codes").alias("exception_codes"),
    )
    written = []
    for table, frame in ((ROSTER_PERSONS, persons), (ROSTER_HOUSEHOLDS, households)):
        kinds = {c.name: _shown_kind(c.kind) for c in table.columns}
        kinds["exception_codes"] = "text"
        sheet = Sheet(table.label, frame.select(table.names), table.headers, kinds,
                      title=f"{report.period} {table.label}：{frame.height} 行", widths={"sources": 50})
        path = folder / f"{table.name}.xlsx"
        if table is ROSTER_PERSONS:  # printed: the columns an officer reads first, every field after
            write_table_book(path, _printed_persons(sheet, report), more=(sheet,))
        else:
            write_table_book(path, sheet)
        written.append(path)
    return written


# What an officer reads of a person on paper: where, who, in which programmes, what is wrong.
PRINTED_PERSON_COLUMNS = ("county", "township", "village", "name", "id_number", "in_dibao", "in_tekun",
                          "on_registry", "disabled", "deceased", "exception_codes")


def _printed_persons(sheet: Sheet, report: MonthReport) -> Sheet:
    headers = {c: sheet.headers[c] for c in PRINTED_PERSON_COLUMNS}
    flags = {c: "flag" for c in ("in_dibao", "in_tekun", "on_registry", "disabled", "deceased")}
    return Sheet(
        "打印版", sheet.frame.select(list(headers)).sort("county", "township", "village", "name",
                                                                   nulls_last=True),
        headers, flags | {"exception_codes": "longtext"},
        title=f"{report.period} 人员花名册（核对后）：{sheet.frame.height} 人",
        note=f"按区县、乡镇、村排列；金额、户编号、数据来源等全部字段见“{sheet.name}”工作表。",
        widths={"exception_codes": 40, "village": 12, "township": 12, "name": 10, "id_number": 21},
    )


def _shown_kind(kind: str) -> str:
    return {"money": MONEY, "money0": MONEY, "number": "number", "count": "number", "level": "number",
            "date": "date", "flag": "flag", "texts": "texts"}.get(kind, "text")


QUARANTINE_HEADERS = {
    "file": "文件", "sheet": "工作表", "row": "行号", "dataset_cn": "数据集", "reason_cn": "问题",
    "field_cn": "字段", "value_shown": "原始值", "message_shown": "问题及更正方法",
    # SPEC §6: for a broken ID, the person it most likely is (shown where an office has one)
    "suggested_shown": "建议身份证号码", "basis_shown": "建议依据", "suggestion_score": "建议可信度（满分100）",
    "reason": "原因代码",
}
SUGGESTION_COLUMNS = ("suggested_shown", "basis_shown", "suggestion_score")
SUGGESTION_NOTE = ("“建议身份证号码”是按姓名（含同音、繁简写法）和相差一位的号码在本月其他数据中找到的最可能的人，"
                   "仅供核对参考，须按户籍信息确认后更正。")


def write_quarantine_book(path: Path, report: MonthReport) -> Path:
    """A sheet of what each office must correct (sorted by file, sheet, row), and the files that
    could not be used at all."""
    office_of = {name: d.office for name, d in DATASETS.items()}
    rows = report.quarantine.with_columns(
        pl.col("dataset").replace_strict(office_of, default=None).alias("office"),
        show.dataset_label().alias("dataset_cn"),
        show.reason().alias("reason_cn"),
        show.field_labels(report.quarantine).alias("field_cn"),
        _shown_id("value", "suggested_id_number", report.unmask).alias("value_shown"),
        show.masked("message", report.unmask).alias("message_shown"),
        _shown_id("suggested_id_number", "value", report.unmask).alias("suggested_shown"),
        show.masked("suggestion_basis", report.unmask).alias("basis_shown"),
    ).sort("file", "sheet", "row", "reason")
    with Workbook(path) as book:
        book.add_table(_files_sheet(report))
        for office in OFFICES:
            mine = rows.filter(pl.col("office") == office)
            if mine.height:
                book.add_table(_office_sheet(office, mine))
    return path


def _shown_id(column: str, against: str, unmask: bool) -> pl.Expr:
    """A broken ID and its suggested correction (SPEC §6) masked but for the digits where they
    differ, so the officer sees what to correct without --unmask."""
    if unmask:
        return pl.col(column)
    digits = {c: pl.col(c).str.replace_all(r"[^0-9Xx]", "").str.to_uppercase() for c in (column, against)}
    comparable = pl.col("suggested_id_number").is_not_null() & (pl.col("field") == "id_number")
    return (pl.when(comparable).then(masked_suggestions(digits[column], digits[against]))
            .otherwise(show.masked(column, unmask)))


def _office_sheet(office: str, rows: pl.DataFrame) -> Sheet:
    """One office's rows to correct; the suggestion columns only where one of its rows has one."""
    suggested = rows["basis_shown"].is_not_null().any()
    headers = {c: h for c, h in QUARANTINE_HEADERS.items() if suggested or c not in SUGGESTION_COLUMNS}
    note = "请按“文件、工作表、行号”找到原表中的这一行，按“问题及更正方法”更正后重新报送，再重新运行本月核对。"
    return Sheet(
        name=OFFICE_LABELS[office],
        frame=rows.select(list(headers)),
        headers=headers,
        kinds={"row": "number", "message_shown": "longtext", "basis_shown": "longtext",
               "suggestion_score": "number"},
        title=f"{OFFICE_LABELS[office]}：{rows['row'].len()} 条待更正（{_rows_of(rows)} 行）",
        note=note + (SUGGESTION_NOTE if suggested else ""),
        widths={"message_shown": 60, "basis_shown": 40},
    )


def _rows_of(frame: pl.DataFrame) -> int:
    return frame.select("file", "sheet", "row").n_unique()


def _files_sheet(report: MonthReport) -> Sheet:
    """Files rejected whole and sheets set aside, with why: the first thing an office must fix."""
    manifest = report.manifest
    office_label = {o: OFFICE_LABELS[o] for o in OFFICES}
    records = [{"office": office_label.get(r.file.split("/")[0], ""), "file": r.file, "sheet": "",
                "what": "整个文件无法使用", "reason": r.reason} for r in manifest.rejected]
    records += [{"office": office_label.get(s.file.split("/")[0], ""), "file": s.file, "sheet": s.sheet,
                 "what": "该工作表未读取", "reason": s.reason} for s in manifest.sheets_ignored]
    frame = pl.DataFrame(records, schema={c: pl.String for c in ("office", "file", "sheet", "what", "reason")})
    headers = {"office": "部门", "file": "文件", "sheet": "工作表", "what": "情况", "reason": "原因"}
    title = (f"无法使用的文件 {len(manifest.rejected)} 个，未读取的工作表 {len(manifest.sheets_ignored)} 个"
             if records else "本月所有文件均已读取")
    return Sheet("无法使用的文件", frame, headers, {"reason": "longtext"}, title=title, widths={"reason": 70})
