"""disability.sql: the four DISABILITY_* rules (SPEC §4)."""

from tests.rule_tables import ID1, exceptions_of, only, staged, subjects

SEVERE, MODERATE = 1, 3


def test_disabled_dibao_member_without_living_subsidy_is_missing_it():
    con = staged(dibao=[{"id_number": ID1}], persons=[{"living_subsidy": 0.0}])
    found = only(exceptions_of("DISABILITY_LIVING_MISSING", con))
    assert found["subject"] == ID1 and found["actual"] == 0.0
    assert "低保对象" in found["detail"] and "生活补贴为 0 元" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "disability/残疾人.xlsx:两项补贴:5"]


def test_disabled_member_of_a_poor_registry_household_without_living_subsidy_is_missing_it():
    con = staged(registry=[{"id_number": ID1, "poverty_status": "poor"}], persons=[{}])
    assert subjects("DISABILITY_LIVING_MISSING", con) == [ID1]


def test_disabled_member_of_an_exited_registry_household_is_not_owed_living_subsidy():
    con = staged(registry=[{"id_number": ID1, "poverty_status": "exited"}], persons=[{}])
    assert subjects("DISABILITY_LIVING_MISSING", con) == []


def test_disabled_dibao_member_also_in_tekun_is_not_owed_living_subsidy():
    con = staged(dibao=[{"id_number": ID1}], tekun=[{"id_number": ID1}], persons=[{}])
    assert subjects("DISABILITY_LIVING_MISSING", con) == []


def test_living_subsidy_to_someone_neither_in_dibao_nor_poor_is_ineligible():
    con = staged(persons=[{"living_subsidy": 80.0}])
    found = only(exceptions_of("DISABILITY_LIVING_INELIGIBLE", con))
    assert (found["expected"], found["actual"]) == (0.0, 80.0)
    assert "80.00 元" in found["detail"]


def test_living_subsidy_to_a_tekun_person_is_ineligible():
    con = staged(dibao=[{"id_number": ID1}], tekun=[{"id_number": ID1}],
                 persons=[{"living_subsidy": 80.0}])
    assert "特困供养人员" in only(exceptions_of("DISABILITY_LIVING_INELIGIBLE", con))["detail"]


def test_living_subsidy_to_a_poor_registry_member_is_eligible():
    con = staged(registry=[{"poverty_status": "poor"}], persons=[{"living_subsidy": 80.0}])
    assert subjects("DISABILITY_LIVING_INELIGIBLE", con) == []


def test_severely_disabled_person_without_care_subsidy_is_missing_it():
    con = staged(persons=[{"disability_level": SEVERE, "care_subsidy": 0.0}])
    found = only(exceptions_of("DISABILITY_CARE_MISSING", con))
    assert "一级" in found["detail"] and found["sources"] == ["disability/残疾人.xlsx:两项补贴:5"]


def test_moderately_disabled_person_is_not_owed_care_subsidy():
    con = staged(persons=[{"disability_level": MODERATE, "care_subsidy": 0.0}])
    assert subjects("DISABILITY_CARE_MISSING", con) == []


def test_severely_disabled_tekun_person_is_not_owed_care_subsidy():
    con = staged(tekun=[{"id_number": ID1}], persons=[{"disability_level": SEVERE}])
    assert subjects("DISABILITY_CARE_MISSING", con) == []


def test_care_subsidy_for_a_level_outside_the_list_is_ineligible():
    con = staged(persons=[{"disability_level": MODERATE, "care_subsidy": 80.0}])
    found = only(exceptions_of("DISABILITY_CARE_INELIGIBLE", con))
    assert "三级" in found["detail"] and found["actual"] == 80.0


def test_care_subsidy_for_a_tekun_person_is_ineligible():
    con = staged(tekun=[{"id_number": ID1}], persons=[{"disability_level": SEVERE, "care_subsidy": 80.0}])
    found = only(exceptions_of("DISABILITY_CARE_INELIGIBLE", con))
    assert found["sources"] == ["civil/特困.xlsx:铜官区:5", "disability/残疾人.xlsx:两项补贴:5"]


def test_care_subsidy_for_a_level_two_person_outside_tekun_is_eligible():
    con = staged(persons=[{"disability_level": 2, "care_subsidy": 80.0}])
    assert subjects("DISABILITY_CARE_INELIGIBLE", con) == []


def test_person_with_two_rows_is_judged_on_the_most_severe_level_and_the_summed_subsidies():
    con = staged(persons=[{"disability_level": MODERATE, "care_subsidy": 0.0},
                          {"disability_level": SEVERE, "care_subsidy": 80.0}])
    assert subjects("DISABILITY_CARE_MISSING", con) == []
    assert subjects("DISABILITY_CARE_INELIGIBLE", con) == []
