"""Merged ranges of a workbook's sheets, and their fill-down below the header.

Offices merge a household's number, address or village down the rows of its members. calamine
(and so fastexcel) gives the value to the range's first row only and leaves the others blank,
which would quarantine every member but the first. The ranges of an .xlsx are read here from each
sheet's `<mergeCell ref="B5:B8"/>` elements with the standard library, streamed (no openpyxl on
the hot path); those of an .xls (Excel 97-2003, LibreOffice's .xls, a WPS .et) from its
MERGEDCELLS records by python-calamine; those of an .ods by `ods_merges.py`. The top-left value
is then filled into the rows below it, in the data area only.

Streaming the sheets through `zipfile` also checks them before calamine parses them: Python stops
at an entry's declared size and fails its CRC when the archive lies about it (a zip bomb in
disguise), where calamine would inflate the whole entry.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import python_calamine

from transforms.ingest.guard import TRUNCATED, ZIP_ERRORS, UnreadableFile, survivable

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


def legacy_merged_ranges(path: Path) -> dict[str, tuple[CellRange, ...]]:
    """Sheet name -> the merged ranges spanning rows of an .xls, as python-calamine reads them.

    Read from the bytes, so that an .xls named .xlsx or .et is read as what it is. A workbook or
    sheet calamine cannot open has no ranges here: fastexcel then says why it cannot be read.
    """
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except BaseException as e:
        if not survivable(e):
            raise
        return {}
    ranges = {}
    with book:
        for name in book.sheet_names:
            try:
                merged = book.get_sheet_by_name(name).merged_cell_ranges or []
            except BaseException as e:
                if not survivable(e):
                    raise
                continue
            # ((first row, first column), (last row, last column)), 0-based.
            ranges[name] = tuple(CellRange(r1 + 1, r2 + 1, c1, c2) for (r1, c1), (r2, c2) in merged if r2 > r1)
    return ranges


def filled_down(
    grid: pl.DataFrame, ranges: tuple[CellRange, ...], first_column: int, below_row: int
) -> tuple[pl.DataFrame, list[str]]:
    """The grid as the office sees it under each vertically merged range below the header row.

    The officer sees one value over the whole range, so the rows below its top read the top-left
    value in the range's first column (a range two columns wide holds one value, in its left
    column) and nothing in its other columns: content hidden under a merge (LibreOffice keeps it,
    and calamine reads it) is not what the office shows. A row holding nothing outside the range
    is no row: a note merged over empty rows adds no rows to read. Only ranges starting below the
    header row (`below_row`, an Excel row) are read so; a two-row header is left to header
    detection. `first_column` is the Excel column (0 = A) of the grid's column c0. Returns the
    grid and the ranges whose value was filled, as Excel references (`B5:B8`).
    """
    below = [r for r in ranges if r.first_row > below_row]
    if not below or grid.height == 0:
        return grid, []
    cells = [c for c in grid.columns if c != "_row"]
    first_row = int(grid["_row"][0])
    occupied = grid.select(pl.sum_horizontal(pl.col(c).is_not_null() for c in cells)).to_series().to_list()
    original: dict[str, list] = {}
    columns: dict[str, list] = {}
    filled = []
    for cell_range in sorted(below, key=lambda r: (r.first_column, r.first_row)):
        names = [f"c{c - first_column}" for c in range(cell_range.first_column, cell_range.last_column + 1)]
        names = [n for n in names if n in cells]
        top = cell_range.first_row - first_row
        if f"c{cell_range.first_column - first_column}" not in cells or not 0 <= top < grid.height:
            continue
        for name in names:
            original.setdefault(name, grid[name].to_list())
            columns.setdefault(name, list(original[name]))
        value = original[names[0]][top]
        rows = range(top + 1, min(cell_range.last_row - first_row + 1, grid.height))
        filled_rows = 0
        for i in rows:
            outside = occupied[i] - sum(original[n][i] is not None for n in names)
            for n in names[1:]:
                columns[n][i] = None
            columns[names[0]][i] = value if outside > 0 else None
            filled_rows += outside > 0 and value is not None
        if filled_rows:
            letters = column_letters(cell_range.first_column)
            filled.append(f"{letters}{cell_range.first_row}:{letters}{cell_range.last_row}")
    if not columns:
        return grid, []
    return grid.with_columns(pl.Series(name, values, dtype=pl.String) for name, values in columns.items()), filled
