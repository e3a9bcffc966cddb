"""Validate a dataset's normalised rows with its Pandera model; split them into accepted and quarantined.

Quarantine keeps one row per input row and reason (SPEC §5), with the fields and raw values that
gave the reason and a Chinese message naming the file, sheet and row the officer must correct.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby

import pandera.polars as pa
import polars as pl

from schemas.datasets import DATASETS
from schemas.validation import dataset_schema, message, with_facts

QUARANTINE_COLUMNS = {
    "dataset": pl.String, "file": pl.String, "sheet": pl.String, "row": pl.Int64,
    "reason": pl.String, "field": pl.String, "value": pl.String, "message": pl.String,
}


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_COLUMNS)


def failure_cases(rows: pl.DataFrame, dataset: str, period_end: date) -> pl.DataFrame:
    """(index, field, reason) of every failed check; a schema-level failure is a bug and raises."""
    try:
        dataset_schema(dataset).validate(with_facts(rows, dataset, period_end), lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].null_count():
            # A schema-level failure (a dtype, a missing column) is a bug in doudi; name the column
            # and check, never the failing value, which may be a cell of personal data.
            broken = cases.filter(pl.col("index").is_null()).row(0, named=True)
            raise RuntimeError(f"{dataset}.{broken['column']} 未通过 {broken['check']}") from errors
        return cases.select(
            pl.col("index").cast(pl.Int64), pl.col("column").alias("field"), pl.col("check").alias("reason")
        )
    return pl.DataFrame(schema={"index": pl.Int64, "field": pl.String, "reason": pl.String})


def _location(file: str, sheet: str, row: int) -> str:
    return f"{file}「{sheet}」第 {row} 行" if sheet else f"{file} 第 {row} 行"


def quarantine_rows(
    rows: pl.DataFrame, cases: pl.DataFrame, dataset: str, file: str, sheet: str
) -> pl.DataFrame:
    """One quarantine row per input row and reason, fields and raw values joined."""
    if cases.is_empty():
        return empty_quarantine()
    fields = {f.name: f for f in DATASETS[dataset].fields}
    named = set(cases["field"])
    raw_values = {name: rows[f"raw__{name}"].to_list() for name in named}
    row_numbers = rows["_row"].to_list()
    ordered = cases.sort("index", "reason", "field").iter_rows()
    records = []
    for (index, reason), group in groupby(ordered, key=lambda case: (case[0], case[2])):
        names = [name for _, name, _ in group]
        values = [raw_values[name][index] for name in names]
        records.append({
            "dataset": dataset, "file": file, "sheet": sheet, "row": row_numbers[index],
            "reason": reason, "field": ",".join(names),
            "value": " | ".join("" if v is None else str(v) for v in values),
            "message": _location(file, sheet, row_numbers[index]) + "：" + "；".join(
                message(reason, fields[name], value) for name, value in zip(names, values, strict=True)
            ),
        })
    return pl.DataFrame(records, schema=QUARANTINE_COLUMNS)


def accepted_rows(rows: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    bad = cases["index"].unique()
    return rows.with_row_index("_index").filter(~pl.col("_index").is_in(bad.implode())).drop("_index")
