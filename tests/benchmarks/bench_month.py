"""`make bench`: how fast doudi reconciles a month, stage by stage, against merely reading its files.

For each scale (1: a few thousand rows; 100: a city, ~250k; 1000: a province, ~2.5M) a month is
generated once into bench-data/ and reused. Measured:
  floor          reading every file with nothing done to it (fastexcel, the csv module, sqlite3,
                 polars for Parquet): the least any ingestion must cost;
  stages         in this process, one after the other: read, recognise+normalise+validate, stage,
                 reconcile, rosters, reports (workbooks and summary page);
  doudi run      the whole command in a fresh process, under /usr/bin/time -v (wall, peak RSS):
                 with doudi's resident Prefect server up, and from nothing (no server running: the
                 run starts it); the fixed cost is the same command on an empty month; the sample
                 month also with --quality; the manifest's timings give each stage of the real run;
  rerun          the city month again after one file was corrected (the others reused);
  pandas         the same joins in plain pandas (tests/benchmarks/pandas_baseline.py), city scale;
and the profiles that say where a run's seconds go: pyinstrument of a sample month with the server
up, Python's import times, and pyinstrument of the city pipeline. Results go to
benchmarks/results.md. The bench's Prefect server has a home of its own (bench-data/home) and is
stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import fastexcel
import polars as pl

from sample_month import generate_month
from schemas.policy import load_policy
from transforms.ingest.file import ingest_file
from transforms.ingest.inbox import inbox_files
from transforms.ingest.read_tables import (
    EXCEL_SUFFIXES,
    SQLITE_SUFFIXES,
    TEXT_SUFFIXES,
    read_tables,
)
from transforms.ingest.text_tables import decoded_text

PERIOD = "2024-10"
POLICY = Path("data/policy.toml")
DOUDI = Path(sys.executable).with_name("doudi")


def parse_only(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            reader = fastexcel.read_excel(path)
        except Exception:  # noqa: BLE001 - the corrupt sample file
            return
        for index in range(len(reader.sheet_names)):
            reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string").to_polars()
    elif suffix in TEXT_SUFFIXES:
        list(csv.reader(io.StringIO(decoded_text(path.read_bytes()))))
    elif suffix in SQLITE_SUFFIXES:
        con = sqlite3.connect(path)
        for (table,) in con.execute("select name from sqlite_master where type = 'table'").fetchall():
            con.execute(f'select * from "{table}"').fetchall()
        con.close()
    elif suffix == ".parquet":
        pl.read_parquet(path)


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def month_for(scale: float, seed: int, data: Path) -> Path:
    root = data / f"scale-{scale:g}"
    inbox = root / "inbox"
    if not (inbox / PERIOD).is_dir():
        print(f"generating scale {scale:g} …", flush=True)
        generate_month(PERIOD, scale, seed, inbox, root / "truth", load_policy(POLICY))
    return inbox


# --- doudi run in a fresh process ----------------------------------------------------------------

def doudi_run(inbox: Path, out: Path, env: dict, *extra: str) -> dict:
    """Wall seconds, peak RSS (MiB) and the manifest's stage timings of one `doudi run`."""
    if "--cache" not in extra:  # every run parses its files: nothing reused from an earlier run
        extra = (*extra, "--cache", str(out.with_name(out.name + "-cache")))
    command = ["/usr/bin/time", "-v", str(DOUDI), "run", "--period", PERIOD, "--inbox", str(inbox),
               "--out", str(out), *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"doudi run failed: {done.stderr.strip()[-800:]}")
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1)) for kind in ("User", "System"))
    manifest = json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mib": round(rss_kib / 1024),
            "timings": manifest["timings"]}


SMALL_REPEATS = 5  # runs of the fixed cost and of the sample month; the median is reported


def server(action: str, env: dict) -> None:
    """`doudi server start|stop` of the bench's home (started never to stop by itself)."""
    extra = ["--idle-minutes", "0"] if action == "start" else []
    subprocess.run([str(DOUDI), "server", action, *extra], env=env, check=True, capture_output=True)


