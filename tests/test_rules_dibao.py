"""dibao.sql: DIBAO_EXIT_DUE, EXITED_POVERTY_ON_DIBAO, DIBAO_TOPUP_MISMATCH (SPEC §4)."""

from tests.rule_tables import ID1, ID2, ID3, ZONGYANG, exceptions_of, only, staged, subjects


def test_household_with_income_above_standard_is_due_to_exit():
    con = staged(dibao=[{"household_id": "DB001", "area_type": "rural", "per_capita_income": 812.0}])
    found = only(exceptions_of("DIBAO_EXIT_DUE", con))
    assert found["subject"] == "DB001" and found["household_id"] == "DB001"
    assert found["id_number"] == ID1 and found["name"] == "张三"
    assert found["detail"] == "该户家庭月人均收入 812.00 元，高于农村低保标准 700.00 元，应按程序退出低保"
    assert (found["expected"], found["actual"]) == (700.0, 812.0)


def test_household_with_income_equal_to_standard_is_not_due_to_exit():
    con = staged(dibao=[{"area_type": "rural", "per_capita_income": 700.0}])
    assert subjects("DIBAO_EXIT_DUE", con) == []


def test_household_one_fen_above_standard_is_due_to_exit():
    con = staged(dibao=[{"area_type": "rural", "per_capita_income": 700.01}])
    assert subjects("DIBAO_EXIT_DUE", con) == ["DB001"]


def test_registry_yearly_income_over_twelve_months_counts_as_household_income():
    con = staged(dibao=[{"id_number": ID1, "per_capita_income": 300.0},
                        {"id_number": ID2, "relation": "妻子", "per_capita_income": 300.0}],
                 registry=[{"id_number": ID2, "annual_income_per_capita": 9000.0}])
    found = only(exceptions_of("DIBAO_EXIT_DUE", con))
    assert found["actual"] == 750.0 and found["expected"] == 720.0
    assert "9000.00 元" in found["detail"] and "高于城市低保标准 720.00 元" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "civil/低保.xlsx:铜官区:6",
                                "poverty/建档立卡.xlsx:铜官区:5"]


def test_registry_income_equal_to_standard_over_twelve_months_is_not_due():
    con = staged(dibao=[{"per_capita_income": 300.0}],
                 registry=[{"annual_income_per_capita": 8640.0}])
    assert subjects("DIBAO_EXIT_DUE", con) == []


def test_standard_is_taken_from_the_heads_row():
    con = staged(dibao=[
        {"id_number": ID2, "relation": "儿子", "county": ZONGYANG, "area_type": "urban",
         "per_capita_income": 700.0},
        {"id_number": ID1, "relation": "户主", "county": ZONGYANG, "area_type": "rural",
         "per_capita_income": 700.0},
    ])
    found = only(exceptions_of("DIBAO_EXIT_DUE", con))
    assert found["expected"] == 680.0 and found["id_number"] == ID1 and found["county"] == ZONGYANG


def test_household_with_a_member_who_exited_poverty_is_flagged_for_review():
    con = staged(dibao=[{"id_number": ID1}, {"id_number": ID2, "name": "李四", "relation": "妻子"}],
                 registry=[{"id_number": ID2, "name": "李四", "poverty_status": "exited",
                            "exit_year": 2020}])
    found = only(exceptions_of("EXITED_POVERTY_ON_DIBAO", con))
    assert found["subject"] == "DB001" and found["severity"] == "info"
    assert found["id_number"] == ID2
    assert "李四" in found["detail"] and "2020" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:6", "poverty/建档立卡.xlsx:铜官区:5"]


def test_household_whose_registered_members_are_still_poor_is_not_flagged():
    con = staged(dibao=[{"id_number": ID1}], registry=[{"id_number": ID1, "poverty_status": "poor"}])
    assert subjects("EXITED_POVERTY_ON_DIBAO", con) == []


def test_exited_registry_member_outside_dibao_flags_no_household():
    con = staged(dibao=[{"id_number": ID1}], registry=[{"id_number": ID3, "poverty_status": "exited"}])
    assert subjects("EXITED_POVERTY_ON_DIBAO", con) == []


def test_class_a_member_paid_less_than_thirty_percent_topup_is_a_mismatch():
    con = staged(dibao=[{"category": "A", "benefit": 650.0, "topup": 100.0}])
    found = only(exceptions_of("DIBAO_TOPUP_MISMATCH", con))
    assert found["subject"] == ID1 and found["severity"] == "medium"
    assert (found["expected"], found["actual"]) == (195.0, 100.0)
    assert "195.00 元（30%）" in found["detail"] and "少发 95.00 元" in found["detail"]


def test_topup_off_by_exactly_the_tolerance_is_not_a_mismatch():
    con = staged(dibao=[{"category": "A", "benefit": 650.0, "topup": 194.0},
                        {"id_number": ID2, "category": "B", "benefit": 500.5, "topup": 101.1}])
    assert subjects("DIBAO_TOPUP_MISMATCH", con) == []


def test_class_b_member_overpaid_is_a_mismatch():
    con = staged(dibao=[{"category": "B", "benefit": 500.0, "topup": 150.0}])
    found = only(exceptions_of("DIBAO_TOPUP_MISMATCH", con))
    assert found["expected"] == 100.0 and "多发 50.00 元" in found["detail"]


def test_member_of_class_c_with_a_topup_is_a_mismatch():
    con = staged(dibao=[{"category": "C", "benefit": 500.0, "topup": 50.0}])
    assert only(exceptions_of("DIBAO_TOPUP_MISMATCH", con))["expected"] == 0.0


def test_member_without_class_and_without_topup_is_fine():
    con = staged(dibao=[{"category": None, "benefit": 500.0, "topup": None}])
    assert subjects("DIBAO_TOPUP_MISMATCH", con) == []
