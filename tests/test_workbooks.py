"""The officers' and auditors' workbooks (SPEC §5), read back with openpyxl as Excel would show them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from schemas.catalog import rule_catalog
from schemas.outputs import ROSTER_PERSONS
from tests.report_month import generated_report
from transforms.reports.exceptions_book import write_exceptions_book
from transforms.reports.lists_book import (
    write_exit_due_book,
    write_quarantine_book,
    write_roster_books,
)
from transforms.reports.workbook import (
    EXCEL_MAX_ROWS,
    LINE_POINTS,
    Sheet,
    Workbook,
    write_table_book,
)

FULL_ID = re.compile(r"(?<![\dX])\d{17}[\dX](?![\dX])")
MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
FORMULA_NAME = '=HYPERLINK("http://x","点击")'


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    report, _ = generated_report(tmp_path_factory.mktemp("month"))
    # A name written by someone who knows spreadsheets: it must come back as text, never run.
    persons = report.persons.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(FORMULA_NAME)).otherwise(pl.col("name")).alias("name"))
    return replace(report, persons=persons)


@pytest.fixture(scope="module")
def books(report, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("books")
    write_exceptions_book(folder / "exceptions.xlsx", report)
    write_exit_due_book(folder / "exit_due.xlsx", report)
    write_quarantine_book(folder / "quarantine.xlsx", report)
    write_roster_books(folder, report)
    return folder


def cells(sheet) -> list:
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def header_row(sheet) -> list[str]:
    """The header is the row above the frozen pane."""
    row = int(re.match(r"[A-Z]+(\d+)", sheet.freeze_panes).group(1)) - 1
    return [c.value for c in sheet[row] if c.value is not None]


def column(sheet, header: str) -> list:
    first = int(re.match(r"[A-Z]+(\d+)", sheet.freeze_panes).group(1))
    index = header_row(sheet).index(header)
    return [row[index].value for row in sheet.iter_rows(min_row=first)]


def test_exceptions_workbook_opens_with_a_summary_then_one_sheet_per_rule_that_found_something(books, report):
    book = openpyxl.load_workbook(books / "exceptions.xlsx")
    fired = [rule.title for code, rule in rule_catalog().items() if code in set(report.exceptions["rule_code"])]
    assert book.sheetnames == ["汇总", *fired]


def test_summary_counts_each_rule_by_county_and_says_what_was_missing(books, report):
    sheet = openpyxl.load_workbook(books / "exceptions.xlsx")["汇总"]
    texts = [c.value for c in cells(sheet) if isinstance(c.value, str)]
    assert {"铜官区", "义安区", "郊区", "枞阳县", "本月新发现", "本次新增", "持续存在", "本次解决",
            "应追回（元）", "应补发（元）", "预算缺口（元）"} <= set(texts)
    by_rule_total = next(row for row in sheet.iter_rows() if row[0].value == "合计")
    assert by_rule_total[8].value == report.exceptions.height  # every exception is new on a first run
    assert all(note in texts for note in report.manifest.notes)


def test_rule_sheets_have_chinese_headers_frozen_and_filtered_with_the_policy_quoted(books):
    book = openpyxl.load_workbook(books / "exceptions.xlsx")
    sheet = book[rule_catalog()["DIBAO_TOPUP_MISMATCH"].title]
    headers = header_row(sheet)
    assert {"状态", "首次发现期间", "区县", "身份证号码", "问题说明", "应为（元）", "数据来源（文件:工作表:行）"} <= set(headers)
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3")
    assert sheet["A2"].value.startswith("政策依据：") and "30%" in sheet["A2"].value


def test_amounts_are_numbers_with_two_decimals_and_sources_name_file_sheet_and_row(books):
    sheet = openpyxl.load_workbook(books / "exceptions.xlsx")[rule_catalog()["MEDICAL_AID_SHORTFALL"].title]
    headers = header_row(sheet)
    expected = sheet.cell(4, headers.index("应为（元）") + 1)
    assert isinstance(expected.value, int | float) and expected.number_format == "#,##0.00"
    sources = sheet.cell(4, headers.index("数据来源（文件:工作表:行）") + 1).value
    assert all(re.fullmatch(r"[^:]+:[^:]*:\d+", line) for line in sources.split("\n"))


def test_id_numbers_are_masked_in_every_workbook(books, report):
    for path in books.glob("*.xlsx"):
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book:
            for row in sheet.iter_rows(values_only=True):
                assert not any(isinstance(v, str) and FULL_ID.search(v) for v in row), path.name
    roster = openpyxl.load_workbook(books / "roster_persons.xlsx")[ROSTER_PERSONS.label]
    ids = column(roster, "身份证号码")
    assert len(ids) == report.persons.height and all(MASKED_ID.match(v) for v in ids)


def test_unmasked_workbooks_show_whole_id_numbers(report, tmp_path: Path):
    write_roster_books(tmp_path, replace(report, unmask=True))
    roster = openpyxl.load_workbook(tmp_path / "roster_persons.xlsx")[ROSTER_PERSONS.label]
    assert column(roster, "身份证号码") == report.persons["id_number"].to_list()


def test_a_formula_looking_name_comes_back_as_text_that_cannot_run(books):
    roster = openpyxl.load_workbook(books / "roster_persons.xlsx")[ROSTER_PERSONS.label]
    (cell,) = [c for c in cells(roster) if c.value == FORMULA_NAME]
    assert cell.data_type == "s" and cell.quotePrefix


def test_quarantine_workbook_gives_each_office_its_rows_sorted_by_file_and_row(books, report):
    book = openpyxl.load_workbook(books / "quarantine.xlsx")
    assert book.sheetnames[0] == "无法使用的文件"
    civil = book["民政"]
    headers = header_row(civil)
    rows = [[c.value for c in row] for row in civil.iter_rows(min_row=4)]
    keys = [(r[headers.index("文件")], r[headers.index("工作表")] or "", r[headers.index("行号")]) for r in rows]
    assert keys == sorted(keys) and all(k[0].startswith("civil/") for k in keys)
    assert {"问题", "字段", "原始值", "问题及更正方法"} <= set(headers)
    rejected = {c.value for c in cells(book["无法使用的文件"])}
    assert {r.file for r in report.manifest.rejected} <= rejected


def test_exit_due_workbook_lists_the_households_due_to_exit_with_the_numbers_behind_it(books, report):
    sheet = openpyxl.load_workbook(books / "exit_due.xlsx")["应退出低保家庭"]
    headers = header_row(sheet)
    households = [row[headers.index("户编号")].value for row in sheet.iter_rows(min_row=4)]
    assert sorted(households) == sorted(report.households.filter(pl.col("exit_due"))["household_id"])
    assert {"认定月人均收入（元）", "低保标准（元/人·月）", "超出标准（元）"} <= set(headers)


def _with_xlsxwriter(path: Path, sheet: Sheet, max_rows: int) -> list[str]:
    with Workbook(path) as book:
        return book.add_table(sheet, max_rows=max_rows)


WRITERS = pytest.mark.parametrize("write", [_with_xlsxwriter, write_table_book], ids=["xlsxwriter", "rust"])


@WRITERS
def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(tmp_path: Path, write):
    frame = pl.DataFrame({"n": list(range(25))})
    names = write(tmp_path / "long.xlsx", Sheet("名单", frame, {"n": "序号"}, {"n": "number"}), 10)
    assert names == ["名单", "名单 (2)", "名单 (3)"]
    book = openpyxl.load_workbook(tmp_path / "long.xlsx")
    assert book.sheetnames == names
    values = [c.value for name in names for c in book[name]["A"][1:]]
    assert values == list(range(25))
    assert all(book[name].freeze_panes == "A2" and book[name]["A1"].value == "序号" for name in names)


@WRITERS
def test_both_writers_lay_a_table_out_alike(tmp_path: Path, write):
    """Title and note above a frozen, filtered header; amounts with two decimals, dates as dates,
    flags and lists in words, long text wrapped; formula-like text quoted."""
    frame = pl.DataFrame({
        "name": ["张三", FORMULA_NAME], "paid": [1234.5, None], "died": [None, date(2024, 9, 30)],
        "flag": [True, False], "codes": [["甲", "乙"], []], "detail": ["第一行\n第二行", "短"]})
    sheet = Sheet("名单", frame, {"name": "姓名", "paid": "金额（元）", "died": "死亡日期", "flag": "低保",
                                "codes": "问题", "detail": "说明"},
                  {"paid": "money", "died": "date", "flag": "flag", "codes": "texts", "detail": "longtext"},
                  title="2024-10 名单：2 行", note="依据：测试", widths={"detail": 10})
    write(tmp_path / "t.xlsx", sheet, EXCEL_MAX_ROWS)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["名单"]
    assert (ws["A1"].value, ws["A2"].value, ws.freeze_panes, ws.auto_filter.ref) == (
        "2024-10 名单：2 行", "依据：测试", "A4", "A3:F5")
    assert [c.value for c in ws[3]] == list(sheet.headers.values())
    name, paid, died, flag, codes, detail = ws[4]
    assert (paid.value, paid.number_format) == (1234.5, "#,##0.00")
    assert ws["C5"].value.date() == date(2024, 9, 30) and ws["C5"].number_format == "yyyy-mm-dd"
    assert (flag.value, codes.value, ws["D5"].value) == ("是", "甲；乙", "否")
    assert detail.alignment.wrap_text and ws.row_dimensions[4].height == pytest.approx(2 * LINE_POINTS, abs=0.5)
    assert ws.row_dimensions[5].height is None  # one line: the program's own height
    assert ws["A5"].value == FORMULA_NAME and ws["A5"].quotePrefix and ws["A5"].data_type == "s"
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.orientation == "landscape"


def test_a_suggested_id_shows_the_digits_that_differ_from_the_broken_one(books, report):
    # issue 18 item 7: masked, but the changed positions visible, so the source can be corrected
    from transforms.reports.masking import masked_but_differing

    assert masked_but_differing("340705198001013234", "340705198001011234") == "340705********3234"
    assert masked_but_differing("340705198010011234", "340705198001011234") == "340705****10**1234"
    assert masked_but_differing("340705198001011234", "3.40705198001011E+17") == "340705********1234"
    inside = report.quarantine.filter(pl.col("suggested_id_number").is_not_null() & (pl.col("field") == "id_number"))
    inside = inside.with_columns(pl.col("value").str.replace_all(r"[^0-9Xx]", "").alias("digits")).filter(
        (pl.col("digits").str.len_chars() == 18)
        & (pl.col("digits").str.slice(6, 8) != pl.col("suggested_id_number").str.slice(6, 8)))
    assert inside.height, "the sample month has a typo in the middle digits"
    shown = {c.value for s in openpyxl.load_workbook(books / "quarantine.xlsx") for c in cells(s)}
    for row in inside.iter_rows(named=True):
        expected = masked_but_differing(row["suggested_id_number"], row["digits"])
        assert re.search(r"\d", expected[6:14]) and expected in shown
