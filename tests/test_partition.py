"""transforms/month/partition.py: the month split by district reconciles exactly as in one pass."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from tests.rule_tables import ID1, ID2, ID3, ID4, PERIOD, TONGGUAN, ZONGYANG, staged, tiny_policy
from transforms.month.history import in_report_order
from transforms.month.partition import MERGE, id_parts, merged, parts, reconcile_part
from transforms.month.reconcile import reconcile
from transforms.month.stage import prepared_month

EVERY_DATASET = frozenset({"dibao", "tekun", "deaths", "registry", "enrollment", "claims", "persons"})


def month_across_districts():
    """ID1 alone in 铜官区; ID2 and ID3 one 低保 household spread over two districts; ID4 known only
    from a death record (no district), sharing a claim with nobody."""
    return staged(
        dibao=[{"id_number": ID1, "household_id": "H1", "per_capita_income": 800.0},
               {"id_number": ID2, "household_id": "H2", "name": "李四"},
               {"id_number": ID3, "household_id": "H2", "name": "王五", "county": ZONGYANG, "relation": "妻子"}],
        tekun=[{"id_number": ID2, "name": "李四", "basic_paid": 800.0}],
        deaths=[{"id_number": ID4, "name": "赵六", "death_date": date(2024, 1, 2)}],
        persons=[{"id_number": ID4, "name": "赵六", "living_subsidy": 100.0}],
        claims=[{"id_number": ID1, "claim_id": "C1", "compliant_cost": 5000.0, "basic_paid": 1000.0}],
    )


def test_a_household_across_two_districts_goes_to_the_merge_pass_and_a_lone_person_to_their_district():
    month = prepared_month(month_across_districts(), tiny_policy(), PERIOD, EVERY_DATASET)
    assigned = dict(id_parts(month).iter_rows())
    assert assigned == {ID1: TONGGUAN, ID2: MERGE, ID3: MERGE, ID4: MERGE}


def test_ids_sharing_a_claim_are_reconciled_together():
    con = staged(claims=[{"id_number": ID1, "claim_id": "C9", "county": TONGGUAN},
                         {"id_number": ID2, "claim_id": "C9", "county": ZONGYANG}])
    assigned = dict(id_parts(prepared_month(con, tiny_policy(), PERIOD, EVERY_DATASET)).iter_rows())
    assert assigned == {ID1: MERGE, ID2: MERGE}


def test_the_parts_together_find_exactly_what_one_pass_finds():
    policy = tiny_policy()
    one = in_report_order(reconcile(prepared_month(month_across_districts(), policy, PERIOD, EVERY_DATASET)).exceptions)
    month = prepared_month(month_across_districts(), policy, PERIOD, EVERY_DATASET)
    split = parts(month)
    assert [p.name for p in split] == [TONGGUAN, MERGE]
    found = [reconcile_part(p, policy, PERIOD, EVERY_DATASET) for p in split]
    assert_frame_equal(merged(month, found).exceptions, one)
    assert {"TEKUN_STANDARD_BELOW_FLOOR", "DIBAO_TEKUN_OVERLAP", "DECEASED_STILL_PAID",
            "MEDICAL_AID_SHORTFALL"} <= set(one["rule_code"])


def test_county_rules_are_found_once_on_the_whole_month_with_every_districts_people_in_their_gap():
    policy = tiny_policy()
    month = prepared_month(month_across_districts(), policy, PERIOD, EVERY_DATASET)
    found = {p.name: reconcile_part(p, policy, PERIOD, EVERY_DATASET) for p in parts(month)}
    for part in found.values():
        assert part.exceptions.filter(pl.col("rule_code") == "TEKUN_STANDARD_BELOW_FLOOR").is_empty()
    floor = merged(month, list(found.values())).exceptions.filter(pl.col("rule_code") == "TEKUN_STANDARD_BELOW_FLOOR")
    one = reconcile(prepared_month(month_across_districts(), policy, PERIOD, EVERY_DATASET)).exceptions
    assert floor.height == 1
    assert floor["budget_gap"].to_list() == one.filter(pl.col("rule_code") == "TEKUN_STANDARD_BELOW_FLOOR")["budget_gap"].to_list()


def test_recipients_of_one_townships_relief_are_reconciled_together():
    # TEMP_RELIEF_EVEN_SPLIT counts a township's payments: ID2 is also on 枞阳县's roster, so the
    # whole township goes to the merge pass, where its ten payments are counted together
    relief = [{"id_number": number, "amount": 500.0} for number in (ID1, ID2) for _ in range(5)]
    con = staged(temp_relief=relief, dibao=[{"id_number": ID2, "county": ZONGYANG}])
    policy = tiny_policy()
    month = prepared_month(con, policy, PERIOD, EVERY_DATASET | {"temp_relief"})
    assert dict(id_parts(month).iter_rows()) == {ID1: MERGE, ID2: MERGE}
    found = [reconcile_part(p, policy, PERIOD, EVERY_DATASET | {"temp_relief"}) for p in parts(month)]
    assert merged(month, found).exceptions.filter(pl.col("rule_code") == "TEMP_RELIEF_EVEN_SPLIT")["subject"].to_list() \
        == [f"{TONGGUAN}:天井湖街道"]
