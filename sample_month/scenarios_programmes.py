"""Injected cases of the seed's other programmes (SPEC §4): 临时救助 handed out evenly or paid after
the recipient's death, children and 特困 care paid below their standards, a dead child still paid,
and medical aid owed to low-income families and households made poor by illness; each with the
near misses the rules must let pass (transforms/rules/README.md says how each is read).

A case whose policy key is not set adds nothing: the rule is skipped and the truth holds none.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sample_month.builder import MonthBuilder, money
from sample_month.identities import VILLAGE_STEMS, Person, townships
from sample_month.scenarios_benefits import settle_day

# -- 临时救助: not handed out evenly

def free_township(b: MonthBuilder, county: str) -> tuple[str, str] | None:
    """A township, from this county on, where nothing was paid this month yet (None: all taken).
    A county's first township is never one: the month's other payments fall there."""
    start = b.period.start
    paid = {(r.values["county"], r.values["township"]) for r in b.rows["temp_relief"]
            if r.values["pay_date"] >= start}
    counties = b.counties()
    for c in counties[counties.index(county):] + counties[:counties.index(county)]:
        for township in townships(c)[1:]:
            if (c, township) not in paid and (c, township) not in b.reserved_townships:
                return c, township
    return None


def township_payments(b: MonthBuilder, county: str, township: str, amounts: list[float]) -> str:
    """Payments of this month in one township, each to another resident; reserves the township."""
    for amount in amounts:
        village = b.rng.choice(VILLAGE_STEMS) + ("社区" if township.endswith("街道") else "村")
        person = b.people.person(county, (18, 85), place=(township, village))
        b.relief(person, b.day_in_year(b.period.start), amount)
    b.reserved_townships.add((county, township))
    return f"{county}:{township}"


def split(n: int, same: int, amount: float) -> list[float]:
    """n payments, `same` of them of one amount, the others each of another."""
    return [amount] * same + [amount + 100.0 * (k + 1) for k in range(n - same)]


def temp_relief_even_split(b: MonthBuilder, county: str, i: int) -> None:
    rules = b.policy.rules
    low, share = rules.temp_relief_even_min, rules.temp_relief_even_share
    at_least = max(low, 10)
    # the fewest of n that make the share (8 of 10), the most of 14 that do not (11 of 14)
    exact = next(k for k in range(at_least + 1) if k / at_least >= share)
    under = max(k for k in range(at_least + 5) if k / (at_least + 4) < share)
    amount = (500.0, 800.0, 1000.0)[i % 3]
    fires = (split(at_least, exact, amount), split(at_least + 2, at_least + 1, amount),
             [amount] * at_least)[i % 3]
    misses = (split(at_least + 4, under, amount), [amount] * (low - 1),
              split(at_least, math.ceil(at_least * share) - 1, amount))[i % 3]
    for amounts, outcome in ((fires, b.expect), (misses, b.near_miss)):
        place = free_township(b, county)
        if place is None:  # every township of the city holds a case already
            return
        outcome("TEMP_RELIEF_EVEN_SPLIT", township_payments(b, *place, amounts))


# -- 临时救助: never after the recipient's death

def dead_recipient(b: MonthBuilder, county: str) -> Person:
    """Someone on no paying roster, living in the county's first township (where this month's
    payments of the base population fall, never in an even-split case's)."""
    first = townships(county)[0]
    village = b.rng.choice(VILLAGE_STEMS) + ("社区" if first.endswith("街道") else "村")
    return b.people.person(county, (40, 90), place=(first, village))


def temp_relief_after_death(b: MonthBuilder, county: str, i: int) -> None:
    start = b.period.start
    variant = i % 3 if b.period.month > 1 else 0
    person = dead_recipient(b, county)
    if variant == 0:  # died before the month, paid in it
        died = start - timedelta(days=b.rng.randrange(1, 40))
        paid = [b.relief(person, start + timedelta(days=b.rng.randrange(0, 20)), 1500.0)]
    elif variant == 1:  # died earlier this year, paid a few days later
        died = b.day_in_year(last=start - timedelta(days=8))
        paid = [b.relief(person, died + timedelta(days=b.rng.randrange(1, 7)), 800.0)]
    else:  # paid twice on one day after the death: one case, the amounts summed
        died = b.day_in_year(last=start - timedelta(days=3))
        day = died + timedelta(days=1)
        paid = [b.relief(person, day, 600.0, relief_type="urgent"), b.relief(person, day, 400.0)]
    b.death(person, died)
    b.expect("TEMP_RELIEF_AFTER_DEATH", f"{person.id_number}:{paid[0].values['pay_date']:%Y-%m-%d}")
    # Near misses: paid on the day of the death; paid before it.
    same_day = dead_recipient(b, county)
    day = start + timedelta(days=b.rng.randrange(0, 10))
    b.death(same_day, day)
    before = dead_recipient(b, county)
    b.death(before, day + timedelta(days=1))
    for near in (same_day, before):
        payment = b.relief(near, day, 1000.0)
        b.near_miss("TEMP_RELIEF_AFTER_DEATH", f"{near.id_number}:{payment.values['pay_date']:%Y-%m-%d}")


# -- 困境儿童: paid at the county's standard for the child's category

