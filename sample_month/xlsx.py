"""Write sheet plans to .xlsx with xlsxwriter, cell by cell with explicit types.

Large rosters are written with `constant_memory` (rows strictly in order, each row flushed as the
next begins), so a city-scale month never holds a workbook in memory. A merge that spans rows
(the two-row header of the claims workbook) cannot be written that way; such a workbook is small.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from sample_month.layout import SheetPlan

ID_LIKE = 1e11  # numbers this large are ID numbers typed into Excel: show every digit


class Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.whole = workbook.add_format({"num_format": "0"})
        self.title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
        self.header = workbook.add_format(
            {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1})


def write_cell(sheet, row: int, col: int, value: object, formats: Formats, kind: str) -> None:
    if value is None:
        return
    if isinstance(value, str):
        style = formats.header if kind == "header" else formats.title if kind == "title" else None
        sheet.write_string(row, col, value, style)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), formats.date)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, formats.whole if abs(value) >= ID_LIKE else None)
    else:
        raise TypeError(f"cannot write {value!r} to a cell")


def covered_cells(plan: SheetPlan) -> set[tuple[int, int]]:
    return {(r, c) for r1, c1, r2, c2, _ in plan.merges
            for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}


def write_sheet(workbook: xlsxwriter.Workbook, plan: SheetPlan, formats: Formats) -> None:
    sheet = workbook.add_worksheet(plan.sheet)
    sheet.set_column(0, max(len(plan.columns) - 1, 0), 12)
    covered = covered_cells(plan)
    merges_by_row: dict[int, list] = {}
    for merge in plan.merges:
        merges_by_row.setdefault(merge[0], []).append(merge)
    for r, line in enumerate(plan.lines):
        for r1, c1, r2, c2, text in merges_by_row.get(r, []):
            style = formats.title if line.kind == "title" else formats.header
            sheet.merge_range(r1, c1, r2, c2, text, style)
        for c, value in enumerate(line.cells):
            if (r, c) not in covered:
                write_cell(sheet, r, c, value, formats, line.kind)


def stamped(workbook: xlsxwriter.Workbook, created: date) -> xlsxwriter.Workbook:
    # xlsxwriter stamps "now" into docProps/core.xml unless told: a fixed date keeps the bytes
    # of a generated month the same on every run.
    workbook.set_properties({"created": datetime.combine(created, datetime.min.time()),
                             "author": "doudi sample"})
    return workbook


def write_workbook(path: Path, plans: list[SheetPlan], created: date,
                   constant_memory: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = stamped(xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory}), created)
    formats = Formats(workbook)
    for plan in plans:
        write_sheet(workbook, plan, formats)
    workbook.close()


def write_truncated_workbook(path: Path, plans: list[SheetPlan], created: date) -> None:
    """A workbook cut off in transfer: the first half of a real .xlsx (a broken zip)."""
    buffer = io.BytesIO()
    workbook = stamped(xlsxwriter.Workbook(buffer, {"in_memory": True}), created)
    formats = Formats(workbook)
    for plan in plans:
        write_sheet(workbook, plan, formats)
    workbook.close()
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 2])
