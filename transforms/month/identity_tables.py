"""The tables identity matching (SPEC §6) adds to a staged month.

Ingestion keeps, beside each sheet's quarantine, the quarantined rows whose ID number is broken,
typed like accepted rows (`SheetResult.broken_ids`): the name, county and amounts a person is
recognised by. They take part in no rule of §4. `create_broken_id_rows` stages them as the table
`broken_id_rows` (each with its dataset, in the union of the datasets' staged columns);
`identity_tables` adds what the identity rules read to every month, a test's tiny month too:
`name_keys` for every name of the month, and empty tables where the month has none.
"""

from __future__ import annotations

import duckdb
import polars as pl

from schemas.datasets import DATASETS, staged_columns
from schemas.outputs import QUARANTINE
from schemas.validation import ID_REASONS
from transforms.ingest.read_tables import quoted_identifier
from transforms.month.names import create_name_keys

# SPEC §6: the reasons that say the ID is there but typed wrong. ID_MISSING has nothing to match.
BROKEN_ID_REASONS = tuple(reason for reason in ID_REASONS if reason != "ID_MISSING")

# What the rules would say if a suggestion were right: written by transforms/month/identity.py,
# read by rules/possible_same_person.sql.
CONSEQUENCES_DDL = ("src_file varchar, src_sheet varchar, src_row bigint, src_member bigint, rule_code varchar,"
                    " subject varchar")

NAMES_OF_THE_MONTH = """
select name_norm from person_rows
union
select name_norm from broken_id_rows
"""


def broken_id_columns() -> dict[str, str]:
    """`dataset`, then every staged column of every dataset once (DuckDB types)."""
    columns = {"dataset": "VARCHAR"}
    for dataset in DATASETS:
        for name, kind in staged_columns(dataset).items():
            columns.setdefault(name, kind)
    return columns


def _create_table(con: duckdb.DuckDBPyConnection, name: str, ddl: str, replace: bool) -> None:
    verb = "create or replace table" if replace else "create table if not exists"
    con.execute(f"{verb} {name} ({ddl})")


def create_broken_id_rows(con: duckdb.DuckDBPyConnection, frames: list[tuple[str, pl.DataFrame | None]]) -> None:
    """The table `broken_id_rows` from (dataset, staged-shaped rows) pairs, replacing any."""
    columns = broken_id_columns()
    _create_table(con, "broken_id_rows", ", ".join(f"{quoted_identifier(c)} {t}" for c, t in columns.items()),
                  replace=True)
    rows = [frame.with_columns(pl.lit(dataset).alias("dataset")) for dataset, frame in frames
            if frame is not None and frame.height]
    if rows:
        incoming = pl.concat(rows, how="diagonal_relaxed")
        con.register("incoming_broken_ids", incoming.to_arrow())
        names = ", ".join(quoted_identifier(c) for c in columns if c in incoming.columns)
        con.execute(f"insert into broken_id_rows ({names}) select {names} from incoming_broken_ids")
        con.unregister("incoming_broken_ids")


def identity_tables(con: duckdb.DuckDBPyConnection) -> None:
    """`quarantine`, `broken_id_rows` and `suggestion_consequences` where the month has none yet,
    and `name_keys` over every name of the month. Needs the view `person_rows` (sql/people.sql)."""
    _create_table(con, "quarantine", QUARANTINE.ddl(), replace=False)
    if not con.execute("select 1 from duckdb_tables() where table_name = 'broken_id_rows'").fetchall():
        create_broken_id_rows(con, [])
    _create_table(con, "suggestion_consequences", CONSEQUENCES_DDL, replace=False)
    create_name_keys(con, NAMES_OF_THE_MONTH)
