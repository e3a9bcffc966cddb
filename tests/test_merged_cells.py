import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from sample_month.formats import write_xls
from tests.files import sheet_plan
from tests.tables import raw_table
from transforms.ingest.merged_cells import (
    CellRange,
    column_letters,
    filled_down,
    legacy_merged_ranges,
)
from transforms.ingest.read_tables import read_tables


def grid(rows: list[list]) -> pl.DataFrame:
    return raw_table(rows).grid


def column(frame: pl.DataFrame, name: str) -> list:
    return frame[name].to_list()


def test_column_letters_count_as_excel_does():
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


def test_a_range_below_the_header_is_filled_into_the_rows_below_its_top():
    rows = [["户编号", "姓名"], ["H1", "张三"], [None, "李四"], [None, "王五"]]
    filled, refs = filled_down(grid(rows), (CellRange(2, 4, 0, 0),), first_column=0, below_row=1)
    assert (column(filled, "c0"), refs) == (["户编号", "H1", "H1", "H1"], ["A2:A4"])


def test_ranges_in_the_header_rows_are_left_to_header_detection():
    rows = [["结算单号", "医保支付"], [None, "基本医保"], ["JS1", "600"]]
    filled, refs = filled_down(grid(rows), (CellRange(1, 2, 0, 0),), first_column=0, below_row=2)
    assert (column(filled, "c0"), refs) == (["结算单号", None, "JS1"], [])


def test_a_range_two_columns_wide_fills_its_first_column_only():
    rows = [["地址", None, "姓名"], ["某村", None, "张三"], [None, None, "李四"]]
    filled, refs = filled_down(grid(rows), (CellRange(2, 3, 0, 1),), first_column=0, below_row=1)
    assert (column(filled, "c0"), column(filled, "c1"), refs) == (["地址", "某村", "某村"], [None, None, None], ["A2:A3"])


def test_rows_holding_nothing_else_are_not_filled():
    rows = [["姓名", "身份证号码"], ["注：本表由各街道汇总", None], [None, None], [None, None]]
    filled, refs = filled_down(grid(rows), (CellRange(2, 4, 0, 1),), first_column=0, below_row=1)
    assert (column(filled, "c0"), refs) == (["姓名", "注：本表由各街道汇总", None, None], [])


def test_excel_columns_are_placed_on_a_grid_that_starts_in_column_c():
    rows = [["户编号", "姓名"], ["H1", "张三"], [None, "李四"]]
    filled, refs = filled_down(grid(rows), (CellRange(2, 3, 2, 2),), first_column=2, below_row=1)
    assert (column(filled, "c0"), refs) == (["户编号", "H1", "H1"], ["C2:C3"])


def test_content_hidden_under_a_merge_reads_as_the_office_sees_the_merge():
    # LibreOffice keeps what was in the cells a merge covers, and calamine reads it.
    rows = [["户编号", "城乡类别", "姓名"], ["H1", "城市", "张三"], ["旧值", "旧值", "李四"], [None, "旧值", None]]
    filled, refs = filled_down(grid(rows), (CellRange(2, 4, 0, 1),), first_column=0, below_row=1)
    assert (column(filled, "c0"), column(filled, "c1"), refs) == (
        ["户编号", "H1", "H1", None], ["城乡类别", "城市", None, None], ["A2:A4"])


def legacy_sheet(path: Path, merges: list[tuple[int, int, int, int, str]]) -> Path:
    rows = [["2024年10月低保花名册"], ["户编号", "姓名"], [None, "张三"], [None, "李四"], [None, "王五"]]
    write_xls(path, [sheet_plan("铜官区", rows, merges)])
    return path


def test_the_merges_of_an_xls_are_read_by_python_calamine(tmp_path: Path):
    path = legacy_sheet(tmp_path / "a.xls", [(0, 0, 0, 1, "2024年10月低保花名册"), (2, 0, 4, 0, "H1")])
    assert legacy_merged_ranges(path) == {"铜官区": (CellRange(3, 5, 0, 0),)}


def test_an_xls_named_et_or_xlsx_has_its_merges_read_all_the_same(tmp_path: Path):
    source = legacy_sheet(tmp_path / "a.xls", [(2, 0, 3, 0, "H1")])
    for name in ("a.et", "a.xlsx"):
        (tmp_path / name).write_bytes(source.read_bytes())
        assert legacy_merged_ranges(tmp_path / name) == {"铜官区": (CellRange(3, 4, 0, 0),)}


def test_an_xls_calamine_cannot_open_has_no_merges_and_is_left_to_the_workbook_reader(tmp_path: Path):
    (tmp_path / "坏.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert legacy_merged_ranges(tmp_path / "坏.xls") == {}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_merges_of_a_workbook_libreoffice_saved_are_the_xlsx_merges(tmp_path: Path, target: str):
    source = tmp_path / "低保.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("铜官区")
    sheet.merge_range("B1:D1", "2024年10月低保花名册")
    sheet.write_row(1, 1, ["户编号", "姓名", "城乡类别"])
    sheet.write_column(2, 2, ["张三", "李四", "王五", "赵六"])
    sheet.merge_range("B3:B5", "H1")
    sheet.merge_range("D3:D6", "城市")
    book.close()
    subprocess.run(["soffice", "--headless", "--convert-to", target, "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    (table,) = read_tables(tmp_path / f"低保.{target}")
    assert sorted(table.merged, key=lambda r: r.first_column) == [CellRange(3, 5, 1, 1), CellRange(3, 6, 3, 3)]
