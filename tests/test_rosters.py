"""transforms/rosters.py: the person and 低保 household rosters of SPEC §5."""

from datetime import date

import polars as pl

from schemas.outputs import ROSTER_HOUSEHOLDS, ROSTER_PERSONS
from tests.rule_tables import ID1, ID2, ID3, ID4, run, staged, tiny_policy
from transforms.month.rosters import rosters as month_rosters


def rosters(con):
    built = month_rosters(run(con, policy=tiny_policy()))
    return built.persons, built.households


def person(roster: pl.DataFrame, id_number: str) -> dict:
    return roster.filter(pl.col("id_number") == id_number).row(0, named=True)


def test_person_roster_has_one_row_per_id_across_all_sources():
    con = staged(dibao=[{"id_number": ID1}, {"id_number": ID1, "household_id": "DB002"}],
                 claims=[{"id_number": ID2}], deaths=[{"id_number": ID3}],
                 enrollment=[{"id_number": ID4}, {"id_number": ID1}])
    persons, _ = rosters(con)
    assert dict(persons.schema) == ROSTER_PERSONS.schema
    assert sorted(persons["id_number"]) == sorted([ID1, ID2, ID3, ID4])
    assert person(persons, ID1)["sources"] == [
        "civil/低保.xlsx:铜官区:5", "civil/低保.xlsx:铜官区:6", "medical/参保.xlsx:2024:6"]


def test_person_roster_shows_memberships_and_expected_against_paid_amounts():
    con = staged(
        dibao=[{"id_number": ID1, "category": "A", "benefit": 650.0, "topup": 100.0}],
        tekun=[{"id_number": ID1, "basic_paid": 800.0}],
        registry=[{"id_number": ID1, "household_id": "JD007", "poverty_status": "poor",
                   "labor_ability": "weak"}],
        persons=[{"id_number": ID1, "disability_level": 2, "care_subsidy": 80.0}],
        enrollment=[{"id_number": ID1, "premium": 380.0, "premium_subsidy": 190.0}],
    )
    row = person(rosters(con)[0], ID1)
    assert (row["in_dibao"], row["dibao_household_id"], row["in_tekun"]) == (True, "DB001", True)
    assert (row["on_registry"], row["registry_household_id"]) == (True, "JD007")
    assert (row["poverty_status"], row["labor_ability"]) == ("poor", "weak")
    assert (row["disabled"], row["disability_level"], row["care_subsidy"]) == (True, 2, 80.0)
    assert (row["insured_active"], row["premium"], row["premium_subsidy"]) == (True, 380.0, 190.0)
    assert (row["dibao_benefit_paid"], row["dibao_topup_paid"]) == (650.0, 100.0)
    assert row["dibao_topup_expected"] == 195.0
    assert (row["tekun_basic_paid"], row["tekun_basic_standard"]) == (800.0, 936.0)


def test_person_roster_lists_the_persons_exception_codes_sorted():
    con = staged(dibao=[{"id_number": ID1, "category": "A", "benefit": 650.0}],
                 tekun=[{"id_number": ID1, "basic_paid": 800.0}])
    row = person(rosters(con)[0], ID1)
    assert row["exception_codes"] == sorted(row["exception_codes"])
    assert {"DIBAO_TEKUN_OVERLAP", "DIBAO_TOPUP_MISMATCH", "TEKUN_BELOW_STANDARD"} <= set(
        row["exception_codes"])


def test_person_without_exceptions_has_an_empty_list():
    con = staged(dibao=[{"id_number": ID1}], enrollment=[{"id_number": ID1}])
    assert person(rosters(con)[0], ID1)["exception_codes"] == []


def test_insured_is_unknown_when_no_enrollment_arrived():
    assert person(rosters(staged(dibao=[{}]))[0], ID1)["insured_active"] is None


def test_enrollment_of_another_year_leaves_a_person_uninsured():
    con = staged(dibao=[{}], enrollment=[{"year": 2023}])
    assert person(rosters(con)[0], ID1)["insured_active"] is False


def test_person_who_died_is_marked_deceased_with_the_date():
    con = staged(dibao=[{}], deaths=[{"death_date": date(2024, 10, 3)}])
    row = person(rosters(con)[0], ID1)
    assert (row["deceased"], row["death_date"]) == (True, date(2024, 10, 3))


