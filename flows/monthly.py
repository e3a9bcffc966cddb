"""The monthly flow: ingest every file, stage the month, reconcile, build the rosters, publish. Wiring only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from schemas.outputs import EXCEPTIONS, QUARANTINE, ROSTER_HOUSEHOLDS, ROSTER_PERSONS
from schemas.policy import Policy, load_policy, policy_sha256
from transforms.ingest.file import FileResult, ingest_file
from transforms.ingest.inbox import InboxFile, inbox_files
from transforms.month.manifest import manifest
from transforms.month.publish import (
    building_folder,
    output_entries,
    period_lock,
    write_manifest,
    write_table,
)
from transforms.month.reconcile import reconcile
from transforms.month.rosters import rosters
from transforms.month.stage import stage_month


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
        with stage_month(folder / "staging.duckdb", results, policy, period) as month:
            reconciled = reconcile(month)
            rostered = rosters(reconciled)
            write_table(folder, QUARANTINE, month.table("quarantine"))
            write_table(folder, EXCEPTIONS, reconciled.exceptions)
        write_table(folder, ROSTER_PERSONS, rostered.persons)
        write_table(folder, ROSTER_HOUSEHOLDS, rostered.households)
        record = manifest(
            run_id=str(flow_run.id or ""),
            period=period,
            started_at=started_at,
            finished_at=_now(),
            policy_sha256=policy_sha256(policy_path),
            files=files,
            results=results,
            outputs=output_entries(folder),
            rule_counts=reconciled.rule_counts,
            received=set(month.received),
            rules_skipped=reconciled.rules_skipped,
        )
        write_manifest(folder, record)
    return record.model_dump(mode="json")
