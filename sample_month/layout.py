"""Sheets as lines, and what every file writer shares.

A `SheetPlan` says what each row of a sheet is (title, header, data, total, footer); from it come
the ground truth's rows read / accepted / quarantined / skipped, the total-row check and where each
quarantined row sits (row numbers as the office sees them). A `Context` gives writers the month,
the policy, a seeded generator per file (a file's mess does not change when another file's code
does) and printable names.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sample_month.records import Month, Record
from sample_month.render import Mess
from schemas.datasets import DATASETS, NOT_SUMMED, SUMMABLE_KINDS
from schemas.policy import Policy

NOT_DATA = ("subtotal", "total", "footer", "skipped")  # counted in rows_read and rows_skipped


@dataclass(frozen=True)
class Column:
    header: str  # as written, the leaf of a two-row header
    field: str | None = None  # canonical field; None for 序号, 民族, a blank column …
    # (record, ordinal) -> cell, for unmapped columns or a field written its own way
    value: Callable[[Record, int], object] | None = None


@dataclass
class Line:
    kind: str  # title | note | blank | header | data | subtotal | total | footer
    cells: list[object]
    record: Record | None = None
    mismatch: bool = False


@dataclass(frozen=True)
class InputRow:
    file: str
    sheet: str
    dataset: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rows_skipped: int
    total_row_check: str


@dataclass(frozen=True)
class QuarantineEntry:
    dataset: str
    file: str
    sheet: str
    row: int
    reason: str
    field: str
    header: str  # the column's header as written, to find the cell again
    value: object  # the raw value written


@dataclass(frozen=True)
class IdentityCase:
    dataset: str
    file: str
    sheet: str
    row: int
    suggested_id_number: str  # '' when nothing may be suggested (a tie, another name)
    record: Record = field(repr=False, compare=False)

    @property
    def ref(self) -> str:
        """The row as an exception's subject names it: file:sheet:row."""
        return f"{self.file}:{self.sheet}:{self.row}"


@dataclass
class SheetPlan:
    file: str  # relative to the period folder, forward slashes
    sheet: str  # '' for CSV/TXT/Parquet
    dataset: str | None  # None for a sheet that is no dataset (填表说明, a statistics table)
    columns: list[Column]
    lines: list[Line] = field(default_factory=list)
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)

    def numbered(self) -> Iterable[tuple[int, Line]]:
        """(row as the office sees it, line) for the lines below the header."""
        headers = [i for i, line in enumerate(self.lines) if line.kind == "header"]
        first = headers[-1] + 1 if headers else 0
        return ((i + 1, self.lines[i]) for i in range(first, len(self.lines)))

    def input_row(self) -> InputRow:
        kinds = [line.kind for _, line in self.numbered()]
        data = [line.record for _, line in self.numbered() if line.kind == "data"]
        quarantined = sum(1 for r in data if not r.accepted)
        skipped = sum(1 for k in kinds if k in NOT_DATA)
        totals = [line for _, line in self.numbered() if line.kind in ("subtotal", "total")]
        check = "none" if not totals else "mismatch" if any(t.mismatch for t in totals) else "ok"
        return InputRow(self.file, self.sheet, str(self.dataset), len(data) + skipped,
                        len(data) - quarantined, quarantined, skipped, check)

    def identity_cases(self) -> list[IdentityCase]:
        """The rows whose ID was mistyped (SPEC §6), where they sit and what must be suggested."""
        return [
            IdentityCase(str(self.dataset), self.file, self.sheet, row, line.record.suggested or "",
                         line.record)
            for row, line in self.numbered()
            if line.kind == "data" and line.record.identity_case
        ]

    def quarantine(self) -> list[QuarantineEntry]:
        headers = {c.field: c.header for c in self.columns if c.field}
        return [
            QuarantineEntry(str(self.dataset), self.file, self.sheet, row, line.record.reason,
                            line.record.bad_field, headers[line.record.bad_field],
                            line.record.raw[line.record.bad_field])
            for row, line in self.numbered()
            if line.kind == "data" and not line.record.accepted
        ]


