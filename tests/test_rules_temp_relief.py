"""temp_relief.sql: TEMP_RELIEF_EVEN_SPLIT, TEMP_RELIEF_AFTER_DEATH (SPEC §4, the seed's other programmes)."""

from datetime import date

import pytest

from tests.ids import numbered_id
from tests.rule_tables import (
    ID1,
    ID2,
    ID3,
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

TOWN = f"{TONGGUAN}:天井湖街道"


def payments(amounts: list[float | None], **values) -> list[dict]:
    """One payment per amount, each to another person, on 8 October, in 铜官区天井湖街道."""
    return [{"id_number": numbered_id(100 + n, TONGGUAN), "amount": amount} | values
            for n, amount in enumerate(amounts)]


def judged(rule: str, con, **kwargs) -> tuple[list[str], list[str]]:
    return subjects(rule, con, **kwargs), undecided_of(rule, con, **kwargs)


# --- TEMP_RELIEF_EVEN_SPLIT --------------------------------------------------------------------

def test_a_township_paying_eight_of_ten_the_same_amount_hands_relief_out_evenly():
    con = staged(temp_relief=payments([500.0] * 8 + [1200.0, 3000.0]))
    found = only(exceptions_of("TEMP_RELIEF_EVEN_SPLIT", con))
    assert found["subject"] == TOWN and found["county"] == TONGGUAN and found["severity"] == "medium"
    assert found["id_number"] is None and found["expected"] is None and found["actual"] is None
    assert "铜官区天井湖街道本月发放临时救助 10 笔" in found["detail"]
    assert "8 笔金额同为 500.00 元（占 80%）" in found["detail"]
    assert len(found["sources"]) == 10


def test_an_even_split_just_under_the_share_is_not_an_exception():
    # 7 of 10 (70%), and 11 of 14 (78.6%): both under 80%
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=payments([500.0] * 7 + [800.0] * 3))) == []
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=payments([500.0] * 11 + [800.0] * 3))) == []


def test_fewer_payments_than_the_minimum_are_never_an_even_split():
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=payments([500.0] * 9))) == []


def test_the_same_amount_is_the_same_in_fen():
    # 500.004 is 500.00 in fen; 500.01 is not
    con = staged(temp_relief=payments([500.0] * 7 + [500.004] + [500.01, 900.0]))
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", con) == [TOWN]
    con = staged(temp_relief=payments([500.0] * 7 + [500.01] * 2 + [900.0]))
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", con) == []


def test_payments_of_other_months_and_other_townships_do_not_count():
    rows = payments([500.0] * 8)
    rows += payments([500.0, 500.0], pay_date=date(2024, 9, 30))
    rows += [{"id_number": ID1, "township": "幸福街道", "amount": 500.0},
             {"id_number": ID2, "county": ZONGYANG, "amount": 500.0}]
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == []


def test_each_township_is_judged_on_its_own_and_named_with_its_county():
    rows = payments([300.0] * 10) + payments([300.0] * 10, county=ZONGYANG, township="枞阳镇")
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == [TOWN, f"{ZONGYANG}:枞阳镇"]


def test_the_minimum_and_share_come_from_the_policy():
    con = staged(temp_relief=payments([500.0] * 5 + [800.0]))
    policy = tiny_policy(temp_relief_even_min=6, temp_relief_even_share=0.75)
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", con, policy=policy) == [TOWN]


def test_the_even_split_runs_on_its_defaults_without_the_optional_keys():
    con = staged(temp_relief=payments([500.0] * 10))
    assert subjects("TEMP_RELIEF_EVEN_SPLIT", con, policy=tiny_policy(optional=False)) == [TOWN]


def test_a_payment_sheet_without_an_amount_column_leaves_the_township_undecided():
    con = staged(temp_relief=payments([None] * 10))
    assert judged("TEMP_RELIEF_EVEN_SPLIT", con) == ([], [TOWN])


def test_unknown_amounts_decide_nothing_the_known_ones_prove():
    # 9 of 11 known to be 500 stay above 80% whatever the two unknown amounts are
    con = staged(temp_relief=payments([500.0] * 9 + [None, None]))
    assert judged("TEMP_RELIEF_EVEN_SPLIT", con) == ([TOWN], [])
    # 5 different amounts among 10: no unknown amount could make 8 of them the same
    con = staged(temp_relief=payments([100.0, 200.0, 300.0, 400.0, 500.0] + [None] * 5))
    assert judged("TEMP_RELIEF_EVEN_SPLIT", con) == ([], [])


