"""SPEC §2: a column a sheet does not have is an unknown, never 0 and never "not in the programme".

Each rule fires only where the known facts prove it whatever the unknowns are, leaves a subject
undecided where the answer depends on one, and still decides on a blank cell (0, no class) and on
a fact another office's data proves. In the staged tables an absent column is NULL.
"""

from datetime import date

import pytest

from tests.rule_tables import (
    ID1,
    ID2,
    ZONGYANG,
    exceptions_of,
    staged,
    subjects,
    undecided_of,
)


def judged(rule: str, con) -> tuple[list[str], list[str]]:
    """(subjects the rule fires on, subjects it leaves undecided)."""
    return subjects(rule, con), undecided_of(rule, con)


# --- DIBAO_EXIT_DUE ---------------------------------------------------------------------------

def test_exit_due_with_the_income_column_absent_is_undecided():
    con = staged(dibao=[{"per_capita_income": None}])
    assert judged("DIBAO_EXIT_DUE", con) == ([], ["DB001"])


def test_exit_due_with_an_income_of_zero_is_decided():
    con = staged(dibao=[{"per_capita_income": 0.0}])
    assert judged("DIBAO_EXIT_DUE", con) == ([], [])


def test_exit_due_is_proven_by_the_registry_income_alone():
    con = staged(dibao=[{"per_capita_income": None}], registry=[{"annual_income_per_capita": 9000.0}])
    assert judged("DIBAO_EXIT_DUE", con) == (["DB001"], [])


def test_exit_due_with_the_area_type_unknown_is_proven_only_above_both_standards():
    above_both = staged(dibao=[{"area_type": None, "per_capita_income": 730.0}])
    assert judged("DIBAO_EXIT_DUE", above_both) == (["DB001"], [])
    between = staged(dibao=[{"area_type": None, "per_capita_income": 710.0}])  # rural 700, urban 720
    assert judged("DIBAO_EXIT_DUE", between) == ([], ["DB001"])
    below_both = staged(dibao=[{"area_type": None, "per_capita_income": 650.0}])
    assert judged("DIBAO_EXIT_DUE", below_both) == ([], [])


def test_exit_due_with_the_county_unknown_is_judged_against_every_county():
    con = staged(dibao=[{"county": None, "area_type": "rural", "per_capita_income": 690.0}])  # 680 / 700
    assert judged("DIBAO_EXIT_DUE", con) == ([], ["DB001"])
    con = staged(dibao=[{"county": None, "area_type": "rural", "per_capita_income": 701.0}])
    assert judged("DIBAO_EXIT_DUE", con) == (["DB001"], [])


def test_a_dibao_row_without_a_household_number_is_undecided_for_the_household_rule():
    con = staged(dibao=[{"household_id": None, "per_capita_income": 900.0}])
    assert judged("DIBAO_EXIT_DUE", con) == ([], [ID1])


# --- EXITED_POVERTY_ON_DIBAO and COVERAGE_GAP ----------------------------------------------------

def test_exited_poverty_with_the_status_unknown_is_undecided_unless_a_member_proves_it():
    con = staged(dibao=[{"id_number": ID1}], registry=[{"id_number": ID1, "poverty_status": None}])
    assert judged("EXITED_POVERTY_ON_DIBAO", con) == ([], ["DB001"])
    con = staged(dibao=[{"id_number": ID1}, {"id_number": ID2, "relation": "妻子"}],
                 registry=[{"id_number": ID1, "poverty_status": None},
                           {"id_number": ID2, "poverty_status": "exited"}])
    assert judged("EXITED_POVERTY_ON_DIBAO", con) == (["DB001"], [])


def test_coverage_gap_with_labor_ability_unknown_is_undecided():
    con = staged(registry=[{"household_id": "JD1", "poverty_status": "poor", "labor_ability": None}])
    assert judged("COVERAGE_GAP", con) == ([], ["JD1"])


def test_coverage_gap_is_cleared_by_a_member_known_to_work_whatever_the_others():
    con = staged(registry=[{"id_number": ID1, "household_id": "JD1", "poverty_status": "poor",
                            "labor_ability": None},
                           {"id_number": ID2, "household_id": "JD1", "poverty_status": "poor",
                            "labor_ability": "able"}])
    assert judged("COVERAGE_GAP", con) == ([], [])


def test_coverage_gap_is_cleared_when_a_member_is_on_another_offices_roster():
    con = staged(registry=[{"household_id": "JD1", "poverty_status": None, "labor_ability": None}],
                 tekun=[{"id_number": ID1}])
    assert judged("COVERAGE_GAP", con) == ([], [])


