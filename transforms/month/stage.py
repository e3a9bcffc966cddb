"""Stage the month in DuckDB, once: the `Month` owns the connection every later step queries.

`stage_month` loads one table per dataset of accepted rows with lineage (empty when nothing was
received, so the rules always have something to read) and the quarantine; `prepared_month` adds,
once, what every rule and roster reads: the policy tables, the rule catalog, the datasets, the SQL
macros and the shared tables of who is who (sql/people.sql). Reconciliation then writes the table `exceptions`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS, staged_columns
from schemas.outputs import QUARANTINE
from schemas.period import period_bounds
from schemas.policy import Policy
from transforms.ingest.file import FileResult
from transforms.ingest.read_tables import quoted_identifier
from transforms.month.households import staged_people
from transforms.month.identity_tables import create_broken_id_rows, identity_tables

SQL_DIR = Path(__file__).parents[1] / "sql"
# DuckDB keeps to this much memory and spills the rest to `<database>.tmp/` beside the database,
# so a province's month slows down rather than fails; DOUDI_DUCKDB_MEMORY changes it (e.g. 8GB).
MEMORY_LIMIT = os.environ.get("DOUDI_DUCKDB_MEMORY", "3GB")
SHARED_SQL = ("macros.sql", "people.sql", "dibao_households.sql", "places.sql")
# [counties.X.children] key -> (child_category, care_setting): orphans by care setting (SPEC §4).
CHILD_STANDARD_KEYS = {
    "orphan_institution": ("orphan", "institution"),
    "orphan_dispersed": ("orphan", "dispersed"),
    "de_facto": ("de_facto", None),
    "difficulty": ("difficulty", None),
}


@dataclass
class Month:
    """One period staged in DuckDB: its connection, policy and the datasets received."""

    con: duckdb.DuckDBPyConnection
    period: str
    policy: Policy
    received: frozenset[str]

    def parameters(self) -> dict[str, object]:
        """Every value a query may bind: the period and the policy's [rules] table."""
        start, end = period_bounds(self.period)
        rules = self.policy.rules
        return {
            "period": self.period,
            "period_start": start,
            "period_end": end,
            "period_year": start.year,
            "tolerance": rules.tolerance,
            "tekun_floor_ratio": rules.tekun_floor_ratio,
            "medical_aid_ratio": rules.medical_aid_ratio,
            "medical_aid_ratio_tekun": rules.medical_aid_ratio_tekun,
            "medical_aid_annual_cap": float(rules.medical_aid_annual_cap),
            "temp_relief_per_capita": rules.temp_relief_per_capita,
            "care_levels": list(rules.care_subsidy_levels),
            # optional keys (SPEC §3): NULL when the policy sets none
            "medical_aid_ratio_low_income": rules.medical_aid_ratio_low_income,
            "temp_relief_even_min": rules.temp_relief_even_min,
            "temp_relief_even_share": rules.temp_relief_even_share,
            # SPEC §5: what a DISABILITY_*_MISSING person is owed, when the policy says (else unknown)
            "living_subsidy_monthly": rules.living_subsidy_monthly,
            "care_subsidy_by_level": [rules.care_subsidy_monthly.get(level) for level in (1, 2, 3, 4)],
        }

    def bound(self, sql: str, extra: dict[str, object] | None = None) -> dict[str, object]:
        """The values one statement asks for: DuckDB refuses parameters a statement does not use."""
        values = self.parameters() | (extra or {})
        (statement,) = self.con.extract_statements(sql)
        return {name: values[name] for name in statement.named_parameters}

    def query(self, sql: str, **extra: object) -> duckdb.DuckDBPyRelation:
        return self.con.sql(sql, params=self.bound(sql, extra))

    def frame(self, sql_file: str, **extra: object) -> pl.DataFrame:
        """The result of one query of transforms/sql/, with its parameters bound."""
        return self.query((SQL_DIR / sql_file).read_text(encoding="utf-8"), **extra).pl()

    def table(self, name: str) -> pl.DataFrame:
        return self.con.table(name).pl()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Month:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connected(database: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection held to doudi's memory limit."""
    return duckdb.connect(str(database), config={"memory_limit": MEMORY_LIMIT})


def create_staged_table(con: duckdb.DuckDBPyConnection, dataset: str, rows: pl.DataFrame | None) -> None:
    columns = staged_columns(dataset)
    ddl = ", ".join(f"{quoted_identifier(name)} {kind}" for name, kind in columns.items())
    con.execute(f"create or replace table {quoted_identifier(dataset)} ({ddl})")
    if rows is not None and rows.height:
        con.register("incoming_rows", rows.select(list(columns)).to_arrow())
        con.execute(f"insert into {quoted_identifier(dataset)} select * from incoming_rows")
        con.unregister("incoming_rows")


def stage_month(database: Path | str, files: list[FileResult], policy: Policy, period: str) -> Month:
    """A new DuckDB database holding the month's accepted rows and quarantine, prepared for the rules."""
    con = connected(database)
    sheets = [sheet for f in files for sheet in f.sheets]
    for dataset in DATASETS:
        create_staged_table(con, dataset, staged_people(sheets, dataset))
    quarantine = pl.concat([QUARANTINE.empty(), *(s.quarantine for s in sheets)])
    con.execute(f"create or replace table quarantine ({QUARANTINE.ddl()})")
    con.register("incoming_quarantine", quarantine.to_arrow())
    con.execute("insert into quarantine select * from incoming_quarantine order by file, sheet, row, member, reason")
    con.unregister("incoming_quarantine")
    create_broken_id_rows(con, [(s.dataset, s.broken_ids) for s in sheets])
    return prepared_month(con, policy, period, {sheet.dataset for sheet in sheets})


def open_month(database: Path | str, policy: Policy, period: str, received: set[str] | frozenset[str]) -> Month:
    """A month staged earlier by `stage_month`, opened again (after its parts were reconciled)."""
    return prepared_month(connected(database), policy, period, received)


def prepared_month(
    con: duckdb.DuckDBPyConnection, policy: Policy, period: str, received: set[str] | frozenset[str]
) -> Month:
    """The Month over a connection holding (some of) the staged tables: every table, macro and
    shared table the rules and rosters read, created once."""
    for dataset in DATASETS:
        if not _has_table(con, dataset):
            create_staged_table(con, dataset, None)
    _policy_tables(con, policy)
    _reference_tables(con)
    for name in SHARED_SQL:
        for statement in con.extract_statements((SQL_DIR / name).read_text(encoding="utf-8")):
            con.execute(statement)
    identity_tables(con)  # SPEC §6: name_keys, and the quarantine tables a part or a test lacks
    return Month(con, period, policy, frozenset(received))


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    ((found,),) = con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchall()
    return found > 0


def _policy_tables(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """`policy_counties`, one row per county code, `policy_topup_ratios`, one per 低保 class, and the
    optional standards (empty when the policy sets none): `policy_child_standards`, one per county,
    child category and (for orphans) care setting; `policy_tekun_care`, one per self-care level."""
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
    con.execute("create or replace temp table policy_topup_ratios (category varchar primary key, ratio double)")
    con.executemany(
        "insert into policy_topup_ratios values (?, ?)", list(policy.rules.topup_ratio.model_dump().items())
    )
    con.execute("create or replace temp table policy_child_standards ("
                " county varchar, child_category varchar, care_setting varchar, standard double)")
    child_rows = [
        [code, category, setting, getattr(county.children, key)]
        for code, county in policy.counties.items() if county.children is not None
        for key, (category, setting) in CHILD_STANDARD_KEYS.items()
    ]
    if child_rows:
        con.executemany("insert into policy_child_standards values (?, ?, ?, ?)", child_rows)
    con.execute("create or replace temp table policy_tekun_care (self_care varchar primary key, standard double)")
    if policy.rules.tekun_care is not None:
        con.executemany("insert into policy_tekun_care values (?, ?)",
                        list(policy.rules.tekun_care.model_dump().items()))


def _reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """`rule_catalog` (severity, title, report order) and `datasets` (label, office, rank)."""
    con.execute(
        "create or replace temp table rule_catalog ("
        " rule_code varchar primary key, rule_order integer, severity varchar,"
        " subject_kind varchar, title varchar)"
    )
    con.executemany(
        "insert into rule_catalog values (?, ?, ?, ?, ?)",
        [[r.code, i, r.severity, r.subject, r.title] for i, r in enumerate(rule_catalog().values())],
    )
    con.execute(
        "create or replace temp table datasets ("
        " dataset varchar primary key, label varchar, office varchar, person_rank integer)"
    )
    con.executemany(
        "insert into datasets values (?, ?, ?, ?)",
        [[d.name, d.label, d.office, d.person_rank] for d in DATASETS.values()],
    )
