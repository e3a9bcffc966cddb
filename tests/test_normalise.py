from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from schemas.policy import load_policy
from transforms.ingest import normalise as norm


def one(expr_of, value):
    return pl.select(expr_of(pl.lit(value, dtype=pl.String)).alias("v")).item()


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
@settings(max_examples=500)
def test_check_character_agrees_with_python_stdnum(first17: str):
    assert one(norm.id_check_char, first17) == ric.calc_check_digit(first17 + "0")  # stdnum drops the last character


@pytest.mark.parametrize("typed, clean", [
    ("'34070519800101123X", "34070519800101123X"),
    ("34070519800101123x", "34070519800101123X"),
    ("３４０７０５１９８００１０１１２３Ｘ", "34070519800101123X"),
    ("340705 19800101 123X", "34070519800101123X"),
    ("340705198001011234.0", "340705198001011234"),
    ('="34070519800101123X"', "34070519800101123X"),
])
def test_id_numbers_are_cleaned_of_typing_habits(typed, clean):
    assert one(norm.id_text, typed) == clean


def test_a_15_digit_legacy_number_becomes_the_same_persons_18_digit_number():
    legacy = "340705800101123"
    converted = one(norm.id_text, legacy)
    assert converted == "34070519800101123" + ric.calc_check_digit("34070519800101123" + "0")
    assert one(norm.id_text, legacy + ".0") == converted


@pytest.mark.parametrize("typed, yuan", [
    ("1,234.50元", 1234.5), ("１２３４", 1234.0), ("¥ 12", 12.0), ("420", 420.0), ("-5", -5.0),
    ("", None), (None, None), ("abc", None), ("一百二", None), ("nan", None),
])
def test_money_is_read_from_what_offices_write(typed, yuan):
    assert one(norm.money, typed) == yuan


def test_blank_money_means_missing_except_where_blank_means_nothing_paid():
    assert one(norm.money, "") is None
    assert one(lambda e: norm.money(e, blank_is_zero=True), "") == 0.0
    assert one(lambda e: norm.money(e, blank_is_zero=True), "—") == 0.0
    assert one(lambda e: norm.money(e, blank_is_zero=True), "abc") is None


@pytest.mark.parametrize("typed", [
    "45570", "45570.0", "2024-10-05", "2024/10/5", "2024.10.05", "20241005", "2024年10月5日",
    "2024-10-05 00:00:00", " 2024-10-05 ", "２０２４-１０-０５",
])
def test_dates_are_read_in_every_form_offices_use(typed):
    assert one(norm.calendar_date, typed) == date(2024, 10, 5)


@pytest.mark.parametrize("typed", ["2024-02-30", "2024-13-45", "不详", "2024-10", "1850-01-01"])
def test_impossible_dates_are_not_dates(typed):
    assert one(norm.calendar_date, typed) is None


@pytest.mark.parametrize("vocabulary, typed, code", [
    ("dibao_category", "A类", "A"), ("dibao_category", "a", "A"), ("dibao_category", "Ａ类", "A"),
    ("dibao_category", "一类", "A"), ("dibao_category", "二类", "B"), ("dibao_category", "C", "C"),
    ("area_type", "城镇", "urban"), ("area_type", "农村", "rural"),
    ("support_mode", "集中供养", "centralized"), ("support_mode", "分散", "dispersed"),
    ("self_care", "部分失能", "partial"), ("self_care", "完全失能", "unable"),
    ("labor_ability", "弱劳动力或半劳动力", "weak"), ("labor_ability", "无劳动力", "none"),
    ("labor_ability", "技能劳动力", "able"),
    ("poverty_status", "已脱贫（不再享受政策）", "exited"), ("poverty_status", "返贫", "poor"),
    ("insured_status", "参保缴费", "active"), ("insured_status", "暂停参保", "inactive"),
    ("insured_status", "终止（死亡）", "inactive"),
    ("disability_level", "一级", "1"), ("disability_level", "4级", "4"), ("disability_level", "2", "2"),
    ("disability_type", "肢体残疾", "physical"), ("disability_type", "精神", "mental"),
])
def test_category_spellings_reach_their_code(vocabulary, typed, code):
    assert one(lambda e: norm.category(e, vocabulary), typed) == code


@pytest.mark.parametrize("typed", ["D类", "外星", "五级"])
def test_unknown_category_spellings_have_no_code(typed):
    vocabularies = ("dibao_category", "area_type", "disability_level")
    assert all(one(lambda e, v=v: norm.category(e, v), typed) is None for v in vocabularies)


@pytest.mark.parametrize("typed, code", [
    ("铜官区", "340705"), ("340705", "340705"), ("枞阳", "340722"), ("安徽省铜陵市郊区", "340711"),
    ("铜陵县", "340706"), ("340722000000", "340722"), ("合肥市", None),
])
def test_counties_are_read_as_a_name_or_a_code(typed, code):
    policy = load_policy("data/policy.toml")
    assert one(lambda e: norm.county_code(e, policy), typed) == code


def test_counts_and_years_are_whole_numbers():
    assert one(lambda e: norm.whole_number(e, "人"), "3人") == 3
    assert one(lambda e: norm.whole_number(e, "年度"), "2024年度") == 2024
    assert one(lambda e: norm.whole_number(e, "人"), "2.5") is None
