"""The reports people read (SPEC §5): workbooks for officers and auditors, the summary page, and the
quality site, all built from one `MonthReport` after the month is reconciled and compared with its
history. Machine outputs (Parquet, manifest) are written by transforms/month/publish.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from schemas.outputs import Manifest
from schemas.policy import Policy


@dataclass(frozen=True)
class MonthReport:
    """Everything a report shows about one period's run.

    exceptions  the EXCEPTIONS table (schemas/outputs.py): every exception of the period, its
                `status` new / persisting / resolved against the previous complete run of the
                period, `first_seen`, and `resolved_by_run` for the resolved ones
    quarantine  the QUARANTINE table; persons, households: the two rosters
    trend       one row per (period, rule_code, county) with `n`, the active exceptions of that
                period's latest complete run, for every period the warehouse holds, this one included
    unmask      True only when the run was asked for full ID numbers (`doudi run --unmask`)
    cases       the case register (SPEC §7 supervision): one row per case handed out so far, with its
                county, township, money, last answer and state; None where no warehouse was read
    """

    period: str
    run_id: str
    manifest: Manifest
    policy: Policy
    exceptions: pl.DataFrame
    quarantine: pl.DataFrame
    persons: pl.DataFrame
    households: pl.DataFrame
    trend: pl.DataFrame
    unmask: bool = False
    cases: pl.DataFrame | None = None  # SPEC §7: every case handed out so far (transforms/review/cases.py)
    today: date | None = None  # the day the review loop counted deadlines from

    def county_name(self, code: str | None) -> str:
        county = self.policy.counties.get(code or "")
        return county.name if county else (code or "（未知区县）")
