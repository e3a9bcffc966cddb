"""Injected cases of the roster rules of SPEC §4, each with the near misses that must not fire.

Every case builds fresh people, so one case raises exactly the exception it names (the builder
settles enrollment, aid and subsidies around it). The first case (i == 0) also forces the rarer
spellings: a 15-digit legacy ID on the row that links two sources.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sample_month.builder import CARE_SUBSIDY, MonthBuilder
from sample_month.identities import Person
from sample_month.records import Record


def legacy_if(person: Person, wanted: bool) -> dict[str, str]:
    return {"id_number": "legacy15"} if wanted and person.born_1900s else {}


def member(b: MonthBuilder, record: Record) -> Person:
    return b.persons[record.id_number]


def neighbour(b: MonthBuilder, person: Person) -> Person:
    return b.people.person(person.county, (18, 80), place=(person.township, person.village))


def dibao_tekun_overlap(b: MonthBuilder, county: str, i: int) -> None:
    person = member(b, b.tekun(county=county))
    b.dibao_household(county, members=[person, neighbour(b, person)] if i % 2 else [person])
    b.expect("DIBAO_TEKUN_OVERLAP", person.id_number)
    if i == 0:
        # 特困 ratio applies to a person on both rosters: aid at 80% is right.
        claim = b.claim(person, b.day_in_year(b.period.start))
        b.near_miss("MEDICAL_AID_SHORTFALL", claim.values["claim_id"])


def duplicate_enrollment(b: MonthBuilder, county: str, i: int) -> None:
    other_county = b.counties()[(b.counties().index(county) + 1) % len(b.counties())]
    variant = i % 5
    if variant == 0:  # the same row twice
        rows = b.dibao_household(county, 3)
        person = member(b, b.repeat_row(rows[1]))
    elif variant in (1, 2):  # two households, in one county or in two
        person = b.people.person(county, (20, 70))
        b.dibao_household(county, members=[person, neighbour(b, person)])
        head = b.people.person(other_county if variant == 2 else county, (30, 80))
        b.dibao_household(head.county, members=[head, person])
    elif variant == 3:  # two 特困 rows
        person = member(b, b.tekun(county=county, mode="dispersed"))
        b.tekun(person, mode="dispersed")
    else:  # two disability certificates: judged on the summed subsidies and the worst level
        person = b.people.person(county, (20, 70))
        b.disabled(person, 3, living=0.0, care=0.0)
        b.disabled(person, 1, living=0.0, care=CARE_SUBSIDY)
    b.expect("DUPLICATE_ENROLLMENT", person.id_number)


def deceased_still_paid(b: MonthBuilder, county: str, i: int) -> None:
    start = b.period.start
    before = start - timedelta(days=b.rng.randrange(1, 150))
    variant = i % 3
    if variant == 0:  # the head, born in the 1900s: the death record may carry a 15-digit number
        person = member(b, b.dibao_household(county, 2)[0])
    elif variant == 1:
        person = member(b, b.tekun(county=county))
    else:  # 重度残疾人护理补贴 still paid
        person = b.people.person(county, (30, 90))
        b.disabled(person, 2)
    b.death(person, before, **legacy_if(person, i == 0))
    b.expect("DECEASED_STILL_PAID", person.id_number)
    # Near misses: died inside the month (on its first day, or later), or paid nothing.
    inside = member(b, b.dibao_household(county, 2)[0])
    b.death(inside, start + timedelta(days=0 if i == 0 else b.rng.randrange(1, 28)))
    b.near_miss("DECEASED_STILL_PAID", inside.id_number)
    unpaid = b.people.person(county, (30, 90))
    b.disabled(unpaid, 4)
    b.death(unpaid, before)
    b.near_miss("DECEASED_STILL_PAID", unpaid.id_number)


def different_name(b: MonthBuilder, name: str) -> str:
    while (other := b.people.name()) == name:
        pass
    return other


def identity_conflict(b: MonthBuilder, county: str, i: int) -> None:
    variant = i % 3
    if variant == 0:  # 低保 roster and enrollment disagree
        person = member(b, b.dibao_household(county, 2)[0])
        b.enroll(person, name=different_name(b, person.name), subsidy_type="低保对象")
    elif variant == 1:  # 建档立卡 and 残联 disagree
        person = b.people.person(county, (20, 80))
        b.registry_household([person], status="exited", labors=["able"])
        b.disabled(person, 4, name=different_name(b, person.name))
    else:  # two names within enrollment
        person = b.people.person(county, (20, 80))
        b.enroll(person)
        b.enroll(person, name=different_name(b, person.name), year=b.period.year - 1)
    b.expect("IDENTITY_CONFLICT", person.id_number)
    # Near misses: a space, an ideographic space, a full-width letter standing for a rare character.
    spaced = member(b, b.dibao_household(county, 1)[0])
    b.enroll(spaced, name=spaced.name[0] + " " + spaced.name[1:], subsidy_type="低保对象")
    wide = b.people.person(county, (20, 80))
    b.registry_household([wide], status="exited", labors=["able"])[0].values["name"] = (
        wide.name[0] + "\u3000" + wide.name[1:])
    b.enroll(wide)
    rare = dataclasses.replace(b.people.person(county, (20, 80)), name=wide.name[0] + "Ｘ" + "明")
    b.dibao_household(county, members=[rare])
    b.enroll(rare, name=rare.name.replace("Ｘ", "X"), subsidy_type="低保对象")
    for person in (spaced, wide, rare):
        b.near_miss("IDENTITY_CONFLICT", person.id_number)