def median_run(inbox: Path, out: Path, env: dict, *extra: str, repeats: int = SMALL_REPEATS,
               from_nothing: bool = False) -> dict:
    """The run of median wall time of `repeats` runs of the same `doudi run` (short runs are noisy);
    `from_nothing`: the server is stopped before each run, which starts it again."""
    runs = []
    for i in range(repeats):  # each in a folder and cache of its own: nothing reused
        if from_nothing:
            server("stop", env)
        runs.append(doudi_run(inbox, out.with_name(f"{out.name}-{i}"), env, *extra))
    runs.sort(key=lambda r: r["wall_s"])
    return runs[len(runs) // 2] | {"walls_s": [r["wall_s"] for r in runs]}


def empty_month(work: Path) -> Path:
    (work / "empty" / PERIOD).mkdir(parents=True, exist_ok=True)
    return work / "empty"


def blank_line(path: Path, line: int) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = b"\r" if lines[line - 1].endswith(b"\r") else b""
    path.write_bytes(b"\n".join(lines))


def rerun_after_one_correction(inbox: Path, work: Path, env: dict) -> dict:
    """A full run with the cache empty, then a rerun after one CSV row was corrected."""
    copy = work / "rerun-inbox"
    shutil.copytree(inbox, copy)
    cache = work / "rerun-cache"
    full = doudi_run(copy, work / "rerun-out", env, "--cache", str(cache))
    corrected = next((copy / PERIOD).rglob("*.csv"))
    blank_line(corrected, 3)
    again = doudi_run(copy, work / "rerun-out", env, "--cache", str(cache))
    return {"full_s": full["wall_s"], "rerun_s": again["wall_s"], "ratio": round(again["wall_s"] / full["wall_s"], 2)}


# --- in this process -----------------------------------------------------------------------------

def stages_in_process(inbox: Path) -> dict:
    """Each stage alone, one after the other, single-threaded where doudi is."""
    from tests.report_month import month_report
    from transforms.month.identity import link_identities
    from transforms.month.reconcile import reconcile
    from transforms.month.rosters import rosters
    from transforms.month.stage import stage_month
    from transforms.reports.exceptions_book import write_exceptions_book
    from transforms.reports.lists_book import (
        write_exit_due_book,
        write_quarantine_book,
        write_roster_books,
    )
    from transforms.reports.summary_page import write_summary_page

    policy = load_policy(POLICY)
    files = inbox_files(inbox, PERIOD)
    floor, _ = timed(lambda: [parse_only(f.path) for f in files])
    read, _ = timed(lambda: [_readable(f.path) for f in files])
    ingest, results = timed(lambda: [ingest_file(f.path, f.rel, PERIOD, policy) for f in files])
    rows = sum(s.rows_read for r in results for s in r.sheets)
    with tempfile.TemporaryDirectory() as work:
        stage, month = timed(lambda: stage_month(Path(work) / "s.duckdb", results, policy, PERIOD))
        with month:
            identities_s, _ = timed(lambda: link_identities(month))
            reconcile_s, reconciled = timed(lambda: reconcile(month))
            rosters_s, rostered = timed(lambda: rosters(reconciled))
            report = month_report(month, reconciled, rostered, files, results)
        out = Path(work) / "out"
        out.mkdir()
        books = {
            "exceptions.xlsx": lambda: write_exceptions_book(out / "exceptions.xlsx", report),
            "exit_due.xlsx": lambda: write_exit_due_book(out / "exit_due.xlsx", report),
            "quarantine.xlsx": lambda: write_quarantine_book(out / "quarantine.xlsx", report),
            "roster workbooks": lambda: write_roster_books(out, report),
            "summary.html": lambda: write_summary_page(out, report, []),
        }
        reports = {name: round(timed(write)[0], 2) for name, write in books.items()}
    return {
        "files": len(files), "rows_read": rows, "exceptions": report.exceptions.height,
        "floor_s": round(floor, 2), "read_s": round(read, 2), "validate_s": round(ingest - read, 2),
        "ingest_rows_per_s": round(rows / ingest), "stage_s": round(stage, 2),
        "identities_s": round(identities_s, 2), "reconcile_s": round(reconcile_s, 2),
        "rosters_s": round(rosters_s, 2), "reports_s": reports,
    }


def _readable(path: Path) -> None:
    with contextlib.suppress(Exception):  # the unreadable sample files cost what they cost
        read_tables(path)


def pandas_comparison(inbox: Path, repeats: int = 3) -> dict:
    """doudi's reconcile + rosters against the same joins in plain pandas, city scale, medians."""
    from tests.benchmarks.pandas_baseline import agreement, pandas_reconcile
    from transforms.month.identity import link_identities
    from transforms.month.reconcile import reconcile
    from transforms.month.rosters import rosters
    from transforms.month.stage import stage_month

    policy = load_policy(POLICY)
    results = [ingest_file(f.path, f.rel, PERIOD, policy) for f in inbox_files(inbox, PERIOD)]
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as work:
        for i in range(repeats):
            with stage_month(Path(work) / f"s{i}.duckdb", results, policy, PERIOD) as month:
                link_identities(month)
                seconds, reconciled = timed(lambda m=month: reconcile(m))
                seconds += timed(lambda r=reconciled: rosters(r))[0]
                ours.append(seconds)
                staged = {name: month.table(name).to_pandas() for name in
                          ("dibao", "tekun", "deaths", "registry", "enrollment", "claims", "persons")}
                exceptions = reconciled.exceptions
        for _ in range(repeats):
            theirs.append(timed(lambda: pandas_reconcile(staged, policy, PERIOD))[0])
    agree = agreement(staged, policy, PERIOD, exceptions)
    return {"doudi_s": round(statistics.median(ours), 2), "pandas_s": round(statistics.median(theirs), 2),
            "speedup": round(statistics.median(theirs) / statistics.median(ours), 1),
            "rules_agreeing": sum(1 for d, p, c in agree.values() if d == p == c), "rules_compared": len(agree)}


def significant(lines: list[str], at_least: float, top: int = 80) -> list[str]:
    """The lines of a pyinstrument text profile that took at least `at_least` seconds."""
    timed_lines = [line for line in lines if re.search(r"\d+\.\d{3} ", line)]
    return [line for line in timed_lines if float(re.search(r"(\d+\.\d{3}) ", line).group(1)) >= at_least][:top]


def profile_lines(inbox: Path, top: int = 25) -> list[str]:
    """The top of a pyinstrument profile of the in-process pipeline (ingest, reconcile, reports)."""
    script = ("from pathlib import Path; from tests.benchmarks.bench_month import stages_in_process;"
              f"stages_in_process(Path({str(inbox)!r}))")
    done = subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "-c", script],
                          capture_output=True, text=True)
    return significant(done.stdout.splitlines(), 0.5, top)


