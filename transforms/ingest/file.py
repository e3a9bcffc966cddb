"""Ingest one inbox file: every sheet read, recognised, normalised, validated and accounted for.

The unit of work is one file in, its sheets' accepted rows and quarantine out, with no shared
state, so files can be ingested in parallel and a rerun can skip files whose sha256 is unchanged.
For every sheet: rows_read = rows_accepted + rows_quarantined + rows_skipped.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from schemas.catalog import rule_fields
from schemas.datasets import DATASETS, NOT_SUMMED, SUMMABLE_KINDS, staged_schema
from schemas.outputs import QUARANTINE
from schemas.period import period_bounds
from schemas.policy import Policy
from transforms.ingest import normalise as norm
from transforms.ingest.classify import IDENTITY, recognise_dataset
from transforms.ingest.column_choice import chosen_by_content
from transforms.ingest.context_facts import (
    Context,
    area_type_named,
    counties_named,
    period_stamp,
    township_named,
)
from transforms.ingest.guard import FORMAT_LABELS, named_format, real_format, survivable
from transforms.ingest.headers import HEADER_ROWS, Header, column_map, find_header, header_below
from transforms.ingest.merged_cells import filled_down
from transforms.ingest.non_data_rows import DATA, row_kinds, total_checks, total_row_status
from transforms.ingest.read_tables import HEAD_ROWS, RawTable, UnreadableFile, read_tables
from transforms.ingest.validate import accepted_rows, broken_id_rows, failure_cases, quarantine_rows


@dataclass(frozen=True)
class SheetResult:
    file: str
    sheet: str
    dataset: str
    accepted: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int
    rows_skipped: int
    unmapped_columns: list[str]
    total_row_check: str
    total_mismatches: list[dict]
    header_row: int
    county_from: str = ""  # where the county came from when the sheet has no county column
    # Fields of the dataset the sheet has no column for: unknown for its rows (SPEC §2).
    fields_absent: list[str] = field(default_factory=list)
    # Fields taken from the sheet name, title or file name for rows that lack them: {"township": "新城街道"}.
    facts_from_context: dict[str, str] = field(default_factory=dict)
    period_stamp: str = ""  # the period the sheet's title or name states, when not the run's
    # Accepted rows whose value of a field some rule reads is unknown (a column the sheet lacks, or
    # a 监测户 without 风险是否消除): the manifest says why a rule left subjects undecided.
    unknown_counts: dict[str, int] = field(default_factory=dict)
    # Merged ranges below the header whose top value was filled down (`B5:B8`): a household's
    # number or address merged over its members.
    filled_merged_cells: list[str] = field(default_factory=list)
    # Quarantined rows whose ID is broken, typed like accepted rows: SPEC §6 identity matching.
    broken_ids: pl.DataFrame | None = None

    @property
    def rows_accepted(self) -> int:
        return self.accepted.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine["row"].n_unique()


@dataclass(frozen=True)
class FileResult:
    file: str
    sheets: list[SheetResult] = field(default_factory=list)
    ignored_sheets: list[dict] = field(default_factory=list)
    rejected: str | None = None
    reused: bool = False  # taken from the cache of an earlier run, not parsed again
    # What the file was read as when its name says otherwise (an .xls saved as .xlsx): "xls".
    read_as: str = ""
    seconds_read: float = 0.0  # reading the file's tables (0 when reused from the cache)
    seconds: float = 0.0  # reading, recognising, normalising and validating it


def ingest_file(path: Path, rel: str, period: str, policy: Policy) -> FileResult:
    """Read one file and ingest each of its sheets; an unreadable or unrecognised file is rejected.

    A sheet doudi fails on is set aside with a reason rather than stopping the month: the
    officer sees it in the manifest, and the other sheets and files go on.
    """
    started = time.perf_counter()
    try:
        found = real_format(path)
        tables = read_tables(path, found)
    except UnreadableFile as e:
        return _timed(FileResult(rel, rejected=str(e)), started, time.perf_counter())
    except BaseException as e:  # any reader failure is this file's, not the month's
        if not survivable(e):
            raise
        _log_failure(rel, e)
        return _timed(FileResult(rel, rejected=f"文件无法读取（{type(e).__name__}）：请用 Excel 打开检查，另存为 .xlsx 后再报送；"
                                               "如仍不行，请把文件交技术人员检查"), started, time.perf_counter())
    read = time.perf_counter()
    read_as = found if found != named_format(path) else ""
    sheets, ignored = [], []
    for table in tables:
        try:
            outcome = _ingest_table(rel, table, period, policy)
        except BaseException as e:
            if not survivable(e):
                raise
            outcome = NotData(f"处理此表时出错（{type(e).__name__}），请把文件交技术人员检查")
            _log_failure(rel, e)
        if isinstance(outcome, SheetResult):
            sheets.append(outcome)
        else:
            ignored.append({"sheet": table.sheet, "reason": outcome.reason, "headers_seen": outcome.headers_seen})
    if not sheets:
        reasons = "；".join(
            (f"工作表「{i['sheet']}」" if i["sheet"] else "") + i["reason"] for i in ignored
        ) or "文件中没有任何表格"
        return _timed(FileResult(rel, ignored_sheets=ignored, rejected=_as_read(read_as) + f"未识别出任何数据集：{reasons}",
                                 read_as=read_as), started, read)
    return _timed(FileResult(rel, sheets=sheets, ignored_sheets=ignored, read_as=read_as), started, read)


def _timed(result: FileResult, started: float, read: float) -> FileResult:
    return replace(result, seconds_read=read - started, seconds=time.perf_counter() - started)


def _as_read(read_as: str) -> str:
    return f"（文件内容实为 {FORMAT_LABELS[read_as]}，已按此读取）" if read_as else ""


def _log_failure(rel: str, error: Exception) -> None:
    """Where the code failed, for the maintainers: the frame, never the message (it may quote cells)."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    logging.getLogger("doudi").warning(
        "%s: %s at %s:%d", rel, type(error).__name__, Path(frame.filename).name, frame.lineno
    )


