"""The kinds of value doudi stores, each with its DuckDB and polars type: the one type table.

Staged fields (`schemas/datasets.py`) and output columns (`schemas/outputs.py`) are declared by
kind; the DuckDB DDL, the Pandera dtypes, the polars casts and the Parquet schemas all come from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Kind:
    sql: str  # DuckDB type
    polars: pl.DataType


KINDS: dict[str, Kind] = {
    # Fields of the staged datasets
    "text": Kind("VARCHAR", pl.String),  # stripped, full-width folded text
    "name": Kind("VARCHAR", pl.String),  # a person's name, kept as read (+ name_norm)
    "id": Kind("VARCHAR", pl.String),  # an 18-character citizen ID number
    "county": Kind("VARCHAR", pl.String),  # a county code from the policy file
    "money": Kind("DOUBLE", pl.Float64),  # yuan; blank means missing
    "money0": Kind("DOUBLE", pl.Float64),  # yuan; blank means nothing was paid: 0
    "count": Kind("INTEGER", pl.Int32),  # a whole number of people
    "year": Kind("INTEGER", pl.Int32),  # a calendar year
    "date": Kind("DATE", pl.Date),  # a calendar date
    "category": Kind("VARCHAR", pl.String),  # a canonical code from categories.toml
    "level": Kind("INTEGER", pl.Int32),  # a disability level 1-4
    # Columns of the outputs
    "number": Kind("BIGINT", pl.Int64),  # a count or a row number computed by doudi
    "flag": Kind("BOOLEAN", pl.Boolean),
    "texts": Kind("VARCHAR[]", pl.List(pl.String)),  # a list of texts: sources, rule codes
    "timestamp": Kind("TIMESTAMPTZ", pl.Datetime("us", "UTC")),
}


def sql_type(kind: str) -> str:
    return KINDS[kind].sql


def polars_type(kind: str) -> pl.DataType:
    return KINDS[kind].polars
