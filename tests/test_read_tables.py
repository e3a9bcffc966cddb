from pathlib import Path

import polars as pl
import pytest
import xlwt

from tests.files import parquet_file, sqlite_file, text_file, workbook
from transforms.ingest.read_tables import (
    UnreadableFile,
    decoded_text,
    read_tables,
    sniffed_delimiter,
)


def cells(table, row: int) -> list:
    found = table.grid.filter(pl.col("_row") == row).drop("_row")
    return [v for v in found.row(0)] if found.height else []


def test_workbook_rows_keep_their_excel_numbers_after_empty_leading_rows(tmp_path: Path):
    path = workbook(tmp_path / "a.xlsx", {"铜官区": [[], [], ["花名册"], ["姓名", "身份证号"], ["张三", "1"]]})
    (table,) = read_tables(path)
    assert table.sheet == "铜官区"
    assert cells(table, 3)[0] == "花名册"
    assert cells(table, 5)[:2] == ["张三", "1"]


def test_every_sheet_of_a_workbook_is_a_table(tmp_path: Path):
    path = workbook(tmp_path / "a.xlsx", {"铜官区": [["姓名"]], "义安区": [["姓名"]], "填表说明": [["说明"]]})
    assert [t.sheet for t in read_tables(path)] == ["铜官区", "义安区", "填表说明"]


def test_number_cells_are_told_apart_from_text_cells(tmp_path: Path):
    path = workbook(tmp_path / "a.xlsx", {"s": [["身份证号"], ["340705198001011234"], [340705198001011234]]})
    (table,) = read_tables(path)
    assert table.numeric_flags("c0").to_list() == [False, False, True]


def test_number_cells_are_found_in_a_table_that_starts_in_column_c(tmp_path: Path):
    rows = [[None, None, "姓名", "身份证号"], [None, None, "张三", 340705198001011234], [None, None, "李四", "340705198001011234"]]
    path = workbook(tmp_path / "a.xlsx", {"s": rows})
    (table,) = read_tables(path)
    id_column = next(c for c in table.columns if table.grid[c][0] == "身份证号")
    assert table.numeric_flags(id_column).to_list() == [False, True, False]


def test_tables_outside_workbooks_have_no_number_cells(tmp_path: Path):
    (table,) = read_tables(text_file(tmp_path / "a.csv", [["身份证号"], ["340705198001011234"]]))
    assert table.numeric_flags("c0").to_list() == [False, False]


def test_legacy_xls_workbooks_are_read(tmp_path: Path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("低保")
    sheet.write(1, 0, "姓名")
    sheet.write(2, 0, "张三")
    book.save(str(tmp_path / "a.xls"))
    (table,) = read_tables(tmp_path / "a.xls")
    assert cells(table, 3)[0] == "张三"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_files_are_decoded_whatever_their_chinese_encoding(tmp_path: Path, encoding: str):
    path = text_file(tmp_path / "a.csv", [["姓名", "死亡日期"], ["张三", "2024-10-05"]], encoding=encoding)
    (table,) = read_tables(path)
    assert cells(table, 1) == ["姓名", "死亡日期"]
    assert cells(table, 2) == ["张三", "2024-10-05"]


def test_tab_separated_text_with_a_title_line_is_split_on_tabs(tmp_path: Path):
    rows = [["建档立卡人员名单"], ["户编号", "姓名", "劳动技能"], ["H1", "张三", "普通劳动力, 有技能"]]
    path = text_file(tmp_path / "a.txt", rows, delimiter="\t", encoding="utf-8-sig")
    (table,) = read_tables(path)
    assert cells(table, 3) == ["H1", "张三", "普通劳动力, 有技能"]


def test_delimiter_is_the_one_that_splits_lines_evenly():
    assert sniffed_delimiter(["标题", "a\tb\tc", "1\t2,5\t3"]) == "\t"
    assert sniffed_delimiter(["a,b,c", "1,2,3"]) == ","


def test_gbk_bytes_that_are_not_utf8_decode_as_gbk():
    assert decoded_text("死亡日期".encode("gbk")) == "死亡日期"


def test_every_sqlite_table_is_a_table_with_its_column_names_as_row_0(tmp_path: Path):
    path = sqlite_file(tmp_path / "a.db", {
        "cbxx": [["姓名", "身份证号"], ["张三", "340705198001011234"], ["李四", None]],
        'odd "name"': [["x"], [1]],
    })
    tables = {t.sheet: t for t in read_tables(path)}
    assert set(tables) == {"cbxx", 'odd "name"'}
    assert cells(tables["cbxx"], 0) == ["姓名", "身份证号"]
    assert cells(tables["cbxx"], 2) == ["李四", None]


def test_parquet_column_names_are_row_0_and_rows_count_from_1(tmp_path: Path):
    path = parquet_file(tmp_path / "a.parquet", [["姓名", "护理补贴"], ["张三", 80.0]])
    (table,) = read_tables(path)
    assert cells(table, 0) == ["姓名", "护理补贴"]
    assert cells(table, 1) == ["张三", "80.0"]


@pytest.mark.parametrize("name, content", [
    ("empty.xlsx", b""),
    ("truncated.xlsx", b"PK\x03\x04 not really a zip"),
    ("notes.pdf", b"%PDF-1.4"),
    ("broken.db", b"SQLite format 3\x00garbage"),
])
def test_files_that_cannot_be_read_raise_with_a_reason(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as error:
        read_tables(path)
    assert str(error.value)