@dataclass(frozen=True)
class NotData:
    """Why a sheet holds no data doudi can use, and the header cells it showed."""

    reason: str
    headers_seen: list[str] = field(default_factory=list)


def _fullest_row(table: RawTable) -> list[str]:
    """The cells of the fullest of the first rows: what the sheet shows in place of a header.
    Runs of digits long enough to be ID numbers are masked."""
    head = table.grid.head(HEAD_ROWS).drop("_row")
    rows = [[str(v) for v in row if v is not None] for row in head.iter_rows()]
    fullest = max(rows, key=len, default=[])
    return [re.sub(r"\d{6,}", "******", cell)[:50] for cell in fullest[:30]]


def _context(table: RawTable, header: Header, rel: str) -> Context:
    """Sheet name, the title rows above the header and the file name: where keywords and the
    facts written once above the table are sought."""
    titles = table.grid.head(header.positions[0]).drop("_row")
    words = [str(v) for row in titles.iter_rows() for v in row if v is not None]
    return Context(table.sheet, " ".join(words), rel)


def _ingest_table(rel: str, table: RawTable, period: str, policy: Policy) -> SheetResult | NotData:
    """A sheet's result, or why it holds no data (a notes sheet, an unknown table)."""
    if table.error:
        return NotData(table.error)
    if table.hidden:
        return NotData("是隐藏的工作表，未读取")
    header = find_header(table, policy.vocabulary)
    if header is None:
        return _without_header(table, rel, policy)
    context = _context(table, header, rel)
    recognition = recognise_dataset(header, context.text)
    if recognition.dataset is None:
        return NotData(recognition.reason, recognition.headers_seen)
    dataset = recognition.dataset
    table, filled = _merges_filled(table, header)
    below = table.grid.slice(header.last_position + 1)
    columns = chosen_by_content(column_map(header, dataset), header, below, dataset, policy)
    body = _body(table, header, columns.fields)
    kinds = row_kinds(body, table.columns, columns.fields, policy.vocabulary)
    raw = _raw_fields(body, columns.fields)
    if dataset == "persons":
        raw = _from_certificate(raw)
    raw, facts = _facts_from_context(raw, dataset, context, policy)
    typed = norm.normalised(raw, dataset, policy)
    amounts = _amounts_as_written(raw, dataset)
    checks = total_checks(amounts, kinds, [f for f in _summable(dataset) if f in amounts.columns])
    rows = typed.filter(kinds == DATA)
    cases = failure_cases(rows, dataset, period_bounds(period)[1])
    sheet = table.sheet
    county_from = policy.counties[facts["county"]].name if "county" in facts else ""
    accepted = staged(norm.derived(accepted_rows(rows, cases), dataset), dataset, rel, sheet)
    return SheetResult(
        file=rel,
        sheet=sheet,
        dataset=dataset,
        accepted=accepted,
        quarantine=quarantine_rows(rows, cases, dataset, rel, sheet) if cases.height else QUARANTINE.empty(),
        rows_read=body.height,
        rows_skipped=int((kinds != DATA).sum()),
        unmapped_columns=columns.unmapped,
        total_row_check=total_row_status(checks),
        total_mismatches=[
            {"row": c.row, "field": c.field, "total": c.total, "data_sum": c.data_sum}
            for c in checks if not c.ok
        ],
        header_row=int(table.grid["_row"][header.last_position]),
        county_from=county_from,
        filled_merged_cells=filled,
        broken_ids=staged(norm.derived(broken_id_rows(rows, cases), dataset), dataset, rel, sheet),
        fields_absent=[f for f in DATASETS[dataset].field_names
                       if f"raw__{f}" not in raw.columns and f not in IDENTITY],
        facts_from_context={f: v for f, v in facts.items() if f != "county"} | (
            {"county": county_from} if county_from else {}),
        period_stamp=period_stamp(context, period),
        unknown_counts=_unknown_counts(accepted, dataset),
    )


