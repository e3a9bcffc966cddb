"""A sheet plan written in each of the other formats reads back with the plan's rows, numbered as
the plan's `numbered()` says."""

from datetime import date
from pathlib import Path

import pytest

from sample_month import formats
from sample_month.layout import Column, Line, SheetPlan, header_line
from sample_month.xlsx import covered_cells
from schemas.policy import load_policy
from tests.ids import numbered_id
from transforms.ingest.file import ingest_file
from transforms.ingest.read_tables import read_tables

POLICY = load_policy("data/policy.toml")
COLUMNS = [Column("户编号", "household_id"), Column("姓名", "name"), Column("身份证号码", "id_number"),
           Column("城乡类别", "area_type"), Column("家庭月人均收入", "per_capita_income"), Column("月保障金", "benefit"),
           Column("认定日期")]
PEOPLE = [
    ["H1", "张三", numbered_id(1), "城市", 300, 420.5, date(2024, 10, 5)],
    [None, "O'Brien\\李", numbered_id(2), None, 300, 420, None],
    [None, "王五", 340705198001010034, None, 300.0, None, "2024年10月5日"],
    ["H2", "赵六", numbered_id(4), "农村", 100, 620, date(2024, 9, 30)],
]


def workbook_plan() -> SheetPlan:
    lines = [Line("title", ["2024年10月铜官区城乡低保花名册"]), header_line(COLUMNS),
             *(Line("data", list(cells)) for cells in PEOPLE),
             Line("total", ["合计", None, None, None, None, 1460.5, None])]
    merges = [(0, 0, 0, 6, "2024年10月铜官区城乡低保花名册"), (2, 0, 4, 0, "H1"), (2, 3, 4, 3, "城市")]
    return SheetPlan("civil/低保", "铜官区", "dibao", COLUMNS, lines, merges)


def table_plan() -> SheetPlan:
    # A .dbf field name holds 10 bytes: 5 Chinese characters in GBK.
    columns = [Column("人均收入", c.field) if c.field == "per_capita_income" else c for c in COLUMNS]
    return SheetPlan("civil/低保", "低保", "dibao", columns, [Line("data", list(cells)) for cells in PEOPLE])


def same(written: object, read: str | None) -> bool:
    """Whether a cell read back as text is the value written (numbers as numbers, dates by day)."""
    if written is None or read is None:
        return written is None and read is None
    if isinstance(written, date):
        return read.startswith(written.isoformat())
    if isinstance(written, int | float):
        return float(read) == float(written)
    return read == written


def expected_cells(plan: SheetPlan) -> dict[int, list[object]]:
    """Row as the office sees it -> the cells the plan shows there (a merge's text in its first cell)."""
    covered, tops = covered_cells(plan), {(r, c): text for r, c, _, _, text in plan.merges}
    rows = {}
    for index, line in enumerate(plan.lines):
        rows[index + 1] = [tops.get((index, c), None if (index, c) in covered else v) for c, v in enumerate(line.cells)]
    return {row: rows[row] for row, _ in plan.numbered()}


@pytest.mark.parametrize("name, writer", [("低保.ods", formats.write_ods), ("低保.xls", formats.write_xls),
                                          ("低保.et", formats.write_et)])
def test_a_workbook_plan_reads_back_row_for_row_with_its_merges(tmp_path: Path, name: str, writer):
    plan = workbook_plan()
    writer(tmp_path / name, [plan])
    (table,) = read_tables(tmp_path / name)
    read = {row[0]: list(row[1:]) for row in table.grid.rows()}
    for row, cells in expected_cells(plan).items():
        assert all(same(w, r) for w, r in zip(cells, read[row], strict=False)), (row, cells, read[row])
    assert sorted((r.first_row, r.last_row, r.first_column) for r in table.merged) == [(3, 5, 0), (3, 5, 3)]


def test_an_xlsb_plan_reads_back_row_for_row_and_merges_over_rows_are_refused(tmp_path: Path):
    plan = workbook_plan()
    with pytest.raises(ValueError, match="cannot write cells merged over rows"):
        formats.write_xlsb(tmp_path / "低保.xlsb", [plan])
    plan.merges = plan.merges[:1]
    formats.write_xlsb(tmp_path / "低保.xlsb", [plan])
    (table,) = read_tables(tmp_path / "低保.xlsb")
    read = {row[0]: list(row[1:]) for row in table.grid.rows()}
    for row, cells in expected_cells(plan).items():
        assert all(same(w, r) for w, r in zip(cells, read[row], strict=False)), (row, cells, read[row])


@pytest.mark.parametrize("name, writer", [
    ("低保.dbf", lambda path, plan: formats.write_dbf(path, plan)),
    ("mysql.sql", lambda path, plan: formats.write_mysql_dump(path, [plan])),
    ("mssql.sql", lambda path, plan: formats.write_sql_server_dump(path, [plan])),
])
def test_a_table_plan_reads_back_record_for_record_numbered_from_1(tmp_path: Path, name: str, writer):
    plan = table_plan()
    writer(tmp_path / name, plan)
    (table,) = read_tables(tmp_path / name)
    read = {row[0]: list(row[1:]) for row in table.grid.rows()}
    assert read[0] == [c.header for c in plan.columns]
    for row, line in plan.numbered():
        assert all(same(w, r) for w, r in zip(line.cells, read[row], strict=True)), (row, line.cells, read[row])


def test_a_dbf_field_name_longer_than_10_bytes_is_refused(tmp_path: Path):
    plan = SheetPlan("civil/低保", "", "dibao", [Column("家庭月人均收入")], [Line("data", [300])])
    with pytest.raises(ValueError, match="10 bytes"):
        formats.write_dbf(tmp_path / "低保.dbf", plan)


@pytest.mark.parametrize("name, writer", [("低保.ods", formats.write_ods), ("低保.xls", formats.write_xls),
                                          ("低保.et", formats.write_et)])
def test_a_dibao_plan_with_households_merged_is_ingested_with_the_merges_filled(tmp_path: Path, name: str, writer):
    plan = workbook_plan()
    writer(tmp_path / name, [plan])
    (sheet,) = ingest_file(tmp_path / name, f"civil/{name}", "2024-10", POLICY).sheets
    assert sheet.filled_merged_cells == ["A3:A5", "D3:D5"]
    data_rows = [row for row, line in plan.numbered() if line.kind == "data"]
    assert sorted(sheet.accepted["src_row"].to_list() + sheet.quarantine["row"].unique().to_list()) == data_rows
    assert sheet.accepted.filter(sheet.accepted["src_row"] <= 5).select("household_id", "area_type").unique().rows() == [
        ("H1", "urban")]
