"""Write tiny literal tables as the files offices send: workbooks, text files, databases; and the
sheet and table plans the writers of other formats take (sample_month/formats.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import xlsxwriter

from sample_month.layout import Column, Line, SheetPlan


def workbook(path: Path, sheets: dict[str, list[list]], number_cells: bool = False) -> Path:
    """Rows are written from A1 down; None leaves a cell empty; ints/floats become number cells."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


def text_file(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    lines = [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def sqlite_file(path: Path, tables: dict[str, list[list]]) -> Path:
    """The first row of each table gives its column names."""
    con = sqlite3.connect(path)
    for name, rows in tables.items():
        quoted = '"' + name.replace('"', '""') + '"'
        columns = ", ".join('"' + str(c).replace('"', '""') + '"' for c in rows[0])
        con.execute(f"create table {quoted} ({columns})")
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {quoted} values ({marks})", rows[1:])
    con.commit()
    con.close()
    return path


def parquet_file(path: Path, rows: list[list]) -> Path:
    header, *data = rows
    frame = pl.DataFrame({h: [r[i] for r in data] for i, h in enumerate(header)}, strict=False)
    frame.write_parquet(path)
    return path


def sheet_plan(sheet: str, rows: list[list], merges: list[tuple[int, int, int, int, str]] = ()) -> SheetPlan:
    """A workbook sheet for the writers of sample_month/formats.py: rows from A1 down, None an
    empty cell, each merge (first row, first column, last row, last column, text; 0-based)."""
    return SheetPlan("", sheet, None, [], [Line("data", list(row)) for row in rows], list(merges))


def table_plan(name: str, rows: list[list]) -> SheetPlan:
    """A database table for the writers of sample_month/formats.py: rows[0] names the columns."""
    return SheetPlan("", name, None, [Column(str(h)) for h in rows[0]], [Line("data", list(r)) for r in rows[1:]])
