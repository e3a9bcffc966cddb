"""What identity matching (SPEC §6) adds to a month: `python -m tests.benchmarks.bench_identity`.

The month's files are ingested once and staged; then each step that identity matching adds is
timed on its own, best of `--repeat` runs (the machine may be shared):
  name keys     OpenCC and pypinyin over the month's distinct names (`name_keys`, made by
                `prepared_month` for the rules too);
  suggestions   the candidate search (sql/identity_suggestions.sql) and writing the quarantine's
                three suggestion columns;
  what-if       the rules of §4 over the people concerned, each suggested row under its
                suggested ID (`suggestion_consequences`);
  rule          rules/possible_same_person.sql alone;
and, for scale, the whole reconciliation (every rule) on the same month. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from schemas.policy import load_policy
from transforms.ingest.file import ingest_file
from transforms.ingest.inbox import inbox_files
from transforms.month.identity import (
    identity_suggestions,
    suggestion_consequences,
    write_consequences,
    write_suggestions,
)
from transforms.month.identity_tables import NAMES_OF_THE_MONTH
from transforms.month.names import create_name_keys
from transforms.month.reconcile import RULES_DIR, reconcile
from transforms.month.stage import stage_month

PERIOD = "2024-10"
POLICY = Path("data/policy.toml")


def best_of(repeat: int, action) -> tuple[float, object]:
    """The fastest of `repeat` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return round(min(times), 3), result


def count(month, sql: str) -> int:
    return month.con.sql(sql).fetchall()[0][0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inbox", type=Path, default=Path("bench-data/scale-100/inbox"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_policy(POLICY)
    files = [ingest_file(f.path, f.rel, PERIOD, policy) for f in inbox_files(args.inbox, PERIOD)]
    rule_sql = (RULES_DIR / "possible_same_person.sql").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as work, stage_month(Path(work) / "staging.duckdb", files, policy, PERIOD) as month:
        name_keys_s, _ = best_of(args.repeat, lambda: create_name_keys(month.con, NAMES_OF_THE_MONTH))
        suggest_s, suggestions = best_of(args.repeat, lambda: identity_suggestions(month))
        write_s, _ = best_of(args.repeat, lambda: write_suggestions(month, suggestions))
        what_if_s, consequences = best_of(args.repeat, lambda: suggestion_consequences(month, suggestions))
        write_consequences(month, consequences)
        rule_s, found = best_of(args.repeat, lambda: month.query(rule_sql).pl())
        reconcile_s, _ = best_of(args.repeat, lambda: reconcile(month))
        result = {
            "inbox": str(args.inbox),
            "rows_read": sum(s.rows_read for f in files for s in f.sheets),
            "people": count(month, "select count(distinct id_number) from person_rows"),
            "distinct_names": count(month, "select count(*) from name_keys"),
            "broken_id_rows": count(month, "select count(*) from broken_id_rows"),
            "suggested": suggestions["suggested_id_number"].is_not_null().sum(),
            "ties": int((suggestions["candidates"].list.len() > 1).sum()),
            "possible_same_person": found.height,
            "seconds": {
                "name_keys": name_keys_s, "suggestions": suggest_s, "write_suggestions": write_s,
                "what_if": what_if_s, "possible_same_person_rule": rule_s,
                "added": round(name_keys_s + suggest_s + write_s + what_if_s + rule_s, 3),
                "reconcile_all_rules": reconcile_s,
            },
        }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
