"""The generated month as data: the period, one canonical record per row an office sends, the month.

A `Record` holds what a correct ingest must read from its row (`values`, canonical: normalised
18-character ID, category codes, floats, dates) and, for the rows that must be quarantined, the
raw value written instead (`raw`) and the one reason code. Writers decide only the spelling.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from schemas.datasets import DATASETS


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    month: int

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def parse_period(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValueError(f"期间应为 YYYY-MM（如 2024-10），收到 {text!r}")
    return Period(text, int(match[1]), int(match[2]))


@dataclass(eq=False)
class Record:
    """One row of one dataset, as the office means it."""

    dataset: str
    values: dict[str, object]
    # field -> value written in place of the rendered one: the mess that must be quarantined
    raw: dict[str, object] = field(default_factory=dict)
    reason: str | None = None
    bad_field: str | None = None
    # field -> a spelling the row must use (e.g. id_number 'legacy15'), else the writer chooses
    spelling: dict[str, str] = field(default_factory=dict)
    # SPEC §6: a row whose ID was mistyped (scenarios_identity.py), and the ID a correct run
    # suggests for it: the person's own, or None when nothing may be suggested
    identity_case: bool = False
    suggested: str | None = None
    # Which real export carries the row (real_exports.py), None for the tidy rosters; and the
    # fields its file has no column for: unknown to a correct ingest (SPEC §2).
    channel: str | None = None
    unknown: set[str] = field(default_factory=set)

    @property
    def accepted(self) -> bool:
        return self.reason is None

    @property
    def id_number(self) -> str:
        return str(self.values["id_number"])


@dataclass
class Month:
    """Everything generated for one period, before it is written."""

    period: Period
    rows: dict[str, list[Record]]
    intended: set[tuple[str, str]]  # (rule_code, subject) the scenarios meant to raise
    near_misses: set[tuple[str, str]]  # (rule_code, subject) that must not fire

    def accepted(self, dataset: str) -> list[Record]:
        return [r for r in self.rows[dataset] if r.accepted]


def empty_rows() -> dict[str, list[Record]]:
    return {name: [] for name in DATASETS}
