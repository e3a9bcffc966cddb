from datetime import date

import polars as pl
import pytest

from schemas.datasets import DATASETS
from schemas.policy import load_policy
from tests.ids import valid_id, with_wrong_check
from transforms.ingest.normalise import normalised
from transforms.ingest.validate import failure_cases

POLICY = load_policy("data/policy.toml")
OCTOBER_END = date(2024, 10, 31)

GOOD = {
    "dibao": {"county": "铜官区", "household_id": "H1", "name": "张三", "id_number": valid_id(),
              "area_type": "城市", "per_capita_income": "300", "benefit": "420"},
    "deaths": {"name": "张三", "id_number": valid_id(), "death_date": "2024-09-01"},
    "claims": {"claim_id": "JS1", "name": "张三", "id_number": valid_id(), "settle_date": "2024-10-05",
               "compliant_cost": "1000", "basic_paid": "600"},
    "persons": {"name": "张三", "id_number": valid_id(), "disability_level": "一级"},
    "enrollment": {"name": "张三", "id_number": valid_id(), "insured_status": "正常参保",
                   "premium": "380", "year": "2024"},
}


def reasons(dataset: str, changes: dict, numeric_id: bool = False) -> set[tuple[str, str]]:
    """(reason, field) pairs validation gives one row: the good row of the dataset, changed."""
    values = GOOD[dataset] | changes
    row = {"_row": [5], "numeric__id_number": [numeric_id]}
    row |= {f"raw__{f}": [values.get(f)] for f in DATASETS[dataset].field_names}
    raw = pl.DataFrame(row, schema_overrides={f"raw__{f}": pl.String for f in DATASETS[dataset].field_names})
    cases = failure_cases(normalised(raw, dataset, POLICY), dataset, OCTOBER_END)
    return {(r["reason"], r["field"]) for r in cases.iter_rows(named=True)}


@pytest.mark.parametrize("dataset", list(GOOD))
def test_a_good_row_passes(dataset):
    assert reasons(dataset, {}) == set()


@pytest.mark.parametrize("area", ["340702", "340703", "340721", "340823", "110105", "999999"])
def test_the_area_code_is_never_checked(area):
    assert reasons("dibao", {"id_number": valid_id(area=area)}) == set()


@pytest.mark.parametrize("typed, reason", [
    (None, "ID_MISSING"),
    ("  ", "ID_MISSING"),
    ("3407021980010112", "ID_MALFORMED"),
    ("34070219800101123Y", "ID_MALFORMED"),
    ("3.40705198001011E+17", "ID_PRECISION_LOST"),
    ("340705198001011000", "ID_PRECISION_LOST"),
    (valid_id(birth="19800230"), "ID_BAD_DATE"),
    (valid_id(birth="18991231"), "ID_BAD_DATE"),
    (valid_id(birth="20241101"), "ID_BAD_DATE"),
    (with_wrong_check(valid_id()), "ID_CHECKSUM"),
])
def test_each_id_problem_has_its_own_reason(typed, reason):
    assert reasons("dibao", {"id_number": typed}) == {(reason, "id_number")}


def test_an_18_digit_id_in_a_number_cell_has_lost_its_digits_even_if_it_reads_back_whole():
    assert reasons("dibao", {"id_number": valid_id()}, numeric_id=True) == {("ID_PRECISION_LOST", "id_number")}


def test_a_15_digit_id_in_a_number_cell_is_whole():
    assert reasons("dibao", {"id_number": "340702800101123"}, numeric_id=True) == set()


def test_a_birth_date_on_the_last_day_of_the_period_is_possible():
    assert reasons("dibao", {"id_number": valid_id(birth="20241031")}) == set()


@pytest.mark.parametrize("dataset, field", [
    ("dibao", "name"), ("dibao", "county"), ("dibao", "household_id"), ("dibao", "area_type"),
    ("dibao", "per_capita_income"), ("dibao", "benefit"), ("deaths", "death_date"),
    ("claims", "claim_id"), ("claims", "settle_date"), ("claims", "compliant_cost"),
    ("claims", "basic_paid"), ("persons", "disability_level"), ("enrollment", "insured_status"),
    ("enrollment", "premium"), ("enrollment", "year"),
])
def test_a_blank_required_field_is_required_missing(dataset, field):
    assert reasons(dataset, {field: ""}) == {("REQUIRED_MISSING", field)}


def test_blank_amounts_that_mean_nothing_paid_are_not_missing():
    assert reasons("claims", {"aid_paid": "", "critical_paid": None}) == set()


@pytest.mark.parametrize("dataset, field, typed, reason", [
    ("dibao", "benefit", "一百二", "BAD_NUMBER"),
    ("dibao", "household_size", "3.5", "BAD_NUMBER"),
    ("dibao", "topup", "abc", "BAD_NUMBER"),
    ("enrollment", "year", "明年", "BAD_NUMBER"),
    ("dibao", "benefit", "-5", "NEGATIVE_AMOUNT"),
    ("claims", "aid_paid", "-0.5", "NEGATIVE_AMOUNT"),
    ("deaths", "death_date", "2024-13-45", "BAD_DATE"),
    ("claims", "admit_date", "不详", "BAD_DATE"),
    ("dibao", "category", "D类", "UNKNOWN_CATEGORY"),
    ("dibao", "area_type", "外星", "UNKNOWN_CATEGORY"),
    ("dibao", "county", "合肥市", "UNKNOWN_CATEGORY"),
    ("persons", "disability_level", "五级", "UNKNOWN_CATEGORY"),
    ("enrollment", "insured_status", "待定", "UNKNOWN_CATEGORY"),
])
def test_unusable_values_have_their_reason(dataset, field, typed, reason):
    assert reasons(dataset, {field: typed}) == {(reason, field)}


def test_a_row_with_two_problems_has_both_reasons():
    assert reasons("dibao", {"benefit": "abc", "category": "D类"}) == {
        ("BAD_NUMBER", "benefit"), ("UNKNOWN_CATEGORY", "category"),
    }


def test_a_dash_in_a_category_means_no_class():
    assert reasons("dibao", {"category": "—"}) == set()
