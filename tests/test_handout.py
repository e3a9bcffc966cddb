"""transforms/review/handout.py: the 下发 workbooks as a township officer opens and prints them (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from schemas.review import ANSWERS, BATCH_SHEET, CASE_SHEET, INSTRUCTIONS_SHEET, RESULTS
from tests.review_books import HANDED_OUT, POLICY, case_rows, found, publish
from transforms.review.handout import Township, safe_name, write_handout_books


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handout") / "reports"
    return publish(out, "run-oct", "2024-10", "2024-11-05T08:00:00+08:00", HANDED_OUT)


def test_one_workbook_per_township_under_its_county(books):
    assert sorted(p.name for p in books.iterdir()) == ["幸福街道.xlsx", "西湖镇.xlsx"]
    assert set(case_rows(books / "幸福街道.xlsx")) == {"case000000000001", "case000000000002"}


def test_county_cases_go_to_the_county_and_cases_without_a_county_apart(tmp_path):
    assert Township("340705", "铜官区", None).path(tmp_path) == tmp_path / "下发" / "铜官区" / "县级.xlsx"
    assert Township(None, "", None).path(tmp_path) == tmp_path / "下发" / "未分区县.xlsx"
    assert safe_name("新城/街道:*?") == "新城_街道___" and safe_name(" .. ") == "未命名"


def test_instructions_first_then_the_cases_and_a_hidden_protected_batch_sheet(books):
    book = openpyxl.load_workbook(books / "幸福街道.xlsx")
    assert book.sheetnames == [INSTRUCTIONS_SHEET, CASE_SHEET, BATCH_SHEET]
    batch = book[BATCH_SHEET]
    assert batch.sheet_state == "hidden" and batch.protection.sheet
    assert [batch.cell(r, 2).value for r in (2, 3, 4, 5)] == ["run-oct", "2024-10", "340705", "幸福街道"]
    assert {batch.cell(r, 1).value for r in (9, 10)} == {"case000000000001", "case000000000002"}


def test_the_locked_part_is_protected_without_a_password_and_the_answer_part_is_editable(books):
    ws = openpyxl.load_workbook(books / "幸福街道.xlsx")[CASE_SHEET]
    assert ws.protection.sheet and not ws.protection.password
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    assert ws.cell(5, headers["问题说明"]).protection.locked
    assert all(not ws.cell(5, headers[c.header]).protection.locked for c in ANSWERS)


def test_answers_are_chosen_from_drop_down_lists(books):
    ws = openpyxl.load_workbook(books / "幸福街道.xlsx")[CASE_SHEET]
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation if v.type == "list"}
    assert f'"{",".join(RESULTS)}"' in lists.values()
    assert len(lists) == sum(1 for c in ANSWERS if c.choices)


def test_it_prints_on_a4_landscape_with_page_numbers_and_a_signature_line(books):
    ws = openpyxl.load_workbook(books / "幸福街道.xlsx")[CASE_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # one page wide
    assert ws.print_title_rows == "$3:$4"
    footer = ws.oddFooter.left.text + ws.oddFooter.right.text
    assert "核查人" in footer and "审核人" in footer and "&P" in footer and "&N" in footer


def test_ids_are_masked_and_a_formula_like_name_stays_text(tmp_path):
    from tests.test_cases import answers, handouts
    from transforms.review.cases import with_cases

    cases = with_cases(found().with_columns(pl.lit('=HYPERLINK("http://x","点击")').alias("name")),
                       handouts("none").clear(), answers(), 20, HANDED_OUT)
    write_handout_books(tmp_path, cases, POLICY, "2024-10", "run", unmask=False)
    rows = case_rows(tmp_path / "下发" / "铜官区" / "幸福街道.xlsx")
    for row in rows.values():
        assert row["身份证号码"].startswith("340705********") and row["姓名"].startswith("=HYPERLINK")
    ws = openpyxl.load_workbook(tmp_path / "下发" / "铜官区" / "幸福街道.xlsx")[CASE_SHEET]
    assert ws.cell(5, 3).data_type == "s" and ws.cell(5, 3).quotePrefix
