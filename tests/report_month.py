"""Months ready to report on, for the report tests: built by the real pipeline (ingest, stage,
reconcile, rosters) without Prefect and without a warehouse.

`generated_report` runs a generated sample month; `trend` then holds this period's counts and,
when asked, earlier periods made by scaling them (the warehouse supplies real ones in a run).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl

from sample_month import generate_month
from schemas.datasets import DATASETS
from schemas.outputs import EXCEPTIONS, TREND
from schemas.policy import load_policy
from transforms.ingest.file import ingest_file
from transforms.ingest.inbox import inbox_files
from transforms.month import history
from transforms.month.identity import link_identities
from transforms.month.manifest import manifest
from transforms.month.reconcile import reconcile
from transforms.month.rosters import rosters
from transforms.month.stage import stage_month
from transforms.reports import MonthReport

POLICY_PATH = Path("data/policy.toml")


def earlier_periods(period: str, n: int) -> list[str]:
    year, month = (int(p) for p in period.split("-"))
    periods = []
    for _ in range(n):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        periods.append(f"{year:04d}-{month:02d}")
    return periods[::-1]


def month_report(month, reconciled, rostered, files, results, unmask: bool = False) -> MonthReport:
    """The report of a month reconciled in this process (no warehouse: this period's trend only)."""
    period = month.period
    exceptions = history.with_history(reconciled.exceptions, EXCEPTIONS.empty(), EXCEPTIONS.empty(), "run")
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    record = manifest(
        run_id="00000000-0000-0000-0000-000000000001", period=period, started_at=now,
        finished_at=now, policy_sha256="0" * 64, files=files, results=results, outputs=[],
        rule_counts=reconciled.rule_counts, received=set(month.received),
        rules_skipped=reconciled.rules_skipped,
    )
    return MonthReport(
        period=period, run_id=record.run_id, manifest=record, policy=month.policy, exceptions=exceptions,
        quarantine=month.table("quarantine"), persons=rostered.persons, households=rostered.households,
        trend=history.trend(TREND.empty(), exceptions, period), unmask=unmask,
    )


def generated_report(
    root: Path, period: str = "2024-10", seed: int = 7, scale: float = 1, past_periods: int = 0,
    unmask: bool = False,
) -> tuple[MonthReport, dict[str, pl.DataFrame]]:
    """A sample month generated under `root`, reconciled; returns its report and staged tables."""
    policy = load_policy(POLICY_PATH)
    generate_month(period, scale, seed, root / "inbox", root / "truth", policy)
    files = inbox_files(root / "inbox", period)
    results = [ingest_file(f.path, f.rel, period, policy) for f in files]
    with tempfile.TemporaryDirectory() as work, \
            stage_month(Path(work) / "staging.duckdb", results, policy, period) as month:
        link_identities(month)
        reconciled = reconcile(month)
        report = month_report(month, reconciled, rosters(reconciled), files, results, unmask)
        staged = {name: month.table(name) for name in DATASETS}
    counts = report.exceptions.group_by("rule_code", "county").len("n").with_columns(pl.lit(period).alias("period"))
    past = [
        counts.with_columns(pl.lit(p).alias("period"), (pl.col("n") * (0.6 + 0.1 * i)).round().cast(pl.Int64))
        for i, p in enumerate(earlier_periods(period, past_periods))
    ]
    trend = TREND.conformed(pl.concat([*past, counts], how="diagonal_relaxed")).sort("period", "rule_code", "county")
    return replace(report, trend=trend), staged
