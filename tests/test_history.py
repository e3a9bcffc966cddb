"""transforms/month/history.py: status and first_seen against earlier runs, and the warehouse (SPEC §5)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from schemas.outputs import EXCEPTIONS, Manifest
from transforms.month import history

PERIOD = "2024-10"


def found(*keys: tuple[str, str], period: str = PERIOD, actual: float | None = None) -> pl.DataFrame:
    """Exceptions as a run's rules find them: new, first seen this period."""
    rows = [{
        "exception_id": f"{rule}|{subject}|{period}", "period": period, "rule_code": rule, "severity": "high",
        "county": "340705", "subject": subject, "id_number": None, "name": None, "household_id": None,
        "detail": "说明", "expected": None, "actual": actual, "sources": [], "status": "new",
        "first_seen": period, "resolved_by_run": None,
    } for rule, subject in keys]
    return EXCEPTIONS.conformed(pl.DataFrame(rows, schema=EXCEPTIONS.schema))


def statuses(frame: pl.DataFrame) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    return {(r["rule_code"], r["subject"]): (r["status"], r["first_seen"], r["resolved_by_run"])
            for r in frame.iter_rows(named=True)}


A, B, C = ("DIBAO_EXIT_DUE", "H1"), ("DECEASED_STILL_PAID", "P1"), ("TEKUN_BELOW_STANDARD", "P2")
NOTHING = EXCEPTIONS.empty()


def test_a_periods_first_run_with_no_history_finds_everything_new():
    result = history.with_history(found(A, B), NOTHING, NOTHING, "run1")
    assert statuses(result) == {A: ("new", PERIOD, None), B: ("new", PERIOD, None)}


def test_a_rerun_after_a_correction_resolves_exactly_what_it_no_longer_finds():
    first = history.with_history(found(A, B, C), NOTHING, NOTHING, "run1")
    second = history.with_history(found(A, C), first, NOTHING, "run2")
    assert statuses(second) == {
        A: ("persisting", PERIOD, None), C: ("persisting", PERIOD, None), B: ("resolved", PERIOD, "run2"),
    }


def test_a_resolved_exception_stays_resolved_by_the_run_that_resolved_it():
    first = history.with_history(found(A, B), NOTHING, NOTHING, "run1")
    second = history.with_history(found(A), first, NOTHING, "run2")
    third = history.with_history(found(A), second, NOTHING, "run3")
    assert statuses(third)[B] == ("resolved", PERIOD, "run2")


def test_an_exception_that_comes_back_after_being_resolved_is_new_again():
    first = history.with_history(found(A, B), NOTHING, NOTHING, "run1")
    second = history.with_history(found(A), first, NOTHING, "run2")
    third = history.with_history(found(A, B), second, NOTHING, "run3")
    assert statuses(third)[B] == ("new", PERIOD, None)


def test_an_exception_present_last_month_is_persisting_with_last_months_first_seen():
    august = history.with_history(found(A, period="2024-08"), NOTHING, NOTHING, "aug")
    september = history.with_history(found(A, B, period="2024-09"), NOTHING, august, "sep")
    october = history.with_history(found(A, B, C), NOTHING, september, "oct")
    assert statuses(october) == {
        A: ("persisting", "2024-08", None), B: ("persisting", "2024-09", None), C: ("new", PERIOD, None),
    }


def test_last_months_exceptions_that_are_gone_are_not_carried_into_this_period():
    september = history.with_history(found(A, B, period="2024-09"), NOTHING, NOTHING, "sep")
    october = history.with_history(found(A), NOTHING, september, "oct")
    assert list(statuses(october)) == [A]


def test_a_month_without_a_run_breaks_the_streak():
    assert history.month_before("2024-01") == "2023-12" and history.month_before("2024-10") == "2024-09"


def test_exceptions_stay_in_catalog_order_with_resolved_ones_after_the_active_ones():
    first = history.with_history(found(B, A, C), NOTHING, NOTHING, "run1")
    assert [r for r, _ in statuses(first)] == ["DECEASED_STILL_PAID", "DIBAO_EXIT_DUE", "TEKUN_BELOW_STANDARD"]
    second = history.with_history(found(("DIBAO_EXIT_DUE", "H9"), C), first, NOTHING, "run2")
    exit_due = second.filter(pl.col("rule_code") == "DIBAO_EXIT_DUE")
    assert exit_due["status"].to_list() == ["new", "resolved"]


# --- the warehouse -------------------------------------------------------------------------------

