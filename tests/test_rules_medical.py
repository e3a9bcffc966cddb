"""medical.sql: PREMIUM_NOT_SUBSIDIZED, MEDICAL_AID_SHORTFALL (SPEC §4)."""

from datetime import date

import pytest

from tests.rule_tables import (
    ID1,
    ID2,
    exceptions_of,
    only,
    staged,
    subjects,
    tiny_policy,
    undecided_of,
)

# A stay whose out-of-pocket compliant cost is 5000.00: 70% is 3500.00, 80% is 4000.00.
STAY = {"compliant_cost": 8000.0, "basic_paid": 2000.0, "critical_paid": 600.0,
        "supplementary_paid": 400.0}


def test_dibao_member_without_enrollment_this_year_is_not_subsidized():
    con = staged(dibao=[{"id_number": ID1}], enrollment=[{"id_number": ID2}])
    found = only(exceptions_of("PREMIUM_NOT_SUBSIDIZED", con))
    assert found["subject"] == ID1 and "未查到 2024 年度参保记录" in found["detail"]


def test_enrollment_of_last_year_does_not_count():
    con = staged(tekun=[{"id_number": ID1}], enrollment=[{"id_number": ID1, "year": 2023}])
    assert subjects("PREMIUM_NOT_SUBSIDIZED", con) == [ID1]


def test_suspended_enrollment_does_not_count():
    con = staged(dibao=[{"id_number": ID1}],
                 enrollment=[{"id_number": ID1, "insured_status": "inactive"}])
    found = only(exceptions_of("PREMIUM_NOT_SUBSIDIZED", con))
    assert "不是正常参保" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "medical/参保.xlsx:2024:5"]


def test_premium_only_partly_subsidized_is_not_subsidized():
    con = staged(dibao=[{"id_number": ID1}],
                 enrollment=[{"id_number": ID1, "premium": 380.0, "premium_subsidy": 190.0}])
    found = only(exceptions_of("PREMIUM_NOT_SUBSIDIZED", con))
    assert (found["expected"], found["actual"]) == (380.0, 190.0)
    assert "少资助 190.00 元" in found["detail"]


def test_subsidy_short_by_exactly_the_tolerance_is_fine():
    con = staged(dibao=[{"id_number": ID1}],
                 enrollment=[{"id_number": ID1, "premium": 380.0, "premium_subsidy": 379.0}])
    assert subjects("PREMIUM_NOT_SUBSIDIZED", con) == []


def test_one_fully_subsidized_active_row_is_enough():
    con = staged(dibao=[{"id_number": ID1}],
                 enrollment=[{"id_number": ID1, "premium_subsidy": 0.0},
                             {"id_number": ID1, "premium_subsidy": 380.0}])
    assert subjects("PREMIUM_NOT_SUBSIDIZED", con) == []


def test_person_outside_dibao_and_tekun_is_not_checked_for_premium():
    con = staged(dibao=[{"id_number": ID2}, ], enrollment=[{"id_number": ID1, "premium_subsidy": 0.0},
                                                            {"id_number": ID2}])
    assert subjects("PREMIUM_NOT_SUBSIDIZED", con) == []


def test_claim_of_dibao_member_aided_below_seventy_percent_is_a_shortfall():
    con = staged(dibao=[{"id_number": ID1}], claims=[STAY | {"claim_id": "JS01", "aid_paid": 3000.0}])
    found = only(exceptions_of("MEDICAL_AID_SHORTFALL", con))
    assert found["subject"] == "JS01" and found["id_number"] == ID1
    assert (found["expected"], found["actual"]) == (3500.0, 3000.0)
    assert "5000.00 元" in found["detail"] and "70%" in found["detail"]
    assert "少救助 500.00 元" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "medical/住院结算.csv::5"]


