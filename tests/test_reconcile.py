"""transforms/reconcile.py: which rules run, and the exceptions frame of SPEC §5."""

import hashlib
import re
from datetime import date

import duckdb
import polars as pl
import pytest

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS, staged_columns
from schemas.outputs import EXCEPTIONS
from schemas.policy import OPTIONAL_KEYS
from tests.identity_month import Broken, add_broken_rows, mistyped
from tests.rule_tables import (
    ALL_DATASETS,
    ID1,
    ID2,
    ID3,
    ID4,
    PERIOD,
    TONGGUAN,
    run,
    staged,
    tiny_policy,
)
from transforms.month.identity import link_identities
from transforms.month.reconcile import RULES_DIR, reconcile
from transforms.month.stage import prepared_month

# The rule codes of SPEC §4 (the seventeen, and the four of "The seed's other programmes"), in
# report order: the catalog is checked against them once here; every other test takes the codes
# from the catalog.
SPEC_RULES = [
    "DIBAO_TEKUN_OVERLAP", "DUPLICATE_ENROLLMENT", "DECEASED_STILL_PAID", "IDENTITY_CONFLICT",
    "POSSIBLE_SAME_PERSON",  # SPEC §6, beside the identity rules
    "DIBAO_EXIT_DUE", "EXITED_POVERTY_ON_DIBAO", "COVERAGE_GAP", "DIBAO_TOPUP_MISMATCH",
    "TEKUN_BELOW_STANDARD", "TEKUN_STANDARD_BELOW_FLOOR", "TEKUN_CARE_BELOW_STANDARD",
    "PREMIUM_NOT_SUBSIDIZED", "MEDICAL_AID_SHORTFALL", "DISABILITY_LIVING_MISSING",
    "DISABILITY_LIVING_INELIGIBLE", "DISABILITY_CARE_MISSING", "DISABILITY_CARE_INELIGIBLE",
    "CHILD_ALLOWANCE_BELOW_STANDARD", "TEMP_RELIEF_BUDGET_SHORT", "TEMP_RELIEF_EVEN_SPLIT",
    "TEMP_RELIEF_AFTER_DEATH",
]

def month_with_every_rule() -> duckdb.DuckDBPyConnection:
    """A month in which every rule fires at least once (with a short budget)."""
    return staged(
        dibao=[
            {"id_number": ID1, "household_id": "DB001", "area_type": "rural",
             "per_capita_income": 812.0, "category": "A", "benefit": 650.0, "topup": 100.0},
            {"id_number": ID1, "household_id": "DB002"},
            {"id_number": ID2, "name": "李四", "household_id": "DB003"},
        ],
        tekun=[{"id_number": ID1, "basic_paid": 800.0, "self_care": "unable", "care_paid": 100.0}],
        deaths=[{"id_number": ID2, "name": "李四", "death_date": date(2024, 9, 1)}],
        registry=[
            {"id_number": ID3, "name": "王五", "household_id": "JD009", "poverty_status": "poor",
             "labor_ability": "none"},
            {"id_number": ID1, "poverty_status": "exited"},
        ],
        enrollment=[{"id_number": ID2, "name": "李四", "premium_subsidy": 100.0}],
        claims=[{"id_number": ID1, "compliant_cost": 6000.0, "basic_paid": 1000.0,
                 "aid_paid": 100.0}],
        persons=[
            {"id_number": ID2, "name": "李肆", "disability_level": 1},
            {"id_number": ID4, "name": "赵六", "disability_level": 3, "living_subsidy": 80.0,
             "care_subsidy": 80.0},
        ],
        # the seed's other programmes: 特困 care short, a child underpaid, relief handed out evenly
        # in one township and paid to 李四 after his death
        children=[{"id_number": ID4, "name": "赵六", "child_category": "orphan", "allowance": 1000.0}],
        temp_relief=[{"id_number": ID2, "name": "李四", "amount": 500.0} for _ in range(10)],
    )


def short_budget_policy():
    policy = tiny_policy()
    county = policy.counties[TONGGUAN].model_copy(update={"temp_relief_budget": 1.0})
    return policy.model_copy(update={"counties": policy.counties | {TONGGUAN: county}})


def test_catalog_holds_the_rules_of_spec_section_4_each_in_its_sql_file():
    catalog = rule_catalog()
    assert list(catalog) == SPEC_RULES
    for rule in catalog.values():
        assert rule.severity in {"high", "medium", "info"}
        assert set(rule.needs) | set(rule.needs_any) <= set(DATASETS)
        assert set(rule.needs_policy) <= set(OPTIONAL_KEYS)
        assert all(dataset in DATASETS and field in DATASETS[dataset].field_names for dataset, field in rule.reads)
        assert rule.code in (RULES_DIR / rule.sql).read_text(encoding="utf-8")


def test_every_rule_a_sql_file_produces_is_in_the_catalog_under_that_file():
    produced = {
        (code, path.name)
        for path in RULES_DIR.glob("*.sql")
        for code in re.findall(r"'([A-Z_]+)' as rule_code", path.read_text(encoding="utf-8"))
    }
    assert produced == {(rule.code, rule.sql) for rule in rule_catalog().values()}