def _unknown_counts(accepted: pl.DataFrame, dataset: str) -> dict[str, int]:
    """Per field a rule reads, how many accepted rows do not know it."""
    read = [f for f in rule_fields(dataset) if f in accepted.columns]
    if not read or accepted.is_empty():
        return {}
    counts = accepted.select(pl.col(f).null_count() for f in read).row(0, named=True)
    return {f: n for f, n in counts.items() if n}


def _without_header(table: RawTable, rel: str, policy: Policy) -> NotData:
    """Why a sheet has no header in its first rows: none at all, or one too far down (SPEC §2)."""
    late = header_below(table, policy.vocabulary)
    if late is not None and recognise_dataset(late, _context(table, late, rel).text).dataset:
        row = int(table.grid["_row"][late.positions[0]])
        return NotData(
            f"表头在第 {row} 行，而表头应在前 {HEADER_ROWS} 行内：请删去表头上方多余的行（标题、说明、空行），"
            f"使表头位于前 {HEADER_ROWS} 行内后再报送", list(late.names.values()))
    return NotData(f"前 {HEADER_ROWS} 行中没有可识别的表头，不是数据表", _fullest_row(table))


def _merges_filled(table: RawTable, header: Header) -> tuple[RawTable, list[str]]:
    """The table with merged data cells filled down, and the ranges filled."""
    if not table.merged:
        return table, []
    header_row = int(table.grid["_row"][header.last_position])
    grid, filled = filled_down(table.grid, table.merged, table.first_column, header_row)
    return replace(table, grid=grid), filled


def _body(table: RawTable, header: Header, fields: dict[str, str]) -> pl.DataFrame:
    """The non-empty rows below the header, with a flag for ID cells stored as numbers."""
    id_column = next((c for c, f in fields.items() if f == "id_number"), None)
    grid = table.grid.with_columns(table.numeric_flags(id_column).alias("numeric__id_number"))
    below = grid.slice(header.last_position + 1)
    return below.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in table.columns))


