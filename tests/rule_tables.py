"""Tiny staged months for rule tests: literal rows in an in-memory DuckDB.

A test names only the columns its rule reads; every other column gets a plausible default and
each row gets lineage like ('civil/低保.xlsx', '铜官区', 5), rows numbered from 5 down the sheet.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import duckdb
import polars as pl

from schemas.datasets import DATASETS, staged_columns
from schemas.policy import Policy
from tests.ids import numbered_id
from transforms.month.reconcile import Reconciliation, reconcile
from transforms.month.stage import create_staged_table, prepared_month

PERIOD = "2024-10"
ALL_DATASETS = frozenset(DATASETS)

TONGGUAN, ZONGYANG = "340705", "340722"

# Defaults per dataset, with the lineage a real office file would give.
DEFAULTS: dict[str, dict[str, object]] = {
    "dibao": {
        "county": TONGGUAN, "township": "横港街道", "household_id": "DB001", "relation": "户主",
        "name": "张三", "category": "none", "area_type": "urban", "household_size": 1,
        "per_capita_income": 300.0, "benefit": 420.0, "topup": 0.0,
        "src_file": "civil/低保.xlsx", "src_sheet": "铜官区",
    },
    "tekun": {
        "county": TONGGUAN, "name": "张三", "support_mode": "dispersed", "self_care": "able",
        "basic_paid": 936.0, "care_paid": 0.0,
        "src_file": "civil/特困.xlsx", "src_sheet": "铜官区",
    },
    "deaths": {
        "name": "张三", "death_date": date(2024, 1, 10),
        "src_file": "civil/死亡.xlsx", "src_sheet": "Sheet1",
    },
    "registry": {
        "county": TONGGUAN, "household_id": "JD001", "relation": "户主", "name": "张三",
        "labor_ability": "able", "poverty_status": "exited", "exit_year": 2019,
        "annual_income_per_capita": None, "cause": "缺劳力",
        "src_file": "poverty/建档立卡.xlsx", "src_sheet": "铜官区",
    },
    "enrollment": {
        "name": "张三", "insured_status": "active", "premium": 380.0, "premium_subsidy": 380.0,
        "year": 2024, "src_file": "medical/参保.xlsx", "src_sheet": "2024",
    },
    "claims": {
        "claim_id": "JS0001", "name": "张三", "settle_date": date(2024, 10, 12),
        "compliant_cost": 1000.0, "basic_paid": 1000.0, "critical_paid": 0.0,
        "supplementary_paid": 0.0, "aid_paid": 0.0,
        "src_file": "medical/住院结算.csv", "src_sheet": "",
    },
    "persons": {
        "name": "张三", "disability_level": 3, "living_subsidy": 0.0, "care_subsidy": 0.0,
        "src_file": "disability/残疾人.xlsx", "src_sheet": "两项补贴",
    },
    "temp_relief": {
        "county": TONGGUAN, "township": "天井湖街道", "name": "张三", "relief_type": "urgent",
        "amount": 800.0, "pay_date": date(2024, 10, 8), "reason": "突发疾病",
        "src_file": "civil/临时救助.xlsx", "src_sheet": "发放明细",
    },
    "children": {
        "county": TONGGUAN, "township": "天井湖街道", "name": "张三", "child_category": "difficulty",
        "care_setting": "dispersed", "allowance": 700.0,
        "src_file": "civil/困境儿童.xlsx", "src_sheet": "Sheet1",
    },
    "low_income": {
        "county": TONGGUAN, "township": "天井湖街道", "household_id": "DBBY001", "name": "张三",
        "low_income_type": "低保边缘家庭",
        "src_file": "civil/低收入人口.csv", "src_sheet": "",
    },
}


ID1, ID2, ID3, ID4 = (numbered_id(n, TONGGUAN) for n in (1, 2, 3, 4))


def name_norm(name: str | None) -> str | None:
    """The staged name_norm: NFKC-folded, white space removed."""
    return None if name is None else "".join(unicodedata.normalize("NFKC", name).split())


def staged_row(dataset: str, row: dict, src_row: int) -> dict:
    """One staged row: the test's values over the dataset's defaults, lineage filled in."""
    values = {"id_number": ID1} | DEFAULTS[dataset] | {"src_row": src_row} | row
    values.setdefault("name_norm", name_norm(values.get("name")))
    values.setdefault("id_number_raw", values["id_number"])
    return {column: values.get(column) for column in staged_columns(dataset)}


def staged(**rows_by_dataset: list[dict]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the given rows per dataset (the other tables are created by
    `prepared_month`, as for a month in which they did not arrive)."""
    con = duckdb.connect()
    for dataset, rows in rows_by_dataset.items():
        columns = staged_columns(dataset)
        create_staged_table(con, dataset, None)
        records = [staged_row(dataset, row, 5 + i) for i, row in enumerate(rows)]
        if records:
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(
                f"insert into {dataset} values ({placeholders})",
                [list(r.values()) for r in records],
            )
    return con


