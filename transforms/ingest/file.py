"""Ingest one inbox file: every sheet read, recognised, normalised, validated and accounted for.

The unit of work is one file in, its sheets' accepted rows and quarantine out, with no shared
state, so files can be ingested in parallel and a rerun can skip files whose sha256 is unchanged.
For every sheet and dataset: rows_produced = rows_accepted + rows_quarantined + rows_skipped
(results.py); each sheet's stages are sheet.py's.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from pathlib import Path

from schemas.policy import Policy
from transforms.ingest.guard import FORMAT_LABELS, named_format, real_format, survivable
from transforms.ingest.read_tables import UnreadableFile, read_tables
from transforms.ingest.results import FileResult, NotData, SheetResult
from transforms.ingest.sheet import ingest_table, staged

__all__ = ["FileResult", "NotData", "SheetResult", "ingest_file", "staged"]


def ingest_file(path: Path, rel: str, period: str, policy: Policy) -> FileResult:
    """Read one file and ingest each of its sheets; an unreadable or unrecognised file is rejected.

    A sheet doudi fails on is set aside with a reason rather than stopping the month: the
    officer sees it in the manifest, and the other sheets and files go on.
    """
    started = time.perf_counter()
    try:
        found = real_format(path)
        tables = read_tables(path, found)
    except UnreadableFile as e:
        return _timed(FileResult(rel, rejected=str(e)), started, time.perf_counter())
    except BaseException as e:  # any reader failure is this file's, not the month's
        if not survivable(e):
            raise
        _log_failure(rel, e)
        return _timed(FileResult(rel, rejected=f"文件无法读取（{type(e).__name__}）：请用 Excel 打开检查，另存为 .xlsx 后再报送；"
                                               "如仍不行，请把文件交技术人员检查"), started, time.perf_counter())
    read = time.perf_counter()
    read_as = found if found != named_format(path) else ""
    sheets, ignored = [], []
    for table in tables:
        try:
            outcome = ingest_table(rel, table, period, policy)
        except BaseException as e:
            if not survivable(e):
                raise
            outcome = NotData(f"处理此表时出错（{type(e).__name__}），请把文件交技术人员检查")
            _log_failure(rel, e)
        if isinstance(outcome, list):
            sheets += outcome
        else:
            ignored.append({"sheet": table.sheet, "reason": outcome.reason, "headers_seen": outcome.headers_seen})
    if not sheets:
        reasons = "；".join(
            (f"工作表「{i['sheet']}」" if i["sheet"] else "") + i["reason"] for i in ignored
        ) or "文件中没有任何表格"
        return _timed(FileResult(rel, ignored_sheets=ignored, rejected=_as_read(read_as) + f"未识别出任何数据集：{reasons}",
                                 read_as=read_as), started, read)
    return _timed(FileResult(rel, sheets=sheets, ignored_sheets=ignored, read_as=read_as), started, read)


def _timed(result: FileResult, started: float, read: float) -> FileResult:
    return replace(result, seconds_read=read - started, seconds=time.perf_counter() - started)


def _as_read(read_as: str) -> str:
    return f"（文件内容实为 {FORMAT_LABELS[read_as]}，已按此读取）" if read_as else ""


def _log_failure(rel: str, error: Exception) -> None:
    """Where the code failed, for the maintainers: the frame, never the message (it may quote cells)."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    logging.getLogger("doudi").warning(
        "%s: %s at %s:%d", rel, type(error).__name__, Path(frame.filename).name, frame.lineno
    )
