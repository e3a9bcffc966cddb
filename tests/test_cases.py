"""transforms/review/cases.py and supervision.py: the case states of SPEC §7, and what supervisors count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from schemas.outputs import EXCEPTIONS
from transforms.review.cases import register, with_cases
from transforms.review.store import answers_of
from transforms.review.supervision import supervision

OCT, NOV = "2024-10", "2024-11"
HANDED_OUT, DUE = date(2024, 11, 5), date(2024, 11, 25)


def exceptions(*cases: tuple[str, str], period: str = NOV, evidence: str = "e1") -> pl.DataFrame:
    """Exceptions found by a run: (case_id, status) each."""
    rows = [{"exception_id": f"{c}{period}", "period": period, "rule_code": "DIBAO_EXIT_DUE", "severity": "high",
             "county": "340705", "subject": c, "township": "幸福街道", "overpaid": 100.0, "underpaid": None,
             "status": status, "first_seen": OCT, "case_id": c, "evidence_digest": evidence, "detail": "说明",
             "sources": [], "money_unknown": False} for c, status in cases]
    frame = pl.DataFrame(rows)
    return EXCEPTIONS.conformed(frame.with_columns(*(pl.lit(None).alias(c) for c in EXCEPTIONS.names
                                                     if c not in frame.columns)))


def handouts(*cases: str, batch: str = "b-oct", period: str = OCT, evidence: str = "e1") -> pl.DataFrame:
    return pl.DataFrame([{"batch": batch, "period": period, "case_id": c, "rule_code": "DIBAO_EXIT_DUE",
                          "subject": c, "county": "340705", "township": "幸福街道", "workbook": "w",
                          "handed_out_on": HANDED_OUT, "due_on": DUE, "evidence_digest": evidence,
                          "locked_digest": "d", "overpaid": 100.0, "underpaid": None,
                          "batch_started_at": "2024-11-05T08:00:00+08:00"} for c in cases])


def answers(*rows: dict) -> pl.DataFrame:
    """Answers as case_events holds them: one event per field given."""
    events = []
    for i, row in enumerate(rows):
        fields = {k: v for k, v in row.items() if k not in ("case_id", "batch", "reviewed_on", "file")}
        for field, value in fields.items():
            events.append({"answer_id": f"a{i}", "case_id": row["case_id"], "field": field, "old_value": None,
                           "new_value": str(value), "reviewed_by": "王", "reviewed_on": row["reviewed_on"],
                           "file": row.get("file", f"f{i}.xlsx"), "file_sha256": "s", "sheet": "疑点清单", "row": 5,
                           "batch": row.get("batch", "b-oct"), "run_id": None,
                           "recorded_at": datetime(2024, 11, 20, 8, i, tzinfo=UTC)})
    return answers_of(pl.DataFrame(events))


def state(found: pl.DataFrame, given: pl.DataFrame, today: date = date(2024, 11, 20), handed=None) -> dict:
    handed = handouts("c1") if handed is None else handed
    result = with_cases(found, handed, given, 20, today)
    return dict(zip(result["case_id"], result["case_state"], strict=True))


NOTHING = answers()
CONFIRMED = {"case_id": "c1", "review_result": "属实", "review_action": "停发", "reviewed_on": date(2024, 11, 12)}


def test_a_case_found_and_not_answered_is_open_until_its_deadline_then_overdue():
    assert state(exceptions(("c1", "new"), period=OCT), NOTHING) == {"c1": "open"}
    assert state(exceptions(("c1", "new"), period=OCT), NOTHING, today=date(2024, 11, 26)) == {"c1": "overdue"}


def test_a_case_handed_out_for_the_first_time_takes_today_and_the_policys_days():
    result = with_cases(exceptions(("c9", "new")), handouts("c1"), NOTHING, 20, date(2024, 12, 5))
    assert result.select("handed_out_on", "due_on").row(0) == (date(2024, 12, 5), date(2024, 12, 25))


def test_the_hand_out_date_and_deadline_stay_those_of_the_first_hand_out():
    later = pl.concat([handouts("c1"), handouts("c1", batch="b-nov", period=NOV).with_columns(
        pl.lit(date(2024, 12, 5)).alias("handed_out_on"), pl.lit(date(2024, 12, 25)).alias("due_on"),
        pl.lit("2024-12-05T08:00:00+08:00").alias("batch_started_at"))])
    result = with_cases(exceptions(("c1", "persisting")), later, NOTHING, 20, date(2024, 12, 10))
    assert result.select("handed_out_on", "due_on").row(0) == (HANDED_OUT, DUE)


def test_answered_true_is_answered_and_the_answer_travels_with_the_case():
    result = with_cases(exceptions(("c1", "persisting"), period=OCT), handouts("c1"),
                        answers(CONFIRMED | {"review_action": "追回", "recovered": 50}), 20, date(2024, 11, 20))
    row = result.row(0, named=True)
    assert (row["case_state"], row["review_result"], row["recovered"]) == ("answered", "属实", 50.0)


def test_answered_not_true_is_dismissed_while_the_evidence_stays_and_open_again_when_it_changes():
    untrue = answers({"case_id": "c1", "review_result": "不属实", "rectification": "无需整改",
                      "review_note": "同名", "reviewed_on": date(2024, 11, 12)})
    assert state(exceptions(("c1", "persisting")), untrue) == {"c1": "dismissed"}
    assert state(exceptions(("c1", "persisting"), evidence="e2"), untrue) == {"c1": "open"}


def test_rectified_and_found_again_in_a_later_month_is_rectification_failed_but_not_in_the_same_month():
    rectified = answers(CONFIRMED | {"rectification": "已整改"})
    assert state(exceptions(("c1", "persisting"), period=OCT), rectified) == {"c1": "answered"}
    assert state(exceptions(("c1", "persisting"), period=NOV), rectified) == {"c1": "rectification_failed"}
    stopped = answers(CONFIRMED | {"rectification": "整改中"})  # 停发 counts as rectified
    assert state(exceptions(("c1", "persisting"), period=NOV), stopped) == {"c1": "rectification_failed"}


@pytest.mark.parametrize(("answer", "expected"), [
    (None, "resolved"),
    ({"review_result": "属实", "review_action": "追回", "rectification": "整改中"}, "resolved"),
    ({"review_result": "属实", "review_action": "追回", "rectification": "已整改"}, "closed"),
    ({"review_result": "不属实", "rectification": "无需整改", "review_note": "同名"}, "closed"),
])
def test_a_case_no_longer_found_is_closed_after_rectified_or_not_true_else_resolved(answer, expected):
    given = answers({"case_id": "c1", "reviewed_on": date(2024, 11, 12)} | answer) if answer else NOTHING
    assert state(exceptions(("c1", "resolved"), period=OCT), given) == {"c1": expected}
    cases = register(exceptions(period=NOV), handouts("c1"), given, date(2024, 12, 10), NOV)
    assert cases.row(0, named=True)["case_state"] == expected


def test_the_latest_answer_by_date_then_batch_is_the_state_and_a_same_day_conflict_applies_neither():
    earlier = CONFIRMED | {"reviewed_on": date(2024, 11, 10), "review_result": "部分属实"}
    later = CONFIRMED | {"reviewed_on": date(2024, 11, 15)}
    result = with_cases(exceptions(("c1", "persisting"), period=OCT), handouts("c1"), answers(later, earlier),
                        20, date(2024, 11, 20))
    assert result["review_result"].to_list() == ["属实"]
    clash = answers(earlier, CONFIRMED | {"reviewed_on": date(2024, 11, 15), "review_result": "属实"},
                    CONFIRMED | {"reviewed_on": date(2024, 11, 15), "review_result": "无法核实"})
    result = with_cases(exceptions(("c1", "persisting"), period=OCT), handouts("c1"), clash, 20, date(2024, 11, 20))
    assert result["review_result"].to_list() == ["部分属实"]  # the answer before the conflict stands


def test_supervision_counts_rates_and_money_per_township():
    handed = handouts("c1", "c2", "c3")
    given = answers(CONFIRMED | {"rectification": "已整改", "recovered": 100},
                    {"case_id": "c2", "review_result": "不属实", "rectification": "无需整改",
                     "review_note": "x", "reviewed_on": date(2024, 11, 13)})
    found = with_cases(exceptions(("c1", "persisting"), ("c2", "persisting"), ("c3", "persisting")),
                       handed, given, 20, date(2024, 12, 1))
    cases = register(found, handed, given, date(2024, 12, 1), NOV)
    table = supervision(cases, date(2024, 12, 1)).row(0, named=True)
    assert (table["handed_out"], table["answered"], table["overdue"]) == (3, 2, 1)
    assert table["feedback_rate"] == pytest.approx(2 / 3)  # all three past 2024-11-25
    assert table["confirmed_rate"] == pytest.approx(1 / 2) and table["rectified_rate"] == 1.0
    assert (table["overpaid"], table["recovered"], table["recovery_rate"]) == (300.0, 100.0, pytest.approx(1 / 3))
