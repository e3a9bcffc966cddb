"""Codes as people read them in reports: county names, rule titles, statuses, categories, masked IDs.

Vectorised over whole columns (polars expressions), so a roster of a city costs no per-row Python.
"""

from __future__ import annotations

import polars as pl

from schemas.catalog import SEVERITY_LABELS, STATUS_LABELS, rule_catalog
from schemas.categories import category_labels
from schemas.datasets import DATASETS
from schemas.policy import Policy
from schemas.validation import REASON_LABELS
from transforms.reports.masking import masked_column


def county_name(column: str, policy: Policy) -> pl.Expr:
    """A county code as its name (铜官区); a code the policy lacks stays as it is."""
    names = {code: county.name for code, county in policy.counties.items()}
    return pl.col(column).replace_strict(names, default=pl.col(column), return_dtype=pl.String)


def rule_title(column: str) -> pl.Expr:
    titles = {code: rule.title for code, rule in rule_catalog().items()}
    return pl.col(column).replace_strict(titles, default=pl.col(column), return_dtype=pl.String)


def rule_titles(column: str) -> pl.Expr:
    """A list of rule codes as their titles, joined: 收入超标应退出低保；分类施保金额不符."""
    titles = {code: rule.title for code, rule in rule_catalog().items()}
    return pl.col(column).list.eval(
        pl.element().replace_strict(titles, default=pl.element(), return_dtype=pl.String)
    ).list.join("；")


def status(column: str = "status") -> pl.Expr:
    return pl.col(column).replace_strict(STATUS_LABELS, default=pl.col(column), return_dtype=pl.String)


def severity(column: str = "severity") -> pl.Expr:
    return pl.col(column).replace_strict(SEVERITY_LABELS, default=pl.col(column), return_dtype=pl.String)


def category(column: str, vocabulary: str) -> pl.Expr:
    return pl.col(column).replace_strict(category_labels(vocabulary), default=pl.col(column), return_dtype=pl.String)


def reason(column: str = "reason") -> pl.Expr:
    return pl.col(column).replace_strict(REASON_LABELS, default=pl.col(column), return_dtype=pl.String)


def dataset_label(column: str = "dataset") -> pl.Expr:
    labels = {name: d.label for name, d in DATASETS.items()}
    return pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)


def field_labels(frame: pl.DataFrame) -> pl.Expr:
    """A quarantine row's fields (`benefit,topup` of dibao) as their labels (月保障金、分类施保金).
    Few (dataset, field) pairs occur in a month: each is spelled out once."""
    def spelled(dataset: str, fields: str) -> str:
        known = {f.name: f.label for f in DATASETS[dataset].fields} if dataset in DATASETS else {}
        return "、".join(known.get(name, name) for name in fields.split(","))

    key = pl.concat_str("dataset", pl.lit("|"), "field")
    pairs = frame.select("dataset", "field").unique().drop_nulls()
    labels = {f"{d}|{f}": spelled(d, f) for d, f in pairs.iter_rows()}
    return key.replace_strict(labels, default=pl.col("field"), return_dtype=pl.String)


def masked(column: str, unmask: bool) -> pl.Expr:
    """Free text or an ID column as a report shows it: ID-like numbers masked unless asked not to."""
    return pl.col(column) if unmask else masked_column(pl.col(column))