def test_rules_needing_an_optional_policy_key_are_skipped_in_words_without_it():
    result = run(staged(), received=ALL_DATASETS, policy=tiny_policy(optional=False))
    skipped = {entry["rule_code"]: entry for entry in result.rules_skipped}
    assert skipped == {
        "TEKUN_CARE_BELOW_STANDARD": {"rule_code": "TEKUN_CARE_BELOW_STANDARD", "missing_datasets": [],
                                      "missing_policy_keys": ["tekun_care"]},
        "CHILD_ALLOWANCE_BELOW_STANDARD": {"rule_code": "CHILD_ALLOWANCE_BELOW_STANDARD", "missing_datasets": [],
                                           "missing_policy_keys": ["children"]},
    }
    assert "TEMP_RELIEF_EVEN_SPLIT" in result.rules_run  # it runs on its defaults
    assert "MEDICAL_AID_SHORTFALL" in result.rules_run  # without the low-income ratio it covers fewer


def test_rule_sql_binds_only_parameters_the_runner_provides():
    month = prepared_month(duckdb.connect(), tiny_policy(), PERIOD, set())
    provided = set(month.parameters()) | {"rules"}
    con = duckdb.connect()
    for path in RULES_DIR.glob("*.sql"):
        (statement,) = con.extract_statements(path.read_text(encoding="utf-8"))
        assert statement.named_parameters <= provided, path.name


def test_every_rule_fires_on_a_month_built_to_break_them_all():
    con = month_with_every_rule()  # and 王五's claim with his ID mistyped (SPEC §6)
    add_broken_rows(con, [Broken("claims", {"id_number": mistyped(ID3, 16), "name": "王五"})])
    month = prepared_month(con, short_budget_policy(), PERIOD, set(ALL_DATASETS))
    link_identities(month)
    result = reconcile(month)
    assert result.rules_run == list(rule_catalog()) and result.rules_skipped == []
    assert {code for code, n in result.rule_counts.items() if n == 0} == set()


def test_rule_counts_list_every_code_with_zero_included():
    result = run(staged())
    assert list(result.rule_counts) == list(rule_catalog())
    assert result.rule_counts["DIBAO_EXIT_DUE"] == 0
    assert result.rule_counts["TEKUN_STANDARD_BELOW_FLOOR"] == 1


def test_rule_is_skipped_and_listed_with_the_datasets_it_lacks():
    result = run(staged(dibao=[{}]), received={"dibao", "registry"})
    skipped = {entry["rule_code"]: entry["missing_datasets"] for entry in result.rules_skipped}
    assert skipped["DIBAO_TEKUN_OVERLAP"] == ["tekun"]
    assert skipped["COVERAGE_GAP"] == ["tekun"]
    assert skipped["DECEASED_STILL_PAID"] == ["deaths"]
    assert skipped["PREMIUM_NOT_SUBSIDIZED"] == ["enrollment"]
    assert skipped["DISABILITY_CARE_MISSING"] == ["persons", "tekun"]
    assert "DIBAO_EXIT_DUE" in result.rules_run and "DIBAO_EXIT_DUE" not in skipped
    assert set(result.rules_run) | set(skipped) == set(rule_catalog())


def test_rule_needing_one_of_several_datasets_lists_them_all_when_none_arrived():
    result = run(staged(), received={"deaths"})
    skipped = {entry["rule_code"]: entry["missing_datasets"] for entry in result.rules_skipped}
    assert skipped["DECEASED_STILL_PAID"] == ["dibao", "tekun", "persons", "children"]
    assert "IDENTITY_CONFLICT" in result.rules_run


def test_skipped_rule_reports_nothing_even_when_its_sql_file_runs_for_another_rule():
    # Only the disability office and 特困 arrived: the care rules run, the living rules cannot
    # (without 低保 and 建档立卡 everyone would look ineligible).
    con = staged(persons=[{"living_subsidy": 80.0, "disability_level": 3, "care_subsidy": 80.0}])
    result = run(con, received={"persons", "tekun"})
    assert result.rule_counts["DISABILITY_LIVING_INELIGIBLE"] == 0
    assert result.rule_counts["DISABILITY_CARE_INELIGIBLE"] == 1


def test_rules_that_need_only_the_policy_run_when_nothing_arrived():
    result = run(staged(), received=set(), policy=short_budget_policy())
    assert result.rules_run == ["TEKUN_STANDARD_BELOW_FLOOR", "TEMP_RELIEF_BUDGET_SHORT"]
    assert result.exceptions["rule_code"].to_list() == result.rules_run


def test_missing_staged_tables_are_created_empty_from_the_dataset_contract():
    con = staged(dibao=[{}])
    prepared_month(con, tiny_policy(), PERIOD, {"dibao"})
    assert con.sql("select count(*) from dibao").fetchall() == [(1,)]
    deaths = con.table("deaths")
    assert dict(zip(deaths.columns, map(str, deaths.types), strict=True)) == staged_columns("deaths")
    assert con.sql("select count(*) from deaths").fetchall() == [(0,)]