# --- DIBAO_TOPUP_MISMATCH ----------------------------------------------------------------------

def test_topup_with_its_column_absent_is_undecided():
    con = staged(dibao=[{"category": "A", "benefit": 500.0, "topup": None}])
    assert judged("DIBAO_TOPUP_MISMATCH", con) == ([], [ID1])


def test_topup_left_blank_is_zero_and_decided():
    con = staged(dibao=[{"category": "A", "benefit": 500.0, "topup": 0.0}])  # a blank cell: 0
    assert judged("DIBAO_TOPUP_MISMATCH", con) == ([ID1], [])


def test_topup_with_the_class_unknown_fires_only_when_no_class_would_explain_it():
    # A 30% = 150, B 20% = 100, C and none 0: 70 fits none of them; 100 fits B
    assert judged("DIBAO_TOPUP_MISMATCH", staged(dibao=[{"category": None, "benefit": 500.0, "topup": 70.0}])) \
        == ([ID1], [])
    assert judged("DIBAO_TOPUP_MISMATCH", staged(dibao=[{"category": None, "benefit": 500.0, "topup": 100.0}])) \
        == ([], [ID1])


def test_topup_with_the_benefit_unknown_is_decided_for_a_member_without_a_class():
    assert judged("DIBAO_TOPUP_MISMATCH", staged(dibao=[{"category": "none", "benefit": None, "topup": 0.0}])) \
        == ([], [])
    assert judged("DIBAO_TOPUP_MISMATCH", staged(dibao=[{"category": "A", "benefit": None, "topup": 0.0}])) \
        == ([], [ID1])


# --- 特困 -----------------------------------------------------------------------------------------

def test_tekun_payment_with_its_column_absent_is_undecided():
    assert judged("TEKUN_BELOW_STANDARD", staged(tekun=[{"basic_paid": None}])) == ([], [ID1])


def test_tekun_payment_with_the_county_unknown_is_judged_against_every_countys_standard():
    # 铜官区 936, 枞阳县 884
    assert judged("TEKUN_BELOW_STANDARD", staged(tekun=[{"county": None, "basic_paid": 800.0}])) == ([ID1], [])
    assert judged("TEKUN_BELOW_STANDARD", staged(tekun=[{"county": None, "basic_paid": 900.0}])) == ([], [ID1])
    assert judged("TEKUN_BELOW_STANDARD", staged(tekun=[{"county": None, "basic_paid": 936.0}])) == ([], [])


# --- medical ------------------------------------------------------------------------------------

def test_premium_list_without_a_status_column_leaves_the_person_undecided():
    con = staged(dibao=[{}], enrollment=[{"insured_status": None}])
    assert judged("PREMIUM_NOT_SUBSIDIZED", con) == ([], [ID1])


def test_premium_with_the_subsidy_column_absent_is_undecided_but_a_known_active_row_decides():
    con = staged(dibao=[{}], enrollment=[{"premium_subsidy": None}])
    assert judged("PREMIUM_NOT_SUBSIDIZED", con) == ([], [ID1])
    con = staged(dibao=[{}], enrollment=[{"premium_subsidy": None}, {"premium_subsidy": 380.0}])
    assert judged("PREMIUM_NOT_SUBSIDIZED", con) == ([], [])


def test_a_person_with_no_enrollment_row_at_all_is_proven_unsubsidised():
    con = staged(dibao=[{}], enrollment=[{"id_number": ID2, "insured_status": None}])
    assert judged("PREMIUM_NOT_SUBSIDIZED", con) == ([ID1], [])


def test_a_claim_without_the_aid_column_is_undecided():
    con = staged(dibao=[{}], claims=[{"compliant_cost": 5000.0, "basic_paid": 1000.0, "aid_paid": None}])
    assert judged("MEDICAL_AID_SHORTFALL", con) == ([], ["JS0001"])


def test_a_claim_without_the_critical_illness_column_fires_only_when_even_the_least_due_is_unpaid():
    # oop at most 4000, at least 0: aid 0 cannot be proven short
    con = staged(dibao=[{}], claims=[{"compliant_cost": 5000.0, "basic_paid": 1000.0,
                                      "critical_paid": None, "aid_paid": 0.0}])
    assert judged("MEDICAL_AID_SHORTFALL", con) == ([], ["JS0001"])
    # paid 2900 of at most 2800 due: cleared whatever the critical-illness insurance paid
    con = staged(dibao=[{}], claims=[{"compliant_cost": 5000.0, "basic_paid": 1000.0,
                                      "critical_paid": None, "aid_paid": 2900.0}])
    assert judged("MEDICAL_AID_SHORTFALL", con) == ([], [])


