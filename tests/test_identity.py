"""transforms/month/identity.py, names.py and rules/possible_same_person.sql: the same person under
a mistyped ID (SPEC §6)."""

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
from polars.testing import assert_frame_equal

from schemas.outputs import EXCEPTIONS, ROSTER_HOUSEHOLDS, ROSTER_PERSONS, TREND
from schemas.policy import load_policy
from tests.files import text_file
from tests.identity_month import Broken, linked_month, mistyped, suggestion_of, swapped
from tests.ids import numbered_id, valid_id
from tests.rule_tables import ID1, ID2, PERIOD, TONGGUAN, ZONGYANG, staged, tiny_policy
from transforms.ingest.file import ingest_file
from transforms.month.history import in_report_order
from transforms.month.identity import identity_suggestions, link_identities
from transforms.month.manifest import manifest
from transforms.month.names import folded_names, name_keys
from transforms.month.partition import merged, parts, reconcile_part
from transforms.month.reconcile import reconcile
from transforms.month.stage import stage_month
from transforms.reports import MonthReport
from transforms.reports.lists_book import write_quarantine_book

DIED_BEFORE = date(2024, 3, 1)


def exceptions_of(month, rule_code: str) -> pl.DataFrame:
    return reconcile(month).exceptions.filter(pl.col("rule_code") == rule_code)


def tie_of_two() -> tuple[str, str, str]:
    """Two valid IDs of one birth date and a number one substitution away from each: the first
    17 digits of one with the check digit of the other."""
    first = numbered_id(1)
    for n in range(2, 10):
        other = numbered_id(n)
        if other[17] != first[17]:
            return first, other, first[:17] + other[17]
    raise AssertionError("no such pair")


# -- names

def test_names_fold_spaces_full_width_and_traditional_characters():
    assert folded_names(pl.Series(["張 三", "ＡＢ", "陳麗華", None])).to_list() == ["张三", "AB", "陈丽华", None]


def test_homophones_have_one_sound_and_other_names_another():
    keys = {r["name_norm"]: r["pinyin"] for r in name_keys(pl.Series(["李明", "黎明", "李敏", "張三"])).to_dicts()}
    assert keys["李明"] == keys["黎明"] == "li ming"
    assert keys["李敏"] == "li min"
    assert keys["張三"] == "zhang san"


# -- suggestions

def test_a_one_digit_typo_is_suggested_with_the_right_candidate():
    con = staged(deaths=[{"id_number": ID1, "name": "张三"}], dibao=[{"id_number": ID2, "name": "李四"}])
    row = Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"})
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == ID1
    assert found["suggestion_basis"] == "姓名相同，身份证号相差一位（第 16 位）"
    assert found["suggestion_score"] == 90


def test_two_adjacent_digits_typed_the_other_way_are_found_with_the_right_candidate():
    person = valid_id("340702", "19800112", "123")
    con = staged(registry=[{"id_number": person, "name": "王芳"}])
    row = Broken("tekun", {"id_number": swapped(person, 13), "name": "王芳"})  # born the 21st?
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == person
    assert found["suggestion_basis"] == "姓名相同，身份证号第 13、14 位顺序颠倒，区县相同"


def test_a_name_that_sounds_the_same_is_found():
    con = staged(registry=[{"id_number": ID1, "name": "李明"}])
    row = Broken("persons", {"id_number": mistyped(ID1, 17), "name": "黎明"})
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == ID1
    assert found["suggestion_basis"].startswith("姓名同音（黎明／李明），身份证号相差一位（第 17 位）")


def test_a_name_in_traditional_characters_is_the_same_name():
    con = staged(dibao=[{"id_number": ID1, "name": "张三"}])
    row = Broken("enrollment", {"id_number": mistyped(ID1, 15), "name": "張三"})
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == ID1
    assert found["suggestion_basis"].startswith("姓名相同（繁简写法不同：張三／张三）")


def test_a_number_that_lost_its_last_digits_as_a_float_matches_the_digits_left():
    con = staged(dibao=[{"id_number": ID1, "name": "张三"}])
    typed = f"{float(ID1[:15] + '000'):.14E}"  # 3.40705198001010E+17
    row = Broken("deaths", {"id_number": typed, "name": "张三"}, reason="ID_PRECISION_LOST")
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == ID1
    assert "身份证号前 15 位一致" in found["suggestion_basis"]


