"""The monthly flow: ingest every file, reconcile the month against its history, write the reports,
publish the period whole and record the run. Wiring only."""

# No `from __future__ import annotations` here: Prefect validates a deployment's parameters from
# the flow's annotations, which must be real types, not strings.
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import polars as pl
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run

from flows.progress import Stopwatch, progress
from schemas.datasets import DATASETS
from schemas.outputs import EXCEPTIONS, QUARANTINE, ROSTER_HOUSEHOLDS, ROSTER_PERSONS, Manifest
from schemas.period import previous_period
from schemas.policy import Policy, load_policy, policy_sha256
from schemas.vocabulary import site_digest
from transforms.ingest.cache import cache_key, cached_result, store_result
from transforms.ingest.file import FileResult, ingest_file
from transforms.ingest.inbox import InboxFile, inbox_files
from transforms.month import history
from transforms.month.faults import fault_point
from transforms.month.identity import link_identities
from transforms.month.manifest import manifest
from transforms.month.partition import Part, PartFound, merged, parts, reconcile_part
from transforms.month.publish import (
    building_folder,
    output_entries,
    owner_only,
    period_lock,
    write_manifest,
    write_table,
)
from transforms.month.reconcile import Reconciliation, reconcile
from transforms.month.rosters import rosters
from transforms.month.stage import open_month, stage_month
from transforms.reports import MonthReport
from transforms.reports.exceptions_book import write_exceptions_book
from transforms.reports.lists_book import (
    write_exit_due_book,
    write_quarantine_book,
    write_roster_books,
)
from transforms.reports.summary_page import write_summary_page
from transforms.reports.terminal import rule_count_rows, run_markdown
from transforms.review import loop as review


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Reconciled:
    """What the reconciliation hands to the reports: plain frames, no open connection."""

    exceptions: pl.DataFrame  # with status against history
    quarantine: pl.DataFrame
    persons: pl.DataFrame
    households: pl.DataFrame
    staged: dict[str, pl.DataFrame]  # the staged tables, for the quality site only
    received: set[str]
    rule_counts: dict[str, int]
    rules_skipped: list[dict]
    timings: dict[str, float]  # stage, reconcile, rosters: seconds
    undecided_counts: dict[str, int]  # per rule, the subjects it could not decide (SPEC §2)