def _raw_fields(body: pl.DataFrame, fields: dict[str, str]) -> pl.DataFrame:
    """The cell text of each field the sheet has a column for, as `raw__<field>`; a field without
    a column gets none, and is unknown from here on (SPEC §2)."""
    return body.select(
        "_row", "numeric__id_number", *(pl.col(column).alias(f"raw__{f}") for column, f in fields.items())
    )


# GB/T 26341 残疾人证号: the holder's 18-character ID, then the type digit and the level digit.
_CERTIFICATE_TYPES = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神", "7": "多重"}


def _from_certificate(raw: pl.DataFrame) -> pl.DataFrame:
    """A 残联 sheet whose only ID is the 20-character 残疾证号 (SPEC §2): the ID is its first 18
    characters, and the type and level its last two digits where those columns are absent."""
    if "raw__cert_number" not in raw.columns:
        return raw
    cert = norm.id_cleaned(pl.col("raw__cert_number"))
    derived = {}
    if "raw__id_number" not in raw.columns:
        derived["raw__id_number"] = cert.str.slice(0, 18)
    if "raw__disability_type" not in raw.columns:
        derived["raw__disability_type"] = pl.when(cert.str.len_chars() == 20).then(
            cert.str.slice(18, 1).replace_strict(_CERTIFICATE_TYPES, default=None))
    if "raw__disability_level" not in raw.columns:
        derived["raw__disability_level"] = pl.when(cert.str.len_chars() == 20).then(cert.str.slice(19, 1))
    return raw.with_columns(expr.alias(name) for name, expr in derived.items())


def _facts_from_context(raw: pl.DataFrame, dataset: str, context: Context,
                        policy: Policy) -> tuple[pl.DataFrame, dict[str, str]]:
    """Area type, county and township that the sheet name, title or file name state (SPEC §2), for a
    sheet without that column; a township also fills the blank cells of its column. Returns the
    raw fields and what was taken: {field: value as written into the rows}."""
    fields = DATASETS[dataset].field_names
    facts: dict[str, str] = {}
    if "county" in fields and "raw__county" not in raw.columns:
        codes = counties_named(context, policy)
        if len(codes) == 1:
            facts["county"] = codes.pop()
    if "area_type" in fields and "raw__area_type" not in raw.columns:
        area = area_type_named(context)
        if area:
            facts["area_type"] = {"urban": "城市", "rural": "农村"}[area]
    township = township_named(context, policy) if "township" in fields else None
    if township:
        facts["township"] = township
    filled = [
        (pl.col(f"raw__{f}").fill_null(pl.lit(v)) if f"raw__{f}" in raw.columns else pl.lit(v, pl.String))
        .alias(f"raw__{f}")
        for f, v in facts.items()
    ]
    return (raw.with_columns(filled) if filled else raw), facts


def _summable(dataset: str) -> list[str]:
    """The amount fields a total row may sum (not incomes)."""
    return [
        f.name for f in DATASETS[dataset].fields if f.kind in SUMMABLE_KINDS and f.name not in NOT_SUMMED
    ]


def _amounts_as_written(raw: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Amount columns with blanks left blank: a total row without a figure states no sum."""
    return raw.select("_row", *(norm.money(pl.col(f"raw__{f}")).alias(f) for f in _summable(dataset)
                                if f"raw__{f}" in raw.columns))


def staged(rows: pl.DataFrame, dataset: str, rel: str, sheet: str) -> pl.DataFrame:
    """Accepted rows in the staged table's columns, with their lineage."""
    extra = {
        "name_norm": norm.no_spaces(pl.col("name")),
        "id_number_raw": pl.col("raw__id_number"),
        "src_file": pl.lit(rel),
        "src_sheet": pl.lit(sheet),
        "src_row": pl.col("_row"),
    }
    return rows.select(
        (extra[name] if name in extra else pl.col(name)).cast(dtype).alias(name)
        for name, dtype in staged_schema(dataset).items()
    )
