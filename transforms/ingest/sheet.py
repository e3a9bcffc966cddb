"""Ingest one sheet (or table): header, dataset, layout, reshaping, normalising, validating.

The stages, in the order a sheet meets them: the header row (headers.py); the dataset, or the
programme column that splits the sheet between datasets (classify.py, reshape.py); which column is
which field (layout.py); merged data cells filled down; the office's non-data rows (totals,
footers); reshaping into one row per person (reshape.py); the facts printed above the table
(context_facts.py); typed values (normalise.py); accepted rows and quarantine (validate.py). One
result per (sheet, dataset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import polars as pl

from schemas.catalog import rule_fields
from schemas.datasets import DATASETS, NOT_SUMMED, SUMMABLE_KINDS, staged_schema
from schemas.outputs import QUARANTINE
from schemas.period import period_bounds
from schemas.policy import Policy
from transforms.ingest import normalise as norm
from transforms.ingest import reshape
from transforms.ingest.classify import IDENTITY, recognise_dataset
from transforms.ingest.context_facts import Context, period_stamp, with_context_facts
from transforms.ingest.headers import (
    HEADER_ROWS,
    Header,
    extended_by_merges,
    find_header,
    header_below,
)
from transforms.ingest.layout import Layout, layout_of, shape_fields_named
from transforms.ingest.merged_cells import column_letters, filled_down
from transforms.ingest.non_data_rows import DATA, row_kinds, total_checks, total_row_status
from transforms.ingest.read_tables import HEAD_ROWS, RawTable
from transforms.ingest.results import HOUSEHOLD, PERSON, NotData, SheetResult
from transforms.ingest.validate import accepted_rows, broken_id_rows, failure_cases, quarantine_rows

PROGRAMME_SHARE = 0.5  # a programme column by its content: at least half its cells name a programme


@dataclass(frozen=True)
class Plan:
    """What a sheet holds: a layout per dataset it feeds, why, and how it splits."""

    layouts: dict[str, Layout]
    recognised: str
    programme_column: str | None = None  # the column naming each row's programme (SPEC §2)
    household_sheet: bool = False  # household rows without their members' IDs and names

    @property
    def primary(self) -> Layout:
        return next(iter(self.layouts.values()))


def ingest_table(rel: str, table: RawTable, period: str, policy: Policy) -> list[SheetResult] | NotData:
    """A sheet's results (one per dataset it feeds), or why it holds no data."""
    if table.error:
        return NotData(table.error)
    if table.hidden:
        return NotData("是隐藏的工作表，未读取")
    header = find_header(table, policy.vocabulary)
    if header is None:
        return without_header(table, rel, policy)
    header = extended_by_merges(header, table)
    context = _context(table, header, rel)
    table, filled = _merges_filled(table, header)
    below = table.grid.slice(header.last_position + 1)
    plan = _plan(header, context, below, policy)
    if isinstance(plan, NotData):
        return plan
    office = _office_rows(table, header, plan, policy)
    produced = _reshaped(office, plan)
    checks = _total_checks(office, plan.primary)
    header_row = int(table.grid["_row"][header.last_position])
    letters = {c: column_letters(table.first_column + int(c[1:])) for c in table.columns}
    results = []
    for i, (dataset, (rows, office_rows)) in enumerate(produced.items()):
        result = _sheet_result(rel, table.sheet, dataset, rows, office_rows, plan, context, policy, period)
        results.append(replace(
            result, header_row=header_row, filled_merged_cells=filled if i == 0 else [],
            total_row_check=total_row_status(checks) if i == 0 else "none",
            total_mismatches=[{"row": c.row, "field": c.field, "total": c.total, "data_sum": c.data_sum}
                              for c in checks if not c.ok] if i == 0 else [],
            columns=_columns(header, plan.layouts[dataset], letters),
        ))
    return results


def _plan(header: Header, context: Context, below: pl.DataFrame, policy: Policy) -> Plan | NotData:
    """The datasets the sheet feeds: those its programme column names row by row, else the one its
    header and keywords match best."""
    programme = shape_fields_named(header).get("programme")
    if programme is not None and reshape.programme_share(below[programme]) >= PROGRAMME_SHARE:
        named = [reshape.programme_of(v) for v in below[programme].to_list()]
        targets = list(dict.fromkeys(n[0] for n in named if n))
        why = (f"「{header.names[programme]}」列逐行写明救助项目，按该列分入"
               + "、".join(DATASETS[d].label for d in targets))
        return Plan({d: layout_of(header, d, below, policy) for d in targets}, why, programme)
    recognition = recognise_dataset(header, context.text)
    if recognition.dataset is None:
        return NotData(recognition.reason, recognition.headers_seen)
    layout = layout_of(header, recognition.dataset, below, policy)
    return Plan({recognition.dataset: layout}, recognition.reason, None, recognition.household_sheet)


