"""deaths.sql: DECEASED_STILL_PAID (SPEC §4)."""

from datetime import date

from tests.rule_tables import ID1, ID2, exceptions_of, only, staged, subjects, undecided_of

BEFORE_OCTOBER = date(2024, 9, 30)


def test_person_who_died_before_the_month_and_is_still_in_dibao_is_paid_after_death():
    con = staged(dibao=[{"id_number": ID1, "benefit": 420.0, "topup": 84.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    found = only(exceptions_of("DECEASED_STILL_PAID", con))
    assert found["subject"] == ID1 and found["severity"] == "high"
    assert found["expected"] == 0.0 and found["actual"] == 504.0
    assert "2024-09-30" in found["detail"] and "504.00 元" in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:5", "civil/死亡.xlsx:Sheet1:5"]


def test_death_inside_the_month_is_not_an_exception():
    con = staged(dibao=[{"id_number": ID1}], deaths=[{"id_number": ID1, "death_date": date(2024, 10, 1)}])
    assert subjects("DECEASED_STILL_PAID", con) == []


def test_person_who_died_before_the_month_and_is_in_tekun_is_paid_after_death():
    con = staged(tekun=[{"id_number": ID1, "basic_paid": 936.0, "care_paid": 100.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert only(exceptions_of("DECEASED_STILL_PAID", con))["actual"] == 1036.0


def test_disability_subsidy_paid_after_death_is_an_exception():
    con = staged(persons=[{"id_number": ID1, "living_subsidy": 80.0, "care_subsidy": 0.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    found = only(exceptions_of("DECEASED_STILL_PAID", con))
    assert "残疾人两项补贴（80.00 元）" in found["detail"]


def test_disabled_person_who_died_and_was_paid_nothing_is_not_an_exception():
    con = staged(persons=[{"id_number": ID1, "living_subsidy": 0.0, "care_subsidy": 0.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert subjects("DECEASED_STILL_PAID", con) == []


def test_earliest_death_date_of_an_id_counts():
    con = staged(dibao=[{"id_number": ID1}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 10, 20)},
                         {"id_number": ID1, "death_date": date(2024, 8, 3)}])
    found = only(exceptions_of("DECEASED_STILL_PAID", con))
    assert "2024-08-03" in found["detail"]
    assert len(found["sources"]) == 3


def test_death_of_someone_not_paid_is_not_an_exception():
    con = staged(dibao=[{"id_number": ID2}], deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert subjects("DECEASED_STILL_PAID", con) == []


def test_child_who_died_before_the_month_and_is_still_paid_an_allowance_is_paid_after_death():
    con = staged(children=[{"id_number": ID1, "allowance": 1400.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    found = only(exceptions_of("DECEASED_STILL_PAID", con))
    assert found["actual"] == 1400.0 and "困境儿童基本生活费（1400.00 元）" in found["detail"]
    assert found["sources"] == ["civil/困境儿童.xlsx:Sheet1:5", "civil/死亡.xlsx:Sheet1:5"]


def test_child_on_the_roster_who_died_and_was_paid_nothing_is_not_an_exception():
    con = staged(children=[{"id_number": ID1, "allowance": 0.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert subjects("DECEASED_STILL_PAID", con) == []


def test_dead_childs_row_from_a_roster_without_the_allowance_column_is_undecided():
    con = staged(children=[{"id_number": ID1, "allowance": None}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert (subjects("DECEASED_STILL_PAID", con), undecided_of("DECEASED_STILL_PAID", con)) == ([], [ID1])


def test_the_childrens_roster_alone_with_the_deaths_runs_the_rule():
    con = staged(children=[{"id_number": ID1, "allowance": 700.0}],
                 deaths=[{"id_number": ID1, "death_date": BEFORE_OCTOBER}])
    assert subjects("DECEASED_STILL_PAID", con, received={"children", "deaths"}) == [ID1]
