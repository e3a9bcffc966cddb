"""Filling in 下发 workbooks as a township officer does, with openpyxl (shared by the review tests)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from schemas.review import CASE_SHEET

HEADER_ROW = 4  # as Excel numbers it (transforms/review/handout.py FIRST_ROW is the row below, 0-based)


def columns(ws) -> dict[str, int]:
    return {ws.cell(HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(HEADER_ROW, c).value}


def case_rows(path: Path, sheet: str = CASE_SHEET) -> dict[str, dict[str, object]]:
    """疑点编号 → the row's cells by header."""
    ws = openpyxl.load_workbook(path)[sheet]
    by_header = columns(ws)
    rows = {}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        case_id = ws.cell(r, by_header["疑点编号"]).value
        if case_id and len(str(case_id)) == 16:
            rows[case_id] = {h: ws.cell(r, c).value for h, c in by_header.items()} | {"_row": r}
    return rows


def answered(src: Path, dst: Path, answers: dict[str, dict[str, object]]) -> Path:
    """A copy of a 下发 workbook with answers typed into the rows of the given cases, by header."""
    book = openpyxl.load_workbook(src)
    ws = book[CASE_SHEET]
    by_header = columns(ws)
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        case_id = ws.cell(r, by_header["疑点编号"]).value
        for header, value in answers.get(case_id, {}).items():
            ws.cell(r, by_header[header]).value = value
    dst.parent.mkdir(parents=True, exist_ok=True)
    book.save(dst)
    return dst


def saved_by_libreoffice(src: Path, dst: Path) -> Path:
    """The workbook opened and saved again by LibreOffice (headless), as a township may do."""
    with tempfile.TemporaryDirectory() as work:
        profile = Path(work) / "profile"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", work, str(src)],
                       check=True, capture_output=True, timeout=180)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(Path(work) / src.name, dst)
    return dst


def has_libreoffice() -> bool:
    return shutil.which("soffice") is not None