def test_a_claim_with_blank_insurance_cells_is_decided():
    con = staged(dibao=[{}], claims=[{"compliant_cost": 5000.0, "basic_paid": 1000.0, "critical_paid": 0.0,
                                      "supplementary_paid": 0.0, "aid_paid": 0.0}])
    assert judged("MEDICAL_AID_SHORTFALL", con) == (["JS0001"], [])


def test_an_earlier_claim_without_its_aid_amount_leaves_the_cap_unknown():
    # the earlier claim may have used up the 10,000 cap
    con = staged(dibao=[{}], claims=[
        {"claim_id": "C1", "settle_date": date(2024, 3, 1), "aid_paid": None},
        {"claim_id": "C2", "compliant_cost": 5000.0, "basic_paid": 1000.0, "aid_paid": 0.0},
    ])
    assert judged("MEDICAL_AID_SHORTFALL", con) == ([], ["C2"])


# --- disability -----------------------------------------------------------------------------------

def test_living_subsidy_column_absent_leaves_an_eligible_person_undecided():
    con = staged(dibao=[{}], persons=[{"living_subsidy": None}])
    assert judged("DISABILITY_LIVING_MISSING", con) == ([], [ID1])
    assert judged("DISABILITY_LIVING_INELIGIBLE", staged(dibao=[{}], persons=[{"living_subsidy": None}])) == ([], [])


def test_living_subsidy_left_blank_is_zero_and_decided():
    con = staged(dibao=[{}], persons=[{"living_subsidy": 0.0}])
    assert judged("DISABILITY_LIVING_MISSING", con) == ([ID1], [])


def test_eligibility_is_proven_by_another_offices_roster_and_unknown_from_an_unknown_status():
    con = staged(registry=[{"poverty_status": "poor"}], persons=[{"living_subsidy": 0.0}])
    assert judged("DISABILITY_LIVING_MISSING", con) == ([ID1], [])
    con = staged(registry=[{"poverty_status": None}], persons=[{"living_subsidy": 0.0}])
    assert judged("DISABILITY_LIVING_MISSING", con) == ([], [ID1])
    con = staged(registry=[{"poverty_status": None}], persons=[{"living_subsidy": 90.0}])
    assert judged("DISABILITY_LIVING_INELIGIBLE", con) == ([], [ID1])


def test_care_subsidy_with_the_level_unknown_is_undecided():
    con = staged(persons=[{"disability_level": None, "care_subsidy": 0.0}])
    assert judged("DISABILITY_CARE_MISSING", con) == ([], [ID1])
    con = staged(persons=[{"disability_level": None, "care_subsidy": 80.0}])
    assert judged("DISABILITY_CARE_INELIGIBLE", con) == ([], [ID1])


def test_care_subsidy_paid_to_a_tekun_person_is_proven_whatever_the_level():
    con = staged(persons=[{"disability_level": None, "care_subsidy": 80.0}], tekun=[{}])
    assert judged("DISABILITY_CARE_INELIGIBLE", con) == ([ID1], [])


# --- deaths -----------------------------------------------------------------------------------

def test_a_dead_persons_disability_row_without_subsidy_columns_is_undecided():
    con = staged(deaths=[{"death_date": date(2024, 1, 2)}],
                 persons=[{"living_subsidy": None, "care_subsidy": None}])
    assert judged("DECEASED_STILL_PAID", con) == ([], [ID1])


def test_a_dead_person_on_the_dibao_roster_is_proven_paid_even_with_the_amount_unknown():
    con = staged(deaths=[{"death_date": date(2024, 1, 2)}], dibao=[{"benefit": None}])
    found = exceptions_of("DECEASED_STILL_PAID", con)
    assert found["subject"].to_list() == [ID1]
    assert "金额未知" in found["detail"][0] and found["actual"][0] is None


@pytest.mark.parametrize("rule", ["DIBAO_EXIT_DUE", "TEKUN_BELOW_STANDARD"])
def test_undecided_subjects_are_never_exceptions(rule):
    con = staged(dibao=[{"per_capita_income": None}], tekun=[{"id_number": ID2, "basic_paid": None,
                                                                "county": ZONGYANG}])
    assert subjects(rule, con) == []
