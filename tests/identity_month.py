"""Tiny months with quarantined rows whose ID is broken, for the identity tests (SPEC §6).

`tests/rule_tables.py` stages accepted rows; here a test adds the rows ingestion quarantined for
their ID (`Broken`: typed like an accepted row, with its quarantine reason), and `linked_month`
prepares the month and links the broken rows to the month's people as the flow does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from schemas.datasets import staged_schema
from schemas.outputs import QUARANTINE
from schemas.policy import Policy
from tests.rule_tables import ALL_DATASETS, DEFAULTS, PERIOD, staged_row, tiny_policy
from transforms.month.identity import link_identities
from transforms.month.identity_tables import create_broken_id_rows
from transforms.month.stage import Month, prepared_month


def mistyped(number: str, position: int) -> str:
    """The number with its digit at `position` (1-based) typed as another digit."""
    digit = number[position - 1]
    other = "7" if digit != "7" else "2"
    return number[:position - 1] + other + number[position:]


def swapped(number: str, position: int) -> str:
    """The number with its digits at `position` and `position + 1` (1-based) typed the other way."""
    i = position - 1
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


@dataclass(frozen=True)
class Broken:
    """A quarantined row of `dataset` whose ID is broken: its values (over the dataset's defaults),
    the row number in its sheet and the reason ingestion gave."""

    dataset: str
    values: dict = field(default_factory=dict)
    row: int = 50
    reason: str = "ID_CHECKSUM"

    def staged(self) -> dict:
        return staged_row(self.dataset, self.values, self.row)

    @property
    def file(self) -> str:
        return str(DEFAULTS[self.dataset]["src_file"])

    @property
    def sheet(self) -> str:
        return str(DEFAULTS[self.dataset]["src_sheet"])

    @property
    def ref(self) -> str:
        """The row as exceptions name it: file:sheet:row."""
        return f"{self.file}:{self.sheet}:{self.row}"


def add_broken_rows(con: duckdb.DuckDBPyConnection, rows: list[Broken]) -> None:
    """The quarantine rows of the broken IDs, and the rows themselves as ingestion keeps them."""
    create_broken_id_rows(con, [
        (row.dataset, pl.DataFrame([row.staged()], schema=staged_schema(row.dataset))) for row in rows
    ])
    con.execute(f"create or replace table quarantine ({QUARANTINE.ddl()})")
    if not rows:
        return
    con.executemany(
        "insert into quarantine (dataset, file, sheet, row, reason, field, value, message)"
        " values (?, ?, ?, ?, ?, 'id_number', ?, '身份证号码有误')",
        [[row.dataset, row.file, row.sheet, row.row, row.reason, row.staged()["id_number"]] for row in rows],
    )


def linked_month(
    con: duckdb.DuckDBPyConnection, *rows: Broken, policy: Policy | None = None,
    received: frozenset[str] | set[str] = ALL_DATASETS,
) -> Month:
    """The month prepared with its broken rows, their suggestions written (as the flow does
    between staging and reconciliation)."""
    add_broken_rows(con, list(rows))
    month = prepared_month(con, policy or tiny_policy(), PERIOD, set(received))
    link_identities(month)
    return month


def suggestion_of(month: Month, row: Broken) -> dict:
    """The quarantine's suggestion columns on a broken row's ID reason."""
    ((suggested, basis, score),) = month.con.execute(
        "select suggested_id_number, suggestion_basis, suggestion_score from quarantine"
        " where file = ? and sheet = ? and row = ? and reason = ?",
        [row.file, row.sheet, row.row, row.reason],
    ).fetchall()
    return {"suggested_id_number": suggested, "suggestion_basis": basis, "suggestion_score": score}
