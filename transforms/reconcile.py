"""Reconciliation (SPEC §4): run the rule SQL over the staged tables and return the month's exceptions.

The rules live in `transforms/rules/*.sql`, one file per family; `schemas/rule_catalog.toml` says
which rules each file produces, their severity and the datasets they need. Everything runs in
DuckDB with bound parameters; Python only decides which files to run and with which values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from schemas.datasets import DATASETS
from schemas.policy import Policy
from transforms.inbox import period_bounds
from transforms.stage import create_staged_table

RULES_DIR = Path(__file__).parent / "rules"
SQL_DIR = Path(__file__).parent / "sql"
CATALOG_PATH = Path(__file__).parents[1] / "schemas" / "rule_catalog.toml"

# What a rule query returns, before the runner adds ids, severity and status (sql/exceptions.sql).
FINDING_COLUMNS = {
    "rule_code": "VARCHAR",
    "county": "VARCHAR",
    "subject": "VARCHAR",
    "id_number": "VARCHAR",
    "name": "VARCHAR",
    "household_id": "VARCHAR",
    "detail": "VARCHAR",
    "expected": "DOUBLE",
    "actual": "DOUBLE",
    "sources": "VARCHAR[]",
}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    subject: str
    title: str
    needs: tuple[str, ...]
    needs_any: tuple[str, ...]
    sql: str

    def missing(self, received: set[str]) -> list[str]:
        """The datasets that keep this rule from running this month; empty when it can run."""
        missing = [d for d in self.needs if d not in received]
        if self.needs_any and not set(self.needs_any) & received:
            missing += [d for d in self.needs_any if d not in missing]
        return missing


@dataclass(frozen=True)
class Reconciliation:
    """The month's exceptions (SPEC §5 columns), which rules ran, which were skipped and why
    (`{"rule_code", "missing_datasets"}` each, as the manifest lists them), and a count per rule."""

    exceptions: pl.DataFrame
    rules_run: list[str]
    rules_skipped: list[dict]
    rule_counts: dict[str, int]


def load_catalog(path: Path = CATALOG_PATH) -> dict[str, Rule]:
    """The rule catalog, in report order."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return {
        code: Rule(
            code=code,
            severity=entry["severity"],
            subject=entry["subject"],
            title=entry["title"],
            needs=tuple(entry["needs"]),
            needs_any=tuple(entry["needs_any"]),
            sql=entry["sql"],
        )
        for code, entry in raw.items()
    }


def rule_parameters(policy: Policy, period: str) -> dict[str, object]:
    """Every value a rule may bind: the period and the policy's [rules] table."""
    start, end = period_bounds(period)
    rules = policy.rules
    return {
        "period": period,
        "period_start": start,
        "period_end": end,
        "period_year": start.year,
        "tolerance": rules.tolerance,
        "topup_ratio_a": rules.topup_ratio.A,
        "topup_ratio_b": rules.topup_ratio.B,
        "topup_ratio_c": rules.topup_ratio.C,
        "tekun_floor_ratio": rules.tekun_floor_ratio,
        "medical_aid_ratio": rules.medical_aid_ratio,
        "medical_aid_ratio_tekun": rules.medical_aid_ratio_tekun,
        "medical_aid_annual_cap": float(rules.medical_aid_annual_cap),
        "temp_relief_per_capita": rules.temp_relief_per_capita,
        "care_levels": list(rules.care_subsidy_levels),
    }


def bound_to(con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, object]) -> dict:
    """The values a statement asks for: DuckDB refuses parameters a statement does not use."""
    (statement,) = con.extract_statements(sql)
    return {name: values[name] for name in statement.named_parameters}


