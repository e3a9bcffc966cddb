"""The clean base population of a month: coherent households and people on which no rule fires.

At scale 1 a county has about 42 低保 households, 18 特困 persons, 33 建档立卡 households of its
own, 15 other disabled people, 6 other insured people, 18 deaths, 12 children in difficulty,
8 低收入 households and 20 临时救助 payments; `scale` multiplies them. The injected cases
(scenarios_*.py) add about a quarter as many rows again.

临时救助 paid this month lands only in a county's first township (the others are kept for the
even-split cases, scenarios_programmes.py), in amounts of whole hundreds drawn from a wide range,
so no township of the base population hands relief out evenly.
"""

from __future__ import annotations

from datetime import timedelta

from sample_month.builder import MonthBuilder
from sample_month.identities import Person, townships

HOUSEHOLD_SIZES = ((1, 2, 3, 4, 5), (30, 25, 25, 15, 5))
LEVELS = ((1, 2, 3, 4), (15, 25, 30, 30))


def count(base: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(base * scale))


def add_base_population(b: MonthBuilder, scale: float) -> None:
    for county in b.counties():
        for _ in range(count(42, scale, 2)):
            add_dibao_household(b, county)
        for _ in range(count(18, scale)):
            add_tekun_person(b, county)
        for _ in range(count(33, scale, 2)):
            add_registry_household(b, county)
        for _ in range(count(15, scale)):
            add_other_disabled(b, county)
        for _ in range(count(6, scale)):
            add_other_insured(b, county)
        for _ in range(count(18, scale)):
            add_past_death(b, county)
        for _ in range(count(12, scale)):
            add_child(b, county)
        for _ in range(count(8, scale)):
            add_low_income_household(b, county)
        heads = {dataset: household_heads(b, dataset, county) for dataset in ("dibao", "low_income")}
        for _ in range(count(20, scale)):
            add_relief_payment(b, county, heads)


def maybe_disabled(b: MonthBuilder, person: Person, chance: float) -> None:
    if b.rng.random() < chance:
        b.disabled(person, b.rng.choices(*LEVELS)[0])


def maybe_claims(b: MonthBuilder, person: Person, chance: float) -> None:
    """Hospital stays settled from January to the period's end; about 40% of them in the month."""
    if b.rng.random() >= chance:
        return
    for _ in range(b.rng.choice((1, 1, 2, 3))):
        in_month = b.rng.random() < 0.4
        b.claim(person, b.day_in_year(b.period.start if in_month else None))


def add_dibao_household(b: MonthBuilder, county: str) -> None:
    size = b.rng.choices(*HOUSEHOLD_SIZES)[0]
    rows = b.dibao_household(county, size)
    members = [b.persons[r.id_number] for r in rows]
    if b.rng.random() < 0.15:
        # Still poor on 建档立卡; annual income / 12 stays under every 低保 standard (680 yuan).
        b.registry_household(members, status="poor")
    for person in members:
        maybe_disabled(b, person, 0.08)
        maybe_claims(b, person, 0.1)


def add_tekun_person(b: MonthBuilder, county: str) -> None:
    person = b.persons[b.tekun(county=county).id_number]
    maybe_disabled(b, person, 0.1)
    maybe_claims(b, person, 0.2)
    if b.rng.random() < 0.1:
        # A destitute person living alone, unable to work: no coverage gap, 特困 covers them.
        b.registry_household([person], status="poor", labors=["none"])


def add_registry_household(b: MonthBuilder, county: str) -> None:
    members = b.household_members(county, b.rng.choices(*HOUSEHOLD_SIZES)[0])
    status = "exited" if b.rng.random() < 0.8 else "poor"
    labors = [b.rng.choice(("able", "weak", "none", "none")) for _ in members]
    if status == "poor" and all(labor == "none" for labor in labors):
        labors[0] = b.rng.choice(("able", "weak"))  # someone can work: no coverage gap
    b.registry_household(members, status=status, labors=labors)
    for person in members:
        maybe_disabled(b, person, 0.06)
        maybe_claims(b, person, 0.05)
        if b.rng.random() < 0.35:
            add_any_enrollment(b, person)


def add_any_enrollment(b: MonthBuilder, person: Person) -> None:
    """People on no roster may be insured any way at all: no rule reads them."""
    status, year, subsidy = b.rng.choice((
        ("active", b.period.year, 0.0), ("active", b.period.year, 0.0),
        ("inactive", b.period.year, 0.0), ("active", b.period.year - 1, 0.0),
        ("active", b.period.year, 190.0),
    ))
    b.enroll(person, status=status, year=year, subsidy=subsidy)


def add_other_disabled(b: MonthBuilder, county: str) -> None:
    person = b.people.person(county, (5, 90))
    b.disabled(person, b.rng.choices(*LEVELS)[0])
    if b.rng.random() < 0.5:
        add_any_enrollment(b, person)


def add_other_insured(b: MonthBuilder, county: str) -> None:
    person = b.people.person(county, (0, 90))
    add_any_enrollment(b, person)
    maybe_claims(b, person, 0.3)


def add_past_death(b: MonthBuilder, county: str) -> None:
    """Deaths of people on no roster, from three years back to the month's end."""
    person = b.people.person(county, (40, 100))
    first = b.period.start.replace(year=b.period.year - 3)
    day = first + timedelta(days=b.rng.randrange((b.period.end - first).days + 1))
    b.death(person, max(day, person.birth))


CHILD_CATEGORIES = (("orphan", "de_facto", "difficulty"), (3, 3, 6))


def add_child(b: MonthBuilder, county: str) -> None:
    """A child on the 困境儿童 roster, paid the county's standard for its category."""
    person = b.people.person(county, (0, 17))
    b.child(person, b.rng.choices(*CHILD_CATEGORIES)[0])


def add_low_income_household(b: MonthBuilder, county: str) -> None:
    members = b.household_members(county, b.rng.choices(*HOUSEHOLD_SIZES)[0])
    b.low_income_household(members)
    for person in members:
        maybe_claims(b, person, 0.1)  # aided at the low-income ratio (builder.settle_medical_aid)


def relief_amount(b: MonthBuilder) -> float:
    return float(b.rng.randrange(3, 60) * 100)


def household_heads(b: MonthBuilder, dataset: str, county: str) -> list:
    """The accepted rows of the county's household heads on a list (a province has half a million)."""
    return [r for r in b.rows[dataset] if r.values.get("county") == county
            and r.accepted and "户主" in (r.values.get("relation"), r.spelling.get("relation"))]


def add_relief_payment(b: MonthBuilder, county: str, heads_on: dict[str, list]) -> None:
    """A 临时救助 payment of this year to the head of a 低保 or 低收入 household or to someone on no
    list (`heads_on`: the county's heads per list); paid this month only in the county's first township."""
    heads = heads_on[b.rng.choice(("dibao", "low_income"))]
    person = b.persons[b.rng.choice(heads).id_number] if heads and b.rng.random() < 0.6 else \
        b.people.person(county, (18, 85))
    if person.township == townships(county)[0] and (b.period.month == 1 or b.rng.random() < 0.5):
        day = b.day_in_year(b.period.start)
    elif b.period.month > 1:
        day = b.day_in_year(last=b.period.start - timedelta(days=1))
    else:
        return  # January: no earlier month of the year to have paid in
    b.relief(person, day, relief_amount(b))