def test_reconcile_runs_on_a_connection_holding_only_the_tables_that_arrived():
    con = duckdb.connect()
    columns = staged_columns("tekun")
    con.execute("create table tekun (" + ", ".join(f"{c} {t}" for c, t in columns.items()) + ")")
    con.execute("insert into tekun (id_number, county, name, basic_paid, src_file, src_sheet, src_row)"
                " values (?, ?, '张三', 800.0, 'civil/特困.xlsx', '', 2)", [ID1, TONGGUAN])
    result = reconcile(prepared_month(con, tiny_policy(), PERIOD, {"tekun"}))
    assert result.rule_counts["TEKUN_BELOW_STANDARD"] == 1
    assert result.rule_counts["IDENTITY_CONFLICT"] == 0


def test_policy_tables_load_every_county_of_the_policy_and_the_topup_ratios():
    con = duckdb.connect()
    prepared_month(con, tiny_policy(), PERIOD, set())
    counties = con.table("policy_counties").pl()
    assert counties["county"].to_list() == ["340705", "340722"]
    assert counties.filter(pl.col("county") == "340722")["dibao_rural"].item() == 680.0
    ratios = con.sql("select category, topup_ratio(category) from (values ('A'), ('B'), ('C'), (null))"
                     " as t(category)").fetchall()
    assert ratios == [("A", 0.30), ("B", 0.20), ("C", 0.0), (None, 0)]


def test_exceptions_have_exactly_the_columns_of_spec_section_5():
    assert dict(run(month_with_every_rule()).exceptions.schema) == EXCEPTIONS.schema
    assert dict(run(staged(), received=set()).exceptions.schema) == EXCEPTIONS.schema


def test_exception_id_is_stable_across_runs_and_differs_by_period():
    first = run(month_with_every_rule()).exceptions
    again = run(month_with_every_rule()).exceptions
    next_month = run(month_with_every_rule(), period="2024-11").exceptions
    assert first["exception_id"].to_list() == again["exception_id"].to_list()
    assert first["exception_id"].n_unique() == first.height
    assert set(first["exception_id"]).isdisjoint(next_month["exception_id"])


def test_exception_id_is_the_sha256_of_rule_subject_and_period():
    row = run(staged(tekun=[{"basic_paid": 800.0}])).exceptions.row(0, named=True)
    text = f"{row['rule_code']}|{row['subject']}|{PERIOD}"
    assert row["exception_id"] == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_new_exceptions_are_new_and_first_seen_this_period():
    exceptions = run(month_with_every_rule()).exceptions
    assert set(exceptions["status"]) == {"new"}
    assert set(exceptions["first_seen"]) == set(exceptions["period"]) == {PERIOD}


def test_detail_sentences_are_chinese_and_contain_the_numbers():
    exceptions = run(month_with_every_rule(), policy=short_budget_policy()).exceptions
    for row in exceptions.iter_rows(named=True):
        assert re.search(r"[\u4e00-\u9fff]{4}", row["detail"]), row
        assert not re.search(r"[A-Z]+_[A-Z_]+", row["detail"]), row
        for amount in (row["expected"], row["actual"]):
            if amount:
                assert f"{amount:.2f}" in row["detail"], row


def test_detail_names_the_rows_to_correct():
    exceptions = run(month_with_every_rule()).exceptions
    detail = dict(exceptions.select("rule_code", "detail").unique("rule_code").iter_rows())
    assert "civil/低保.xlsx·铜官区 第5行" in detail["DIBAO_TOPUP_MISMATCH"]
    assert "medical/住院结算.csv 第5行" in detail["MEDICAL_AID_SHORTFALL"]
    assert "disability/残疾人.xlsx·两项补贴 第6行" in detail["DISABILITY_CARE_INELIGIBLE"]


def test_sources_list_every_row_behind_each_exception_once_and_sorted():
    exceptions = run(month_with_every_rule()).exceptions
    for row in exceptions.iter_rows(named=True):
        assert row["sources"] == sorted(set(row["sources"]))
        assert all(re.fullmatch(r"[^:]+:[^:]*:\d+", s) for s in row["sources"])
    overlap = exceptions.filter(pl.col("rule_code") == "DIBAO_TEKUN_OVERLAP").row(0, named=True)
    assert overlap["sources"] == ["civil/低保.xlsx:铜官区:5", "civil/低保.xlsx:铜官区:6",
                                  "civil/特困.xlsx:铜官区:5"]


def test_one_exception_per_rule_and_subject():
    exceptions = run(month_with_every_rule()).exceptions
    assert exceptions.select("rule_code", "subject").is_duplicated().sum() == 0


def test_all_datasets_received_runs_every_rule():
    assert run(staged(), received=ALL_DATASETS).rules_skipped == []


def test_period_must_be_a_month():
    with pytest.raises(ValueError, match="YYYY-MM"):
        run(staged(), period="2024-13")
