"""Filling in 下发 workbooks as a township officer does, with openpyxl (shared by the review tests)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl

from schemas.outputs import EXCEPTIONS, Manifest
from schemas.policy import load_policy
from schemas.review import CASE_SHEET
from tests.ids import numbered_id
from transforms.month import history
from transforms.review import store
from transforms.review.cases import with_cases
from transforms.review.handout import write_handout_books

POLICY = load_policy(Path("data/policy.toml"))
HANDED_OUT = date(2024, 11, 5)
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



# --- a published batch of three invented cases, two townships of 铜官区 -------------------------

def exception(rule: str, n: int, township: str, overpaid: float | None, period: str = "2024-10") -> dict:
    subject = numbered_id(n)
    return {"exception_id": f"{rule}{n}{period}", "period": period, "rule_code": rule, "severity": "high",
            "county": "340705", "subject": subject, "id_number": subject, "name": f"测试{n}", "household_id": None,
            "detail": f"说明{n}（civil/低保.xlsx·铜官区 第{n}行）", "expected": 0.0, "actual": overpaid,
            "sources": [f"civil/低保.xlsx:铜官区:{n}"], "township": township, "village": "和平社区",
            "overpaid": overpaid, "underpaid": None, "budget_gap": None, "money_unknown": False, "status": "new",
            "first_seen": "2024-10", "resolved_by_run": None, "case_id": f"case{n:012d}",
            "evidence_digest": f"evidence{n}"}


def found(period: str = "2024-10") -> pl.DataFrame:
    rows = [exception("DECEASED_STILL_PAID", 1, "幸福街道", 1200.0, period),
            exception("DIBAO_EXIT_DUE", 2, "幸福街道", 800.0, period),
            exception("DIBAO_TEKUN_OVERLAP", 3, "西湖镇", 500.0, period)]
    frame = pl.DataFrame(rows).with_columns(*(pl.lit(None).alias(c) for c in EXCEPTIONS.names if c not in rows[0]))
    return EXCEPTIONS.conformed(frame)


def publish(out: Path, run_id: str, period: str, started: str, handed_out: date) -> Path:
    """A run that handed the three cases out, recorded as a published batch; returns its folder."""
    with history.warehouse(out) as con:
        state = (store.handouts(con), store.answers(con))
    exceptions = with_cases(found(period), state[0], state[1], 20, handed_out)
    folder = out / period
    handouts = write_handout_books(folder, exceptions, POLICY, period, run_id, unmask=False)
    record = Manifest(run_id=run_id, period=period, started_at=started, finished_at=started, code_version="t",
                      policy_sha256="0" * 64, inputs=[], rejected=[], sheets_ignored=[], outputs=[], rule_counts={},
                      missing_datasets=[], rules_skipped=[], rules_skipped_detail=[], notes=[])
    with history.warehouse(out) as con:
        history.record_run(con, record, exceptions, handouts)
        history.mark_complete(con, run_id)
    return folder / "下发" / "铜官区"
