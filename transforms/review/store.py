"""The review loop's tables in `<out>/warehouse.duckdb` (SPEC §7).

- `handouts`: one row per case per run that handed it out (the batch), with the township it went
  to, its 下发日期 and 反馈截止 (fixed at the case's first hand-out), its evidence and the digest of
  the row's locked cells as written. Recorded with the run, in the same transaction.
- `case_events`: the accepted answers, one row per answered field (old → new), append-only:
  nothing here ever updates or deletes a row of it, except `doudi purge --answers`, which records
  that deletion in `answer_purges`.
"""

from __future__ import annotations

import getpass
import hashlib
from datetime import date, datetime

import duckdb
import polars as pl

from schemas.review import ANSWER_FIELDS

SCHEMA = """
create table if not exists handouts (
    batch varchar, period varchar, case_id varchar, rule_code varchar, subject varchar,
    county varchar, township varchar, workbook varchar, handed_out_on date, due_on date,
    evidence_digest varchar, locked_digest varchar, overpaid double, underpaid double,
    recorded_at timestamptz
);
create table if not exists case_events (
    answer_id varchar, case_id varchar, field varchar, old_value varchar, new_value varchar,
    reviewed_by varchar, reviewed_on date, file varchar, file_sha256 varchar, sheet varchar,
    "row" integer, batch varchar, run_id varchar, recorded_at timestamptz
);
create table if not exists answer_purges (
    purged_at timestamptz, purged_by varchar, period varchar, answers integer, events integer
);
"""
HANDOUT_COLUMNS = ("batch", "period", "case_id", "rule_code", "subject", "county", "township", "workbook",
                   "handed_out_on", "due_on", "evidence_digest", "locked_digest", "overpaid", "underpaid")
TEXT_FIELDS = ("review_result", "review_action", "rectification", "unrecoverable_reason", "review_note",
               "reviewed_by")
MONEY_FIELDS = ("recovered", "supplemented")


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in con.extract_statements(SCHEMA):
        con.execute(statement)


def record_handouts(con: duckdb.DuckDBPyConnection, handouts: pl.DataFrame) -> None:
    """This run's hand-out rows (called inside the run's warehouse transaction)."""
    if handouts.height:
        rows = handouts.select(*HANDOUT_COLUMNS, pl.lit(datetime.now().astimezone()).alias("recorded_at"))
        con.register("incoming_handouts", rows.to_arrow())
        con.execute("insert into handouts by name select * from incoming_handouts")
        con.unregister("incoming_handouts")


def handouts(con: duckdb.DuckDBPyConnection, up_to_period: str | None = None) -> pl.DataFrame:
    """Every hand-out of a published run (of periods up to `up_to_period`), with when its batch ran."""
    return con.sql(
        "select h.* exclude (recorded_at), r.started_at as batch_started_at from handouts h"
        " join runs r on r.run_id = h.batch where r.state = 'complete' and (? is null or h.period <= ?)",
        params=[up_to_period, up_to_period]).pl()


# --- answers ------------------------------------------------------------------------------------

def answer_text(field: str, value: object) -> str | None:
    """An answer's field as case_events stores it: text, money to the fen, dates ISO."""
    if value is None or value == "":
        return None
    if field in MONEY_FIELDS:
        return f"{float(value):.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def answer_id(case_id: str, batch: str, answer: dict) -> str:
    """The same answer to the same case in the same batch has the same id, from whichever file."""
    content = "|".join([case_id, batch, *(answer_text(f, answer.get(f)) or "" for f in ANSWER_FIELDS)])
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def recorded_answer_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select distinct answer_id from case_events").fetchall()}


def answers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every recorded answer, one row each: its fields (pivoted from its events), case, batch,
    when it was read, and the file it came from."""
    events = con.sql("select * from case_events").pl()
    return answers_of(events)


def answers_of(events: pl.DataFrame) -> pl.DataFrame:
    schema = {"answer_id": pl.String, "case_id": pl.String, "batch": pl.String, "file": pl.String,
              "recorded_at": pl.Datetime("us", "UTC"), **dict.fromkeys(TEXT_FIELDS, pl.String),
              **dict.fromkeys(MONEY_FIELDS, pl.Float64), "reviewed_on": pl.Date}
    if events.is_empty():
        return pl.DataFrame(schema=schema)
    heads = events.group_by("answer_id").agg(
        pl.col("case_id").first(), pl.col("batch").first(), pl.col("file").first(),
        pl.col("recorded_at").min(), pl.col("reviewed_on").first())
    values = events.pivot(on="field", index="answer_id", values="new_value", aggregate_function="first")
    frame = heads.join(values, on="answer_id", how="left")
    for field in (*TEXT_FIELDS, *MONEY_FIELDS):
        if field not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(field))
    frame = frame.with_columns(*(pl.col(f).cast(pl.Float64) for f in MONEY_FIELDS))
    return frame.select(list(schema)).cast(schema)


def append_answer(con: duckdb.DuckDBPyConnection, answer: dict, previous: dict | None, run_id: str | None) -> int:
    """One accepted answer appended to case_events: a row per field it gives or changes (old → new).
    Returns the rows appended."""
    now = datetime.now().astimezone()
    rows = []
    for field in ANSWER_FIELDS:
        new = answer_text(field, answer.get(field))
        old = answer_text(field, (previous or {}).get(field))
        if new is not None or old is not None:
            rows.append([answer["answer_id"], answer["case_id"], field, old, new, answer.get("reviewed_by"),
                         answer["reviewed_on"], answer["file"], answer["file_sha256"], answer["sheet"],
                         answer["row"], answer["batch"], run_id, now])
    con.executemany("insert into case_events values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def purge_answers(con: duckdb.DuckDBPyConnection, period: str) -> tuple[int, int]:
    """`doudi purge --period P --answers`: the answers to the cases handed out in P, deleted, and
    the deletion recorded (who, when, how many). Returns (answers, events)."""
    cases = "select case_id from handouts where period = ?"
    answers_n, events_n = con.execute(
        f"select count(distinct answer_id), count(*) from case_events where case_id in ({cases})", [period]
    ).fetchone()
    con.execute("begin transaction")
    con.execute(f"delete from case_events where case_id in ({cases})", [period])
    con.execute("insert into answer_purges values (?, ?, ?, ?, ?)",
                [datetime.now().astimezone(), getpass.getuser(), period, answers_n, events_n])
    con.execute("commit")
    return answers_n, events_n
