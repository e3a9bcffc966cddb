"""The reconciled rosters officers work from (SPEC §5): persons and 低保 households.

Both are built in DuckDB from the staged tables and the views the rules read (sql/people.sql,
sql/dibao_households.sql), so a roster's numbers are the numbers the rules compared; the month's
exceptions are joined on to give each row its exception codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from schemas.policy import Policy
from transforms.reconcile import (
    SQL_DIR,
    bound_to,
    load_catalog,
    prepare_connection,
    rule_parameters,
)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """`frame` visible to SQL as `name` for the duration of the block."""
    con.register(name, frame)
    try:
        yield
    finally:
        con.unregister(name)


def roster_frame(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    period: str,
    exceptions: pl.DataFrame,
    sql_name: str,
) -> pl.DataFrame:
    """Run one roster query over the staged month with its exceptions registered."""
    prepare_connection(con, policy)
    registry_rules = [r.code for r in load_catalog().values() if r.subject == "registry_household"]
    values = rule_parameters(policy, period) | {"registry_household_rules": registry_rules}
    sql = (SQL_DIR / sql_name).read_text(encoding="utf-8")
    with registered(con, "month_exceptions", exceptions.select("rule_code", "id_number", "household_id")):
        return con.sql(sql, params=bound_to(con, sql, values)).pl()


def roster_persons(
    con: duckdb.DuckDBPyConnection, policy: Policy, period: str, exceptions: pl.DataFrame
) -> pl.DataFrame:
    """One row per ID across all sources: memberships, amounts expected and paid, exception codes."""
    return roster_frame(con, policy, period, exceptions, "roster_persons.sql")


def roster_households(
    con: duckdb.DuckDBPyConnection, policy: Policy, period: str, exceptions: pl.DataFrame
) -> pl.DataFrame:
    """One row per 低保 household: members, income used, standard, payments, exit due."""
    return roster_frame(con, policy, period, exceptions, "roster_households.sql")