def test_a_number_cut_short_matches_the_id_it_begins():
    con = staged(tekun=[{"id_number": ID1, "name": "张三"}])
    row = Broken("claims", {"id_number": ID1[:17], "name": "张三"}, reason="ID_MALFORMED")
    found = suggestion_of(linked_month(con, row), row)
    assert found["suggested_id_number"] == ID1
    assert "身份证号少了末尾 1 位" in found["suggestion_basis"]


def test_two_equally_good_candidates_are_listed_not_chosen():
    first, other, typed = tie_of_two()
    con = staged(dibao=[{"id_number": first, "name": "张三"}], registry=[{"id_number": other, "name": "张三"}])
    row = Broken("claims", {"id_number": typed, "name": "张三"})
    month = linked_month(con, row)
    found = suggestion_of(month, row)
    assert found["suggested_id_number"] is None and found["suggestion_score"] is None
    assert found["suggestion_basis"].startswith("有 2 人同样符合，未作建议")
    assert first in found["suggestion_basis"] and other in found["suggestion_basis"]
    (listed,) = identity_suggestions(month)["candidates"].to_list()
    assert listed == sorted([first, other])


def test_no_suggestion_where_the_name_differs_and_nothing_else_agrees():
    con = staged(dibao=[{"id_number": ID1, "name": "王五"}])
    row = Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"})
    assert suggestion_of(linked_month(con, row), row) == {
        "suggested_id_number": None, "suggestion_basis": None, "suggestion_score": None}


def test_no_suggestion_where_the_counties_differ():
    con = staged(registry=[{"id_number": ID1, "name": "张三", "county": TONGGUAN}])
    row = Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三", "county": ZONGYANG})
    assert suggestion_of(linked_month(con, row), row)["suggested_id_number"] is None


def test_no_suggestion_two_digits_away():
    con = staged(registry=[{"id_number": ID1, "name": "张三"}])
    row = Broken("dibao", {"id_number": mistyped(mistyped(ID1, 16), 15), "name": "张三"})
    assert suggestion_of(linked_month(con, row), row)["suggested_id_number"] is None


# -- POSSIBLE_SAME_PERSON

def test_a_mistyped_dibao_row_of_a_dead_person_says_the_death_rule_would_fire():
    con = staged(deaths=[{"id_number": ID1, "name": "张三", "death_date": DIED_BEFORE}])
    row = Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"})
    month = linked_month(con, row)
    found = exceptions_of(month, "POSSIBLE_SAME_PERSON").row(0, named=True)
    assert found["subject"] == row.ref == "civil/低保.xlsx:铜官区:50"
    assert found["severity"] == "medium" and found["id_number"] == ID1 and found["name"] == "张三"
    assert "死亡人员名单中的张三" in found["detail"]
    assert "若确为同一人，将触发：死亡人员仍在发放" in found["detail"]
    assert ID1 not in found["detail"] and ID1[:6] not in found["detail"]
    assert found["sources"] == ["civil/低保.xlsx:铜官区:50", "civil/死亡.xlsx:Sheet1:5"]
    # Decided rules never change on a guess.
    assert exceptions_of(month, "DECEASED_STILL_PAID").is_empty()


def test_a_homophone_says_the_name_conflict_would_be_raised():
    con = staged(tekun=[{"id_number": ID1, "name": "李明"}])
    row = Broken("dibao", {"id_number": mistyped(ID1, 15), "name": "黎明"})
    (detail,) = exceptions_of(linked_month(con, row), "POSSIBLE_SAME_PERSON")["detail"].to_list()
    assert "身份证号与姓名不一致" in detail and "低保与特困供养重复享受" in detail


def test_a_suggestion_found_only_in_the_rows_own_dataset_raises_nothing():
    con = staged(persons=[{"id_number": ID1, "name": "张三"}])
    row = Broken("persons", {"id_number": mistyped(ID1, 16), "name": "张三"})
    month = linked_month(con, row)
    assert suggestion_of(month, row)["suggested_id_number"] == ID1
    assert exceptions_of(month, "POSSIBLE_SAME_PERSON").is_empty()


def test_a_tie_raises_nothing():
    first, other, typed = tie_of_two()
    con = staged(dibao=[{"id_number": first, "name": "张三"}], registry=[{"id_number": other, "name": "张三"}])
    month = linked_month(con, Broken("claims", {"id_number": typed, "name": "张三"}))
    assert exceptions_of(month, "POSSIBLE_SAME_PERSON").is_empty()


def test_a_row_whose_suggestion_changes_nothing_says_so():
    con = staged(registry=[{"id_number": ID1, "name": "张三"}])
    row = Broken("enrollment", {"id_number": mistyped(ID1, 16), "name": "张三"})
    (detail,) = exceptions_of(linked_month(con, row), "POSSIBLE_SAME_PERSON")["detail"].to_list()
    assert "若确为同一人，不会触发其他核对规则" in detail