def manifest(run_id: str, period: str = PERIOD) -> Manifest:
    return Manifest(
        run_id=run_id, period=period, started_at=f"2024-11-0{run_id[-1]}T08:00:00+08:00",
        finished_at=f"2024-11-0{run_id[-1]}T08:01:00+08:00", code_version="t", policy_sha256="0" * 64,
        inputs=[], rejected=[], sheets_ignored=[], outputs=[], rule_counts={}, missing_datasets=[],
        rules_skipped=[], rules_skipped_detail=[], notes=[],
    )


def publish(out: Path, run_id: str, exceptions: pl.DataFrame, period: str = PERIOD, complete: bool = True) -> None:
    with history.warehouse(out) as con:
        history.record_run(con, manifest(run_id, period), exceptions)
        if complete:
            history.mark_complete(con, run_id)


def test_the_warehouse_gives_the_previous_complete_run_of_the_period(tmp_path: Path):
    publish(tmp_path, "run1", history.with_history(found(A, B), NOTHING, NOTHING, "run1"))
    publish(tmp_path, "run2", history.with_history(found(A), NOTHING, NOTHING, "run2"), complete=False)
    with history.warehouse(tmp_path, read_only=True) as con:
        previous = history.previous_exceptions(con, PERIOD)
        runs = history.runs_of(con, PERIOD)
    assert set(statuses(previous)) == {A, B}
    assert runs["run_id"].to_list() == ["run2", "run1"] and runs["state"].to_list() == ["publishing", "complete"]


@pytest.mark.parametrize(("in_place", "state"), [("run2", "complete"), ("run1", "abandoned")])
def test_a_run_killed_while_publishing_is_settled_by_the_manifest_left_in_place(tmp_path: Path, in_place, state):
    publish(tmp_path, "run1", found(A))
    publish(tmp_path, "run2", found(A, B), complete=False)
    (tmp_path / PERIOD).mkdir()
    (tmp_path / PERIOD / "manifest.json").write_text(json.dumps({"run_id": in_place}), encoding="utf-8")
    with history.warehouse(tmp_path) as con:
        history.settle_interrupted_runs(con, tmp_path, PERIOD)
        states = dict(con.execute("select run_id, state from runs").fetchall())
    assert states == {"run1": "complete", "run2": state}


def test_the_trend_counts_active_exceptions_of_each_periods_latest_run(tmp_path: Path):
    publish(tmp_path, "run1", history.with_history(found(A, B, period="2024-09"), NOTHING, NOTHING, "run1"), "2024-09")
    publish(tmp_path, "run2", history.with_history(found(A, period="2024-09"),
                                                   found(A, B, period="2024-09"), NOTHING, "run2"), "2024-09")
    with history.warehouse(tmp_path, read_only=True) as con:
        earlier = history.earlier_counts(con, PERIOD)
    trend = history.trend(earlier, found(A, B, C), PERIOD)
    assert dict(zip(trend["period"], trend["n"], strict=False)) and trend.filter(pl.col("period") == "2024-09")["n"].sum() == 1
    assert trend.filter(pl.col("period") == PERIOD)["n"].sum() == 3


def test_diff_shows_what_appeared_what_went_and_what_changed(tmp_path: Path):
    publish(tmp_path, "run1", found(A, B, actual=100.0))
    publish(tmp_path, "run2", history.with_history(found(A, C, actual=120.0), found(A, B, actual=100.0), NOTHING, "run2"))
    with history.warehouse(tmp_path, read_only=True) as con:
        comparison = history.compared(con, PERIOD)
    assert (comparison.run_id, comparison.other_run_id) == ("run2", "run1")
    assert comparison.appeared["subject"].to_list() == ["P2"]
    assert comparison.gone["subject"].to_list() == ["P1"]
    assert comparison.kept.select("actual", "other_actual").row(0) == (120.0, 100.0)


def test_diff_against_another_period_or_a_run_id_prefix(tmp_path: Path):
    publish(tmp_path, "sep-run1", found(A, period="2024-09"), "2024-09")
    publish(tmp_path, "oct-run2", found(A, B))
    with history.warehouse(tmp_path, read_only=True) as con:
        by_period = history.compared(con, PERIOD, "2024-09")
        by_run = history.compared(con, PERIOD, "sep")
        with pytest.raises(history.HistoryError, match="没有可比较"):
            history.compared(con, PERIOD)
    assert by_period.other_run_id == by_run.other_run_id == "sep-run1"
    assert by_period.appeared["subject"].to_list() == ["P1"] and by_period.gone.is_empty()


def test_a_warehouse_that_does_not_exist_yet_reads_as_empty(tmp_path: Path):
    with history.warehouse(tmp_path, read_only=True) as con:
        assert history.runs_of(con, PERIOD).is_empty()
        assert history.previous_exceptions(con, PERIOD).is_empty()
    assert not (tmp_path / history.WAREHOUSE).exists()
