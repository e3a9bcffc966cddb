"""Reuse a file's ingestion on a rerun when nothing that decides it has changed.

Officers correct one spreadsheet and rerun the month: the other files need not be parsed again.
A file's result is kept under the cache folder (default `data/cache/ingest/`), keyed by everything
that decides it: the file's bytes and name, the period (birth dates are checked against it), the
policy file (county names), the header aliases and category spellings, and the ingestion code
itself. Entries are written whole (a temporary folder renamed into place) and hold the same
personal data as the staged month: the folder is owner-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, replace
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

from transforms.ingest.inbox import InboxFile
from transforms.ingest.results import FileResult, SheetResult

_SHEET_FIELDS = ("file", "sheet", "dataset", "rows_read", "rows_skipped", "unmapped_columns", "total_row_check",
                 "total_mismatches", "header_row", "county_from", "filled_merged_cells", "fields_absent",
                 "facts_from_context", "period_stamp", "unknown_counts", "rows_produced",
                 "rows_quarantined_count", "reshaped", "skipped_reasons", "derived_fields", "columns",
                 "recognised", "level")


@cache
def _rules_digest() -> str:
    """The ingestion code and the tables it reads: a change to any of them invalidates the cache."""
    digest = hashlib.sha256()
    for package in ("transforms.ingest", "schemas"):
        for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".py", ".csv", ".toml")):
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def cache_key(file: InboxFile, period: str, policy_sha256: str) -> str:
    parts = (file.sha256, file.rel, period, policy_sha256, _rules_digest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def cached_result(folder: Path, key: str) -> FileResult | None:
    """The stored result of an earlier ingestion, marked reused, or None."""
    entry = folder / key
    try:
        meta = json.loads((entry / "result.json").read_text(encoding="utf-8"))
        sheets = [
            SheetResult(
                **{name: sheet[name] for name in _SHEET_FIELDS},
                accepted=pl.read_ipc(entry / f"{i}-accepted.arrow"),
                quarantine=pl.read_ipc(entry / f"{i}-quarantine.arrow"),
                broken_ids=pl.read_ipc(entry / f"{i}-broken_ids.arrow"),
            )
            for i, sheet in enumerate(meta["sheets"])
        ]
    except FileNotFoundError:
        return None  # never stored (entries appear whole: see store_result)
    os.utime(entry)  # last used, for pruning
    return FileResult(meta["file"], sheets, meta["ignored_sheets"], meta["rejected"], reused=True,
                      read_as=meta.get("read_as", ""))


def store_result(folder: Path, key: str, result: FileResult, period: str) -> None:
    """Keep a fresh result; a concurrent run that stored the same key first wins."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=folder))
    try:
        meta = asdict(replace(result, sheets=[])) | {"period": period}  # for doudi purge
        meta["sheets"] = [{name: getattr(s, name) for name in _SHEET_FIELDS} for s in result.sheets]
        for i, sheet in enumerate(result.sheets):
            sheet.accepted.write_ipc(staging / f"{i}-accepted.arrow")
            sheet.quarantine.write_ipc(staging / f"{i}-quarantine.arrow")
            (sheet.broken_ids if sheet.broken_ids is not None else pl.DataFrame()).write_ipc(
                staging / f"{i}-broken_ids.arrow")
        (staging / "result.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        staging.rename(folder / key)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


def purge_period(folder: Path, period: str) -> int:
    """Delete every cached file result of a period (doudi purge); return how many."""
    purged = 0
    for entry in folder.glob("*/result.json") if folder.is_dir() else []:
        if json.loads(entry.read_text(encoding="utf-8")).get("period") == period:
            shutil.rmtree(entry.parent)
            purged += 1
    for leftover in folder.glob(".*-*") if folder.is_dir() else []:  # half-written by a killed run
        shutil.rmtree(leftover, ignore_errors=True)
    return purged