def ensure_staged_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create an empty staged table for every dataset the connection lacks; return their names.

    Rules read all seven tables whatever arrived, so a month without, say, deaths still runs.
    """
    present = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    created = [dataset for dataset in DATASETS if dataset not in present]
    for dataset in created:
        create_staged_table(con, dataset, None)
    return created


def policy_tables(con: duckdb.DuckDBPyConnection, policy: Policy) -> duckdb.DuckDBPyRelation:
    """Load the policy's counties into the table `policy_counties`, one row per county code."""
    con.execute(
        "create or replace temp table policy_counties ("
        " county varchar primary key, county_name varchar, dibao_urban double, dibao_rural double,"
        " tekun_basic double, consumption_prev_year double, registered_population integer,"
        " temp_relief_budget double)"
    )
    con.executemany(
        "insert into policy_counties values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [code, c.name, c.dibao_urban, c.dibao_rural, c.tekun_basic, c.consumption_prev_year,
             c.registered_population, c.temp_relief_budget]
            for code, c in policy.counties.items()
        ],
    )
    return con.table("policy_counties")


def catalog_table(con: duckdb.DuckDBPyConnection, catalog: dict[str, Rule]) -> duckdb.DuckDBPyRelation:
    """The catalog as the temp table `rule_catalog`, for severity and report order in SQL."""
    con.execute(
        "create or replace temp table rule_catalog ("
        " rule_code varchar primary key, rule_order integer, severity varchar,"
        " subject_kind varchar, title varchar)"
    )
    con.executemany(
        "insert into rule_catalog values (?, ?, ?, ?, ?)",
        [[r.code, i, r.severity, r.subject, r.title] for i, r in enumerate(catalog.values())],
    )
    return con.table("rule_catalog")


def run_script(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Run every statement of a SQL file that takes no parameters (macros and views)."""
    for statement in con.extract_statements(path.read_text(encoding="utf-8")):
        con.execute(statement)


def prepare_connection(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Staged tables, policy and catalog tables, and the shared views every rule and roster reads."""
    ensure_staged_tables(con)
    policy_tables(con, policy)
    catalog_table(con, load_catalog())
    run_script(con, SQL_DIR / "people.sql")
    run_script(con, SQL_DIR / "dibao_households.sql")


def skipped_rules(catalog: dict[str, Rule], received: set[str]) -> list[dict]:
    """The rules that cannot run this month, each with the datasets it lacks."""
    return [
        {"rule_code": rule.code, "missing_datasets": rule.missing(received)}
        for rule in catalog.values()
        if rule.missing(received)
    ]


def rules_by_file(rules: list[Rule]) -> dict[str, list[str]]:
    """Rule codes to ask of each SQL file, in catalog order."""
    files: dict[str, list[str]] = {}
    for rule in rules:
        files.setdefault(rule.sql, []).append(rule.code)
    return files


def findings_table(
    con: duckdb.DuckDBPyConnection, files: dict[str, list[str]], values: dict[str, object]
) -> duckdb.DuckDBPyRelation:
    """Run each rule file for its runnable rules into the temp table `rule_findings`."""
    columns = ", ".join(f"{c} {t}" for c, t in FINDING_COLUMNS.items())
    con.execute(f"create or replace temp table rule_findings ({columns})")
    for file_name, codes in files.items():
        sql = (RULES_DIR / file_name).read_text(encoding="utf-8")
        params = bound_to(con, sql, values | {"rules": codes})
        con.execute("insert into rule_findings by name\n" + sql, params)
    return con.table("rule_findings")


def exceptions_frame(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """The month's exceptions in the columns of SPEC §5 `exceptions.parquet`."""
    sql = (SQL_DIR / "exceptions.sql").read_text(encoding="utf-8")
    return con.sql(sql, params={"period": period}).pl()


def reconcile(
    con: duckdb.DuckDBPyConnection, policy: Policy, period: str, received: set[str]
) -> Reconciliation:
    """Run every rule whose datasets were received this month over the staged tables."""
    values = rule_parameters(policy, period)
    catalog = load_catalog()
    prepare_connection(con, policy)
    runnable = [rule for rule in catalog.values() if not rule.missing(set(received))]
    findings_table(con, rules_by_file(runnable), values)
    exceptions = exceptions_frame(con, period)
    counts = dict(exceptions.group_by("rule_code").len().iter_rows())
    return Reconciliation(
        exceptions=exceptions,
        rules_run=[rule.code for rule in runnable],
        rules_skipped=skipped_rules(catalog, set(received)),
        rule_counts={code: counts.get(code, 0) for code in catalog},
    )
