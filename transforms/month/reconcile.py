"""Reconciliation (SPEC §4): run the rule SQL over the staged month and write its exceptions.

The rules live in `transforms/rules/*.sql`, one file per family; the catalog
(`schemas/rule_catalog.toml`) says which rules each file produces, their severity and the datasets
they need. Everything runs in DuckDB with bound parameters; Python only decides which files to run
and which of their rules to keep. The result is the table `exceptions` in the month's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.catalog import Rule, rule_catalog
from schemas.outputs import EXCEPTIONS, FINDINGS, UNDECIDED
from schemas.policy import Policy
from transforms.month.stage import SQL_DIR, Month

RULES_DIR = Path(__file__).parents[1] / "rules"


@dataclass(frozen=True)
class Reconciliation:
    """The month with its `exceptions` and `undecided` tables written; which rules ran, which were
    skipped and why (`{"rule_code", "missing_datasets", "missing_policy_keys"}` each, as the
    manifest lists them), a count per rule, and per rule the subjects it could not decide (SPEC §2)."""

    month: Month
    rules_run: list[str]
    rules_skipped: list[dict]
    rule_counts: dict[str, int]
    undecided_counts: dict[str, int]

    @property
    def exceptions(self) -> pl.DataFrame:
        """The month's exceptions in the columns of SPEC §5 `exceptions.parquet`."""
        return self.month.table("exceptions")


def skipped_rules(received: set[str] | frozenset[str], policy: Policy) -> list[dict]:
    """The rules that cannot run this month, each with the datasets and the optional policy keys
    (without a default) it lacks."""
    return [
        {"rule_code": rule.code, "missing_datasets": rule.missing(set(received)),
         "missing_policy_keys": rule.missing_policy(policy)}
        for rule in rule_catalog().values()
        if not rule.runs(received, policy)
    ]


def rules_by_file(rules: list[Rule]) -> dict[str, list[str]]:
    """Rule codes to ask of each SQL file, in catalog order."""
    files: dict[str, list[str]] = {}
    for rule in rules:
        files.setdefault(rule.sql, []).append(rule.code)
    return files


def _write_findings(month: Month, files: dict[str, list[str]]) -> None:
    """Run each rule file into the temp table `rule_findings`, keeping only the rules asked for:
    a rule whose datasets did not arrive reports nothing even when its file runs for another.
    A finding marked `undecided` is a subject the known facts neither prove nor clear."""
    month.con.execute(f"create or replace temp table rule_findings ({FINDINGS.ddl()}, undecided boolean)")
    for file_name, codes in files.items():
        sql = (RULES_DIR / file_name).read_text(encoding="utf-8")
        selected = f"select * from (\n{sql}\n) where list_contains($rules, rule_code)"
        month.con.execute("insert into rule_findings by name\n" + selected, month.bound(selected, {"rules": codes}))


def reconcile(month: Month, codes: list[str] | None = None) -> Reconciliation:
    """Run every rule whose datasets were received this month and whose optional policy keys are
    set (only `codes`, when given); write the table `exceptions`."""
    runnable = [rule for rule in rule_catalog().values()
                if rule.runs(month.received, month.policy) and (codes is None or rule.code in codes)]
    _write_findings(month, rules_by_file(runnable))
    for name in ("exception_places.sql", "exception_money.sql"):  # SPEC §5: where, and how much
        month.con.execute(*_statement(month, name))
    sql = (SQL_DIR / "exceptions.sql").read_text(encoding="utf-8")
    month.con.execute(f"create or replace table exceptions ({EXCEPTIONS.ddl()})")
    month.con.execute("insert into exceptions by name\n" + sql, month.bound(sql))
    month.con.execute(f"create or replace table undecided ({UNDECIDED.ddl()})")
    month.con.execute(f"insert into undecided select {', '.join(UNDECIDED.names)} from rule_findings"
                      " where undecided order by rule_code, subject")
    return reconciliation_of(month)


def _statement(month: Month, name: str) -> tuple[str, dict[str, object]]:
    sql = (SQL_DIR / name).read_text(encoding="utf-8")
    return sql, month.bound(sql)


def reconciliation_of(month: Month) -> Reconciliation:
    """The month's reconciliation as its table `exceptions` stands: what ran, was skipped, was found."""
    counts = dict(month.con.sql("select rule_code, count(*) from exceptions group by rule_code").fetchall())
    undecided = dict(month.con.sql(
        "select rule_code, count(distinct subject) from undecided group by rule_code").fetchall())
    return Reconciliation(
        month=month,
        rules_run=[rule.code for rule in rule_catalog().values() if rule.runs(month.received, month.policy)],
        rules_skipped=skipped_rules(month.received, month.policy),
        rule_counts={code: counts.get(code, 0) for code in rule_catalog()},
        undecided_counts={code: n for code, n in undecided.items() if n},
    )