def test_payments_without_a_date_or_a_township_may_belong_and_leave_it_undecided():
    # 8 of 10 the same this month, but 3 payments of another amount may be this month's too
    rows = payments([500.0] * 8 + [900.0, 1000.0]) + payments([700.0] * 3, pay_date=None)
    assert judged("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == ([], [TOWN])
    rows = payments([500.0] * 8 + [900.0, 1000.0]) + payments([700.0] * 3, township=None)
    assert judged("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == ([], [TOWN])
    # … while payments of the same amount that may belong change nothing
    rows = payments([500.0] * 8 + [900.0, 1000.0]) + payments([500.0] * 3, pay_date=None)
    assert judged("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == ([TOWN], [])


def test_nine_payments_and_one_without_a_date_are_undecided():
    rows = payments([500.0] * 9) + payments([500.0], pay_date=None)
    assert judged("TEMP_RELIEF_EVEN_SPLIT", staged(temp_relief=rows)) == ([], [TOWN])


# --- TEMP_RELIEF_AFTER_DEATH ---------------------------------------------------------------------

def test_a_payment_after_the_recipients_death_is_overpaid():
    con = staged(temp_relief=[{"id_number": ID1, "amount": 1500.0, "pay_date": date(2024, 6, 20)}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 5, 3)}])
    found = only(exceptions_of("TEMP_RELIEF_AFTER_DEATH", con))
    assert found["subject"] == f"{ID1}:2024-06-20" and found["id_number"] == ID1
    assert found["severity"] == "high" and found["county"] == TONGGUAN
    assert (found["expected"], found["actual"]) == (0.0, 1500.0)
    assert "2024-05-03 死亡" in found["detail"] and "2024-06-20 仍发放临时救助 1500.00 元" in found["detail"]
    assert found["sources"] == ["civil/临时救助.xlsx:发放明细:5", "civil/死亡.xlsx:Sheet1:5"]


def test_a_payment_on_the_day_of_death_is_not_after_it():
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": date(2024, 5, 3)}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 5, 3)}])
    assert subjects("TEMP_RELIEF_AFTER_DEATH", con) == []


def test_payments_of_last_year_are_not_checked():
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": date(2023, 12, 20)}],
                 deaths=[{"id_number": ID1, "death_date": date(2023, 11, 3)}])
    assert subjects("TEMP_RELIEF_AFTER_DEATH", con) == []


def test_each_day_paid_after_death_is_its_own_exception_and_one_days_payments_are_summed():
    paid = [{"id_number": ID1, "amount": 500.0, "pay_date": date(2024, 8, 1)},
            {"id_number": ID1, "amount": 300.0, "pay_date": date(2024, 8, 1)},
            {"id_number": ID1, "amount": 200.0, "pay_date": date(2024, 10, 9)},
            {"id_number": ID1, "amount": 900.0, "pay_date": date(2024, 3, 1)}]
    con = staged(temp_relief=paid, deaths=[{"id_number": ID1, "death_date": date(2024, 7, 1)}])
    found = exceptions_of("TEMP_RELIEF_AFTER_DEATH", con).sort("subject")
    assert found["subject"].to_list() == [f"{ID1}:2024-08-01", f"{ID1}:2024-10-09"]
    assert found["actual"].to_list() == [800.0, 200.0]


def test_the_earliest_death_date_counts():
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": date(2024, 6, 1)}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 8, 1)},
                         {"id_number": ID1, "death_date": date(2024, 5, 1)}])
    assert subjects("TEMP_RELIEF_AFTER_DEATH", con) == [f"{ID1}:2024-06-01"]


def test_a_payment_sheet_without_a_date_column_leaves_the_payment_undecided():
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": None}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 5, 1)}])
    assert judged("TEMP_RELIEF_AFTER_DEATH", con) == ([], [f"{ID1}:日期不详"])


def test_a_death_record_without_its_date_decides_only_what_a_known_date_proves():
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": date(2024, 6, 1)}],
                 deaths=[{"id_number": ID1, "death_date": None}])
    assert judged("TEMP_RELIEF_AFTER_DEATH", con) == ([], [f"{ID1}:2024-06-01"])
    con = staged(temp_relief=[{"id_number": ID1, "pay_date": date(2024, 6, 1)}],
                 deaths=[{"id_number": ID1, "death_date": None}, {"id_number": ID1, "death_date": date(2024, 5, 1)}])
    assert judged("TEMP_RELIEF_AFTER_DEATH", con) == ([f"{ID1}:2024-06-01"], [])


def test_a_payment_whose_amount_is_unknown_is_still_after_death():
    con = staged(temp_relief=[{"id_number": ID1, "amount": None, "pay_date": date(2024, 6, 1)}],
                 deaths=[{"id_number": ID1, "death_date": date(2024, 5, 1)}])
    found = only(exceptions_of("TEMP_RELIEF_AFTER_DEATH", con))
    assert found["actual"] is None and "金额未知" in found["detail"]


def test_a_living_recipient_is_never_paid_after_death():
    con = staged(temp_relief=[{"id_number": ID1}], deaths=[{"id_number": ID3, "death_date": date(2024, 1, 1)}])
    assert judged("TEMP_RELIEF_AFTER_DEATH", con) == ([], [])


@pytest.mark.parametrize("rule, received", [
    ("TEMP_RELIEF_EVEN_SPLIT", {"dibao"}),
    ("TEMP_RELIEF_AFTER_DEATH", {"temp_relief"}),
])
def test_the_rules_are_skipped_without_their_datasets(rule, received):
    result = run(staged(temp_relief=payments([500.0] * 10)), received=received)
    assert rule in {entry["rule_code"] for entry in result.rules_skipped}
