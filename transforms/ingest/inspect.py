"""How doudi would read a file, without running a month (SPEC §2, `doudi inspect`).

The file is ingested exactly as a run would ingest it (file.py); what an officer needs to see is
gathered from the result: per sheet the header row, the dataset and why, each column's field, the
rule fields the sheet lacks and the rules they leave undecided, the values that match no category,
and the lines the site could add to its `aliases.csv` / `categories.toml` (the nearest known
spelling as the guess: difflib over the alias and category tables, never applied on its own).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS, SHAPE_FIELDS
from schemas.policy import Policy
from schemas.vocabulary import Vocabulary
from transforms.ingest import normalise as norm
from transforms.ingest.file import ingest_file
from transforms.ingest.headers import (
    alias_index,
    header_key,
    header_key_without_units,
    header_meanings,
    prefixed_meanings,
)
from transforms.ingest.results import FileResult, SheetResult

GUESS_CUTOFF = 0.6  # how alike a header must be to a known spelling to be offered as a guess


@dataclass(frozen=True)
class AliasLine:
    dataset: str
    field: str
    header: str
    nearest: str  # the known spelling it is closest to

    def csv(self) -> str:
        return f"{self.dataset},{self.field},{self.header}"


@dataclass(frozen=True)
class CategoryLine:
    vocabulary: str
    code: str
    value: str
    nearest: str


@dataclass(frozen=True)
class SheetInspection:
    sheet: str
    dataset: str | None
    reason: str  # why this dataset, or why none
    header_row: int = 0
    columns: list[dict] = field(default_factory=list)  # {"column", "header", "field"}
    fields_absent: list[str] = field(default_factory=list)
    undecided_rules: dict[str, list[str]] = field(default_factory=dict)  # field -> rule codes
    unknown_values: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, value) -> rows
    alias_lines: list[AliasLine] = field(default_factory=list)
    category_lines: list[CategoryLine] = field(default_factory=list)
    rows: tuple[int, int, int, int] = (0, 0, 0, 0)  # read, accepted, quarantined, skipped
    reshaped: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    period_stamp: str = ""


@dataclass(frozen=True)
class FileInspection:
    file: str
    sheets: list[SheetInspection]
    rejected: str | None = None


def inspect_file(path: Path, rel: str, period: str, policy: Policy) -> FileInspection:
    result = ingest_file(path, rel, period, policy)
    return FileInspection(rel, [*map(_inspected, result.sheets), *_ignored(result, policy.vocabulary)],
                          result.rejected)


def _inspected(sheet: SheetResult) -> SheetInspection:
    unknown = _unknown_values(sheet.quarantine)
    return SheetInspection(
        sheet=sheet.sheet, dataset=sheet.dataset, reason=sheet.recognised, header_row=sheet.header_row,
        columns=sheet.columns, fields_absent=sheet.fields_absent,
        undecided_rules={f: rules for f in sheet.fields_absent if (rules := rules_reading(sheet.dataset, f))},
        unknown_values=unknown,
        # a guess only for a field the sheet lacks: an unused column like a missing one
        alias_lines=[line for c in sheet.columns if c["field"] is None
                     if (line := nearest_alias(c["header"], [sheet.dataset])) and line.field in sheet.fields_absent],
        category_lines=[line for (f, value) in unknown if (line := nearest_category(sheet.dataset, f, value))],
        rows=(sheet.rows_read, sheet.rows_accepted, sheet.rows_quarantined, sheet.rows_skipped),
        reshaped=sheet.reshaped, facts=sheet.facts_from_context, period_stamp=sheet.period_stamp,
    )


def _ignored(result: FileResult, site: Vocabulary) -> list[SheetInspection]:
    """Sheets read as no dataset: each header with the field doudi already reads it as, and a
    line for aliases.csv only for a header it does not understand."""
    return [
        SheetInspection(sheet=i["sheet"], dataset=None, reason=i["reason"],
                        columns=[{"column": "", "header": h, "field": _known_field(h, site)}
                                 for h in i.get("headers_seen", [])],
                        alias_lines=[line for h in i.get("headers_seen", []) if not prefixed_meanings(h, site)
                                     if (line := nearest_alias(h, list(DATASETS)))])
        for i in result.ignored_sheets
    ]


def _known_field(header: str, site: Vocabulary) -> str | None:
    """The field a header names whatever the dataset (姓名 → name), if it names one field; a head's
    or member's column (户主姓名) is the household shape's to place, not shown here."""
    fields = {meant for _, meant in header_meanings(header, site)}
    return fields.pop() if len(fields) == 1 else None


def rules_reading(dataset: str, field_name: str) -> list[str]:
    """The rules an unknown value of this field can leave undecided."""
    return [rule.code for rule in rule_catalog().values() if (dataset, field_name) in rule.reads]


def _unknown_values(quarantine: pl.DataFrame) -> dict[tuple[str, str], int]:
    """(field, value) -> rows, for the values that match no category."""
    found: dict[tuple[str, str], int] = {}
    for row in quarantine.filter(pl.col("reason") == "UNKNOWN_CATEGORY").iter_rows(named=True):
        for name, value in zip(row["field"].split(","), (row["value"] or "").split(" | "), strict=False):
            found[(name, value)] = found.get((name, value), 0) + 1
    return found


def nearest_alias(header: str, datasets: list[str]) -> AliasLine | None:
    """A line for aliases.csv: the header as a spelling of the field whose known spelling it is
    closest to, among the given datasets' fields."""
    key = header_key_without_units(header_key(header))
    if not key or key.isdigit():
        return None
    known = {}
    for spelling, pairs in alias_index().items():
        for dataset, meant in pairs:
            for target in datasets if dataset == "*" else [dataset]:
                if target in datasets and (meant in DATASETS[target].field_names or meant in SHAPE_FIELDS):
                    known.setdefault(spelling, (target if dataset != "*" else "*", meant))
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=GUESS_CUTOFF)
    if not close or close[0] == key:  # a spelling doudi already knows needs no line
        return None
    dataset, meant = known[close[0]]
    return AliasLine(dataset, meant, header.strip(), close[0])


def nearest_category(dataset: str, field_name: str, value: str) -> CategoryLine | None:
    """A line for categories.toml: the value as a spelling of the code whose known spelling is
    closest (a county is the policy file's, not a category)."""
    spec = next((f for f in DATASETS[dataset].fields if f.name == field_name), None)
    if spec is None or not spec.vocabulary or not value:
        return None
    spellings = norm.category_spellings(spec.vocabulary)
    close = difflib.get_close_matches(value.upper(), list(spellings), n=1, cutoff=0.3)
    if not close:
        return None
    return CategoryLine(spec.vocabulary, spellings[close[0]], value, close[0])
