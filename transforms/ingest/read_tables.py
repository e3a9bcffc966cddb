"""Read one inbox file into raw tables: every cell as text, every row with its number as the office sees it.

A workbook (.xlsx, .xls, .xlsb, .ods, WPS .et) gives one table per visible sheet, a SQLite
database or a SQL dump one per table, a text file, a Parquet file or a .dbf one table. A file is
read for what its bytes show it is (`guard.py`), whatever its name says. Nothing is interpreted here: headers, totals and values are found later. A file that
cannot be read at all raises `UnreadableFile` with a reason for the manifest; a sheet or table
that cannot be read is returned with its reason (`error`) so that the others are still read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import fastexcel
import polars as pl

from transforms.ingest.dbf_tables import dbf_records
from transforms.ingest.guard import (
    DBF,
    DUMP,
    ENCRYPTED,
    EXCEL_SUFFIXES,
    ODS,
    PARQUET,
    PARQUET_SUFFIXES,
    READABLE_SUFFIXES,
    SQLITE,
    SQLITE_SUFFIXES,
    TEXT,
    TEXT_SUFFIXES,
    WORKBOOK_FORMATS,
    XLS,
    XLSX,
    UnreadableFile,
    named_format,
    real_format,
    survivable,
)
from transforms.ingest.merged_cells import CellRange, legacy_merged_ranges, merged_ranges
from transforms.ingest.ods_merges import ods_merged_ranges
from transforms.ingest.text_tables import decoded_text, sniffed_delimiter, text_records

__all__ = ["EXCEL_SUFFIXES", "PARQUET_SUFFIXES", "READABLE_SUFFIXES", "SQLITE_SUFFIXES", "TEXT_SUFFIXES",
           "HEAD_ROWS", "RawTable", "UnreadableFile", "decoded_text", "quoted_identifier", "read_tables",
           "sniffed_delimiter"]

# The header is in the first 15 rows (SPEC §2); a little more is read so that a header starting
# on row 15 can still have its second row.
HEAD_ROWS = 20

BROKEN_WORKBOOK = "工作簿无法打开（文件已损坏或格式不符）：请用 Excel 打开检查，另存为 .xlsx 后再报送"
BROKEN_SHEET = "工作表无法读取（内容已损坏）：请用 Excel 打开该表检查，另存后再报送"


@dataclass(frozen=True)
class RawTable:
    """One sheet or table: text cells in columns c0..cN and `_row`, the row number the office sees.

    In workbooks and text files `_row` is the Excel row or editor line, title rows included. In
    database tables and Parquet files the column names are row 0 and data rows count from 1.
    """

    sheet: str
    grid: pl.DataFrame
    hidden: bool = False
    # Workbooks only: which cells of a grid column hold a number rather than text.
    number_cells: Callable[[str], pl.Series] | None = field(default=None, repr=False, compare=False)
    # Workbooks only: the Excel column (0 = A) of grid column c0, and the sheet's merged ranges.
    first_column: int = 0
    merged: tuple[CellRange, ...] = ()
    error: str = ""  # why the sheet or table could not be read (its grid is then empty)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.grid.columns if c != "_row"]

    def numeric_flags(self, column: str | None) -> pl.Series:
        """Per grid row, whether the cell of `column` was a number cell (False outside workbooks)."""
        flags = self.number_cells(column) if column and self.number_cells else None
        if flags is None or flags.len() != self.grid.height:
            return pl.Series([False] * self.grid.height, dtype=pl.Boolean)
        return flags


def read_tables(path: Path, found: str | None = None) -> list[RawTable]:
    """The tables of a file; `found` is its real format when the caller has it (`real_format`)."""
    found = found or real_format(path)
    if found in WORKBOOK_FORMATS:
        return _excel_tables(path, found)
    if found == TEXT:
        return [RawTable("", _text_grid(path))]
    if found == SQLITE:
        return _sqlite_tables(path)
    if found == PARQUET:
        return [RawTable("", _parquet_grid(path))]
    if found == DBF:
        return [RawTable("", _rows_grid(*dbf_records(path)))]
    if found == DUMP:  # sqlglot is loaded only by a month that has a dump
        from transforms.ingest.dump_tables import dump_tables

        return [_unread(t.name, t.error) if t.error else RawTable(t.name, _rows_grid(t.columns, t.rows))
                for t in dump_tables(path.read_bytes())]
    raise ValueError(f"unknown format {found}")


def _unread(name: str, reason: str) -> RawTable:
    return RawTable(name, pl.DataFrame(schema={"_row": pl.Int64}), error=reason)


def _as_grid(columns: list[pl.Series], first_row: int) -> pl.DataFrame:
    """Name columns c0..cN, blank cells as null, and number the rows from first_row."""
    grid = pl.DataFrame({f"c{i}": s.cast(pl.String) for i, s in enumerate(columns)})
    grid = grid.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in grid.columns
    )
    return grid.with_row_index("_row", offset=first_row).with_columns(pl.col("_row").cast(pl.Int64))


# --- workbooks --------------------------------------------------------------------------------

def _open_workbook(source: Path | bytes) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(source)
    except BaseException as e:  # calamine's message is English and may quote the file: not passed on
        if not survivable(e):
            raise
        if "password" in str(e).lower():  # an .xls encrypted inside its BIFF stream (FILEPASS)
            raise UnreadableFile(ENCRYPTED) from e
        raise UnreadableFile(BROKEN_WORKBOOK) from e


# Where a workbook's merged ranges are read from; calamine reports none for .ods, and none of an
# .xlsb's (left for later: README).
_MERGED_RANGES = {XLSX: merged_ranges, XLS: legacy_merged_ranges, ODS: ods_merged_ranges}


def _excel_tables(path: Path, found: str) -> list[RawTable]:
    # Merges are read first: streaming the sheets checks them before calamine inflates them.
    merges = _MERGED_RANGES[found](path) if found in _MERGED_RANGES else {}
    # calamine picks its reader by the extension, or by the content when given bytes.
    reader = _open_workbook(path if named_format(path) == found else path.read_bytes())
    tables = []
    for index, name in enumerate(reader.sheet_names):
        try:
            # header_row=None with skip_rows=0 keeps leading empty rows: row i is Excel row i+1.
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
        except BaseException as e:  # one broken sheet must not hide the others
            if not survivable(e):
                raise
            tables.append(_unread(name, BROKEN_SHEET))
            continue
        hidden = getattr(sheet, "visible", "visible") != "visible"
        columns = sheet.available_columns()
        first_column = columns[0].absolute_index if columns else 0
        grid = _as_grid(frame.get_columns(), first_row=1)
        tables.append(RawTable(name, grid, hidden, partial(_number_cells, reader, name),
                               first_column, merges.get(name, ())))
    return tables


def _number_cells(reader: fastexcel.ExcelReader, sheet: str, column: str) -> pl.Series:
    """Which cells of one workbook column hold a number rather than text, row by row.

    An 18-digit ID typed into a number cell has lost its last digits (Excel keeps 15), though
    the cell reads back as 18 digits. Loading the column as boolean makes calamine convert
    number cells and leave text cells null, which tells the two apart without parsing anything.
    """
    # fastexcel names columns from the first used one (__UNNAMED__0 may be column C), while a
    # numeric use_columns index counts from column A: select by name to stay aligned.
    name = "__UNNAMED__" + column.removeprefix("c")
    loaded = reader.load_sheet(
        sheet, header_row=None, skip_rows=0, use_columns=[name], dtypes={name: "boolean"}
    )
    values, _errors = loaded.to_arrow_with_errors()
    return pl.Series("numeric", values.column(0)).is_not_null()


# --- text files -------------------------------------------------------------------------------

def _text_grid(path: Path) -> pl.DataFrame:
    records, lines = text_records(path.read_bytes())
    width = len(records[0])
    frame = pl.DataFrame(records, schema={f"c{i}": pl.String for i in range(width)}, orient="row")
    # A row is numbered by the line it starts on, as an editor shows it.
    return _as_grid(frame.get_columns(), first_row=1).with_columns(pl.Series("_row", lines, dtype=pl.Int64))


# --- databases and columnar files ---------------------------------------------------------------

def quoted_identifier(identifier: str) -> str:
    """A SQL identifier quoted whatever it holds: table and column names come from office files."""
    return '"' + identifier.replace('"', '""') + '"'


def _rows_grid(names: list[str], rows: list[list[str | None]]) -> pl.DataFrame:
    """Rows of text cells under their column names (SQLite, SQL dumps, .dbf)."""
    frame = pl.DataFrame(rows, schema={f"c{i}": pl.String for i in range(len(names))}, orient="row")
    return _named_columns_grid(names, frame.get_columns())


def _named_columns_grid(names: list[str], columns: list[pl.Series]) -> pl.DataFrame:
    """A table with column names: the names are row 0, data rows are numbered 1, 2, … ."""
    with_header = [
        pl.concat([pl.Series([name], dtype=pl.String), col.cast(pl.String)])
        for name, col in zip(names, columns, strict=True)
    ]
    return _as_grid(with_header, first_row=0)


def _sqlite_tables(path: Path) -> list[RawTable]:
    try:
        # as_uri() escapes what a file name may hold (spaces, #, ?, %) and SQLite would misread.
        con = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
        names = [r[0] for r in con.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by rowid"
        )]
    except sqlite3.DatabaseError as e:
        raise UnreadableFile(
            f"SQLite 数据库无法打开（文件已损坏或并非数据库，{type(e).__name__}）：请从原系统重新导出"
        ) from e
    tables = []
    try:
        for name in names:
            try:
                tables.append(RawTable(name, _sqlite_grid(con, name)))
            except sqlite3.Error as e:  # a virtual table of a missing module, a damaged page
                tables.append(_unread(name, f"数据表无法读取（{type(e).__name__}）：请从原系统重新导出"))
    finally:
        con.close()
    return tables


def _sqlite_grid(con: sqlite3.Connection, table: str) -> pl.DataFrame:
    names = [row[1] for row in con.execute(f"pragma table_info({quoted_identifier(table)})")]
    # SQLite writes each value as text itself: a REAL ID comes out as 3.40705198001011e+17.
    as_text = ", ".join(f"cast({quoted_identifier(name)} as text)" for name in names)
    try:
        rows = con.execute(f"select {as_text} from {quoted_identifier(table)} order by rowid").fetchall()
    except sqlite3.OperationalError:  # WITHOUT ROWID tables keep their own order
        rows = con.execute(f"select {as_text} from {quoted_identifier(table)}").fetchall()
    return _rows_grid(names, rows)


def _parquet_grid(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - whatever polars says of a damaged file
        raise UnreadableFile(
            f"Parquet 文件无法读取（文件已损坏，{type(e).__name__}）：请从原系统重新导出"
        ) from e
    return _named_columns_grid(frame.columns, frame.get_columns())

