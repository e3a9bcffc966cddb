"""generate_month: build a month in memory, write its inbox files as the offices send them, and
write its ground truth (quarantine.csv, exceptions.csv, inputs.csv, rejected.csv, suggestions.csv,
UTF-8 with a header row) to `<truth>/<period>/`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path

from sample_month import scenarios_benefits as benefits
from sample_month import scenarios_households as households
from sample_month import scenarios_programmes as programmes
from sample_month import scenarios_rosters as rosters
from sample_month.bad_rows import add_bad_rows
from sample_month.builder import MonthBuilder
from sample_month.exports import write_enrollment, write_persons, write_text_files
from sample_month.layout import Context, IdentityCase, InputRow, QuarantineEntry, SheetPlan
from sample_month.oracle import expected_exceptions, possible_same_person, undecided_subjects
from sample_month.population import add_base_population
from sample_month.programme_files import write_programme_files
from sample_month.real_exports import assign_channels, write_real_exports
from sample_month.real_formats import assign_format_channels, write_formats
from sample_month.records import Month, parse_period
from sample_month.rejected import write_rejected_files
from sample_month.scenarios_identity import add_identity_cases
from sample_month.workbooks import write_civil_workbooks, write_claims
from schemas.policy import BUNDLED_POLICY, Policy, load_policy


@dataclass(frozen=True)
class GeneratedMonth:
    period_dir: Path  # <out>/<period>: the inbox, one folder per office
    truth_dir: Path  # <truth>/<period>: what a correct run must report
    rows: dict[str, int]  # data rows written per dataset, quarantined ones included
    # Kept out of repr: thousands of entries at city scale.
    quarantine: tuple[QuarantineEntry, ...] = field(repr=False)  # each bad row: where, field, raw
    exceptions: frozenset[tuple[str, str]] = field(repr=False)  # (rule_code, subject) to raise
    identity_cases: tuple[IdentityCase, ...] = field(repr=False, default=())  # mistyped IDs (SPEC §6)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


SCENARIOS = (
    rosters.dibao_tekun_overlap,
    rosters.duplicate_enrollment,
    rosters.deceased_still_paid,
    rosters.identity_conflict,
    households.dibao_exit_due,
    households.exited_poverty_on_dibao,
    households.coverage_gap,
    households.dibao_topup_mismatch,
    households.tekun_below_standard,
    benefits.premium_not_subsidized,
    benefits.medical_aid_shortfall,
    benefits.disability_subsidies,
    programmes.temp_relief_after_death,
    programmes.child_allowance_below_standard,
    programmes.deceased_child_still_paid,
    programmes.tekun_care_below_standard,
    programmes.medical_aid_widened,
    programmes.temp_relief_even_split,  # last: it takes townships no payment of the month reached
)


def cases_per_scenario(scale: float) -> int:
    # Several cases of each rule at scale 1; every variant of a scenario at least once when tiny.
    return max(5, round(5 * scale))


def build_month(period: str, scale: float, seed: int, policy: Policy) -> Month:
    if scale <= 0:
        raise ValueError(f"scale 应大于 0，收到 {scale}")
    # float(scale): 1 and 1.0 are the same scale and must give the same month.
    rng = random.Random(f"doudi:{period}:{float(scale)!r}:{seed}")
    builder = MonthBuilder(parse_period(period), policy, rng)
    add_base_population(builder, scale)
    counties = builder.counties()
    for s, scenario in enumerate(SCENARIOS):
        for i in range(cases_per_scenario(scale)):
            scenario(builder, counties[(s + i) % len(counties)], i)
    add_bad_rows(builder, scale)
    add_identity_cases(builder, scale)
    return builder.finish()


QUARANTINE_COLUMNS = ("dataset", "file", "sheet", "row", "reason")
SUGGESTION_COLUMNS = ("dataset", "file", "sheet", "row", "suggested_id_number")


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_truth(truth_dir: Path, quarantine: list[QuarantineEntry], exceptions: set[tuple[str, str]],
                inputs: list[InputRow], rejected: list[tuple[str, str]],
                identity_cases: list[IdentityCase], undecided: set[tuple[str, str]] = frozenset()) -> None:
    truth_dir.mkdir(parents=True, exist_ok=True)
    # SPEC §6: every mistyped row and the ID a correct run suggests for it ('' for none)
    write_csv(truth_dir / "suggestions.csv", SUGGESTION_COLUMNS,
              sorted((c.dataset, c.file, c.sheet, c.row, c.suggested_id_number) for c in identity_cases))
    write_csv(truth_dir / "quarantine.csv", QUARANTINE_COLUMNS,
              sorted((q.dataset, q.file, q.sheet, q.row, q.reason) for q in quarantine))
    write_csv(truth_dir / "exceptions.csv", ("rule_code", "subject"), sorted(exceptions))
    write_csv(truth_dir / "inputs.csv", tuple(f.name for f in fields(InputRow)),
              [astuple(row) for row in inputs])
    write_csv(truth_dir / "rejected.csv", ("file", "why"), sorted(rejected))
    # SPEC §2: the subjects a correct run must leave undecided (facts no sheet gave)
    write_csv(truth_dir / "undecided.csv", ("rule_code", "subject"), sorted(undecided))


def fresh_period_dir(out: Path, period: str) -> Path:
    period_dir = Path(out) / period
    if period_dir.exists() and any(period_dir.iterdir()):
        # Never mix a sample into a folder that already holds a month (it may be a real one).
        raise FileExistsError(f"{period_dir} 已有文件；请换一个 --out 或先移走该文件夹")
    period_dir.mkdir(parents=True, exist_ok=True)
    return period_dir


def write_inbox(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    return (write_civil_workbooks(ctx, period_dir) + write_text_files(ctx, period_dir)
            + write_claims(ctx, period_dir) + write_enrollment(ctx, period_dir)
            + write_persons(ctx, period_dir) + write_real_exports(ctx, period_dir)
            + write_formats(ctx, period_dir) + write_programme_files(ctx, period_dir))


def generate_month(period: str, scale: float, seed: int, out: Path, truth: Path | None = None,
                   policy: Policy | None = None) -> GeneratedMonth:
    """Write `<out>/<period>/<office>/…` and its ground truth to `<truth>/<period>/`
    (truth defaults to `<out>/../truth`). The same (period, scale, seed, policy) gives the same bytes
    in every data file."""
    policy = policy or load_policy(BUNDLED_POLICY)
    month = build_month(period, scale, seed, policy)
    assign_channels(month, seed)  # rows the real systems' exports carry (SPEC §2)
    assign_format_channels(month, seed)  # and those older systems' formats carry
    period_dir = fresh_period_dir(out, period)
    truth_dir = Path(truth if truth is not None else Path(out).resolve().parent / "truth") / period
    ctx = Context(month, policy, seed)
    plans = write_inbox(ctx, period_dir)
    rejected = write_rejected_files(ctx, period_dir)
    quarantine = [entry for plan in plans for entry in plan.quarantine()]
    identity_cases = [case for plan in plans for case in plan.identity_cases()]
    exceptions = expected_exceptions(month, policy) | possible_same_person(month, identity_cases)
    write_truth(truth_dir, quarantine, exceptions, [plan.input_row() for plan in plans], rejected,
                identity_cases, undecided_subjects(month, policy))
    rows = {name: len(records) for name, records in month.rows.items()}
    return GeneratedMonth(period_dir, truth_dir, rows, tuple(quarantine), frozenset(exceptions),
                          tuple(identity_cases))
