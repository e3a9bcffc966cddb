"""The reconciled rosters officers work from (SPEC §5): persons and 低保 households.

Both are built in DuckDB from the staged tables and the shared tables the rules read (sql/people.sql,
sql/dibao_households.sql), so a roster's numbers are the numbers the rules compared; the month's
`exceptions` table gives each row its exception codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.catalog import rule_catalog
from schemas.outputs import ROSTER_HOUSEHOLDS, ROSTER_PERSONS
from transforms.month.reconcile import Reconciliation


@dataclass(frozen=True)
class Rosters:
    persons: pl.DataFrame  # one row per ID across all sources
    households: pl.DataFrame  # one row per 低保 household


def rosters(reconciled: Reconciliation) -> Rosters:
    """The person and household rosters of a reconciled month."""
    month = reconciled.month
    # A 建档立卡 household may share its number with a 低保 one: its exceptions are not the 低保 one's.
    registry_rules = [r.code for r in rule_catalog().values() if r.subject == "registry_household"]
    return Rosters(
        persons=ROSTER_PERSONS.conformed(month.frame("roster_persons.sql")),
        households=ROSTER_HOUSEHOLDS.conformed(
            month.frame("roster_households.sql", registry_household_rules=registry_rules)
        ),
    )
