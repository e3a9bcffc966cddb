"""Read one inbox file into raw tables: every cell as text, every row with its number as the office sees it.

A workbook gives one table per visible sheet, a SQLite database one per table, a text file or a
Parquet file one table. Nothing is interpreted here: headers, totals and values are found later.
A file that cannot be read at all raises `UnreadableFile` with a reason for the manifest.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import fastexcel
import polars as pl
from charset_normalizer import from_bytes

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}
PARQUET_SUFFIXES = {".parquet"}
READABLE_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES | SQLITE_SUFFIXES | PARQUET_SUFFIXES

# The header is in the first 15 rows (SPEC §2); a little more is read so that a header starting
# on row 15 can still have its second row.
HEAD_ROWS = 20


class UnreadableFile(Exception):
    """The file is not a table doudi can read; str(e) is the reason, in Chinese."""


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

    @property
    def columns(self) -> list[str]:
        return [c for c in self.grid.columns if c != "_row"]

    def numeric_flags(self, column: str | None) -> pl.Series:
        """Per grid row, whether the cell of `column` was a number cell (False outside workbooks)."""
        flags = self.number_cells(column) if column and self.number_cells else None
        if flags is None or flags.len() != self.grid.height:
            return pl.Series([False] * self.grid.height, dtype=pl.Boolean)
        return flags


def read_tables(path: Path) -> list[RawTable]:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnreadableFile("文件为空（0 字节）")
    if suffix in EXCEL_SUFFIXES:
        return _excel_tables(path)
    if suffix in TEXT_SUFFIXES:
        return [RawTable("", _text_grid(path))]
    if suffix in SQLITE_SUFFIXES:
        return _sqlite_tables(path)
    if suffix in PARQUET_SUFFIXES:
        return [RawTable("", _parquet_grid(path))]
    raise UnreadableFile(f"不支持的文件格式「{path.suffix}」：请另存为 xlsx、xls、csv 或 txt")


def _as_grid(columns: list[pl.Series], first_row: int) -> pl.DataFrame:
    """Name columns c0..cN, blank cells as null, and number the rows from first_row."""
    grid = pl.DataFrame({f"c{i}": s.cast(pl.String) for i, s in enumerate(columns)})
    grid = grid.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in grid.columns
    )
    return grid.with_row_index("_row", offset=first_row).with_columns(pl.col("_row").cast(pl.Int64))


# --- workbooks --------------------------------------------------------------------------------

def _open_workbook(path: Path) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(path)
    except Exception as e:  # calamine reports corrupt, encrypted and mislabelled files alike
        raise UnreadableFile(f"工作簿无法打开（文件损坏、加密或并非 Excel 文件）：{_short(e)}") from e


def _excel_tables(path: Path) -> list[RawTable]:
    reader = _open_workbook(path)
    tables = []
    for index, name in enumerate(reader.sheet_names):
        try:
            # header_row=None with skip_rows=0 keeps leading empty rows: row i is Excel row i+1.
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
        except Exception as e:
            raise UnreadableFile(f"工作表「{name}」无法读取：{_short(e)}") from e
        hidden = getattr(sheet, "visible", "visible") != "visible"
        grid = _as_grid(frame.get_columns(), first_row=1)
        tables.append(RawTable(name, grid, hidden, partial(_number_cells, reader, name)))
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

def decoded_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's 'Unicode text'), GBK/GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is None:
        raise UnreadableFile("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")
    return str(guess)


def sniffed_delimiter(lines: list[str]) -> str:
    """The delimiter splitting the most lines into the same number of fields (title lines have none)."""
    best, best_score = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if not counts:
            continue
        top = max(counts)
        score = sum(1 for n in counts if n == top) * top if top else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _text_grid(path: Path) -> pl.DataFrame:
    text = decoded_text(path.read_bytes())
    if "\x00" in text:
        raise UnreadableFile("文本文件中含有二进制内容，不是表格")
    lines = text.splitlines()
    delimiter = sniffed_delimiter(lines[:HEAD_ROWS * 5])
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in records), default=0)
    if width == 0:
        raise UnreadableFile("文件中没有任何内容")
    padded = [r if len(r) == width else r + [None] * (width - len(r)) for r in records]
    frame = pl.DataFrame(padded, schema={f"c{i}": pl.String for i in range(width)}, orient="row")
    return _as_grid(frame.get_columns(), first_row=1)


# --- databases and columnar files ---------------------------------------------------------------

def quoted_identifier(identifier: str) -> str:
    """A SQL identifier quoted whatever it holds: table and column names come from office files."""
    return '"' + identifier.replace('"', '""') + '"'


def _named_columns_grid(names: list[str], columns: list[pl.Series]) -> pl.DataFrame:
    """A table with column names: the names are row 0, data rows are numbered 1, 2, … ."""
    with_header = [
        pl.concat([pl.Series([name], dtype=pl.String), col.cast(pl.String)])
        for name, col in zip(names, columns, strict=True)
    ]
    return _as_grid(with_header, first_row=0)


def _sqlite_tables(path: Path) -> list[RawTable]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        names = [r[0] for r in con.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by rowid"
        )]
    except sqlite3.DatabaseError as e:
        raise UnreadableFile(f"SQLite 数据库无法打开（文件损坏或并非数据库）：{_short(e)}") from e
    tables = []
    try:
        for name in names:
            tables.append(RawTable(name, _sqlite_grid(con, name)))
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
    frame = pl.DataFrame(rows, schema={f"c{i}": pl.String for i in range(len(names))}, orient="row")
    return _named_columns_grid(names, frame.get_columns())


def _parquet_grid(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:
        raise UnreadableFile(f"Parquet 文件无法读取：{_short(e)}") from e
    return _named_columns_grid(frame.columns, frame.get_columns())


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
