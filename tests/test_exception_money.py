"""exception_places.sql and exception_money.sql: where each exception is, and its money three ways
(SPEC §5 "Where, and how much")."""

from datetime import date

import pytest

from tests.rule_tables import ID1, ID2, TONGGUAN, ZONGYANG, exceptions_of, only, staged, tiny_policy

BEFORE_OCTOBER = date(2024, 9, 30)


def test_the_township_comes_from_the_dibao_row_before_the_tekun_and_registry_rows():
    con = staged(dibao=[{"id_number": ID1, "township": "横港街道", "village": "天井社区"}],
                 tekun=[{"id_number": ID1, "township": "西湖镇", "village": "新民村"}],
                 registry=[{"id_number": ID1, "township": "大通镇"}])
    found = only(exceptions_of("DIBAO_TEKUN_OVERLAP", con))
    assert (found["township"], found["village"]) == ("横港街道", "天井社区")


def test_a_person_only_on_the_registry_and_the_disability_list_takes_the_registry_township():
    con = staged(registry=[{"id_number": ID1, "township": "大通镇", "village": "和平村"}],
                 persons=[{"id_number": ID1, "township": "铜山镇", "living_subsidy": 80.0}])
    found = only(exceptions_of("DISABILITY_LIVING_INELIGIBLE", con))
    assert (found["township"], found["village"]) == ("大通镇", "和平村")


def test_a_row_without_a_township_gives_way_to_a_later_dataset_that_has_one():
    con = staged(dibao=[{"id_number": ID1, "township": None}], tekun=[{"id_number": ID1, "township": "西湖镇"}])
    assert only(exceptions_of("DIBAO_TEKUN_OVERLAP", con))["township"] == "西湖镇"


def test_county_rules_have_no_township_and_their_money_is_a_budget_gap():
    con = staged(tekun=[{"id_number": ID1, "county": ZONGYANG, "basic_paid": 884.0},
                        {"id_number": ID2, "county": ZONGYANG, "basic_paid": 884.0}])
    floor = only(exceptions_of("TEKUN_STANDARD_BELOW_FLOOR", con))
    assert floor["township"] is None and floor["overpaid"] is None and floor["underpaid"] is None
    # (0.60 × 18500 − 884 × 12) × 2 特困 persons of 枞阳县 this month
    assert floor["budget_gap"] == pytest.approx((11100 - 10608) * 2)


def test_overlap_recovers_this_months_dibao_payment():
    con = staged(dibao=[{"id_number": ID1, "benefit": 420.0, "topup": 84.0}], tekun=[{"id_number": ID1}])
    found = only(exceptions_of("DIBAO_TEKUN_OVERLAP", con))
    assert (found["overpaid"], found["underpaid"], found["budget_gap"]) == (504.0, None, None)


def test_a_duplicate_recovers_every_payment_beyond_the_largest_one():
    con = staged(dibao=[{"id_number": ID1, "benefit": 420.0, "topup": 0.0, "household_id": "DB1"},
                        {"id_number": ID1, "benefit": 300.0, "topup": 60.0, "household_id": "DB2"},
                        {"id_number": ID1, "benefit": 100.0, "topup": 0.0, "household_id": "DB3"}])
    assert only(exceptions_of("DUPLICATE_ENROLLMENT", con))["overpaid"] == 460.0


def test_a_death_recovers_this_months_payment_for_each_month_since_the_month_after_it_as_an_estimate():
    con = staged(dibao=[{"id_number": ID1, "benefit": 420.0, "topup": 0.0}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 7, 15)}])
    found = only(exceptions_of("DECEASED_STILL_PAID", con))
    assert found["overpaid"] == 420.0 * 3  # August, September, October
    assert found["detail"].endswith("应追回金额为测算：本月发放 420.00 元 × 3 个月（死亡次月 2024-08 至本月）＝ 1260.00 元")


def test_exit_due_recovers_the_households_payments_this_month():
    con = staged(dibao=[{"id_number": ID1, "household_id": "DB1", "per_capita_income": 900.0,
                         "benefit": 300.0, "topup": 60.0},
                        {"id_number": ID2, "household_id": "DB1", "relation": "子女", "per_capita_income": 900.0,
                         "benefit": 200.0, "topup": 0.0}])
    assert only(exceptions_of("DIBAO_EXIT_DUE", con))["overpaid"] == 560.0


@pytest.mark.parametrize(("topup", "overpaid", "underpaid"), [(200.0, 74.0, 0.0), (50.0, 0.0, 76.0)])
def test_a_topup_difference_is_overpaid_or_underpaid_by_its_sign(topup, overpaid, underpaid):
    con = staged(dibao=[{"id_number": ID1, "category": "A", "benefit": 420.0, "topup": topup}])
    found = only(exceptions_of("DIBAO_TOPUP_MISMATCH", con))
    assert (found["overpaid"], found["underpaid"]) == (pytest.approx(overpaid), pytest.approx(underpaid))


def test_an_ineligible_subsidy_is_recovered_and_a_missing_one_is_owed_at_the_policys_standard():
    con = staged(persons=[{"id_number": ID1, "disability_level": 1, "care_subsidy": 0.0}])
    missing = only(exceptions_of("DISABILITY_CARE_MISSING", con,
                                 policy=tiny_policy(care_subsidy_monthly={1: 120.0, 2: 80.0})))
    assert missing["underpaid"] == 120.0 and not missing["money_unknown"]
    con = staged(persons=[{"id_number": ID1, "disability_level": 3, "care_subsidy": 80.0}])
    assert only(exceptions_of("DISABILITY_CARE_INELIGIBLE", con))["overpaid"] == 80.0


def test_a_missing_subsidy_without_a_standard_in_the_policy_is_unknown_not_zero():
    con = staged(persons=[{"id_number": ID1, "disability_level": 1, "care_subsidy": 0.0}])
    missing = only(exceptions_of("DISABILITY_CARE_MISSING", con))
    assert missing["underpaid"] is None and missing["money_unknown"]


def test_a_payment_the_office_did_not_export_leaves_the_money_unknown():
    con = staged(dibao=[{"id_number": ID1, "benefit": 420.0, "topup": None}], tekun=[{"id_number": ID1}])
    found = only(exceptions_of("DIBAO_TEKUN_OVERLAP", con))
    assert found["overpaid"] is None and found["money_unknown"]


def test_rules_without_money_carry_none_and_are_not_unknown():
    con = staged(dibao=[{"id_number": ID1, "name": "张三"}], tekun=[{"id_number": ID1, "name": "李四"}])
    found = only(exceptions_of("IDENTITY_CONFLICT", con))
    assert (found["overpaid"], found["underpaid"], found["budget_gap"], found["money_unknown"]) == (
        None, None, None, False)


def test_the_case_is_the_rule_and_subject_and_its_evidence_ignores_where_the_rows_are():
    moved = [staged(dibao=[{"id_number": ID1}], tekun=[{"id_number": ID1, "src_row": row}]) for row in (5, 40)]
    first, second = (only(exceptions_of("DIBAO_TEKUN_OVERLAP", con)) for con in moved)
    assert first["case_id"] == second["case_id"] and first["sources"] != second["sources"]
    assert first["evidence_digest"] == second["evidence_digest"]
    paid_more = staged(dibao=[{"id_number": ID1, "benefit": 500.0}], tekun=[{"id_number": ID1}])
    assert only(exceptions_of("DIBAO_TEKUN_OVERLAP", paid_more))["evidence_digest"] != first["evidence_digest"]
    assert first["county"] == TONGGUAN
