"""`make bench`: how fast a month is ingested and reconciled, against merely parsing its files.

For each scale (1 = a few thousand rows, 100 = a city of ~250k rows) a month is generated once
into bench-data/ and reused. Measured, in this order:
  parse floor   reading every file with nothing done to it (fastexcel for workbooks, the csv
                module, sqlite3, polars for Parquet): the least any ingestion must cost;
  ingest        doudi's ingestion of every file, one after the other, in this process;
  reconcile     staging in DuckDB, the seventeen rules and the two rosters;
  doudi run     the whole command in a fresh process: Prefect's embedded server included;
and the peak memory (RSS) of that command. Results go to bench-data/results.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fastexcel
import polars as pl

from sample_month import generate_month
from schemas.policy import load_policy
from transforms.ingest.file import ingest_file
from transforms.ingest.inbox import inbox_files
from transforms.ingest.read_tables import (
    EXCEL_SUFFIXES,
    SQLITE_SUFFIXES,
    TEXT_SUFFIXES,
    decoded_text,
)
from transforms.month.reconcile import reconcile
from transforms.month.rosters import rosters
from transforms.month.stage import stage_month

PERIOD = "2024-10"
POLICY = Path("data/policy.toml")


def parse_only(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            reader = fastexcel.read_excel(path)
        except Exception:
            return
        for index in range(len(reader.sheet_names)):
            reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string").to_polars()
    elif suffix in TEXT_SUFFIXES:
        list(csv.reader(io.StringIO(decoded_text(path.read_bytes()))))
    elif suffix in SQLITE_SUFFIXES:
        con = sqlite3.connect(path)
        for (table,) in con.execute("select name from sqlite_master where type = 'table'").fetchall():
            con.execute(f'select * from "{table}"').fetchall()
        con.close()
    elif suffix == ".parquet":
        pl.read_parquet(path)


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def month_for(scale: float, seed: int, data: Path) -> tuple[Path, float | None]:
    root = data / f"scale-{scale:g}"
    inbox = root / "inbox"
    if (inbox / PERIOD).is_dir():
        return inbox, None
    seconds, _ = timed(lambda: generate_month(PERIOD, scale, seed, inbox, root / "truth", load_policy(POLICY)))
    return inbox, seconds


def full_run_seconds(inbox: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `doudi run` in a fresh process."""
    doudi = Path(sys.executable).with_name("doudi")
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        seconds, completed = timed(lambda: subprocess.run(
            [str(doudi), "run", "--period", PERIOD, "--inbox", str(inbox), "--out", out],
            capture_output=True, text=True,
        ))
        if completed.returncode != 0:
            raise SystemExit(f"doudi run failed: {completed.stderr.strip()[-500:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def bench_scale(scale: float, seed: int, data: Path) -> dict:
    inbox, generated = month_for(scale, seed, data)
    policy = load_policy(POLICY)
    files = inbox_files(inbox, PERIOD)
    parse_floor, _ = timed(lambda: [parse_only(f.path) for f in files])
    ingest_s, results = timed(lambda: [ingest_file(f.path, f.rel, PERIOD, policy) for f in files])
    rows_read = sum(s.rows_read for r in results for s in r.sheets)
    with tempfile.TemporaryDirectory() as work:
        def reconciled():
            with stage_month(Path(work) / "staging.duckdb", results, policy, PERIOD) as month:
                reconciliation = reconcile(month)
                rosters(reconciliation)
                return reconciliation.exceptions.height
        reconcile_s, exceptions = timed(reconciled)
    run_s, peak_mib = full_run_seconds(inbox)
    return {
        "scale": scale,
        "files": len(files),
        "rows_read": rows_read,
        "exceptions": exceptions,
        "generate_s": generated,
        "parse_floor_s": round(parse_floor, 2),
        "ingest_s": round(ingest_s, 2),
        "ingest_rows_per_s": round(rows_read / ingest_s),
        "ingest_vs_parse_floor": round(ingest_s / parse_floor, 2),
        "reconcile_s": round(reconcile_s, 2),
        "doudi_run_s": round(run_s, 2),
        "doudi_run_peak_rss_mib": round(peak_mib),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,100", help="comma-separated scales, e.g. 1,100")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path("bench-data"))
    args = parser.parse_args()
    args.data.mkdir(exist_ok=True)
    results = []
    for scale in (float(s) for s in args.scales.split(",")):
        result = bench_scale(scale, args.seed, args.data)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    (args.data / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    header = ("scale", "rows_read", "parse_floor_s", "ingest_s", "ingest_rows_per_s",
              "ingest_vs_parse_floor", "reconcile_s", "doudi_run_s", "doudi_run_peak_rss_mib")
    print("\n" + " | ".join(header))
    for result in results:
        print(" | ".join(str(result[h]) for h in header))


if __name__ == "__main__":
    main()
