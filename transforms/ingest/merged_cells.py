"""Merged ranges of an .xlsx's sheets, read from the sheet XML, and their fill-down below the header.

Offices merge a household's number, address or village down the rows of its members. calamine
(and so fastexcel) gives the value to the range's first row only and leaves the others blank,
which would quarantine every member but the first. The ranges are read here from each sheet's
`<mergeCell ref="B5:B8"/>` elements with the standard library, streamed (no openpyxl on the hot
path), and the top-left value is filled into the rows below it, in the data area only.

Streaming the sheets through `zipfile` also checks them before calamine parses them: Python stops
at an entry's declared size and fails its CRC when the archive lies about it (a zip bomb in
disguise), where calamine would inflate the whole entry.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from transforms.ingest.guard import TRUNCATED, ZIP_ERRORS, UnreadableFile

_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CellRange:
    """A merged range: Excel rows (1-based) and column indexes (0-based, A = 0)."""

    first_row: int
    last_row: int
    first_column: int
    last_column: int


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def merged_ranges(path: Path) -> dict[str, tuple[CellRange, ...]]:
    """Sheet name -> its merged ranges spanning more than one row (the only ones filled)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {name: _vertical_ranges(archive, entry) for name, entry in _sheet_entries(archive).items()}
    except (*ZIP_ERRORS, ElementTree.ParseError, KeyError):
        raise UnreadableFile(TRUNCATED) from None


def _sheet_entries(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the archive entry of its XML, via xl/workbook.xml and its relationships."""
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    }
    entries = {}
    for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if element.tag.endswith("}sheet") and element.get(_RELATIONSHIP_ID) in targets:
            target = targets[element.get(_RELATIONSHIP_ID)]
            entry = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            entries[element.get("name", "")] = entry
    return entries


def _vertical_ranges(archive: zipfile.ZipFile, entry: str) -> tuple[CellRange, ...]:
    """The merged ranges of one sheet that span rows, found in its XML read chunk by chunk."""
    ranges, tail = [], b""
    with archive.open(entry) as sheet:
        while chunk := sheet.read(_CHUNK):
            text = tail + chunk
            if b"mergeCell" in text:  # <mergeCells> follows <sheetData>: most chunks have none
                for match in _MERGE_REF.finditer(text):
                    first_col, first_row, last_col, last_row = match.groups()
                    if int(last_row) > int(first_row):
                        ranges.append(CellRange(int(first_row), int(last_row),
                                                _column_index(first_col), _column_index(last_col)))
            tail = text[-256:]  # an element cut by the chunk's end; one seen twice is dropped below
    return tuple(dict.fromkeys(ranges))


def filled_down(
    grid: pl.DataFrame, ranges: tuple[CellRange, ...], first_column: int, below_row: int
) -> tuple[pl.DataFrame, list[str]]:
    """The grid with each vertically merged range's top-left value filled into the rows below it.

    Only ranges starting below the header row (`below_row`, an Excel row) are filled, only in
    their first column (a range two columns wide holds one value, in its left column), and only
    into rows that hold something else: a note merged over empty rows adds no rows to read.
    `first_column` is the Excel column (0 = A) of the grid's column c0. Returns the grid and the
    ranges filled, as Excel references (`B5:B8`).
    """
    below = [r for r in ranges if r.first_row > below_row]
    if not below or grid.height == 0:
        return grid, []
    cells = [c for c in grid.columns if c != "_row"]
    first_row = int(grid["_row"][0])
    occupied = grid.select(pl.sum_horizontal(pl.col(c).is_not_null() for c in cells)).to_series().to_list()
    columns: dict[str, list] = {}
    filled = []
    for cell_range in sorted(below, key=lambda r: (r.first_column, r.first_row)):
        name = f"c{cell_range.first_column - first_column}"
        top = cell_range.first_row - first_row
        if name not in cells or not 0 <= top < grid.height:
            continue
        values = columns.setdefault(name, grid[name].to_list())
        if values[top] is None:
            continue
        rows = [i for i in range(top + 1, min(cell_range.last_row - first_row + 1, grid.height))
                if values[i] is None and occupied[i] > 0]
        for i in rows:
            values[i] = values[top]
        if rows:
            letters = column_letters(cell_range.first_column)
            filled.append(f"{letters}{cell_range.first_row}:{letters}{cell_range.last_row}")
    if not columns:
        return grid, []
    return grid.with_columns(pl.Series(name, values, dtype=pl.String) for name, values in columns.items()), filled