# The optional keys of SPEC §3, as tiny_policy sets them unless told `optional=False`.
OPTIONAL_RULES = {"medical_aid_ratio_low_income": 0.60, "tekun_care": {"partial": 300.0, "unable": 600.0}}
CHILDREN = {
    TONGGUAN: {"orphan_institution": 1800.0, "orphan_dispersed": 1400.0, "de_facto": 1400.0,
               "difficulty": 700.0},
    ZONGYANG: {"orphan_institution": 1700.0, "orphan_dispersed": 1300.0, "de_facto": 1300.0,
               "difficulty": 680.0},
}


def tiny_policy(optional: bool = True, **rule_overrides) -> Policy:
    """Two counties with the seed's numbers; 枞阳县's rural standard is 680 and its 特困 standard
    884 is below the floor, 铜官区 (urban 720, rural 700) is within every limit. With the optional
    keys (SPEC §3): low-income medical aid 60%, 特困 care 300 / 600, children's standards
    (铜官区 1800 / 1400 / 1400 / 700, 枞阳县 1700 / 1300 / 1300 / 680)."""
    county = {
        "consumption_prev_year": 18000.0, "registered_population": 450000,
        "temp_relief_budget": 2300000.0,
    }
    rules = {
        "topup_ratio": {"A": 0.30, "B": 0.20}, "tekun_floor_ratio": 0.60,
        "medical_aid_ratio": 0.70, "medical_aid_ratio_tekun": 0.80,
        "medical_aid_annual_cap": 10000, "temp_relief_per_capita": 5.0,
        "care_subsidy_levels": [1, 2], "tolerance": 1.0,
    } | (OPTIONAL_RULES if optional else {}) | rule_overrides
    counties = {
        TONGGUAN: county | {"name": "铜官区", "dibao_urban": 720.0, "dibao_rural": 700.0,
                            "tekun_basic": 936.0},
        ZONGYANG: county | {"name": "枞阳县", "dibao_urban": 720.0, "dibao_rural": 680.0,
                            "tekun_basic": 884.0, "consumption_prev_year": 18500.0,
                            "registered_population": 900000, "temp_relief_budget": 4800000.0},
    }
    if optional:
        counties = {code: c | {"children": CHILDREN[code]} for code, c in counties.items()}
    return Policy.model_validate({"rules": rules, "counties": counties})


def run(
    con: duckdb.DuckDBPyConnection,
    period: str = PERIOD,
    received: frozenset[str] | set[str] = ALL_DATASETS,
    policy: Policy | None = None,
) -> Reconciliation:
    return reconcile(prepared_month(con, policy or tiny_policy(), period, set(received)))


def exceptions_of(rule_code: str, con: duckdb.DuckDBPyConnection, **kwargs) -> pl.DataFrame:
    """The exceptions one rule raised over a staged month."""
    return run(con, **kwargs).exceptions.filter(pl.col("rule_code") == rule_code)


def subjects(rule_code: str, con: duckdb.DuckDBPyConnection, **kwargs) -> list[str]:
    return sorted(exceptions_of(rule_code, con, **kwargs)["subject"].to_list())


def only(frame: pl.DataFrame) -> dict:
    """The one exception of a frame, as a dict."""
    assert frame.height == 1, frame
    return frame.row(0, named=True)


def undecided_of(rule_code: str, con: duckdb.DuckDBPyConnection, **kwargs) -> list[str]:
    """The subjects one rule could not decide (SPEC §2: a fact no sheet gave), sorted."""
    month = run(con, **kwargs).month
    return sorted(month.table("undecided").filter(pl.col("rule_code") == rule_code)["subject"].to_list())
