"""Build RawTables from literal rows, as the readers would, for tests of what comes after reading."""

from __future__ import annotations

import polars as pl

from transforms.ingest.read_tables import RawTable, _as_grid


def raw_table(rows: list[list], sheet: str = "", first_row: int = 1) -> RawTable:
    width = max(len(r) for r in rows)
    padded = [list(r) + [None] * (width - len(r)) for r in rows]
    columns = [pl.Series([None if r[i] is None else str(r[i]) for r in padded], dtype=pl.String) for i in range(width)]
    return RawTable(sheet, _as_grid(columns, first_row=first_row))
