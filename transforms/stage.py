"""Stage the month in DuckDB: one table per dataset of accepted rows with lineage, and the quarantine.

Every dataset gets its table, empty when nothing was received, so the rules always have something
to read; which datasets were received is returned for the rules that need them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from schemas.datasets import DATASETS, staged_columns
from transforms.ingest import FileResult
from transforms.read_tables import quoted_identifier
from transforms.validate import empty_quarantine


def create_staged_table(con: duckdb.DuckDBPyConnection, dataset: str, rows: pl.DataFrame | None) -> None:
    columns = staged_columns(dataset)
    ddl = ", ".join(f"{quoted_identifier(name)} {kind}" for name, kind in columns.items())
    con.execute(f"create or replace table {quoted_identifier(dataset)} ({ddl})")
    if rows is not None and rows.height:
        con.register("incoming_rows", rows.select(list(columns)).to_arrow())
        con.execute(f"insert into {quoted_identifier(dataset)} select * from incoming_rows")
        con.unregister("incoming_rows")


def staged_month(database: Path, files: list[FileResult]) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """Open a new DuckDB database holding the month; return it and the datasets received."""
    con = duckdb.connect(str(database))
    sheets = [sheet for f in files for sheet in f.sheets]
    received = {sheet.dataset for sheet in sheets}
    for dataset in DATASETS:
        frames = [s.accepted for s in sheets if s.dataset == dataset]
        create_staged_table(con, dataset, pl.concat(frames) if frames else None)
    quarantine = pl.concat([empty_quarantine(), *(s.quarantine for s in sheets)])
    con.register("incoming_quarantine", quarantine.to_arrow())
    con.execute("create or replace table quarantine as select * from incoming_quarantine")
    con.unregister("incoming_quarantine")
    return con, received