def run_profile(inbox: Path, out: Path, env: dict) -> list[str]:
    """pyinstrument of a whole `doudi run` of `inbox` (the server up): where a small month's
    seconds go, imports included."""
    report = out.with_name(out.name + ".txt")
    subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(report), str(DOUDI), "run",
                    "--period", PERIOD, "--inbox", str(inbox), "--out", str(out), "--cache", str(out) + "-cache"],
                   env=env, capture_output=True, check=True)
    return significant(report.read_text(encoding="utf-8").splitlines(), 0.1)


def import_times(modules: str = "prefect, flows.monthly, pandera.polars, great_expectations") -> list[tuple[str, float]]:
    """`python -X importtime`: the seconds of each top-level import of the run path, in order."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {modules}"],
                          capture_output=True, text=True)
    rows = [re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line) for line in done.stderr.splitlines()]
    return [(m.group(3), round(int(m.group(1)) / 1e6, 2)) for m in rows if m and len(m.group(2)) == 1]


def first_line_seconds(inbox: Path, out: Path, env: dict, repeats: int = SMALL_REPEATS) -> list[float]:
    """Seconds from starting `doudi run` to its first line on stderr, sorted."""
    seconds = []
    for i in range(repeats):
        start = time.perf_counter()
        run = subprocess.Popen([str(DOUDI), "run", "--period", PERIOD, "--inbox", str(inbox), "--out", f"{out}-{i}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        run.stderr.readline()
        seconds.append(round(time.perf_counter() - start, 2))
        run.communicate()
    return sorted(seconds)


def server_boot(env: dict) -> float:
    """Seconds from `doudi server start` to the server answering, no server running before."""
    server("stop", env)
    start = time.perf_counter()
    server("start", env)
    return round(time.perf_counter() - start, 2)


def screenshot(page: Path, png: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.screenshot", str(page), str(png)],
                          capture_output=True, text=True)
    return str(png) if done.returncode == 0 else f"(no screenshot: {done.stderr.strip()[-200:]})"


# --- the run ---------------------------------------------------------------------------------------

def bench_scale(scale: float, seed: int, data: Path, work: Path, env: dict) -> dict:
    inbox = month_for(scale, seed, data)
    result = {"scale": scale} | stages_in_process(inbox)
    if scale <= 1:
        result["server_up"] = median_run(inbox, work / f"up-{scale:g}", env)
        result["from_nothing"] = median_run(inbox, work / f"cold-{scale:g}", env, from_nothing=True)
        result["quality"] = median_run(inbox, work / f"quality-{scale:g}", env, "--quality")
        result["summary_png"] = screenshot(work / "up-1-0" / PERIOD / "summary.html", data / "summary.png")
        result["quality_png"] = screenshot(work / "quality-1-0" / PERIOD / "quality" / "index.html",
                                           data / "quality.png")
    else:
        result["server_up"] = doudi_run(inbox, work / f"up-{scale:g}", env)
        # what the roster workbooks cost: the same run with Parquet rosters only
        result["no_roster_workbooks"] = doudi_run(inbox, work / f"lean-{scale:g}", env, "--no-roster-workbooks")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,100,1000", help="comma-separated scales, e.g. 1,100")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path("bench-data"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results.md"))
    args = parser.parse_args()
    args.data.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="doudi-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DOUDI_"))} | {
        "DOUDI_HOME": str((args.data / "home").resolve()), "DOUDI_SERVER_PORT": "0",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    try:
        boot = server_boot(env)
        fixed = {"server_up": median_run(empty_month(work), work / "fixed-up", env),
                 "from_nothing": median_run(empty_month(work), work / "fixed-cold", env, from_nothing=True)}
        server("start", env)
        fixed["first_line_s"] = first_line_seconds(empty_month(work), work / "first-line", env)
        scales = [bench_scale(float(s), args.seed, args.data, work, env) for s in args.scales.split(",")]
        sample = month_for(1, args.seed, args.data)
        profiles = {"sample": run_profile(sample, work / "profiled", env), "imports": import_times()}
        profiles["imports"] = [(name, seconds) for name, seconds in profiles["imports"] if seconds >= 0.05]
        rerun = pandas = None
        if "100" in args.scales.split(","):  # the city's rerun, pandas and profile
            city = month_for(100, args.seed, args.data)
            rerun = rerun_after_one_correction(city, work, env)
            pandas = pandas_comparison(city)
            profiles["city"] = profile_lines(city)
    finally:
        server("stop", env)
    from tests.benchmarks.results import kept_by_hand, results_markdown

    previous = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
    text = results_markdown(machine(), boot, fixed, scales, rerun, pandas, profiles) + "\n" + kept_by_hand(previous)
    args.results.parent.mkdir(exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    print(text)
    shutil.rmtree(work, ignore_errors=True)


def machine() -> dict:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    return {"date": datetime.now().astimezone().isoformat(timespec="minutes"), "cpus": os.cpu_count(),
            "memory_gib": round(int(memory) / 1024 / 1024, 1) if memory != "?" else "?",
            "python": platform.python_version(), "system": platform.platform()}


if __name__ == "__main__":
    main()