def _office_rows(table: RawTable, header: Header, plan: Plan, policy: Policy) -> pl.DataFrame:
    """The non-empty rows below the header as the office wrote them, each with its kind (data,
    total, footer …) and, per ID column, whether the cell was a number."""
    id_columns = list(dict.fromkeys(c for layout in plan.layouts.values() for c in layout.id_columns))
    grid = table.grid.with_columns(table.numeric_flags(c).alias(reshape.numeric_column(c)) for c in id_columns)
    below = grid.slice(header.last_position + 1)
    body = below.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in table.columns))
    kinds = row_kinds(body, table.columns, plan.primary.fields, policy.vocabulary)
    return body.with_columns(kinds.alias("kind"))


def _reshaped(office: pl.DataFrame, plan: Plan) -> dict[str, tuple[pl.DataFrame, int]]:
    """The produced rows per dataset (reshape.py), and how many of the office's rows they come from."""
    if plan.programme_column:
        split = reshape.programme_split(office, plan.programme_column, plan.layouts)
        return {dataset: (rows, rows["_row"].n_unique()) for dataset, rows in split.items()}
    layout = plan.primary
    shaped = {
        "household_rows": reshape.household_rows,
        "payment_type_rows": reshape.payment_type_rows,
        "mixed_stays": reshape.inpatient_rows,
    }.get(layout.shape, reshape.one_row_per_person)
    return {layout.dataset: (shaped(office, layout), office.height)}


def _sheet_result(rel: str, sheet: str, dataset: str, produced: pl.DataFrame, office_rows: int, plan: Plan,
                  context: Context, policy: Policy, period: str) -> SheetResult:
    """One dataset's rows of a sheet, typed and validated, with their counts."""
    layout = plan.layouts[dataset]
    raw = reshape.from_certificate(produced) if dataset == "persons" else produced
    raw, facts = with_context_facts(raw, DATASETS[dataset].field_names, context, policy)
    if plan.household_sheet:
        raw = raw.with_columns(pl.lit(None, pl.String).alias(f"raw__{f}") for f in IDENTITY
                               if f"raw__{f}" not in raw.columns)
    typed = norm.normalised(raw, dataset, policy)
    derived = []
    if dataset == "claims" and "raw__claim_id" not in raw.columns:
        typed, derived = reshape.with_derived_claim_ids(typed), ["claim_id"]
    if layout.shape == "household_rows" and "household_id" not in layout.fields.values():
        derived.append("household_id")
    rows = typed.filter(pl.col("kind") == DATA)
    cases = failure_cases(rows, dataset, period_bounds(period)[1], household=plan.household_sheet)
    accepted = staged(norm.derived(accepted_rows(rows, cases), dataset), dataset, rel, sheet)
    skipped = produced.filter(pl.col("kind") != DATA)
    county_from = policy.counties[facts["county"]].name if "county" in facts else ""
    return SheetResult(
        file=rel, sheet=sheet, dataset=dataset, accepted=accepted,
        quarantine=quarantine_rows(rows, cases, dataset, rel, sheet) if cases.height else QUARANTINE.empty(),
        rows_read=office_rows, rows_skipped=skipped.height,
        unmapped_columns=layout.unmapped, total_row_check="none", total_mismatches=[], header_row=0,
        county_from=county_from,
        broken_ids=staged(norm.derived(broken_id_rows(rows, cases), dataset), dataset, rel, sheet),
        fields_absent=[f for f in DATASETS[dataset].field_names
                       if f"raw__{f}" not in raw.columns and f not in IDENTITY and f not in derived],
        facts_from_context={f: v for f, v in facts.items() if f != "county"}
        | ({"county": county_from} if county_from else {}),
        period_stamp=period_stamp(context, period),
        unknown_counts=_unknown_counts(accepted, dataset),
        rows_produced=produced.height,
        rows_quarantined_count=cases["index"].n_unique(),
        reshaped=("programme_split" if plan.programme_column else "household_sheet" if plan.household_sheet
                  else layout.shape),
        skipped_reasons=dict(skipped["reason"].fill_null("其他").value_counts(sort=True).iter_rows()),
        derived_fields=derived, recognised=plan.recognised,
        level=HOUSEHOLD if plan.household_sheet else PERSON,
    )


