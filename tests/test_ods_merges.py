from pathlib import Path

import pytest

from sample_month.formats import write_ods
from schemas.policy import load_policy
from tests.bad_files import zip_of
from tests.files import sheet_plan
from tests.ids import numbered_id
from transforms.ingest.file import ingest_file
from transforms.ingest.guard import TRUNCATED, UnreadableFile
from transforms.ingest.merged_cells import CellRange
from transforms.ingest.ods_merges import ods_merged_ranges
from transforms.ingest.read_tables import read_tables

POLICY = load_policy("data/policy.toml")
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods(path: Path, tables: str) -> Path:
    """An .ods whose content.xml holds these table elements, as written here."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    return zip_of(path, {"mimetype": MIMETYPE, "content.xml": content.encode()})


def cell(text: str = "", attributes: str = "") -> str:
    return f'<table:table-cell {attributes} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def spanning(text: str, rows: int, columns: int = 1) -> str:
    return cell(text, f'table:number-rows-spanned="{rows}" table:number-columns-spanned="{columns}"')


def test_a_cell_spanning_rows_is_a_range_counted_over_repeated_rows_and_cells(tmp_path: Path):
    # Three empty rows written as one element, two empty cells as one, a covered cell counted as a cell.
    table = ('<table:table table:name="铜官区">'
             '<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="9"/></table:table-row>'
             f'<table:table-row><table:table-cell table:number-columns-repeated="2"/>{cell("户编号")}{cell("姓名")}</table:table-row>'
             '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
             f'{spanning("H1", 2, 2)}'
             f'<table:covered-table-cell/>{cell("张三")}</table:table-row>'
             '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
             f'<table:covered-table-cell table:number-columns-repeated="2"/>{cell("李四")}</table:table-row>'
             '</table:table>')
    assert ods_merged_ranges(ods(tmp_path / "a.ods", table)) == {"铜官区": (CellRange(5, 6, 2, 3),)}


def test_merges_across_columns_only_and_sheets_without_merges_have_no_ranges(tmp_path: Path):
    title = spanning("2024年10月低保花名册", 1, 3)
    table = f'<table:table table:name="表"><table:table-row>{title}<table:covered-table-cell table:number-columns-repeated="2"/></table:table-row></table:table>'
    assert ods_merged_ranges(ods(tmp_path / "a.ods", table)) == {}


def test_each_sheet_has_its_own_ranges_and_a_table_inside_a_cell_is_no_sheet(tmp_path: Path):
    nested = ('<table:table-cell><table:table table:name="内嵌"><table:table-row>'
              f'{spanning("x", 5)}</table:table-row></table:table></table:table-cell>')
    first = f'<table:table table:name="甲"><table:table-row>{nested}{spanning("H1", 2)}</table:table-row></table:table>'
    second = f'<table:table table:name="乙"><table:table-row>{cell()}</table:table-row><table:table-row>{spanning("H2", 3)}</table:table-row></table:table>'
    assert ods_merged_ranges(ods(tmp_path / "a.ods", first + second)) == {
        "甲": (CellRange(1, 2, 1, 1),), "乙": (CellRange(2, 4, 0, 0),)}


def test_a_damaged_content_xml_is_refused_as_incomplete(tmp_path: Path):
    table = f'<table:table table:name="表"><table:table-row>{spanning("H1", 2)}'
    with pytest.raises(UnreadableFile, match=TRUNCATED):
        ods_merged_ranges(ods(tmp_path / "a.ods", table))


def test_ranges_match_the_rows_calamine_numbers(tmp_path: Path):
    rows = [[], ["户编号", "姓名"], ["H1", "张三"], [None, "李四"]]
    path = tmp_path / "a.ods"
    write_ods(path, [sheet_plan("表", rows, [(2, 0, 3, 0, "H1")])])
    (table,) = read_tables(path)
    assert table.merged == (CellRange(3, 4, 0, 0),)
    assert table.grid.filter(table.grid["_row"] == 3)["c0"].to_list() == ["H1"]


def test_a_dibao_ods_with_households_merged_is_read_with_every_member(tmp_path: Path):
    header = ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金"]
    people = [["H1", "张三", numbered_id(1), "城市", 300, 420], [None, "李四", numbered_id(2), None, 300, 420],
              [None, "王五", numbered_id(3), None, 300, 420], ["H2", "赵六", numbered_id(4), "农村", 100, 620]]
    rows = [["2024年10月铜官区城乡低保花名册"], header, *people]
    merges = [(0, 0, 0, 5, "2024年10月铜官区城乡低保花名册"), (2, 0, 4, 0, "H1"), (2, 3, 4, 3, "城市")]
    path = tmp_path / "低保.ods"
    write_ods(path, [sheet_plan("铜官区", rows, merges)])
    (sheet,) = ingest_file(path, "civil/低保.ods", "2024-10", POLICY).sheets
    assert (sheet.rows_read, sheet.rows_accepted, sheet.filled_merged_cells) == (4, 4, ["A3:A5", "D3:D5"])
    assert sheet.accepted.sort("src_row").select("src_row", "household_id", "area_type").rows() == [
        (3, "H1", "urban"), (4, "H1", "urban"), (5, "H1", "urban"), (6, "H2", "rural")]
