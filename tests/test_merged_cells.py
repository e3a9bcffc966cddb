import polars as pl

from tests.tables import raw_table
from transforms.ingest.merged_cells import CellRange, column_letters, filled_down


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
