"""History: every run of every period in `<out>/warehouse.duckdb`, and what this run's exceptions
are against it (SPEC §5 `status`, `first_seen`).

- `status` against the previous complete run of the same period: `new` (not found by it),
  `persisting` (found by it too), `resolved` (found by it, not by this run: kept, with the run that
  resolved it). An exception already resolved earlier stays resolved, with its resolving run. A
  period's first run compares with the previous month's latest run instead: an exception found
  there too is `persisting`; last month's that are gone belong to last month (`doudi diff`).
- `first_seen`: the period since which the same rule has found the same subject every month:
  carried from the previous calendar month's latest complete run, else this period.

A run is recorded `publishing` before its folder is swapped in and `complete` after; a run killed
in between is settled at the next run of the period by the manifest that was left in place.
The table `decisions` is kept for what officers decide about an exception (ROADMAP 4).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from schemas.catalog import rule_catalog
from schemas.kinds import sql_type
from schemas.outputs import EXCEPTIONS, TREND, Manifest
from schemas.period import PERIOD
from transforms.month.faults import fault_point
from transforms.review import store as review_store

WAREHOUSE = "warehouse.duckdb"
ACTIVE = ("new", "persisting")

_SCHEMA = f"""
create table if not exists runs (
    run_id varchar primary key, period varchar not null, state varchar not null,
    started_at varchar, finished_at varchar, run_by varchar, host varchar,
    code_version varchar, policy_sha256 varchar, inputs_sha256 varchar,
    files integer, rows_read bigint, rows_quarantined bigint,
    exceptions_new integer, exceptions_persisting integer, exceptions_resolved integer
);
create table if not exists run_inputs (
    run_id varchar, file varchar, sheet varchar, dataset varchar, sha256 varchar,
    rows_read bigint, rows_accepted bigint, rows_quarantined bigint, rows_skipped bigint
);
create table if not exists run_exceptions (run_id varchar, {EXCEPTIONS.ddl()});
create table if not exists decisions (
    exception_id varchar, period varchar, rule_code varchar, subject varchar,
    decision varchar, note varchar, decided_by varchar, decided_at varchar
);
"""


@contextmanager
def warehouse(out: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, opened for one short piece of work: runs of different periods share it, and
    DuckDB lets one process at a time write a file."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".warehouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH if read_only else fcntl.LOCK_EX)
        if read_only and not (out / WAREHOUSE).exists():
            con = duckdb.connect()
        else:
            con = duckdb.connect(str(out / WAREHOUSE), read_only=read_only)
        try:
            if not read_only or not (out / WAREHOUSE).exists():
                for statement in con.extract_statements(_SCHEMA):
                    con.execute(statement)
                _add_new_columns(con)
                review_store.create_tables(con)  # SPEC §7: hand-outs and answers
            yield con
        finally:
            con.close()


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before exceptions gained columns (township, money, case) gets them,
    empty for the runs already recorded."""
    for column in EXCEPTIONS.columns:
        con.execute(f"alter table run_exceptions add column if not exists {column.name} {sql_type(column.kind)}")


def settle_interrupted_runs(con: duckdb.DuckDBPyConnection, out: Path, period: str) -> None:
    """A run left `publishing` is complete if its manifest is the one in place, else abandoned."""
    manifest = out / period / "manifest.json"
    in_place = json.loads(manifest.read_text(encoding="utf-8"))["run_id"] if manifest.exists() else None
    con.execute(
        "update runs set state = case when run_id = ? then 'complete' else 'abandoned' end"
        " where period = ? and state = 'publishing'",
        [in_place, period],
    )


def _latest_run(con: duckdb.DuckDBPyConnection, period: str) -> str | None:
    rows = con.execute(
        "select run_id from runs where period = ? and state = 'complete'"
        " order by finished_at desc, started_at desc limit 1",
        [period],
    ).fetchall()
    return rows[0][0] if rows else None


def _run_exceptions(con: duckdb.DuckDBPyConnection, run_id: str | None) -> pl.DataFrame:
    if run_id is None:
        return EXCEPTIONS.empty()
    frame = con.sql(f"select {', '.join(EXCEPTIONS.names)} from run_exceptions where run_id = ?", params=[run_id]).pl()
    return EXCEPTIONS.conformed(frame)


