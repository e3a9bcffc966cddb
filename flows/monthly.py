"""The monthly flow: ingest every file, stage the month in DuckDB, reconcile, publish. Wiring only."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from schemas.policy import Policy, load_policy, policy_sha256
from transforms.inbox import InboxFile, inbox_files
from transforms.ingest import FileResult, ingest_file
from transforms.manifest import manifest
from transforms.publish import building_folder, output_entries, period_lock
from transforms.reconcile import reconcile
from transforms.rosters import roster_households, roster_persons
from transforms.stage import staged_month


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@task(name="ingest-file", cache_policy=NO_CACHE)
def ingest(file: InboxFile, period: str, policy: Policy) -> FileResult:
    result = ingest_file(file.path, file.rel, period, policy)
    get_run_logger().info(
        "%s: %d sheet(s), %d accepted, %d quarantined, %d skipped%s",
        file.rel, len(result.sheets),
        sum(s.rows_accepted for s in result.sheets),
        sum(s.rows_quarantined for s in result.sheets),
        sum(s.rows_skipped for s in result.sheets),
        ", rejected" if result.rejected else "",
    )
    return result


@flow(name="doudi-monthly")
def monthly_run(period: str, inbox: Path, out: Path, policy_path: Path) -> dict:
    """Reconcile one month; returns the manifest of the published `<out>/<period>/`."""
    started_at = _now()
    policy = load_policy(policy_path)
    files = inbox_files(inbox, period)
    results = [f.result() for f in ingest.map(files, period=unmapped(period), policy=unmapped(policy))]
    with period_lock(out, period), building_folder(out, period) as folder:
        con, received = staged_month(folder / "staging.duckdb", results)
        with con:
            month = reconcile(con, policy, period, received)
            persons = roster_persons(con, policy, period, month.exceptions)
            households = roster_households(con, policy, period, month.exceptions)
            quarantine = con.sql("select * from quarantine order by file, sheet, row, reason").pl()
        quarantine.write_parquet(folder / "quarantine.parquet")
        month.exceptions.write_parquet(folder / "exceptions.parquet")
        persons.write_parquet(folder / "roster_persons.parquet")
        households.write_parquet(folder / "roster_households.parquet")
        record = manifest(
            run_id=str(flow_run.id or ""),
            period=period,
            started_at=started_at,
            finished_at=_now(),
            policy_sha256=policy_sha256(policy_path),
            files=files,
            results=results,
            outputs=output_entries(folder),
            rule_counts=month.rule_counts,
            received=received,
            rules_skipped=month.rules_skipped,
        )
        (folder / "manifest.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return record
