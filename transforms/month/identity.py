"""Identity beyond exact ID numbers (SPEC §6): for each quarantined row whose ID is broken, the
valid ID of the month it most likely is, and what the rules would say if it were.

`identity_suggestions` finds the candidates (sql/identity_suggestions.sql: blocking by the sound
of the name, vectorised in DuckDB); `suggestion_consequences` runs the rules of §4 over a what-if
copy of the people and households concerned, each suggested row under its suggested ID, and keeps
the exceptions that would cite the row. `link_identities` does both once per month, after staging
and before reconciliation, and writes them where the rules read them: the quarantine's suggestion
columns and the table `suggestion_consequences`. The month's own tables never take a suggestion
in: the rules of §4 decide on accepted rows only.
"""

from __future__ import annotations

import duckdb
import polars as pl

from schemas.datasets import DATASETS, staged_columns
from transforms.ingest.read_tables import quoted_identifier
from transforms.month.identity_tables import BROKEN_ID_REASONS, CONSEQUENCES_DDL
from transforms.month.reconcile import reconcile
from transforms.month.stage import Month, create_staged_table, prepared_month

SUGGESTION_COLUMNS = ("suggested_id_number", "suggestion_basis", "suggestion_score")
CONSEQUENCES = {"src_file": pl.String, "src_sheet": pl.String, "src_row": pl.Int64, "src_member": pl.Int64,
                "rule_code": pl.String, "subject": pl.String}
HOUSEHOLD_DATASETS = ("dibao", "registry")  # whose household rules read every member's row


def identity_suggestions(month: Month) -> pl.DataFrame:
    """One row per quarantined row whose ID is broken: dataset, file, sheet, row, the suggested ID,
    its basis and score (null when there is none or a tie), and the best candidates."""
    return month.frame("identity_suggestions.sql", broken_reasons=list(BROKEN_ID_REASONS))


def write_suggestions(month: Month, suggestions: pl.DataFrame) -> None:
    """The quarantine's suggestion columns, on each broken row's ID reason; cleared elsewhere."""
    con = month.con
    con.execute(f"update quarantine set {', '.join(f'{c} = null' for c in SUGGESTION_COLUMNS)}")
    con.register("incoming_suggestions", suggestions.filter(pl.col("suggestion_basis").is_not_null()).to_arrow())
    con.execute(
        "update quarantine set suggested_id_number = s.suggested_id_number,"
        " suggestion_basis = s.suggestion_basis, suggestion_score = s.suggestion_score"
        " from incoming_suggestions as s"
        " where quarantine.file = s.file and quarantine.sheet = s.sheet and quarantine.row = s.row"
        " and quarantine.member is not distinct from s.member"
        " and list_contains($reasons, quarantine.reason)",
        {"reasons": list(BROKEN_ID_REASONS)},
    )
    con.unregister("incoming_suggestions")


def _concerned_rows_sql(dataset: str) -> str:
    """The staged rows of a dataset ($dataset) that a what-if needs: every row of a suggested
    person and, for a household dataset, every row of their households and of the suggested rows'
    households. The table and its columns are the dataset contract's (schemas/datasets.py)."""
    table, columns = quoted_identifier(dataset), ", ".join(map(quoted_identifier, staged_columns(dataset)))
    households = f"""
        or household_id in (select household_id from {table}
                            where id_number in (select suggested_id_number from suggested_rows))
        or household_id in (select b.household_id from broken_id_rows as b
                            join suggested_rows as s
                              on b.src_file = s.file and b.src_sheet = s.sheet and b.src_row = s.row
                             and b.src_member is not distinct from s.member
                            where b.dataset = $dataset)"""
    return f"""
        select {columns} from {table}
        where id_number in (select suggested_id_number from suggested_rows)
        {households if dataset in HOUSEHOLD_DATASETS else ""}"""


