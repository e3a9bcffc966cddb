"""Supervision (SPEC §7): per county and township, what supervisors count of the cases handed out.

下发 (cases handed out), 已反馈, 反馈率 (answered cases past their deadline ÷ cases past their
deadline), 逾期未反馈, 属实率 ((属实 + 部分属实) ÷ answered), 整改率 (已整改 ÷ (属实 + 部分属实)),
应追回 / 已追回 / 追回率, 应补发 / 已补发. A rate with nothing to divide by is null (shown —).
"""

from __future__ import annotations

from datetime import date

import polars as pl

SUPERVISION_HEADERS = {
    "county": "区县", "township": "乡镇（街道）", "handed_out": "下发", "answered": "已反馈",
    "feedback_rate": "反馈率", "overdue": "逾期未反馈", "confirmed_rate": "属实率",
    "rectified_rate": "整改率", "overpaid": "应追回（元）", "recovered": "已追回（元）",
    "recovery_rate": "追回率", "underpaid": "应补发（元）", "supplemented": "已补发（元）",
}
RATES = ("feedback_rate", "confirmed_rate", "rectified_rate", "recovery_rate")
MONEY = ("overpaid", "recovered", "underpaid", "supplemented")


def supervision(register: pl.DataFrame, today: date, by: tuple[str, ...] = ("county", "township")) -> pl.DataFrame:
    """One row per county and township (or per `by`), and a 合计 row last, in SUPERVISION_HEADERS."""
    marked = register.with_columns(
        pl.col("county").cast(pl.String).fill_null("（未分区县）"),
        pl.col("review_result").is_not_null().alias("is_answered"),
        (pl.col("due_on") < pl.lit(today)).fill_null(False).alias("past_due"),
        (pl.col("rectification") == "已整改").fill_null(False).alias("rectified"),
    )
    counted = [
        pl.len().alias("handed_out"),
        pl.col("is_answered").sum().alias("answered"),
        (pl.col("is_answered") & pl.col("past_due")).sum().alias("answered_past_due"),
        pl.col("past_due").sum().alias("past_due"),
        (pl.col("case_state") == "overdue").sum().alias("overdue"),
        pl.col("confirmed").fill_null(False).sum().alias("confirmed"),
        (pl.col("rectified") & pl.col("confirmed").fill_null(False)).sum().alias("rectified"),
        *(pl.col(m).sum().alias(m) for m in MONEY),
    ]
    rows = marked.group_by(*by).agg(counted).sort(*by, nulls_last=True)
    total = marked.select(counted).with_columns(*(pl.lit("合计" if i == 0 else None, pl.String).alias(c)
                                                  for i, c in enumerate(by)))
    table = pl.concat([rows.with_columns(pl.col(c).cast(pl.String) for c in by), total.select(rows.columns)])
    return table.with_columns(
        _ratio("answered_past_due", "past_due").alias("feedback_rate"),
        _ratio("confirmed", "answered").alias("confirmed_rate"),
        _ratio("rectified", "confirmed").alias("rectified_rate"),
        _ratio("recovered", "overpaid").alias("recovery_rate"),
    ).select(*by, *(c for c in SUPERVISION_HEADERS if c not in ("county", "township")))


def _ratio(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
