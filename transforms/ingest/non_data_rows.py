"""Tell data rows from the rows offices add around them, and check totals against the data.

Below the header a sheet holds data rows, but also 合计/总计/小计 rows, footers (制表人, 审核人,
填报日期), header rows repeated on every printed page, and numbered template rows nobody filled in
(only 序号). These are counted as skipped, never quarantined. A total row's sums are checked
against the data rows it closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.vocabulary import NO_SITE_WORDS, Vocabulary
from transforms.ingest.headers import alias_index

DATA, TOTAL, FOOTER, REPEATED_HEADER, TEMPLATE = "data", "total", "footer", "header", "template"
TOTAL_LABEL = r"^.{0,12}?(合计|总计|小计)"
FOOTER_LABEL = (
    r"^(制表人|制表日期|制表|审核人|审核|审批人|填报日期|填报人|填表人|填表日期|填报单位|经办人|"
    r"负责人|单位负责人|分管领导|主管领导|联系电话|报送日期|打印日期)|^(注|备注|说明)\d?[:：]"
)
TOTAL_TOLERANCE = 0.01  # yuan: sums of amounts in fen agree exactly, bar float noise


def _cleaned(column: str) -> pl.Expr:
    return pl.col(column).str.normalize("NFKC").str.replace_all(r"\s", "")


def _label_kinds(rows: pl.DataFrame, cells: list[str], fields: dict[str, str], site: Vocabulary) -> pl.Series:
    """The kind of rows that carry no ID number (the only rows that can be anything but data)."""
    by_field = {field: column for column, field in fields.items()}
    name_cell = _cleaned(by_field["name"]) if "name" in by_field else pl.lit(None, pl.String)
    total_cells = [_cleaned(c).str.contains(TOTAL_LABEL).fill_null(False) for c in cells]
    footer_cells = [_cleaned(c).str.contains(FOOTER_LABEL).fill_null(False) for c in cells]
    # A total row may count people in the name column (共22户, 6人): names hold no digits.
    name_is_label = (
        name_cell.is_null()
        | name_cell.str.contains(r"\d").fill_null(False)
        | name_cell.str.contains(TOTAL_LABEL).fill_null(False)
        | name_cell.str.contains(FOOTER_LABEL).fill_null(False)
    )
    keys = list(alias_index(site))
    header_cells = [_cleaned(c).str.replace_all(r"\*", "").is_in(keys).fill_null(False) for c in cells]
    mapped_blank = pl.all_horizontal(pl.col(c).is_null() for c in fields) if fields else pl.lit(True)
    kind = (
        pl.when(name_is_label & pl.any_horizontal(total_cells)).then(pl.lit(TOTAL))
        .when(name_is_label & pl.any_horizontal(footer_cells)).then(pl.lit(FOOTER))
        .when(pl.sum_horizontal(header_cells) >= 2).then(pl.lit(REPEATED_HEADER))
        .when(mapped_blank).then(pl.lit(TEMPLATE))
        .otherwise(pl.lit(DATA))
    )
    return rows.select(kind.alias("kind")).to_series()


def row_kinds(body: pl.DataFrame, cells: list[str], fields: dict[str, str],
              site: Vocabulary = NO_SITE_WORDS) -> pl.Series:
    """The kind of each body row: data, total, footer, repeated header or empty template row.

    A row holding an ID number (six digits in a row) is data whatever else it says; the label
    patterns are only sought in the few rows without one.
    """
    id_column = next((c for c, f in fields.items() if f == "id_number"), None)
    has_id = (
        body.select(pl.col(id_column).str.contains(r"\d{6}").fill_null(False)).to_series()
        if id_column else pl.Series([False] * body.height)
    )
    without_id = (~has_id).arg_true()
    kinds = pl.Series("kind", [DATA] * body.height, dtype=pl.String)
    if without_id.len():
        labels = _label_kinds(body[without_id], cells, fields, site)
        kinds = kinds.scatter(without_id, labels)
    return kinds


@dataclass(frozen=True)
class TotalCheck:
    row: int
    field: str
    total: float
    data_sum: float

    @property
    def ok(self) -> bool:
        return abs(self.total - self.data_sum) <= TOTAL_TOLERANCE


def total_checks(amounts: pl.DataFrame, kinds: pl.Series, fields: list[str]) -> list[TotalCheck]:
    """Compare each total row's amounts with the sum of the data rows it closes.

    A total closes either the data rows since the previous total (a 小计 per township, a 本页合计
    per page) or all data rows so far (a 合计 after 小计 rows); either agreeing is a match.
    `amounts` holds the parsed amount of every body row, `_row` included.
    """
    is_data = kinds == DATA
    totals = (kinds == TOTAL).arg_true().to_list()
    checks: list[TotalCheck] = []
    for field in fields:
        values = amounts[field]
        running = pl.select(pl.when(is_data).then(values.fill_null(0.0)).otherwise(0.0).cum_sum()).to_series()
        previous = None
        for position in totals:
            total = values[position]
            if total is not None:
                since_start = running[position]
                since_previous = since_start - (running[previous] if previous is not None else 0.0)
                closest = min((since_previous, since_start), key=lambda s, t=total: abs(t - s))
                checks.append(TotalCheck(amounts["_row"][position], field, total, round(closest, 2)))
            previous = position
    return checks


def total_row_status(checks: list[TotalCheck]) -> str:
    if not checks:
        return "none"
    return "ok" if all(c.ok for c in checks) else "mismatch"