def test_aid_short_by_exactly_the_tolerance_is_fine():
    con = staged(dibao=[{"id_number": ID1}], claims=[STAY | {"aid_paid": 3499.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_tekun_person_is_aided_at_eighty_percent_even_when_also_in_dibao():
    con = staged(dibao=[{"id_number": ID1}], tekun=[{"id_number": ID1}],
                 claims=[STAY | {"aid_paid": 3500.0}])
    found = only(exceptions_of("MEDICAL_AID_SHORTFALL", con))
    assert found["expected"] == 4000.0 and "80%" in found["detail"]


def test_aid_exactly_at_the_annual_cap_is_not_a_shortfall():
    earlier = STAY | {"claim_id": "JS01", "settle_date": date(2024, 3, 1), "aid_paid": 9000.0}
    con = staged(dibao=[{"id_number": ID1}],
                 claims=[earlier, STAY | {"claim_id": "JS02", "aid_paid": 1000.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_aid_below_what_is_left_under_the_cap_is_a_shortfall():
    earlier = STAY | {"claim_id": "JS01", "settle_date": date(2024, 3, 1), "aid_paid": 9000.0}
    con = staged(dibao=[{"id_number": ID1}],
                 claims=[earlier, STAY | {"claim_id": "JS02", "aid_paid": 500.0}])
    found = only(exceptions_of("MEDICAL_AID_SHORTFALL", con))
    assert (found["expected"], found["actual"]) == (1000.0, 500.0)
    assert "剩余 1000.00 元" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "medical/住院结算.csv::5",
                                "medical/住院结算.csv::6"]


def test_same_day_claims_count_against_the_cap_in_claim_id_order():
    first = STAY | {"claim_id": "JS01", "compliant_cost": 16000.0, "aid_paid": 9500.0}
    second = STAY | {"claim_id": "JS02", "aid_paid": 500.0}
    con = staged(dibao=[{"id_number": ID1}], claims=[second, first])
    # Both settled the same day, JS02 first in the file: JS01 (smaller id) still comes first, is
    # owed 70% of 13000 = 9100 and got 9500, so JS02 is owed only the 500 left under the cap.
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_aid_of_last_year_does_not_count_against_this_years_cap():
    last_year = STAY | {"claim_id": "JS01", "settle_date": date(2023, 12, 1), "aid_paid": 10000.0}
    con = staged(dibao=[{"id_number": ID1}],
                 claims=[last_year, STAY | {"claim_id": "JS02", "aid_paid": 0.0}])
    found = only(exceptions_of("MEDICAL_AID_SHORTFALL", con))
    assert found["subject"] == "JS02" and found["expected"] == 3500.0


def test_claim_settled_outside_the_month_is_not_checked():
    con = staged(dibao=[{"id_number": ID1}],
                 claims=[STAY | {"settle_date": date(2024, 9, 30), "aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_claim_of_a_person_outside_dibao_and_tekun_is_not_checked():
    con = staged(dibao=[{"id_number": ID2}], claims=[STAY | {"id_number": ID1, "aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_insurance_paying_more_than_compliant_cost_leaves_nothing_to_aid():
    con = staged(dibao=[{"id_number": ID1}],
                 claims=[{"compliant_cost": 1000.0, "basic_paid": 1200.0, "aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


# --- the seed's other programmes: low-income families and households made poor by illness -------
# tiny_policy sets medical_aid_ratio_low_income = 0.60: 60% of STAY's 5000.00 is 3000.00.

def test_claim_of_a_person_on_the_low_income_list_is_aided_at_the_low_income_ratio():
    con = staged(low_income=[{"id_number": ID1}], claims=[STAY | {"claim_id": "JS01", "aid_paid": 2000.0}])
    found = only(exceptions_of("MEDICAL_AID_SHORTFALL", con))
    assert (found["expected"], found["actual"]) == (3000.0, 2000.0) and "60%" in found["detail"]
    assert found["sources"] == ["civil/低收入人口.csv::5", "medical/住院结算.csv::5"]


def test_low_income_aid_short_by_exactly_the_tolerance_is_fine():
    con = staged(low_income=[{"id_number": ID1}], claims=[STAY | {"aid_paid": 2999.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


@pytest.mark.parametrize("cause", ["因病", "因病致贫", "因病返贫"])
def test_member_of_a_poor_household_made_poor_by_illness_is_aided_at_the_low_income_ratio(cause):
    con = staged(registry=[{"id_number": ID1, "poverty_status": "poor", "cause": cause}],
                 claims=[STAY | {"aid_paid": 0.0}])
    assert only(exceptions_of("MEDICAL_AID_SHORTFALL", con))["expected"] == 3000.0


def test_illness_is_the_households_a_member_named_with_another_cause_is_covered_too():
    con = staged(registry=[{"id_number": ID2, "household_id": "JD7", "poverty_status": "poor", "cause": "因病"},
                           {"id_number": ID1, "household_id": "JD7", "poverty_status": "poor", "cause": None}],
                 claims=[STAY | {"id_number": ID1, "aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == ["JS0001"]


@pytest.mark.parametrize("status, cause", [("poor", "因残"), ("exited", "因病")])
def test_a_household_not_poor_or_not_made_poor_by_illness_is_not_covered(status, cause):
    con = staged(registry=[{"id_number": ID1, "poverty_status": status, "cause": cause}],
                 claims=[STAY | {"aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con) == []


def test_without_the_low_income_ratio_low_income_persons_are_not_covered():
    con = staged(low_income=[{"id_number": ID1}],
                 registry=[{"id_number": ID2, "poverty_status": "poor", "cause": "因病"}],
                 claims=[STAY | {"claim_id": "JS01", "aid_paid": 0.0},
                         STAY | {"claim_id": "JS02", "id_number": ID2, "aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con, policy=tiny_policy(optional=False)) == []


def test_dibao_and_tekun_ratios_take_precedence_over_the_low_income_ratio():
    con = staged(low_income=[{"id_number": ID1}], dibao=[{"id_number": ID1}],
                 claims=[STAY | {"aid_paid": 3000.0}])
    assert only(exceptions_of("MEDICAL_AID_SHORTFALL", con))["expected"] == 3500.0
    con = staged(registry=[{"id_number": ID1, "poverty_status": "poor", "cause": "因病"}],
                 tekun=[{"id_number": ID1}], claims=[STAY | {"aid_paid": 3500.0}])
    assert only(exceptions_of("MEDICAL_AID_SHORTFALL", con))["expected"] == 4000.0


def test_a_poor_household_whose_cause_is_unknown_leaves_a_short_claim_undecided():
    con = staged(registry=[{"id_number": ID1, "poverty_status": "poor", "cause": None}],
                 claims=[STAY | {"aid_paid": 0.0}])
    assert (subjects("MEDICAL_AID_SHORTFALL", con), undecided_of("MEDICAL_AID_SHORTFALL", con)) \
        == ([], ["JS0001"])
    con = staged(registry=[{"id_number": ID1, "poverty_status": "poor", "cause": None}],
                 claims=[STAY | {"aid_paid": 3000.0}])
    assert (subjects("MEDICAL_AID_SHORTFALL", con), undecided_of("MEDICAL_AID_SHORTFALL", con)) == ([], [])


def test_medical_aid_runs_with_claims_and_the_low_income_list_alone():
    con = staged(low_income=[{"id_number": ID1}], claims=[STAY | {"aid_paid": 0.0}])
    assert subjects("MEDICAL_AID_SHORTFALL", con, received={"claims", "low_income"}) == ["JS0001"]


def test_premium_subsidy_is_still_checked_for_dibao_and_tekun_persons_only():
    con = staged(low_income=[{"id_number": ID1}],
                 registry=[{"id_number": ID2, "poverty_status": "poor", "cause": "因病"}],
                 enrollment=[{"id_number": ID1, "premium_subsidy": 0.0}])
    assert subjects("PREMIUM_NOT_SUBSIDIZED", con) == []
