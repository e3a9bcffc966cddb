"""tekun.sql: TEKUN_BELOW_STANDARD, TEKUN_STANDARD_BELOW_FLOOR (SPEC §4)."""

from tests.rule_tables import (
    ID1,
    TONGGUAN,
    ZONGYANG,
    exceptions_of,
    only,
    staged,
    subjects,
    tiny_policy,
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
