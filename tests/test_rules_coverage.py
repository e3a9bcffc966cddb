"""coverage.sql: COVERAGE_GAP (SPEC §4)."""

from tests.rule_tables import ID1, ID2, exceptions_of, only, staged, subjects


def unable_poor_household(**second_member) -> list[dict]:
    """A two-person 建档立卡 household, not exited, neither member able to work."""
    head = {"id_number": ID1, "household_id": "JD001", "labor_ability": "none",
            "poverty_status": "poor"}
    member = {"id_number": ID2, "household_id": "JD001", "relation": "妻子", "name": "李四",
              "labor_ability": "none", "poverty_status": "poor"} | second_member
    return [head, member]


def test_poor_household_unable_to_work_outside_dibao_and_tekun_is_a_coverage_gap():
    con = staged(registry=unable_poor_household())
    found = only(exceptions_of("COVERAGE_GAP", con))
    assert found["subject"] == "JD001" and found["household_id"] == "JD001"
    assert found["id_number"] == ID1 and found["severity"] == "high"
    assert "2 人" in found["detail"] and "无劳动能力" in found["detail"]
    assert found["sources"] == ["poverty/建档立卡.xlsx:铜官区:5", "poverty/建档立卡.xlsx:铜官区:6"]


def test_household_with_a_weak_not_absent_labor_ability_is_not_a_coverage_gap():
    con = staged(registry=unable_poor_household(labor_ability="weak"))
    assert subjects("COVERAGE_GAP", con) == []


def test_household_with_a_member_in_dibao_is_covered():
    con = staged(registry=unable_poor_household(), dibao=[{"id_number": ID2}])
    assert subjects("COVERAGE_GAP", con) == []


def test_household_with_a_member_in_tekun_is_covered():
    con = staged(registry=unable_poor_household(), tekun=[{"id_number": ID2}])
    assert subjects("COVERAGE_GAP", con) == []


def test_household_that_exited_poverty_is_not_a_coverage_gap():
    con = staged(registry=unable_poor_household(poverty_status="exited"))
    assert subjects("COVERAGE_GAP", con) == []
