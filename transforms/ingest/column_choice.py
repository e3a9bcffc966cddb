"""When two columns could be one field, the one whose values fit the field wins (SPEC §2).

A civil-affairs ledger heads its 低保证号 column 证件号码 and its ID column 身份证号码: both are
aliases of `id_number`. Taking the leftmost would read certificate numbers as IDs and quarantine
every row. Each contested column is scored by the share of its cells that read as the field
(valid ID numbers, dates, amounts, known categories); the best fit wins, the leftmost among equals.
A loser of the ID contest whose cells are not IDs is the household's number where the dataset has
one and no column gave it; every other loser is listed in `unmapped_columns`.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from schemas.datasets import DATASETS
from schemas.policy import Policy
from transforms.ingest import normalise as norm
from transforms.ingest.headers import ColumnMap, Header


def fit(values: pl.Series, dataset: str, field: str, policy: Policy) -> float:
    """The share of a column's non-blank cells that read as the field."""
    cells = values.drop_nulls()
    if cells.is_empty():
        return 0.0
    spec = DATASETS[dataset].field(field)
    frame = pl.DataFrame({"raw": cells})
    if spec.kind == "id":
        text = frame.select(norm.id_text(pl.col("raw")).alias("id"))["id"]
        valid = text.str.contains(r"^\d{17}[\dX]$") & (
            text.str.slice(17, 1) == pl.select(norm.id_check_char(pl.lit(text).str.slice(0, 17))).to_series())
        return float(valid.fill_null(False).mean())
    if spec.kind == "name":
        return float((~cells.str.contains(r"\d")).mean())
    typed = frame.select(norm.typed_value(spec.kind, pl.col("raw"), policy, spec.vocabulary).alias("v"))["v"]
    return float(typed.is_not_null().mean())


def chosen_by_content(columns: ColumnMap, header: Header, body: pl.DataFrame, dataset: str,
                      policy: Policy) -> ColumnMap:
    """The column map with each contested field given to the column its values fit best."""
    if not columns.contested:
        return columns
    fields = dict(columns.fields)
    for field, candidates in columns.contested.items():
        scores = {c: fit(body[c], dataset, field, policy) for c in candidates}
        best = max(candidates, key=lambda c: (scores[c], -candidates.index(c)))
        for column in candidates:
            fields.pop(column, None)
        fields[best] = field
        if field == "id_number" and "household_id" in DATASETS[dataset].field_names \
                and "household_id" not in fields.values():
            loser = next((c for c in candidates if c != best and scores[c] < 0.5), None)
            if loser is not None:
                fields[loser] = "household_id"
    fields = {c: fields[c] for c in header.names if c in fields}  # sheet order
    unmapped = [text for c, text in header.names.items() if c not in fields]
    return replace(columns, fields=fields, unmapped=unmapped)