def test_medical_aid_paid_sums_this_years_claims_up_to_the_month_end():
    con = staged(dibao=[{}], claims=[
        {"claim_id": "A", "settle_date": date(2023, 12, 20), "aid_paid": 1000.0},
        {"claim_id": "B", "settle_date": date(2024, 2, 1), "aid_paid": 300.0},
        {"claim_id": "C", "settle_date": date(2024, 10, 12), "aid_paid": 200.0},
        {"claim_id": "D", "settle_date": date(2024, 11, 2), "aid_paid": 50.0},
    ])
    assert person(rosters(con)[0], ID1)["medical_aid_paid_ytd"] == 500.0


def test_household_roster_has_one_row_per_dibao_household():
    con = staged(dibao=[
        {"id_number": ID1, "household_id": "DB001", "benefit": 300.0, "topup": 60.0},
        {"id_number": ID2, "household_id": "DB001", "relation": "妻子", "name": "李四",
         "benefit": 300.0},
        {"id_number": ID3, "household_id": "DB002", "name": "王五"},
    ])
    households = rosters(con)[1]
    assert dict(households.schema) == ROSTER_HOUSEHOLDS.schema
    first = households.row(0, named=True)
    assert (first["household_id"], first["members"], first["head_name"]) == ("DB001", 2, "张三")
    assert (first["benefit_total"], first["topup_total"]) == (600.0, 60.0)
    assert households["household_id"].to_list() == ["DB001", "DB002"]


def test_household_roster_shows_the_income_used_and_exit_due_as_the_rule_does():
    con = staged(dibao=[{"household_id": "DB001", "per_capita_income": 300.0}],
                 registry=[{"annual_income_per_capita": 9000.0}])
    row = rosters(con)[1].row(0, named=True)
    assert (row["per_capita_income"], row["registry_income_monthly"]) == (300.0, 750.0)
    assert (row["income_used"], row["standard"], row["exit_due"]) == (750.0, 720.0, True)
    assert "DIBAO_EXIT_DUE" in row["exception_codes"]


def test_household_at_the_standard_is_not_due_to_exit():
    con = staged(dibao=[{"area_type": "rural", "per_capita_income": 700.0}])
    row = rosters(con)[1].row(0, named=True)
    assert row["exit_due"] is False and "DIBAO_EXIT_DUE" not in row["exception_codes"]


def test_household_codes_leave_out_registry_households_of_the_same_number():
    con = staged(dibao=[{"id_number": ID1, "household_id": "H1"}],
                 registry=[{"id_number": ID2, "household_id": "H1", "poverty_status": "poor",
                            "labor_ability": "none"}])
    row = rosters(con)[1].row(0, named=True)
    assert "COVERAGE_GAP" not in row["exception_codes"]


def test_person_roster_shows_a_childs_category_and_allowance_and_low_income_status():
    con = staged(children=[{"id_number": ID1, "child_category": "orphan", "care_setting": "dispersed",
                            "allowance": 1400.0}],
                 low_income=[{"id_number": ID2, "low_income_type": "支出型困难家庭"}])
    persons, _ = rosters(con)
    child, low = person(persons, ID1), person(persons, ID2)
    assert (child["in_children"], child["child_category"], child["child_allowance"]) == (True, "orphan", 1400.0)
    assert (child["on_low_income"], low["on_low_income"], low["low_income_type"]) == (False, True, "支出型困难家庭")
    assert (low["in_children"], low["child_category"], low["child_allowance"]) == (False, None, None)


def test_temporary_relief_counts_and_sums_this_years_payments_up_to_the_month_end():
    con = staged(dibao=[{}], temp_relief=[
        {"amount": 1000.0, "pay_date": date(2023, 12, 20)},
        {"amount": 800.0, "pay_date": date(2024, 3, 1)},
        {"amount": 500.0, "pay_date": date(2024, 10, 8)},
        {"amount": 50.0, "pay_date": date(2024, 11, 2)},
    ])
    row = person(rosters(con)[0], ID1)
    assert (row["temp_relief_count_ytd"], row["temp_relief_paid_ytd"]) == (2, 1300.0)
    assert person(rosters(staged(dibao=[{}]))[0], ID1)["temp_relief_count_ytd"] == 0
