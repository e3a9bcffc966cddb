"""Merged ranges of an .ods's sheets, read from its content.xml, for the fill-down the other workbooks get.

calamine (and so fastexcel) reads an .ods's cells but not its merges: python-calamine's
`merged_cell_ranges` is None for .ods. In OpenDocument a merge is a `table:table-cell` carrying
`table:number-rows-spanned` / `table:number-columns-spanned`, and the cells it covers are written
as `table:covered-table-cell`. A row element may stand for several identical rows
(`table:number-rows-repeated`, as LibreOffice writes runs of empty rows) and a cell element for
several cells (`table:number-columns-repeated`): both are counted, covered cells included, so a
range's rows and columns are the ones calamine numbers its cells by.

content.xml is streamed with the standard library's iterparse, each row cleared once read, and
skipped at once when no cell in it spans rows (most sheets have no merges).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from transforms.ingest.guard import TRUNCATED, ZIP_ERRORS, UnreadableFile
from transforms.ingest.merged_cells import CellRange

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_SHEET = f"{{{_TABLE}}}table"
_ROW = f"{{{_TABLE}}}table-row"
_CELLS = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
_NAME = f"{{{_TABLE}}}name"
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
_ROWS_SPANNED = f"{{{_TABLE}}}number-rows-spanned"
_COLUMNS_SPANNED = f"{{{_TABLE}}}number-columns-spanned"
# A cell spanning two rows or more; `number-rows-spanned="1"` is a merge across columns only.
_SPANS_ROWS = re.compile(rb'number-rows-spanned="0*([2-9]|[1-9]\d+)"')
# A row that starts a merge is not repeated in practice; a hostile count is not followed far.
_MAX_REPEATS = 10_000
_CHUNK = 1 << 20


def ods_merged_ranges(path: Path) -> dict[str, tuple[CellRange, ...]]:
    """Sheet name -> its merged ranges spanning more than one row (the only ones filled)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not _spans_rows(archive):
                return {}
            with archive.open("content.xml") as content:
                return _vertical_ranges(content)
    except (*ZIP_ERRORS, ElementTree.ParseError, KeyError):
        raise UnreadableFile(TRUNCATED) from None


def _spans_rows(archive: zipfile.ZipFile) -> bool:
    """Whether any cell of content.xml spans rows, read chunk by chunk (which also checks its CRC)."""
    found, tail = False, b""
    with archive.open("content.xml") as content:
        while chunk := content.read(_CHUNK):
            found = found or _SPANS_ROWS.search(tail + chunk) is not None
            tail = chunk[-64:]  # an attribute cut by the chunk's end
    return found


def _count(element: ElementTree.Element, attribute: str) -> int:
    value = element.get(attribute, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _vertical_ranges(content) -> dict[str, tuple[CellRange, ...]]:
    sheets: dict[str, list[CellRange]] = {}
    depth = 0  # tables inside a cell (a sub-table) are not sheets
    ranges: list[CellRange] = []
    row = 0  # 0-based row of the sheet the current row element starts on
    for event, element in ElementTree.iterparse(content, events=("start", "end")):
        if element.tag == _SHEET:
            depth += 1 if event == "start" else -1
            if event == "start" and depth == 1:
                ranges, row = sheets.setdefault(element.get(_NAME, ""), []), 0
            continue
        if depth != 1 or event != "end" or element.tag != _ROW:
            continue
        repeated = _count(element, _ROWS_REPEATED)
        ranges.extend(_row_ranges(element, row, repeated))
        row += repeated
        element.clear()
    return {name: tuple(dict.fromkeys(found)) for name, found in sheets.items()}


def _row_ranges(row_element: ElementTree.Element, row: int, repeated: int) -> list[CellRange]:
    """The ranges that the cells of one row element (standing for `repeated` rows) start."""
    ranges, column = [], 0
    for cell in row_element:
        if cell.tag not in _CELLS:
            continue
        columns = _count(cell, _COLUMNS_REPEATED)
        rows_spanned = _count(cell, _ROWS_SPANNED)
        if rows_spanned > 1:
            width = _count(cell, _COLUMNS_SPANNED)
            for r in range(row, row + min(repeated, _MAX_REPEATS)):
                for c in range(column, column + min(columns, _MAX_REPEATS)):
                    ranges.append(CellRange(r + 1, r + rows_spanned, c, c + width - 1))
        column += columns
    return ranges
