"""Validate a dataset's normalised rows with its Pandera model; split them into accepted and quarantined.

Quarantine keeps one row per input row and reason (SPEC §5), with the fields and raw values that
gave the reason and a Chinese message naming the file, sheet and row the officer must correct.
"""

from __future__ import annotations

from datetime import date

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
            broken = cases.filter(pl.col("index").is_null()).row(0, named=True)
            raise RuntimeError(f"{dataset} 数据不符合模型结构：{broken}") from errors
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
    records = []
    for (index, reason), group in cases.sort("index", "field").group_by(["index", "reason"], maintain_order=True):
        row = rows.row(index, named=True)
        names = group["field"].to_list()
        values = [row[f"raw__{name}"] for name in names]
        where = _location(file, sheet, row["_row"])
        records.append({
            "dataset": dataset, "file": file, "sheet": sheet, "row": row["_row"], "reason": reason,
            "field": ",".join(names),
            "value": " | ".join("" if v is None else str(v) for v in values),
            "message": where + "：" + "；".join(
                message(reason, fields[name], value) for name, value in zip(names, values, strict=True)
            ),
        })
    return pl.DataFrame(records, schema=QUARANTINE_COLUMNS)


def accepted_rows(rows: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    bad = cases["index"].unique()
    return rows.with_row_index("_index").filter(~pl.col("_index").is_in(bad.implode())).drop("_index")