def previous_exceptions(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Every exception of the period's latest complete run, resolved ones included."""
    return _run_exceptions(con, _latest_run(con, period))


def previous_month_exceptions(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """The active exceptions of the previous calendar month's latest complete run."""
    earlier = _run_exceptions(con, _latest_run(con, month_before(period)))
    return earlier.filter(pl.col("status").is_in(ACTIVE))


def month_before(period: str) -> str:
    year, month = (int(p) for p in period.split("-"))
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def with_history(found: pl.DataFrame, previous: pl.DataFrame, last_month: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """This run's exceptions with status and first_seen, and the previous run's that it no longer finds.

    `persisting` means found before: by the period's previous complete run, or, on a period's
    first run, by the previous month's. Only the period's own earlier exceptions can be `resolved`.
    """
    keys = ["rule_code", "subject"]
    before = previous.filter(pl.col("status").is_in(ACTIVE)) if previous.height else last_month
    carried = last_month.select(*keys, pl.col("first_seen").alias("carried_from"))
    current = (
        found.join(carried, on=keys, how="left")
        .join(before.select(*keys, pl.lit(True).alias("seen_before")), on=keys, how="left")
        .with_columns(
            pl.when(pl.col("seen_before")).then(pl.lit("persisting")).otherwise(pl.lit("new")).alias("status"),
            pl.coalesce("carried_from", "first_seen").alias("first_seen"),
        )
    )
    gone = previous.join(found.select(keys), on=keys, how="anti")
    resolved = gone.with_columns(
        pl.lit("resolved").alias("status"),
        pl.when(pl.col("status").is_in(ACTIVE)).then(pl.lit(run_id))
        .otherwise(pl.col("resolved_by_run")).alias("resolved_by_run"),
    )
    return in_report_order(pl.concat([EXCEPTIONS.conformed(current.drop("carried_from", "seen_before")),
                                      EXCEPTIONS.conformed(resolved)]))


def in_report_order(exceptions: pl.DataFrame) -> pl.DataFrame:
    """Catalog order, then active before resolved, then county and subject."""
    order = {code: i for i, code in enumerate(rule_catalog())}
    return exceptions.sort(
        pl.col("rule_code").replace_strict(order, default=len(order)),
        pl.col("status") == "resolved",
        "county",
        "subject",
        nulls_last=False,
        maintain_order=True,
    )


def earlier_counts(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Active exceptions per period, rule and county of every other period's latest complete run."""
    counts = con.sql(
        "with latest as ("
        "  select period, arg_max(run_id, finished_at) as run_id from runs"
        "  where state = 'complete' and period <> ? group by period)"
        " select e.period, e.rule_code, e.county, count(*) as n"
        " from run_exceptions e join latest using (run_id)"
        " where e.status in ('new', 'persisting') group by all",
        params=[period],
    ).pl()
    return TREND.conformed(counts)


def trend(earlier: pl.DataFrame, exceptions: pl.DataFrame, period: str) -> pl.DataFrame:
    """The trend over periods: earlier periods' counts and this run's own."""
    now = (
        exceptions.filter(pl.col("status").is_in(ACTIVE))
        .group_by("rule_code", "county").len("n").with_columns(pl.lit(period).alias("period"))
    )
    return pl.concat([earlier, TREND.conformed(now)]).sort("period", "rule_code", "county", nulls_last=True)


def inputs_digest(manifest: Manifest) -> str:
    """One sha256 over every input file's sha256: equal when the same files were read."""
    files = sorted({(i.file, i.sha256) for i in manifest.inputs} | {(r.file, r.sha256) for r in manifest.rejected})
    return hashlib.sha256("\n".join(f"{f}:{s}" for f, s in files).encode()).hexdigest()


def record_run(con: duckdb.DuckDBPyConnection, manifest: Manifest, exceptions: pl.DataFrame,
               handouts: pl.DataFrame | None = None) -> None:
    """The run, its inputs, its exceptions and its hand-outs (SPEC §7), in one transaction, as
    `publishing`."""
    counts = exceptions.group_by("status").len()
    by_status = dict(counts.iter_rows()) if counts.height else {}
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into runs values (?, ?, 'publishing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [manifest.run_id, manifest.period, manifest.started_at, manifest.finished_at,
             getpass.getuser(), socket.gethostname(), manifest.code_version, manifest.policy_sha256,
             inputs_digest(manifest), len({i.file for i in manifest.inputs} | {r.file for r in manifest.rejected}),
             sum(i.rows_read for i in manifest.inputs), sum(i.rows_quarantined for i in manifest.inputs),
             by_status.get("new", 0), by_status.get("persisting", 0), by_status.get("resolved", 0)],
        )
        if manifest.inputs:  # a month whose offices sent nothing still records its run
            con.executemany(
                "insert into run_inputs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[manifest.run_id, i.file, i.sheet, i.dataset, i.sha256, i.rows_read, i.rows_accepted,
                  i.rows_quarantined, i.rows_skipped] for i in manifest.inputs],
            )
        rows = exceptions.select(pl.lit(manifest.run_id).alias("run_id"), *EXCEPTIONS.names)
        con.register("incoming_exceptions", rows.to_arrow())
        con.execute("insert into run_exceptions by name select * from incoming_exceptions")
        con.unregister("incoming_exceptions")
        if handouts is not None:
            review_store.record_handouts(con, handouts)
        fault_point("warehouse-write")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def mark_complete(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    con.execute("update runs set state = 'complete' where run_id = ?", [run_id])


def purge_period(con: duckdb.DuckDBPyConnection, period: str) -> int:
    """Delete a period's runs, their inputs and exceptions, and the decisions on them; return the runs."""
    runs = [row[0] for row in con.execute("select run_id from runs where period = ?", [period]).fetchall()]
    con.execute("begin transaction")
    for table in ("run_inputs", "run_exceptions"):
        con.execute(f"delete from {table} where run_id in (select run_id from runs where period = ?)", [period])
    con.execute("delete from decisions where period = ?", [period])
    con.execute("delete from handouts where period = ?", [period])  # answers stay (SPEC §7)
    con.execute("delete from runs where period = ?", [period])
    con.execute("commit")
    return len(runs)


def rewrite_warehouse(out: Path) -> None:
    """Copy the warehouse into a fresh file and put it in place: DuckDB reuses the blocks of deleted
    rows but does not wipe them, and a purged month must not linger in free space."""
    path = out / WAREHOUSE
    fresh = path.with_name(f".{WAREHOUSE}.rewrite")
    fresh.unlink(missing_ok=True)
    with open(out / ".warehouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        con = duckdb.connect(str(path))
        try:
            con.execute("attach ? as fresh", [str(fresh)])
            con.execute(f"copy from database {con.sql('select current_database()').fetchall()[0][0]} to fresh")
            con.execute("detach fresh")
        finally:
            con.close()
        fresh.replace(path)


# --- what `doudi history` and `doudi diff` show ------------------------------------------------

def runs_of(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Every recorded run of a period, newest first."""
    return con.sql(
        "select * from runs where period = ? order by started_at desc, finished_at desc", params=[period]
    ).pl()


class HistoryError(ValueError):
    """What was asked of the history does not exist; the message is one line for the officer."""


@dataclass(frozen=True)
class Comparison:
    """The active exceptions of one complete run against another, matched on rule and subject."""

    run_id: str
    other_run_id: str
    other_period: str
    appeared: pl.DataFrame  # found by the run, not by the other
    gone: pl.DataFrame  # found by the other, not by the run
    kept: pl.DataFrame  # found by both; `expected`/`actual` of the run, `other_actual` beside


def _complete_runs(con: duckdb.DuckDBPyConnection, period: str) -> list[str]:
    return [row[0] for row in con.execute(
        "select run_id from runs where period = ? and state = 'complete'"
        " order by finished_at desc, started_at desc", [period]).fetchall()]


def _other_run(con: duckdb.DuckDBPyConnection, period: str, runs: list[str], against: str | None) -> tuple[str, str]:
    if against is None:
        if len(runs) < 2:
            raise HistoryError(f"{period} 只有 {len(runs)} 次完成的运行，没有可比较的上一次运行")
        return runs[1], period
    if PERIOD.match(against):
        other = _complete_runs(con, against)
        if not other:
            raise HistoryError(f"{against} 没有完成的运行")
        return other[0], against
    found = con.execute(
        "select run_id, period from runs where state = 'complete' and starts_with(run_id, ?)"
        " order by finished_at desc", [against]).fetchall()
    if len(found) != 1:
        raise HistoryError(f"找不到运行编号「{against}」" if not found else f"运行编号「{against}」不唯一，请多写几位")
    return found[0][0], found[0][1]


def compared(con: duckdb.DuckDBPyConnection, period: str, against: str | None = None) -> Comparison:
    """The period's latest complete run against its previous run, another run, or another period."""
    runs = _complete_runs(con, period)
    if not runs:
        raise HistoryError(f"{period} 还没有完成的运行")
    other_run, other_period = _other_run(con, period, runs, against)
    keys = ["rule_code", "subject"]
    mine = _run_exceptions(con, runs[0]).filter(pl.col("status").is_in(ACTIVE))
    theirs = _run_exceptions(con, other_run).filter(pl.col("status").is_in(ACTIVE))
    return Comparison(
        run_id=runs[0],
        other_run_id=other_run,
        other_period=other_period,
        appeared=mine.join(theirs, on=keys, how="anti"),
        gone=theirs.join(mine, on=keys, how="anti"),
        kept=mine.join(theirs.select(*keys, pl.col("actual").alias("other_actual")), on=keys, how="inner"),
    )
