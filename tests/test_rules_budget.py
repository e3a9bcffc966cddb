"""budget.sql: TEMP_RELIEF_BUDGET_SHORT (SPEC §4)."""

from tests.rule_tables import TONGGUAN, exceptions_of, only, staged, subjects, tiny_policy


def with_budget(amount: float):
    policy = tiny_policy()
    county = policy.counties[TONGGUAN].model_copy(update={"temp_relief_budget": amount})
    return policy.model_copy(update={"counties": policy.counties | {TONGGUAN: county}})


def test_county_budget_below_five_yuan_per_resident_is_short():
    found = only(exceptions_of("TEMP_RELIEF_BUDGET_SHORT", staged(), policy=with_budget(2000000.0)))
    assert found["subject"] == TONGGUAN and found["severity"] == "medium"
    assert (found["expected"], found["actual"]) == (2250000.0, 2000000.0)
    assert "铜官区" in found["detail"] and "缺口 250000.00 元" in found["detail"]


def test_budget_exactly_covering_every_resident_is_not_short():
    assert subjects("TEMP_RELIEF_BUDGET_SHORT", staged(), policy=with_budget(2250000.0)) == []


def test_budget_rule_runs_when_no_dataset_arrived():
    found = exceptions_of("TEMP_RELIEF_BUDGET_SHORT", staged(), policy=with_budget(1.0), received=set())
    assert found["subject"].to_list() == [TONGGUAN]