def test_without_broken_rows_nothing_is_suggested_and_nothing_raised():
    month = linked_month(staged(dibao=[{"id_number": ID1}]))
    assert identity_suggestions(month).is_empty()
    assert exceptions_of(month, "POSSIBLE_SAME_PERSON").is_empty()


# -- from the files offices send

def test_a_mistyped_csv_row_is_quarantined_and_linked_to_the_person_of_another_file(tmp_path: Path):
    policy = load_policy(Path(__file__).parents[1] / "data" / "policy.toml")
    person = valid_id("340702", "19500301", "123")
    deaths = text_file(tmp_path / "deaths.csv", [["姓名", "身份证号", "死亡日期"], ["张三", person, "2024-03-01"]])
    dibao = text_file(tmp_path / "dibao.csv", [
        ["区县", "户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金"],
        ["铜官区", "DB001", "张三", mistyped(person, 16), "城市", "100", "620"],
    ])
    files = [ingest_file(path, path.name, PERIOD, policy) for path in (deaths, dibao)]
    with stage_month(tmp_path / "staging.duckdb", files, policy, PERIOD) as month:
        suggestions = link_identities(month)
        assert suggestions["suggested_id_number"].to_list() == [person]
        (subject,) = exceptions_of(month, "POSSIBLE_SAME_PERSON")["subject"].to_list()
        assert subject == "dibao.csv::2"


# -- the quarantine workbook

def quarantine_book(tmp_path: Path, quarantine: pl.DataFrame, unmask: bool = False) -> list[list]:
    """The 民政 sheet of the quarantine workbook written for this quarantine, as rows of values."""
    record = manifest(
        run_id="00000000-0000-0000-0000-000000000003", period=PERIOD, started_at="2024-11-05T03:00:00+08:00",
        finished_at="2024-11-05T03:00:09+08:00", policy_sha256="0" * 64, files=[], results=[], outputs=[],
        rule_counts={}, received=set(), rules_skipped=[],
    )
    report = MonthReport(
        period=PERIOD, run_id=record.run_id, manifest=record, policy=tiny_policy(), exceptions=EXCEPTIONS.empty(),
        quarantine=quarantine, persons=ROSTER_PERSONS.empty(), households=ROSTER_HOUSEHOLDS.empty(),
        trend=TREND.empty(), unmask=unmask,
    )
    path = write_quarantine_book(tmp_path / "quarantine.xlsx", report)
    return [[c.value for c in row] for row in openpyxl.load_workbook(path)["民政"].iter_rows()]


def test_the_quarantine_workbook_shows_the_suggestion_with_the_id_masked(tmp_path: Path):
    con = staged(deaths=[{"id_number": ID1, "name": "张三"}])
    month = linked_month(con, Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"}))
    rows = quarantine_book(tmp_path, month.table("quarantine"))
    header = next(row for row in rows if "建议身份证号码" in row)
    (line,) = rows[rows.index(header) + 1:]
    shown = dict(zip(header, line, strict=True))
    assert shown["建议身份证号码"] == ID1[:6] + "********" + ID1[-4:]
    assert shown["建议依据"] == "姓名相同，身份证号相差一位（第 16 位）"
    assert shown["建议可信度（满分100）"] == 90
    unmasked = quarantine_book(tmp_path, month.table("quarantine"), unmask=True)
    assert ID1 in [value for row in unmasked for value in row]


def test_an_office_without_suggestions_gets_no_suggestion_columns(tmp_path: Path):
    con = staged(deaths=[{"id_number": ID1, "name": "王五"}])
    month = linked_month(con, Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"}))
    rows = quarantine_book(tmp_path, month.table("quarantine"))
    assert not any("建议身份证号码" in row for row in rows)


def test_a_month_reconciled_by_district_raises_it_as_one_pass_does():
    def month():
        con = staged(deaths=[{"id_number": ID1, "name": "张三", "death_date": DIED_BEFORE}],
                     dibao=[{"id_number": ID2, "name": "李四", "county": ZONGYANG}])
        return linked_month(con, Broken("dibao", {"id_number": mistyped(ID1, 16), "name": "张三"}))

    one = in_report_order(reconcile(month()).exceptions)
    split = month()
    found = [reconcile_part(part, split.policy, PERIOD, split.received) for part in parts(split)]
    assert_frame_equal(merged(split, found).exceptions, one)
    assert "POSSIBLE_SAME_PERSON" in set(one["rule_code"])
