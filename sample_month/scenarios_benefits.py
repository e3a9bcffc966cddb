"""Injected cases of the benefit rules of SPEC §4 (premium, medical aid, disability subsidies).

Medical aid follows transforms/rules/README.md: expected = min(ratio x oop, cap - earlier aid),
earlier aid = the person's claims settled before this one in the year, or the same day with a
smaller claim_id. The builder settles every claim's aid that way unless a case overrides it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sample_month.builder import CARE_SUBSIDY, LIVING_SUBSIDY, PREMIUM, MonthBuilder, money
from sample_month.scenarios_rosters import member


def premium_not_subsidized(b: MonthBuilder, county: str, i: int) -> None:
    variant = i % 4
    if variant == 1:  # 特困, insured but suspended
        person = member(b, b.tekun(county=county))
        b.enroll(person, status="inactive", subsidy_type="特困人员")
    else:
        person = member(b, b.dibao_household(county, 2)[0])
        if variant == 0:  # not insured at all
            b.unenrolled.add(person.id_number)
        elif variant == 2:  # insured for last year only
            b.enroll(person, year=b.period.year - 1, subsidy_type="低保对象")
        else:  # subsidy short of the premium
            b.enroll(person, subsidy=money(PREMIUM / 2), subsidy_type="低保对象")
    b.expect("PREMIUM_NOT_SUBSIDIZED", person.id_number)
    # Near misses: short by less than the tolerance; a suspended row beside an active one; a
    # short row beside a full one.
    tolerance = b.policy.rules.tolerance
    rows = b.dibao_household(county, 3)
    first, second, third = (member(b, r) for r in rows)
    b.enroll(first, subsidy=PREMIUM - tolerance / 2, subsidy_type="低保对象")
    b.enroll(second, status="inactive")
    b.enroll(second, subsidy_type="低保对象")
    b.enroll(third, subsidy=100.0)
    b.enroll(third, subsidy_type="低保对象")
    for person in (first, second, third):
        b.near_miss("PREMIUM_NOT_SUBSIDIZED", person.id_number)


def settle_day(b: MonthBuilder) -> date:
    # Late enough in the month that earlier claims fit before it even in January.
    return b.period.start + timedelta(days=b.rng.randrange(10, b.period.end.day))


def medical_aid_shortfall(b: MonthBuilder, county: str, i: int) -> None:
    rules = b.policy.rules
    variant = i % 3
    if variant == 0:  # 低保 member, no aid at all
        person = member(b, b.dibao_household(county, 2)[1])
        claim = b.claim(person, settle_day(b), aid=0.0)
    elif variant == 1:  # 特困 person paid at the 低保 ratio
        person = member(b, b.tekun(county=county))
        ratio = rules.medical_aid_ratio / rules.medical_aid_ratio_tekun
        claim = b.claim(person, settle_day(b), aid=lambda expected: money(expected * ratio))
    else:  # the annual cap binds: aid owed is what is left of it, and less was paid
        claim = capped_claims(b, county, short_by=180.0)
    b.expect("MEDICAL_AID_SHORTFALL", claim.values["claim_id"])
    near = [capped_claims(b, county, short_by=0.0)]
    person = member(b, b.dibao_household(county, 2)[0])
    near.append(b.claim(person, settle_day(b), aid=lambda expected: money(expected - 0.8)))
    if b.period.month > 1:  # unpaid, but settled last month: not this month's exception
        near.append(b.claim(person, b.period.start - timedelta(days=3), aid=0.0))
    near.extend(same_day_claims(b, county))
    for record in near:
        b.near_miss("MEDICAL_AID_SHORTFALL", record.values["claim_id"])


def earlier_claims(b: MonthBuilder, person, settle: date, shares: tuple[float, ...]) -> None:
    """Claims before `settle` whose aid, as owed, uses up the given shares of the annual cap."""
    rules = b.policy.rules
    for share in shares:
        day = b.day_in_year(last=settle - timedelta(days=1))
        b.claim(person, day, oop=money(share * rules.medical_aid_annual_cap / rules.medical_aid_ratio))


def capped_claims(b: MonthBuilder, county: str, short_by: float):
    rules = b.policy.rules
    person = member(b, b.dibao_household(county, 2)[0])
    settle = settle_day(b)
    earlier_claims(b, person, settle, (0.476, 0.476))
    oop = money(0.3 * rules.medical_aid_annual_cap / rules.medical_aid_ratio)
    return b.claim(person, settle, oop=oop, aid=lambda expected: money(expected - short_by))


def same_day_claims(b: MonthBuilder, county: str) -> list:
    """Two claims settled the same day: the smaller claim_id comes first and uses up the cap."""
    rules = b.policy.rules
    person = member(b, b.dibao_household(county, 2)[0])
    settle = settle_day(b)
    earlier_claims(b, person, settle, (0.45, 0.45))
    cap, ratio = rules.medical_aid_annual_cap, rules.medical_aid_ratio
    first = b.claim(person, settle, oop=money(0.2 * cap / ratio))
    second = b.claim(person, settle, oop=money(0.05 * cap / ratio))
    return [first, second]


# rule -> cases (who, level, living_subsidy, care_subsidy); None is "as entitled".
DISABILITY_CASES = {
    "DISABILITY_LIVING_MISSING": (("dibao", 3, 0.0, None), ("poor", 4, 0.0, None)),
    "DISABILITY_LIVING_INELIGIBLE": (
        ("exited", 4, LIVING_SUBSIDY, None), ("nobody", 3, LIVING_SUBSIDY, None),
        ("tekun", 4, LIVING_SUBSIDY, None)),
    "DISABILITY_CARE_MISSING": (("nobody", 1, None, 0.0), ("dibao", 2, None, 0.0)),
    "DISABILITY_CARE_INELIGIBLE": (("nobody", 3, None, CARE_SUBSIDY), ("tekun", 1, None, CARE_SUBSIDY)),
}


def disabled_person(b: MonthBuilder, county: str, who: str):
    """A fresh person who is a 低保 member, in 特困, poor or exited on 建档立卡, or on no roster."""
    if who == "dibao":
        return member(b, b.dibao_household(county, 2)[1])
    if who == "tekun":
        return member(b, b.tekun(county=county))
    person = b.people.person(county, (20, 70))
    if who in ("poor", "exited"):
        b.registry_household([person], status=who, labors=["able"])
    return person


def disability_subsidies(b: MonthBuilder, county: str, i: int) -> None:
    for rule, cases in DISABILITY_CASES.items():
        who, level, living, care = cases[i % len(cases)]
        person = disabled_person(b, county, who)
        b.disabled(person, level, living=living, care=care)
        b.expect(rule, person.id_number)
    # Near misses: 特困 at level 1 paid no care; level 2 spelled 贰级 paid care; a 低保 member at
    # level 4 paid the living subsidy; a poor 建档立卡 person who is also in 特困 paid nothing.
    both = disabled_person(b, county, "poor")
    b.tekun(both)
    near = [
        b.disabled(disabled_person(b, county, "tekun"), 1),
        b.disabled(disabled_person(b, county, "nobody"), 2, disability_level="贰级"),
        b.disabled(disabled_person(b, county, "dibao"), 4),
        b.disabled(both, 3),
    ]
    for record in near:
        for rule in DISABILITY_CASES:
            b.near_miss(rule, record.id_number)
