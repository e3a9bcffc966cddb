"""The review loop as the monthly flow wires it (SPEC §7): take-back before the history, the case
columns after it, hand-out after the reports, the register supervision counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from schemas.policy import Policy
from transforms.review import store
from transforms.review.cases import register, with_cases
from transforms.review.clock import today
from transforms.review.handout import write_handout_books
from transforms.review.takeback import TakeBack, feedback_files, take_back

__all__ = ["TakeBack", "ReviewState", "take_back_inbox", "review_state", "with_review", "case_register",
           "hand_out"]


@dataclass(frozen=True)
class ReviewState:
    """The warehouse's hand-outs (of published runs up to the period) and answers, as a run starts."""

    handouts: pl.DataFrame
    answers: pl.DataFrame
    today: date


def take_back_inbox(con: duckdb.DuckDBPyConnection, inbox: Path, run_id: str, policy: Policy) -> TakeBack:
    """Every returned workbook in `<inbox>/<any period>/feedback/`, read and recorded."""
    names = {code: county.name for code, county in policy.counties.items()}
    return take_back(con, feedback_files(inbox), run_id, today(), names)


def review_state(con: duckdb.DuckDBPyConnection, period: str) -> ReviewState:
    return ReviewState(store.handouts(con, period), store.answers(con), today())


def with_review(exceptions: pl.DataFrame, state: ReviewState, policy: Policy) -> pl.DataFrame:
    return with_cases(exceptions, state.handouts, state.answers, policy.review.days, state.today)


def case_register(exceptions: pl.DataFrame, state: ReviewState, period: str) -> pl.DataFrame:
    return register(exceptions, state.handouts, state.answers, state.today, period)


def hand_out(folder: Path, exceptions: pl.DataFrame, policy: Policy, period: str, run_id: str,
             unmask: bool) -> pl.DataFrame:
    return write_handout_books(folder, exceptions, policy, period, run_id, unmask)


def period_cases(out: Path, period: str, county: str | None, township: str | None) -> tuple[pl.DataFrame, date]:
    """`doudi cases`: the register as of the period's latest complete run, deadlines counted from
    today, narrowed to a county and a township when asked."""
    from transforms.month import history

    with history.warehouse(out, read_only=True) as con:
        exceptions = history.previous_exceptions(con, period)
        state = review_state(con, period)
    cases = case_register(exceptions, state, period)
    if county:
        cases = cases.filter(pl.col("county") == county)
    if township:
        cases = cases.filter(pl.col("township") == township)
    return cases, state.today
