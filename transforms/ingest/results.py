"""What ingesting a file gives: per sheet and dataset, its accepted rows, quarantine and counts.

Counting (SPEC §2): `rows_read` counts the office's rows as they appear in the sheet (every
non-empty row below the header); `rows_produced` the rows after reshaping (a household row's
members, a person's payment rows as one); and rows_produced = rows_accepted + rows_quarantined +
rows_skipped. A sheet split between datasets gives one result per (sheet, dataset).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

PERSON, HOUSEHOLD = "person", "household"  # what a sheet's rows are (SPEC §2, household sheets)


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
    rows_produced: int = -1  # after reshaping; -1: as read
    rows_quarantined_count: int = -1  # produced rows quarantined; -1: counted from the quarantine
    reshaped: str = ""  # the shape read (household_rows, payment_type_rows …), "" for one row per person
    skipped_reasons: dict[str, int] = field(default_factory=dict)  # non-data rows by reason
    derived_fields: list[str] = field(default_factory=list)  # fields doudi derived (household_id, claim_id)
    columns: list[dict] = field(default_factory=list)  # [{"column": "B", "header": "姓名", "field": "name"}]
    recognised: str = ""  # why the sheet is this dataset's, in Chinese
    level: str = PERSON  # HOUSEHOLD: a household sheet whose rows give their members' household fields

    @property
    def rows_accepted(self) -> int:
        return self.accepted.height

    @property
    def rows_quarantined(self) -> int:
        if self.rows_quarantined_count >= 0:
            return self.rows_quarantined_count
        return self.quarantine.select("row", "member").n_unique() if self.quarantine.height else 0

    @property
    def produced(self) -> int:
        return self.rows_produced if self.rows_produced >= 0 else self.rows_read


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


@dataclass(frozen=True)
class NotData:
    """Why a sheet holds no data doudi can use, and the header cells it showed."""

    reason: str
    headers_seen: list[str] = field(default_factory=list)
