"""tekun.sql: TEKUN_BELOW_STANDARD, TEKUN_STANDARD_BELOW_FLOOR (SPEC §4)."""

from tests.rule_tables import (
    ID1,
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


def test_tekun_person_paid_below_the_county_standard_is_underpaid():
    con = staged(tekun=[{"basic_paid": 800.0}])
    found = only(exceptions_of("TEKUN_BELOW_STANDARD", con))
    assert found["subject"] == ID1 and found["county"] == TONGGUAN
    assert (found["expected"], found["actual"]) == (936.0, 800.0)
    assert "800.00 元" in found["detail"] and "936.00 元" in found["detail"]
    assert "少发 136.00 元" in found["detail"]
    assert found["sources"] == ["civil/特困.xlsx:铜官区:5"]


def test_tekun_payment_short_by_exactly_the_tolerance_is_fine():
    con = staged(tekun=[{"basic_paid": 935.0}])
    assert subjects("TEKUN_BELOW_STANDARD", con) == []


def test_tekun_standard_depends_on_the_county():
    con = staged(tekun=[{"county": ZONGYANG, "basic_paid": 900.0}])
    assert subjects("TEKUN_BELOW_STANDARD", con) == []


def test_county_whose_tekun_standard_is_below_sixty_percent_of_consumption_is_below_floor():
    found = only(exceptions_of("TEKUN_STANDARD_BELOW_FLOOR", staged()))
    assert found["subject"] == ZONGYANG and found["county"] == ZONGYANG
    assert (found["expected"], found["actual"]) == (11100.0, 10608.0)
    assert "枞阳县" in found["detail"] and "884.00 元" in found["detail"]
    assert found["sources"] == [] and found["id_number"] is None


def test_county_standard_exactly_at_the_floor_is_fine():
    policy = tiny_policy()
    at_floor = policy.counties[ZONGYANG].model_copy(update={"tekun_basic": 925.0})
    policy = policy.model_copy(update={"counties": policy.counties | {ZONGYANG: at_floor}})
    assert subjects("TEKUN_STANDARD_BELOW_FLOOR", staged(), policy=policy) == []


# --- TEKUN_CARE_BELOW_STANDARD (tiny_policy: partial 300, unable 600; tolerance 1) -------------

def test_a_tekun_person_unable_to_look_after_themselves_paid_below_the_care_standard_is_underpaid():
    con = staged(tekun=[{"self_care": "unable", "care_paid": 450.0}])
    found = only(exceptions_of("TEKUN_CARE_BELOW_STANDARD", con))
    assert found["subject"] == ID1 and found["county"] == TONGGUAN and found["severity"] == "medium"
    assert (found["expected"], found["actual"]) == (600.0, 450.0)
    assert "完全失能" in found["detail"] and "少发 150.00 元" in found["detail"]
    assert found["sources"] == ["civil/特困.xlsx:铜官区:5"]


def test_care_is_held_to_the_standard_of_the_persons_ability():
    assert subjects("TEKUN_CARE_BELOW_STANDARD", staged(tekun=[{"self_care": "partial", "care_paid": 450.0}])) == []
    assert subjects("TEKUN_CARE_BELOW_STANDARD", staged(tekun=[{"self_care": "partial", "care_paid": 250.0}])) \
        == [ID1]
    assert subjects("TEKUN_CARE_BELOW_STANDARD", staged(tekun=[{"self_care": "able", "care_paid": 0.0}])) == []


def test_care_short_by_exactly_the_tolerance_is_fine():
    assert subjects("TEKUN_CARE_BELOW_STANDARD", staged(tekun=[{"self_care": "unable", "care_paid": 599.0}])) == []
    assert subjects("TEKUN_CARE_BELOW_STANDARD", staged(tekun=[{"self_care": "unable", "care_paid": 598.99}])) \
        == [ID1]


def test_care_left_blank_is_zero_and_decided():
    con = staged(tekun=[{"self_care": "partial", "care_paid": 0.0}])  # a blank cell: 0
    assert subjects("TEKUN_CARE_BELOW_STANDARD", con) == [ID1]
    assert undecided_of("TEKUN_CARE_BELOW_STANDARD", con) == []


def test_care_with_its_column_absent_is_undecided():
    con = staged(tekun=[{"self_care": "unable", "care_paid": None}])
    assert (subjects("TEKUN_CARE_BELOW_STANDARD", con), undecided_of("TEKUN_CARE_BELOW_STANDARD", con)) \
        == ([], [ID1])


def test_care_with_the_ability_unknown_never_fires_and_is_undecided_below_the_higher_standard():
    # the person may look after themselves (no care standard) or be unable to (600)
    con = staged(tekun=[{"self_care": None, "care_paid": 0.0}])
    assert (subjects("TEKUN_CARE_BELOW_STANDARD", con), undecided_of("TEKUN_CARE_BELOW_STANDARD", con)) \
        == ([], [ID1])
    con = staged(tekun=[{"self_care": None, "care_paid": 600.0}])
    assert (subjects("TEKUN_CARE_BELOW_STANDARD", con), undecided_of("TEKUN_CARE_BELOW_STANDARD", con)) \
        == ([], [])


def test_care_is_skipped_in_words_when_the_policy_sets_no_care_standard():
    result = run(staged(tekun=[{"self_care": "unable", "care_paid": 0.0}]), policy=tiny_policy(optional=False))
    skipped = {entry["rule_code"]: entry for entry in result.rules_skipped}
    assert skipped["TEKUN_CARE_BELOW_STANDARD"]["missing_policy_keys"] == ["tekun_care"]
    assert skipped["TEKUN_CARE_BELOW_STANDARD"]["missing_datasets"] == []
    assert result.rule_counts["TEKUN_CARE_BELOW_STANDARD"] == 0
    assert "TEKUN_BELOW_STANDARD" in result.rules_run