def data_line(record: Record, columns: list[Column], mess: Mess, ordinal: int) -> Line:
    cells = [
        c.value(record, ordinal) if c.value else mess.cell(record, c.field) if c.field else None
        for c in columns
    ]
    return Line("data", cells, record)


def header_line(columns: list[Column]) -> Line:
    return Line("header", [c.header for c in columns])


def summed_value(record: Record, name: str) -> float:
    """The amount as the office's own total counts it: the written number, blank as nothing."""
    value = record.raw[name] if name in record.raw else record.values.get(name)
    if value is None:
        return 0.0
    if isinstance(value, str):
        raise ValueError(f"a total row cannot sum the text {value!r}: keep bad numbers off it")
    return float(value)


def total_line(kind: str, label: str, columns: list[Column], records: list[Record],
               off_by: float = 0.0) -> Line:
    """A 合计/小计 row: the label in the first column, the sums under the summable amounts."""
    cells: list[object] = [label] + [None] * (len(columns) - 1)
    first_sum = True
    for i, column in enumerate(columns):
        if column.field is None or not records:
            continue
        spec = DATASETS[records[0].dataset].field(column.field)
        if spec.kind in SUMMABLE_KINDS and column.field not in NOT_SUMMED:
            total = sum(summed_value(r, column.field) for r in records)
            cells[i] = round(total + (off_by if first_sum else 0.0), 2)
            first_sum = False
    return Line(kind, cells, mismatch=off_by != 0.0)


def footer_line(width: int, maker: str, checker: str, filled_on: date) -> Line:
    """制表人 / 审核人 / 填报日期 on one row, as most offices print them."""
    cells: list[object] = [None] * width
    cells[0] = f"制表人：{maker}"
    cells[min(4, width - 2)] = f"审核人：{checker}"
    cells[min(8, width - 1)] = f"填报日期：{filled_on:%Y年%-m月%-d日}"
    return Line("footer", cells)


HOSPITALS = ("铜陵市人民医院", "铜陵市立医院", "义安区人民医院", "枞阳县人民医院",
             "铜陵市中医医院", "安徽医科大学第一附属医院")


@dataclass(frozen=True)
class Context:
    month: Month
    policy: Policy
    seed: int

    def rng(self, file: str) -> random.Random:
        return random.Random(f"doudi:{self.seed}:{self.month.period.text}:{file}")

    @property
    def city(self) -> str:
        return self.policy.city.name or "本市"

    @property
    def county_names(self) -> dict[str, str]:
        return {code: county.name for code, county in self.policy.counties.items()}

    @property
    def month_label(self) -> str:
        return f"{self.month.period.year}年{self.month.period.month}月"

    @property
    def filled_on(self) -> date:
        return self.month.period.end + timedelta(days=5)

    def rows(self, dataset: str) -> list[Record]:
        """The rows of the tidy rosters: those a real export carries (real_exports.py) are not."""
        return [r for r in self.month.rows[dataset] if r.channel is None]


# Columns that map to no field (SPEC §2: ignored, listed per sheet in the manifest): each is a
# function of (record, ordinal), as `Column.value` expects.
def phone(rng: random.Random):
    return lambda record, ordinal: f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def ethnicity(rng: random.Random):
    return lambda record, ordinal: rng.choice(("汉族",) * 12 + ("回族", "满族"))


def remarks(rng: random.Random):
    return lambda record, ordinal: rng.choice((None,) * 8 + ("新纳入", "护理等级调整"))


def ordinal(record: Record, n: int) -> int:
    return n


def sex_of(record: Record, n: int) -> str:
    return "男" if int(record.id_number[16]) % 2 else "女"


def age_of(period_end: date):
    def age(record: Record, n: int) -> int:
        number = record.id_number
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        return period_end.year - born.year - ((period_end.month, period_end.day) < (born.month, born.day))
    return age


def clerks(rng: random.Random) -> tuple[str, str]:
    surnames = "王李张刘陈杨黄赵吴周"
    return rng.choice(surnames) + rng.choice(("晓燕", "海峰", "丽", "建国")), rng.choice(surnames) + "主任"
