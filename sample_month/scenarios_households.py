"""Injected cases of the household and payment-standard rules of SPEC §4, with their near misses.

DIBAO_EXIT_DUE compares strictly (transforms/rules/README.md): income equal to the standard is
not due to exit, one fen above it is. The tolerance applies to the top-up and 特困 amounts only.
"""

from __future__ import annotations

from sample_month.builder import MonthBuilder, money
from sample_month.scenarios_rosters import legacy_if, member


def dibao_exit_due(b: MonthBuilder, county: str, i: int) -> None:
    standard = b.standard(county, "rural")
    variant = i % 3
    if variant == 0:  # the roster's own income rose above the standard; the old benefit runs on
        rows = b.dibao_household(county, 2, area="rural", benefit=money(standard * 0.25),
                                 income=money(standard + b.rng.uniform(30, 150)))
    elif variant == 1:  # one fen above
        rows = b.dibao_household(county, 1, area="rural", benefit=50.0, income=standard + 0.01)
    else:  # a member's 建档立卡 income, per month, is above the standard
        rows = b.dibao_household(county, 2, area="rural")
        b.registry_household([member(b, rows[1])], status="poor", labors=["able"],
                             annual_income=money(standard * 12 + 600))
    b.expect("DIBAO_EXIT_DUE", rows[0].values["household_id"])
    # Near misses: 建档立卡 income exactly 12 x the standard; roster income exactly the standard.
    exact = b.dibao_household(county, 2, area="rural")
    b.registry_household([member(b, exact[0])], status="poor", labors=["weak"],
                         annual_income=standard * 12)
    equal = b.dibao_household(county, 1, area="rural", income=standard, categories=[None])
    for rows_ in (exact, equal):
        b.near_miss("DIBAO_EXIT_DUE", rows_[0].values["household_id"])
    between_standards(b, county)


def between_standards(b: MonthBuilder, county: str) -> None:
    """Where the rural standard is lower (枞阳县: 680 vs 720), the area type decides."""
    rural, urban = b.standard(county, "rural"), b.standard(county, "urban")
    if rural >= urban:
        return
    income = money((rural + urban) / 2)
    due = b.dibao_household(county, 2, area="rural", income=income, benefit=money(rural * 0.2))
    b.expect("DIBAO_EXIT_DUE", due[0].values["household_id"])
    kept = b.dibao_household(county, 2, area="urban", income=income)
    b.near_miss("DIBAO_EXIT_DUE", kept[0].values["household_id"])


def exited_poverty_on_dibao(b: MonthBuilder, county: str, i: int) -> None:
    rows = b.dibao_household(county, 3)
    person = member(b, rows[i % 3])
    standard = b.standard(county, rows[0].values["area_type"])
    b.registry_household([person], status="exited", labors=["able"],
                         annual_income=money(standard * 12 * 0.6), **legacy_if(person, i == 0))
    b.expect("EXITED_POVERTY_ON_DIBAO", rows[0].values["household_id"])
    still_poor = b.dibao_household(county, 2)
    b.registry_household([member(b, still_poor[0])], status="poor", labors=["none"])
    b.near_miss("EXITED_POVERTY_ON_DIBAO", still_poor[0].values["household_id"])


def coverage_gap(b: MonthBuilder, county: str, i: int) -> None:
    def unable_household(size: int, status: str = "poor", weak: bool = False):
        members = b.household_members(county, size)
        labors = ["none"] * size
        if weak:
            labors[-1] = "weak"
        return members, b.registry_household(members, status=status, labors=labors)

    _, gap = unable_household(1 + i % 3)
    b.expect("COVERAGE_GAP", gap[0].values["household_id"])
    # Near misses: one member 弱劳动力; already exited; one member in 特困; one member in 低保.
    near = [unable_household(2, weak=True)[1], unable_household(2, status="exited")[1]]
    members, covered = unable_household(2)
    b.tekun(members[1])
    near.append(covered)
    members, covered = unable_household(2)
    b.dibao_household(county, members=[members[0]])
    near.append(covered)
    for rows in near:
        b.near_miss("COVERAGE_GAP", rows[0].values["household_id"])


def dibao_topup_mismatch(b: MonthBuilder, county: str, i: int) -> None:
    ratios = b.policy.rules.topup_ratio
    variant = i % 3
    category = ("A", "C", "B")[variant]
    rows = b.dibao_household(county, 2, categories=[category, None])
    benefit = rows[0].values["benefit"]
    # Class A paid nothing; class C paid a top-up; class B paid at class A's ratio.
    rows[0].values["topup"] = (0.0, 50.0, money(ratios.A * benefit))[variant]
    b.expect("DIBAO_TOPUP_MISMATCH", rows[0].id_number)
    # Near misses: off by less than the tolerance, either way.
    near = b.dibao_household(county, 2, categories=["A", "B"])
    for row, off in zip(near, (-0.9, 0.5), strict=True):
        row.values["topup"] = money(row.values["topup"] + off)
        b.near_miss("DIBAO_TOPUP_MISMATCH", row.id_number)


def tekun_below_standard(b: MonthBuilder, county: str, i: int) -> None:
    standard = b.policy.counties[county].tekun_basic
    short = b.tekun(county=county, basic=standard - (50.0, 200.0, 120.0)[i % 3])
    b.expect("TEKUN_BELOW_STANDARD", short.id_number)
    tolerance = b.policy.rules.tolerance
    for off in (tolerance, tolerance / 2):
        near = b.tekun(county=county, basic=standard - off)
        b.near_miss("TEKUN_BELOW_STANDARD", near.id_number)