def _suggested_rows_sql(dataset: str) -> str:
    """The dataset's ($dataset) broken rows that have a suggestion, under their suggested ID."""
    columns = ", ".join("s.suggested_id_number as id_number" if c == "id_number" else f"b.{quoted_identifier(c)}"
                        for c in staged_columns(dataset))
    return f"""
        select {columns} from broken_id_rows as b
        join suggested_rows as s on b.src_file = s.file and b.src_sheet = s.sheet and b.src_row = s.row
                                and b.src_member is not distinct from s.member
        where b.dataset = $dataset"""


def what_if_rows(month: Month, suggested: pl.DataFrame) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Per dataset: (the staged rows of the people and households concerned, the suggested rows
    under their suggested IDs)."""
    month.con.register("suggested_rows",
                       suggested.select("file", "sheet", "row", "member", "suggested_id_number").to_arrow())
    try:
        return {
            dataset: tuple(month.query(sql(dataset), dataset=dataset).pl()
                           for sql in (_concerned_rows_sql, _suggested_rows_sql))
            for dataset in DATASETS
        }
    finally:
        month.con.unregister("suggested_rows")


def _exceptions_citing(exceptions: pl.DataFrame, refs: list[str]) -> pl.DataFrame:
    """(source, rule_code, subject) of the exceptions whose sources name one of `refs`."""
    return (
        exceptions.select("rule_code", "subject", pl.col("sources").alias("source"))
        .explode("source")
        .filter(pl.col("source").is_in(refs))
        .unique()
    )


def what_if_exceptions(month: Month, rows: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> pl.DataFrame:
    """The exceptions of a what-if month in memory: the rows concerned and the suggested rows
    under their suggested IDs, under the month's policy and datasets received."""
    with duckdb.connect() as con:
        for dataset, (concerned, rekeyed) in rows.items():
            create_staged_table(con, dataset, pl.concat([concerned, rekeyed]))
        return reconcile(prepared_month(con, month.policy, month.period, month.received)).exceptions


def suggestion_consequences(month: Month, suggestions: pl.DataFrame) -> pl.DataFrame:
    """The exceptions of §4 that would cite each suggested row if its suggestion were right:
    src_file, src_sheet, src_row, rule_code, subject. The month's own exceptions are untouched:
    the rules run again, on a copy of the people and households concerned."""
    suggested = suggestions.filter(pl.col("suggested_id_number").is_not_null())
    if suggested.is_empty():
        return pl.DataFrame(schema=CONSEQUENCES)
    refs = suggested.select(
        pl.concat_str("file", pl.lit(":"), pl.col("sheet").fill_null(""), pl.lit(":"), "row",
                      pl.concat_str(pl.lit("#"), "member").fill_null("")).alias("source"),
        pl.col("file").alias("src_file"), pl.col("sheet").alias("src_sheet"), pl.col("row").alias("src_row"),
        pl.col("member").alias("src_member"),
    )
    exceptions = what_if_exceptions(month, what_if_rows(month, suggested))
    return (
        _exceptions_citing(exceptions.filter(pl.col("rule_code") != "POSSIBLE_SAME_PERSON"), refs["source"].to_list())
        .join(refs, on="source")
        .select(list(CONSEQUENCES))
        .cast(CONSEQUENCES)
        .sort(list(CONSEQUENCES))
    )


def write_consequences(month: Month, consequences: pl.DataFrame) -> None:
    """The table `suggestion_consequences`, replaced: what POSSIBLE_SAME_PERSON names."""
    month.con.execute(f"create or replace table suggestion_consequences ({CONSEQUENCES_DDL})")
    if consequences.height:
        month.con.register("incoming_consequences", consequences.to_arrow())
        month.con.execute("insert into suggestion_consequences select * from incoming_consequences")
        month.con.unregister("incoming_consequences")


def link_identities(month: Month) -> pl.DataFrame:
    """Suggest an ID for each broken row and say what it would mean; written into the month for
    the rule POSSIBLE_SAME_PERSON. Call after `stage_month`, before `reconcile`."""
    suggestions = identity_suggestions(month)
    write_suggestions(month, suggestions)
    write_consequences(month, suggestion_consequences(month, suggestions))
    return suggestions
