"""Validate a dataset's normalised rows with its Pandera model; split them into accepted and quarantined.

The checks (`schemas/validation.py`) read facts computed here once from the raw text beside each
typed value: which cells are blank, and what holds of the ID. Quarantine keeps one row per input
row and reason (SPEC §5), with the fields and raw values that gave the reason and a Chinese
message naming the file, sheet and row the officer must correct.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby

import polars as pl

from schemas.datasets import DATASETS
from schemas.outputs import QUARANTINE
from schemas.validation import ID_REASONS, dataset_schema, message, row_problems
from transforms.ingest.normalise import id_check_char, is_blank, nfkc

# SPEC §6: the ID reasons that leave a number to match against the month's valid IDs.
BROKEN_ID_REASONS = tuple(reason for reason in ID_REASONS if reason != "ID_MISSING")


def raw(field: str) -> pl.Expr:
    return pl.col(f"raw__{field}")


def id_facts(period_end: date) -> dict[str, pl.Expr]:
    """What is true of each row's ID, computed once: the reasons combine these columns."""
    text = pl.col("id_number")
    typed = nfkc(raw("id_number")).str.strip_chars()
    shaped = text.str.contains(r"^\d{17}[\dX]$")
    check_ok = text.str.slice(17, 1) == id_check_char(text.str.slice(0, 17))
    # Lost digits show as scientific notation, as a long decimal, as a number cell of 16+
    # digits, or as an 18-digit number ending in 000 whose check digit fails (Excel keeps 15).
    digits = typed.str.replace(r"\.0+$", "").str.count_matches(r"\d")
    lost = (
        typed.str.contains(r"(?i)^\d(\.\d+)?E\+?\d+$")
        | typed.str.contains(r"^\d{16,}\.\d+$")
        | (pl.col("numeric__id_number") & (digits >= 16))
        | (shaped & text.str.ends_with("000") & ~check_ok)
    )
    birth = text.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    return {
        "id__missing": is_blank(raw("id_number")),
        "id__lost": lost.fill_null(False),
        "id__shaped": shaped.fill_null(False),
        "id__birth_ok": birth.is_between(date(1900, 1, 1), period_end).fill_null(False),
        "id__check_ok": check_ok.fill_null(False),
    }


def with_facts(rows: pl.DataFrame, dataset: str, period_end: date) -> pl.DataFrame:
    """The rows with the facts the checks read: which fields the sheet has a column for, which raw
    cells are blank, what holds of the ID. A field without a column is unknown, not blank."""
    fields = [f for f in DATASETS[dataset].fields if f.kind != "id"]
    present = {f.name: f"raw__{f.name}" in rows.columns for f in fields}
    return rows.with_columns(
        *(pl.lit(present[f.name]).alias(f"present__{f.name}") for f in fields),
        *((is_blank(raw(f.name)) if present[f.name] else pl.lit(False)).alias(f"blank__{f.name}")
          for f in fields),
        *(expr.alias(name) for name, expr in id_facts(period_end).items()),
    )


def failure_cases(rows: pl.DataFrame, dataset: str, period_end: date, household: bool = False) -> pl.DataFrame:
    """(index, field, reason) of every failed check. Pandera checks the columns and their dtypes
    (a failure there is a bug in doudi, and raises); the row checks run in one polars pass.
    The rows of a household sheet name no person: they are checked without the ID and name, and
    need the household number instead (SPEC §2)."""
    import pandera.errors  # only here: a rerun whose files all come from the cache never imports it

    facts = with_facts(rows, dataset, period_end)
    try:
        dataset_schema(dataset, household).validate(facts, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        # Name the column and check, never a value, which may be a cell of personal data.
        broken = errors.failure_cases.row(0, named=True)
        raise RuntimeError(f"{dataset}.{broken['column']} 未通过 {broken['check']}") from errors
    problems = row_problems(dataset, household)
    flags = facts.select(*(has.alias(str(i)) for i, has in enumerate(problems.values())))
    checks = pl.DataFrame(
        {"check": [str(i) for i in range(len(problems))],
         "field": [field for field, _ in problems], "reason": [reason for _, reason in problems]},
    )
    return (
        flags.with_row_index("index")
        .unpivot(index="index", variable_name="check")
        .filter(pl.col("value"))
        .join(checks, on="check")
        .select(pl.col("index").cast(pl.Int64), "field", "reason")
    )


def _location(file: str, sheet: str, row: int, member: int | None = None) -> str:
    """Where the officer finds the cell: a file, a sheet, a row, and the person in a household row."""
    person = f"第 {member} 人（{'户主' if member == 1 else f'成员{member - 1}'}）" if member else ""
    return (f"{file}「{sheet}」第 {row} 行" if sheet else f"{file} 第 {row} 行") + person


def quarantine_rows(
    rows: pl.DataFrame, cases: pl.DataFrame, dataset: str, file: str, sheet: str
) -> pl.DataFrame:
    """One quarantine row per input row and reason, fields and raw values joined."""
    if cases.is_empty():
        return QUARANTINE.empty()
    fields = {f.name: f for f in DATASETS[dataset].fields}
    named = set(cases["field"])
    raw_values = {name: rows[f"raw__{name}"].to_list() for name in named}
    row_numbers = rows["_row"].to_list()
    members = rows["_member"].to_list() if "_member" in rows.columns else [None] * rows.height
    ordered = cases.sort("index", "reason", "field").iter_rows()
    records = []
    for (index, reason), group in groupby(ordered, key=lambda case: (case[0], case[2])):
        names = [name for _, name, _ in group]
        values = [raw_values[name][index] for name in names]
        records.append({
            "dataset": dataset, "file": file, "sheet": sheet, "row": row_numbers[index],
            "member": members[index],
            "reason": reason, "field": ",".join(names),
            "value": " | ".join("" if v is None else str(v) for v in values),
            "message": _location(file, sheet, row_numbers[index], members[index]) + "：" + "；".join(
                message(reason, fields[name], value) for name, value in zip(names, values, strict=True)
            ),
        })
    return pl.DataFrame(records, schema=QUARANTINE.schema)


def accepted_rows(rows: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    bad = cases["index"].unique()
    return rows.with_row_index("_index").filter(~pl.col("_index").is_in(bad.implode())).drop("_index")


def broken_id_rows(rows: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """The quarantined rows whose ID is there but broken (SPEC §6: ID_MALFORMED, ID_CHECKSUM,
    ID_BAD_DATE, ID_PRECISION_LOST), typed like accepted rows, for identity matching."""
    broken = cases.filter(pl.col("reason").is_in(BROKEN_ID_REASONS))["index"].unique()
    return rows.with_row_index("_index").filter(pl.col("_index").is_in(broken.implode())).drop("_index")