def _columns(header: Header, layout: Layout, letters: dict[str, str]) -> list[dict]:
    """Each header column, its letter and what it is read as (for `doudi inspect` and the manifest)."""
    meaning = dict(layout.fields) | {c: f for f, c in layout.shape_columns.items()}
    for position, group in layout.members.items():
        meaning |= {c: f"{f}#{position}" for f, c in group.items()}
    return [{"column": letters.get(c, c), "header": text, "field": meaning.get(c)} for c, text in header.names.items()]


def _unknown_counts(accepted: pl.DataFrame, dataset: str) -> dict[str, int]:
    """Per field a rule reads, how many accepted rows do not know it."""
    read = [f for f in rule_fields(dataset) if f in accepted.columns]
    if not read or accepted.is_empty():
        return {}
    counts = accepted.select(pl.col(f).null_count() for f in read).row(0, named=True)
    return {f: n for f, n in counts.items() if n}


def _context(table: RawTable, header: Header, rel: str) -> Context:
    """Sheet name, the title rows above the header and the file name: where keywords and the
    facts written once above the table are sought."""
    titles = table.grid.head(header.positions[0]).drop("_row")
    words = [str(v) for row in titles.iter_rows() for v in row if v is not None]
    return Context(table.sheet, " ".join(words), rel)


def without_header(table: RawTable, rel: str, policy: Policy) -> NotData:
    """Why a sheet has no header in its first rows: none at all, or one too far down (SPEC §2)."""
    late = header_below(table, policy.vocabulary)
    if late is not None and recognise_dataset(late, _context(table, late, rel).text).dataset:
        row = int(table.grid["_row"][late.positions[0]])
        return NotData(
            f"表头在第 {row} 行，而表头应在前 {HEADER_ROWS} 行内：请删去表头上方多余的行（标题、说明、空行），"
            f"使表头位于前 {HEADER_ROWS} 行内后再报送", list(late.names.values()))
    return NotData(f"前 {HEADER_ROWS} 行中没有可识别的表头，不是数据表", fullest_row(table))


def fullest_row(table: RawTable) -> list[str]:
    """The cells of the fullest of the first rows: what the sheet shows in place of a header.
    Runs of digits long enough to be ID numbers are masked."""
    head = table.grid.head(HEAD_ROWS).drop("_row")
    rows = [[str(v) for v in row if v is not None] for row in head.iter_rows()]
    fullest = max(rows, key=len, default=[])
    return [re.sub(r"\d{6,}", "******", cell)[:50] for cell in fullest[:30]]


def _merges_filled(table: RawTable, header: Header) -> tuple[RawTable, list[str]]:
    """The table with merged data cells filled down, and the ranges filled."""
    if not table.merged:
        return table, []
    header_row = int(table.grid["_row"][header.last_position])
    grid, filled = filled_down(table.grid, table.merged, table.first_column, header_row)
    return replace(table, grid=grid), filled


def _total_checks(office: pl.DataFrame, layout: Layout) -> list:
    """The total rows' sums against the data rows (non_data_rows.py), on the office's rows."""
    summable = [f.name for f in DATASETS[layout.dataset].fields
                if f.kind in SUMMABLE_KINDS and f.name not in NOT_SUMMED]
    columns = {f: c for c, f in layout.fields.items() if f in summable}
    # Amount columns with blanks left blank: a total row without a figure states no sum.
    amounts = office.select("_row", *(norm.money(pl.col(c)).alias(f) for f, c in columns.items()))
    return total_checks(amounts, office["kind"], list(columns))


def staged(rows: pl.DataFrame, dataset: str, rel: str, sheet: str) -> pl.DataFrame:
    """Accepted rows in the staged table's columns, with their lineage."""
    extra = {
        "name_norm": norm.no_spaces(pl.col("name")),
        "id_number_raw": pl.col("raw__id_number"),
        "src_file": pl.lit(rel),
        "src_sheet": pl.lit(sheet),
        "src_row": pl.col("_row"),
        "src_member": pl.col("_member"),
    }
    return rows.select(
        (extra[name] if name in extra else pl.col(name)).cast(dtype).alias(name)
        for name, dtype in staged_schema(dataset).items()
    )
