"""children.sql: CHILD_ALLOWANCE_BELOW_STANDARD (SPEC §4, the seed's other programmes).

tiny_policy's standards: 铜官区 orphan 1800 (机构) / 1400 (散居), 事实无人抚养 1400, 困境 700;
枞阳县 1700 / 1300 / 1300 / 680. Tolerance 1 yuan.
"""

from datetime import date

from tests.rule_tables import (
    ID1,
    ID2,
    TONGGUAN,
    ZONGYANG,
    exceptions_of,
    only,
    run,
    staged,
    subjects,
    tiny_policy,
    undecided_of,
)

ORPHAN_AT_HOME = {"child_category": "orphan", "care_setting": "dispersed"}


def judged(con, **kwargs) -> tuple[list[str], list[str]]:
    rule = "CHILD_ALLOWANCE_BELOW_STANDARD"
    return subjects(rule, con, **kwargs), undecided_of(rule, con, **kwargs)


def test_an_orphan_paid_below_the_county_standard_for_dispersed_care_is_underpaid():
    con = staged(children=[ORPHAN_AT_HOME | {"allowance": 1200.0}])
    found = only(exceptions_of("CHILD_ALLOWANCE_BELOW_STANDARD", con))
    assert found["subject"] == ID1 and found["county"] == TONGGUAN and found["severity"] == "high"
    assert (found["expected"], found["actual"]) == (1400.0, 1200.0)
    assert "孤儿（散居）" in found["detail"] and "少发 200.00 元" in found["detail"]
    assert found["sources"] == ["civil/困境儿童.xlsx:Sheet1:5"]


def test_an_orphan_is_held_to_the_standard_of_its_care_setting():
    in_care = {"child_category": "orphan", "care_setting": "institution", "allowance": 1500.0}
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD", staged(children=[in_care])) == [ID1]
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD", staged(children=[ORPHAN_AT_HOME | {"allowance": 1500.0}])) == []


def test_each_category_has_its_own_standard_and_each_county_its_own():
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD",
                    staged(children=[{"child_category": "de_facto", "allowance": 1300.0}])) == [ID1]
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD",
                    staged(children=[{"child_category": "de_facto", "county": ZONGYANG, "allowance": 1300.0}])) == []
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD",
                    staged(children=[{"child_category": "difficulty", "allowance": 690.0}])) == [ID1]


def test_an_allowance_short_by_exactly_the_tolerance_is_fine():
    con = staged(children=[{"child_category": "difficulty", "allowance": 699.0}])
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD", con) == []
    con = staged(children=[{"child_category": "difficulty", "allowance": 698.99}])
    assert subjects("CHILD_ALLOWANCE_BELOW_STANDARD", con) == [ID1]


def test_a_child_who_died_before_the_month_is_not_owed_the_month():
    con = staged(children=[{"allowance": 0.0}], deaths=[{"death_date": date(2024, 9, 30)}])
    assert judged(con) == ([], [])


def test_a_child_who_died_on_the_first_day_of_the_month_was_alive_on_it():
    con = staged(children=[{"allowance": 0.0}], deaths=[{"death_date": date(2024, 10, 1)}])
    assert judged(con) == ([ID1], [])


def test_a_death_record_without_a_date_leaves_an_underpaid_child_undecided():
    con = staged(children=[{"allowance": 0.0}], deaths=[{"death_date": None}])
    assert judged(con) == ([], [ID1])


def test_two_rows_of_one_child_make_one_exception_summed_over_the_rows_below_standard():
    con = staged(children=[{"allowance": 500.0}, {"allowance": 600.0}, {"allowance": 700.0}])
    found = only(exceptions_of("CHILD_ALLOWANCE_BELOW_STANDARD", con))
    assert (found["expected"], found["actual"]) == (1400.0, 1100.0)
    assert len(found["sources"]) == 2


def test_a_roster_without_an_allowance_column_is_undecided():
    assert judged(staged(children=[{"allowance": None}])) == ([], [ID1])


def test_an_orphan_whose_care_setting_is_unknown_is_judged_against_both_settings():
    orphan = {"child_category": "orphan", "care_setting": None}
    assert judged(staged(children=[orphan | {"allowance": 1300.0}])) == ([ID1], [])  # below 散居 1400
    assert judged(staged(children=[orphan | {"allowance": 1500.0}])) == ([], [ID1])  # between
    assert judged(staged(children=[orphan | {"allowance": 1800.0}])) == ([], [])


def test_a_child_whose_category_or_county_is_unknown_is_judged_against_every_standard_it_could_have():
    assert judged(staged(children=[{"child_category": None, "allowance": 650.0}])) == ([ID1], [])
    assert judged(staged(children=[{"child_category": None, "allowance": 900.0}])) == ([], [ID1])
    assert judged(staged(children=[{"county": None, "child_category": "de_facto", "allowance": 1350.0}])) \
        == ([], [ID1])  # 1300 in 枞阳县, 1400 in 铜官区


def test_children_of_a_county_without_standards_are_not_judged():
    policy = tiny_policy()
    bare = policy.counties[ZONGYANG].model_copy(update={"children": None})
    policy = policy.model_copy(update={"counties": policy.counties | {ZONGYANG: bare}})
    con = staged(children=[{"county": ZONGYANG, "allowance": 0.0}, {"id_number": ID2, "allowance": 0.0}])
    assert judged(con, policy=policy) == ([ID2], [])


def test_the_rule_is_skipped_in_words_when_no_county_has_childrens_standards():
    result = run(staged(children=[{"allowance": 0.0}]), policy=tiny_policy(optional=False))
    skipped = {entry["rule_code"]: entry for entry in result.rules_skipped}
    assert skipped["CHILD_ALLOWANCE_BELOW_STANDARD"] == {
        "rule_code": "CHILD_ALLOWANCE_BELOW_STANDARD", "missing_datasets": [], "missing_policy_keys": ["children"]}
    assert result.rule_counts["CHILD_ALLOWANCE_BELOW_STANDARD"] == 0
    assert "CHILD_ALLOWANCE_BELOW_STANDARD" not in result.rules_run


def test_the_rule_is_skipped_without_the_childrens_roster():
    result = run(staged(), received={"dibao"})
    skipped = {entry["rule_code"]: entry["missing_datasets"] for entry in result.rules_skipped}
    assert skipped["CHILD_ALLOWANCE_BELOW_STANDARD"] == ["children"]