def child_allowance_below_standard(b: MonthBuilder, county: str, i: int) -> None:
    if b.child_standard(county, "difficulty", None) is None:
        return
    tolerance = b.policy.rules.tolerance
    dispersed = b.child_standard(county, "orphan", "dispersed")
    variant = i % 3
    child = b.people.person(county, (0, 17))
    if variant == 0:  # an orphan at home paid four fifths of the standard
        b.child(child, "orphan", "dispersed", allowance=money(dispersed * 0.8))
    elif variant == 1:  # an orphan in an institution paid the standard of one at home
        b.child(child, "orphan", "institution", allowance=dispersed)
    else:  # a child without de-facto carers paid the standard of other children in difficulty
        b.child(child, "de_facto", allowance=b.child_standard(county, "difficulty", None))
    b.expect("CHILD_ALLOWANCE_BELOW_STANDARD", child.id_number)
    # Near misses: short by exactly the tolerance, or by half of it; died before the month and
    # paid nothing (no longer owed); died on the month's first day and paid in full.
    near = [b.child(b.people.person(county, (0, 17)), "difficulty",
                    allowance=b.child_standard(county, "difficulty", None) - tolerance),
            b.child(b.people.person(county, (0, 17)), "orphan", "dispersed", allowance=dispersed - tolerance / 2)]
    gone = b.child(b.people.person(county, (0, 17)), "difficulty", allowance=0.0)
    b.death(b.persons[gone.id_number], b.period.start - timedelta(days=b.rng.randrange(1, 60)))
    on_first_day = b.child(b.people.person(county, (0, 17)), "de_facto")
    b.death(b.persons[on_first_day.id_number], b.period.start)
    for record in (*near, gone, on_first_day):
        b.near_miss("CHILD_ALLOWANCE_BELOW_STANDARD", record.id_number)
    for record in (gone, on_first_day):
        b.near_miss("DECEASED_STILL_PAID", record.id_number)


def deceased_child_still_paid(b: MonthBuilder, county: str, i: int) -> None:
    """A child who died before the month, still on the roster with an allowance."""
    child = b.child(b.people.person(county, (0, 17)), ("orphan", "de_facto", "difficulty")[i % 3])
    b.death(b.persons[child.id_number], b.period.start - timedelta(days=b.rng.randrange(1, 90)))
    b.expect("DECEASED_STILL_PAID", child.id_number)


# -- 特困 care for those who cannot look after themselves

def tekun_care_below_standard(b: MonthBuilder, county: str, i: int) -> None:
    care = b.policy.rules.tekun_care
    if care is None:
        return
    tolerance = b.policy.rules.tolerance
    variant = i % 3
    if variant == 0:  # unable to look after themselves, paid the standard of partial loss
        short = b.tekun(county=county, self_care="unable", care=care.partial)
    elif variant == 1:  # partly unable, paid nothing (a blank cell)
        short = b.tekun(county=county, self_care="partial", care=0.0)
    else:  # unable, paid three quarters
        short = b.tekun(county=county, self_care="unable", care=money(care.unable * 0.75))
    b.expect("TEKUN_CARE_BELOW_STANDARD", short.id_number)
    # Near misses: short by exactly the tolerance, or by half of it; able to look after
    # themselves and paid no care.
    near = [b.tekun(county=county, self_care="unable", care=care.unable - tolerance),
            b.tekun(county=county, self_care="partial", care=care.partial - tolerance / 2),
            b.tekun(county=county, self_care="able", care=0.0)]
    for record in near:
        b.near_miss("TEKUN_CARE_BELOW_STANDARD", record.id_number)


# -- medical aid widened to low-income families and households made poor by illness

def illness_household_member(b: MonthBuilder, county: str, status: str, cause: str) -> Person:
    person = b.people.person(county, (20, 80))
    for record in b.registry_household([person], status=status, labors=["able"]):
        record.values["cause"] = cause
    return person


def low_income_member(b: MonthBuilder, county: str) -> Person:
    members = b.household_members(county, 2)
    b.low_income_household(members)
    return members[1]


def medical_aid_widened(b: MonthBuilder, county: str, i: int) -> None:
    if b.policy.rules.medical_aid_ratio_low_income is None:
        return
    variant = i % 3
    if variant == 0:  # a low-income family member, no aid at all
        claim = b.claim(low_income_member(b, county), settle_day(b), aid=0.0)
    elif variant == 1:  # a member of a poor household made poor by illness, half the aid
        person = illness_household_member(b, county, "poor", ("因病致贫", "因病", "因病返贫")[i // 3 % 3])
        claim = b.claim(person, settle_day(b), aid=lambda expected: money(expected / 2))
    else:  # low-income, aided at a lower ratio than the policy's
        claim = b.claim(low_income_member(b, county), settle_day(b), aid=lambda expected: money(expected * 0.6))
    b.expect("MEDICAL_AID_SHORTFALL", claim.values["claim_id"])
    # Near misses: low-income and 0.80 short (within the tolerance); poor for another cause;
    # made poor by illness but out of poverty since.
    near = [b.claim(low_income_member(b, county), settle_day(b), aid=lambda expected: money(expected - 0.8)),
            b.claim(illness_household_member(b, county, "poor", "因残"), settle_day(b), aid=0.0),
            b.claim(illness_household_member(b, county, "exited", "因病"), settle_day(b), aid=0.0)]
    for record in near:
        b.near_miss("MEDICAL_AID_SHORTFALL", record.values["claim_id"])

