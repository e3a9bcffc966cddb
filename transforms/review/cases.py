"""Carry and close (SPEC §7): each exception's case, its hand-out dates and its last accepted
answer, and the case's state; and the register of every case handed out so far.

- The answers to a case are ordered by 核查日期, then by the batch they answer (when that run
  started), then by when they were read; the latest is the case's review state. Two different
  answers with the same 核查日期 and batch are a conflict: neither is applied (the answer before
  them, if any, stands).
- States: `open` (found, no answer), `overdue` (found, no answer, past 反馈截止 — computed here,
  never stored), `answered` (found, answered 属实 / 部分属实 / 无法核实, not 已整改), `dismissed`
  (answered 不属实, found with the evidence it was answered on; when the evidence changes the case is
  `open` again), `rectification_failed` 整改不实 (answered 已整改, or 停发, and found again in a later
  month than the batch it answered), `closed` 销号 (no longer found, after 已整改 or 不属实),
  `resolved` (no longer found, without such an answer).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from schemas.outputs import CASE_COLUMNS
from schemas.review import CONFIRMED
from transforms.review.store import MONEY_FIELDS, TEXT_FIELDS

ACTIVE = ("new", "persisting")
REVIEW_FIELDS = (*TEXT_FIELDS, *MONEY_FIELDS, "reviewed_on")


def conflicts(answers: pl.DataFrame) -> pl.DataFrame:
    """Groups of different answers to one case with the same 核查日期 and batch."""
    return (answers.group_by("case_id", "reviewed_on", "batch")
            .agg(pl.col("answer_id").n_unique().alias("answers"), pl.col("file").unique().sort().alias("files"))
            .filter(pl.col("answers") > 1))


def latest_answers(answers: pl.DataFrame, all_handouts: pl.DataFrame) -> pl.DataFrame:
    """Per case, the answer that is its review state, with the period and evidence of its batch."""
    batches = all_handouts.select("batch", "case_id", "period", "evidence_digest", "batch_started_at").unique(
        ["batch", "case_id"])
    clashing = conflicts(answers).select("case_id", "reviewed_on", "batch")
    ordered = (answers.join(clashing, on=["case_id", "reviewed_on", "batch"], how="anti")
               .join(batches, on=["batch", "case_id"], how="left")
               .sort("reviewed_on", "batch_started_at", "recorded_at", nulls_last=False))
    return (ordered.group_by("case_id", maintain_order=True).last()
            .rename({"period": "answered_period", "evidence_digest": "answered_evidence"}))


def with_cases(exceptions: pl.DataFrame, all_handouts: pl.DataFrame, answers: pl.DataFrame, days: int,
               today: date) -> pl.DataFrame:
    """The exceptions (status against history already set) with their case columns filled. A case
    not handed out before gets today as its 下发日期 when it is found now (this run hands it out)."""
    first = _first_handouts(all_handouts)
    latest = latest_answers(answers, all_handouts)
    frame = (exceptions.drop([name for name, _, _ in CASE_COLUMNS if name not in ("case_id", "evidence_digest")])
             .join(first, on="case_id", how="left")
             .join(latest.select("case_id", *REVIEW_FIELDS, "answered_period", "answered_evidence"),
                   on="case_id", how="left"))
    found_now = pl.col("status").is_in(ACTIVE)
    frame = frame.with_columns(
        pl.when(pl.col("handed_out_on").is_null() & found_now).then(pl.lit(today))
        .otherwise(pl.col("handed_out_on")).alias("handed_out_on"),
    ).with_columns(
        pl.coalesce("due_on", pl.col("handed_out_on") + timedelta(days=days)).alias("due_on"),
    )
    frame = frame.with_columns(case_state(found_now, today).alias("case_state"))
    return frame.select(exceptions.columns)


def case_state(found: pl.Expr, today: date) -> pl.Expr:
    """SPEC §7's states, from whether the case is found now and its latest answer."""
    result, rectification = pl.col("review_result"), pl.col("rectification")
    unanswered = result.is_null()
    rectified = (rectification == "已整改") | (pl.col("review_action") == "停发")
    same_evidence = pl.col("evidence_digest") == pl.col("answered_evidence")
    later_month = pl.col("period") > pl.col("answered_period")
    return (
        pl.when(found & unanswered & (pl.lit(today) > pl.col("due_on"))).then(pl.lit("overdue"))
        .when(found & unanswered).then(pl.lit("open"))
        .when(found & (result == "不属实") & same_evidence).then(pl.lit("dismissed"))
        .when(found & (result == "不属实")).then(pl.lit("open"))
        .when(found & rectified & later_month.fill_null(False)).then(pl.lit("rectification_failed"))
        .when(found).then(pl.lit("answered"))
        .otherwise(gone_state())
    )


def gone_state() -> pl.Expr:
    """A case no longer found: 销号 after 已整改 or 不属实, else resolved."""
    closing = (pl.col("review_result") == "不属实") | (pl.col("rectification") == "已整改")
    return pl.when(closing.fill_null(False)).then(pl.lit("closed")).otherwise(pl.lit("resolved"))


def _first_handouts(all_handouts: pl.DataFrame) -> pl.DataFrame:
    if all_handouts.is_empty():
        return pl.DataFrame(schema={"case_id": pl.String, "handed_out_on": pl.Date, "due_on": pl.Date})
    return (all_handouts.sort("handed_out_on", "batch_started_at").group_by("case_id", maintain_order=True)
            .agg(pl.col("handed_out_on").first(), pl.col("due_on").first()))


def register(exceptions: pl.DataFrame, all_handouts: pl.DataFrame, answers: pl.DataFrame, today: date,
             period: str) -> pl.DataFrame:
    """Every case handed out up to this run, one row each, as supervision counts it: its county and
    township (of its latest hand-out), money (of its latest finding), answer and state. A case this
    run found takes its state from `exceptions`; one no longer found is closed or resolved."""
    found = exceptions.filter(pl.col("status").is_in(ACTIVE)).select(
        "case_id", "rule_code", "county", "township", "overpaid", "underpaid", "handed_out_on", "due_on",
        "case_state", pl.lit(period).alias("period"))
    earlier = (all_handouts.sort("batch_started_at").group_by("case_id", maintain_order=True).last()
               .join(found.select("case_id"), on="case_id", how="anti"))
    first = _first_handouts(all_handouts)
    earlier = (earlier.drop("handed_out_on", "due_on").join(first, on="case_id", how="left")
               .select("case_id", "rule_code", "county", "township", "overpaid", "underpaid", "handed_out_on",
                       "due_on", pl.lit(None, pl.String).alias("case_state"), "period"))
    cases = pl.concat([found, earlier.cast(found.schema)])
    latest = latest_answers(answers, all_handouts).select("case_id", *REVIEW_FIELDS)
    cases = cases.join(latest, on="case_id", how="left")
    return cases.with_columns(
        pl.when((pl.col("case_state") == "open") & (pl.lit(today) > pl.col("due_on"))).then(pl.lit("overdue"))
        .otherwise(pl.coalesce("case_state", gone_state())).alias("case_state"),
        pl.col("review_result").is_in(CONFIRMED).alias("confirmed"),
    )