@task(name="ingest-file", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def ingest(file: InboxFile, period: str, policy: Policy, policy_digest: str, cache: Path | None) -> FileResult:
    key = cache_key(file, period, policy_digest)
    result = cached_result(cache, key) if cache else None
    if result is None:
        result = ingest_file(file.path, file.rel, period, policy)
        if cache:
            store_result(cache, key, result, period)
    get_run_logger().info(
        "%s: %s, %d sheet(s), %d accepted, %d quarantined, %d skipped%s",
        file.rel, "reused" if result.reused else "parsed", len(result.sheets),
        sum(s.rows_accepted for s in result.sheets),
        sum(s.rows_quarantined for s in result.sheets),
        sum(s.rows_skipped for s in result.sheets),
        ", rejected" if result.rejected else "",
    )
    return result


def _reconciled(reconciliation: Reconciliation, run_id: str, previous: pl.DataFrame, last_month: pl.DataFrame,
                keep_staged: bool, clock: Stopwatch) -> Reconciled:
    """The reconciled month as plain frames: exceptions against history, quarantine, rosters."""
    month = reconciliation.month
    with clock("rosters"):
        rostered = rosters(reconciliation)
    found = reconciliation.exceptions
    result = Reconciled(
        exceptions=history.with_history(found, previous, last_month, run_id),
        quarantine=month.table("quarantine"),
        persons=rostered.persons,
        households=rostered.households,
        staged={name: month.table(name) for name in DATASETS} if keep_staged else {},
        received=set(month.received),
        rule_counts=reconciliation.rule_counts,
        rules_skipped=reconciliation.rules_skipped,
        timings=clock.seconds,
        undecided_counts=reconciliation.undecided_counts,
    )
    get_run_logger().info(
        "%d exceptions (%d rules run, %d skipped), %d quarantine rows",
        found.height, len(reconciliation.rules_run), len(reconciliation.rules_skipped), result.quarantine.height,
    )
    return result


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile_month(
    folder: Path, results: list[FileResult], policy: Policy, period: str, run_id: str,
    previous: pl.DataFrame, last_month: pl.DataFrame, keep_staged: bool,
) -> Reconciled:
    progress().stage("reconcile")
    clock = Stopwatch()
    with clock("stage"):
        month = stage_month(folder / "staging.duckdb", results, policy, period)
    with month:
        with clock("identities"):
            link_identities(month)  # SPEC §6: suggestions for broken IDs, before the rules read them
        with clock("reconcile"):
            reconciliation = reconcile(month)
        return _reconciled(reconciliation, run_id, previous, last_month, keep_staged, clock)


@task(name="split-by-district", cache_policy=NO_CACHE)
def split_month(folder: Path, results: list[FileResult], policy: Policy, period: str) -> tuple[list[Part], frozenset]:
    progress().stage("reconcile")
    with stage_month(folder / "staging.duckdb", results, policy, period) as month:
        link_identities(month)  # SPEC §6: written into staging.duckdb, read by the merge pass
        return parts(month), month.received


@task(name="reconcile-district", cache_policy=NO_CACHE)
def reconcile_district(part: Part, policy: Policy, period: str, received: frozenset) -> PartFound:
    return reconcile_part(part, policy, period, received)


@task(name="merge-districts", cache_policy=NO_CACHE)
def merge_districts(
    folder: Path, found: list[PartFound], policy: Policy, period: str, received: frozenset, run_id: str,
    previous: pl.DataFrame, last_month: pl.DataFrame, keep_staged: bool,
) -> Reconciled:
    clock = Stopwatch()
    with open_month(folder / "staging.duckdb", policy, period, received) as month:
        return _reconciled(merged(month, found), run_id, previous, last_month, keep_staged, clock)


def reconcile_by_district(
    folder: Path, results: list[FileResult], policy: Policy, period: str, run_id: str,
    previous: pl.DataFrame, last_month: pl.DataFrame, keep_staged: bool,
) -> Reconciled:
    """The month split into districts reconciled side by side on the task runner's workers, then
    merged (transforms/month/partition.py)."""
    month_parts, received = split_month(folder, results, policy, period)
    found = [f.result() for f in reconcile_district.map(
        month_parts, policy=unmapped(policy), period=unmapped(period), received=unmapped(received))]
    return merge_districts(folder, found, policy, period, received, run_id, previous, last_month, keep_staged)


@task(name="parquet-outputs", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def write_tables(folder: Path, month: Reconciled) -> None:
    progress().stage("outputs")
    write_table(folder, QUARANTINE, month.quarantine)
    write_table(folder, EXCEPTIONS, month.exceptions)
    write_table(folder, ROSTER_PERSONS, month.persons)
    write_table(folder, ROSTER_HOUSEHOLDS, month.households)


@task(name="exceptions-workbook", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def exceptions_workbook(folder: Path, report: MonthReport) -> Path:
    progress().stage("exceptions-workbook")
    return write_exceptions_book(folder / "exceptions.xlsx", report)


@task(name="officer-workbooks", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def officer_workbooks(folder: Path, report: MonthReport) -> list[Path]:
    progress().stage("officer-workbooks")
    return [write_exit_due_book(folder / "exit_due.xlsx", report),
            write_quarantine_book(folder / "quarantine.xlsx", report)]


@task(name="roster-workbooks", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def roster_workbooks(folder: Path, report: MonthReport) -> list[Path]:
    """The two rosters as workbooks, written beside the other reports (rust_xlsxwriter lets go of
    the GIL while it writes)."""
    return write_roster_books(folder, report)


@task(name="handout-workbooks", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def handout_books(folder: Path, report: MonthReport) -> pl.DataFrame:
    """SPEC §7 下发: one workbook per township; returns the hand-outs the warehouse records."""
    progress().stage("handout")
    return review.hand_out(folder, report.exceptions, report.policy, report.period, report.run_id, report.unmask)


@task(name="quality-site", cache_policy=NO_CACHE)
def quality_site(folder: Path, staged: dict[str, pl.DataFrame], report: MonthReport) -> Path:
    from transforms.reports.quality import build_quality_site  # Great Expectations: only when asked

    progress().stage("quality")
    return build_quality_site(folder, staged, report)


@task(name="summary-page", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def summary_page(folder: Path, report: MonthReport) -> Path:
    progress().stage("summary")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.iterdir() if p.suffix in {".xlsx", ".parquet"})
    files += ["manifest.json"] + (["quality/index.html"] if (folder / "quality" / "index.html").exists() else [])
    return write_summary_page(folder, report, files)


@task(name="run-artifacts", cache_policy=NO_CACHE)
def run_artifacts(record: Manifest, exceptions: pl.DataFrame, folder: Path) -> None:
    """What the Prefect UI shows of the run: counts per rule and a summary with the report paths."""
    key = f"doudi-{record.period}"
    create_table_artifact(key=f"{key}-rules", table=rule_count_rows(exceptions),
                          description=f"{record.period} 各规则异常数（新发现 / 持续存在 / 已解决）")
    create_markdown_artifact(key=f"{key}-summary", markdown=run_markdown(record, exceptions, folder),
                             description=f"{record.period} 核对结果")


@flow(name="doudi-monthly")
def monthly_run(
    period: str | None, inbox: Path, out: Path, policy_path: Path, unmask: bool = False, quality: bool = False,
    cache: Path | None = None, by_district: bool = False, roster_books: bool = True,
) -> dict:
    """Reconcile one month (the previous one when `period` is None, as the schedule runs it);
    returns the manifest of the published `<out>/<period>/`. With a `cache` folder, files unchanged
    since an earlier run are not parsed again; `by_district` reconciles the districts side by side
    (on a Dask cluster: see flows/cli.py --task-runner); without `roster_books` the rosters are
    Parquet only (a province's rosters take half a minute to write as workbooks)."""
    period = period or previous_period()
    with owner_only():
        started_at, run_id, clock = _now(), str(flow_run.id or uuid4()), Stopwatch()
        policy = load_policy(policy_path)
        files = inbox_files(inbox, period)
        progress().files(len(files))
        with clock("ingest"):
            results = _ingested(files, period, policy, policy_path, cache)
        fault_point("ingested")
        with period_lock(out, period):
            with history.warehouse(out) as warehouse:
                history.settle_interrupted_runs(warehouse, out, period)
                feedback = review.take_back_inbox(warehouse, inbox, run_id, policy)  # SPEC §7, before the history
                cases_before = review.review_state(warehouse, period)
                previous = history.previous_exceptions(warehouse, period)
                last_month = history.previous_month_exceptions(warehouse, period)
                earlier = history.earlier_counts(warehouse, period)
            with building_folder(out, period) as folder:
                reconciling = reconcile_by_district if by_district else reconcile_month
                with clock("reconciliation"):
                    month = reconciling(folder, results, policy, period, run_id, previous, last_month, quality)
                month = replace(month, exceptions=review.with_review(month.exceptions, cases_before, policy))
                fault_point("reconciled")
                with clock("outputs"):
                    write_tables(folder, month)
                record = _manifest(run_id, period, started_at, policy_path, files, results, month, feedback)
                report = MonthReport(period, run_id, record, policy, month.exceptions, month.quarantine,
                                     month.persons, month.households, history.trend(earlier, month.exceptions, period),
                                     unmask, review.case_register(month.exceptions, cases_before, period),
                                     cases_before.today)
                with clock("reports"):
                    rosters_written = roster_workbooks.submit(folder, report) if roster_books else None
                    exceptions_workbook(folder, report)
                    officer_workbooks(folder, report)
                    if rosters_written:
                        rosters_written.result()
                with clock("handout"):
                    handouts = handout_books(folder, report)
                if quality:
                    with clock("quality"):
                        quality_site(folder, month.staged, report)
                with clock("summary"):
                    summary_page(folder, report)
                fault_point("reported")
                progress().stage("publish")
                with clock("publish"):
                    outputs = output_entries(folder)
                record = Manifest.model_validate(record.model_dump() | {
                    "finished_at": _now(), "outputs": outputs, "timings": _timings(clock, month)})
                write_manifest(folder, record)
                fault_point("publishing")
                with history.warehouse(out) as warehouse:
                    history.record_run(warehouse, record, month.exceptions, handouts)
            fault_point("swapped")
            with history.warehouse(out) as warehouse:
                history.mark_complete(warehouse, run_id)
    run_artifacts(record, month.exceptions, out / period)
    return record.model_dump(mode="json")


def _ingested(files: list[InboxFile], period: str, policy: Policy, policy_path: Path,
              cache: Path | None) -> list[FileResult]:
    """Every file ingested by the task runner, counted on the display as each one finishes."""
    futures = ingest.map(files, period=unmapped(period), policy=unmapped(policy),
                         policy_digest=unmapped(site_digest(policy_path)), cache=unmapped(cache and cache / "ingest"))
    read = {}
    for future in as_completed(futures):  # as each file is read, wherever its task ran
        result = future.result()
        progress().file_done(result.file, "reused" if result.reused else "parsed")
        read[result.file] = result
    return [read[f.rel] for f in files]


def _timings(clock: Stopwatch, month: Reconciled) -> dict[str, float]:
    """Wall seconds of each step of the flow (files are read side by side: their own times overlap
    and are in each file's FileResult, not here)."""
    return clock.seconds | month.timings


def _manifest(run_id: str, period: str, started_at: str, policy_path: Path, files: list[InboxFile],
              results: list[FileResult], month: Reconciled, feedback: review.TakeBack) -> Manifest:
    record = manifest(
        run_id=run_id, period=period, started_at=started_at, finished_at=_now(),
        policy_sha256=policy_sha256(policy_path), files=files, results=results, outputs=[],
        rule_counts=month.rule_counts, received=month.received, rules_skipped=month.rules_skipped,
        undecided_counts=month.undecided_counts,
    )
    return record.model_copy(update={"feedback_read": feedback.read, "feedback_rejected": feedback.rejected,
                                     "feedback_conflicts": feedback.conflicts})
