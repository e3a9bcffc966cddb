"""Mistyped ID numbers of people who appear elsewhere this month (SPEC §6), with the suggestion a
correct run makes for each.

A typo row is one more row of a person whose other rows are accepted, with the ID typed wrong:
one digit, two adjacent digits the other way round, a 15-digit number lengthened by hand with a
wrong check digit, a number stored as a float, an impossible birth month; the name as the person's,
in traditional characters (OpenCC) or a homophone (pypinyin, from Faker's own name characters).
It is quarantined for the reason its ID gives, so no rule of §4 sees it. Near misses: a typo one
digit from someone of an unrelated name, a typo as near two namesakes, a typo of a person found
only in the row's own dataset (suggested, but no POSSIBLE_SAME_PERSON). Each typo is checked
against every ID of the month, so that the suggestion the truth names is the only one possible.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import opencc
from faker.providers.person.zh_CN import Provider as ChineseNames
from pypinyin import lazy_pinyin

from sample_month.builder import MonthBuilder
from sample_month.identities import Person, check_digit
from sample_month.records import Record

TRIES = 50


# -- how an ID is mistyped

def substituted(number: str, position: int, char: str) -> str:
    return number[:position - 1] + char + number[position:]


def swapped(number: str, position: int) -> str:
    i = position - 1
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


def reason_of(typed: str, last_day: date) -> str | None:
    """The quarantine reason of an ID typed as text (SPEC §2, one per row, the most telling
    first); None when it is a valid ID, or when it ends in 000 and could pass for a float's."""
    if re.fullmatch(r"\d\.\d{14}E\+17", typed):
        return "ID_PRECISION_LOST"
    if not re.fullmatch(r"\d{17}[\dX]", typed):
        return "ID_MALFORMED"
    try:
        born = date(int(typed[6:10]), int(typed[10:12]), int(typed[12:14]))
    except ValueError:
        return "ID_BAD_DATE"
    if not date(1900, 1, 1) <= born <= last_day:
        return "ID_BAD_DATE"
    if check_digit(typed[:17]) == typed[17] or typed.endswith("000"):
        return None
    return "ID_CHECKSUM"


def neighbours(typed: str) -> set[str]:
    """Every number one substitution or one adjacent transposition from `typed`."""
    near = {substituted(typed, p, c) for p in range(1, 19) for c in "0123456789X"}
    near |= {swapped(typed, p) for p in range(1, 18)}
    return near - {typed}


def float_text(number: str) -> str:
    """The ID as a CSV export writes a number cell: 3.40705198001011E+17 (15 digits kept)."""
    return f"{float(number[:15] + '000'):.14E}"


def float_neighbours(number: str) -> set[str]:
    """Every valid ID that agrees with the 15 digits a float keeps of `number`, cut or rounded:
    the first 17 digits are the kept 15 and any two more, or round to the kept 15."""
    kept = int(number[:15])
    firsts = {f"{first:017d}" for first in range(kept * 100 - 50, kept * 100 + 100)}
    return {first + check_digit(first) for first in firsts} - {number}


# -- names as they are mistyped

@cache
def _homophones() -> dict[str, list[str]]:
    """Toneless reading -> the characters of Faker's zh_CN names read that way."""
    chars = sorted(set("".join(ChineseNames.last_names)) | set("".join(ChineseNames.first_names_male))
                   | set("".join(ChineseNames.first_names_female)))
    by_sound: dict[str, list[str]] = {}
    for char in chars:
        by_sound.setdefault(lazy_pinyin(char)[0], []).append(char)
    return by_sound


def homophone(b: MonthBuilder, name: str) -> str | None:
    """The name with its last character replaced by another that sounds the same (黎明 for 李明)."""
    for position in range(len(name) - 1, -1, -1):
        alike = [c for c in _homophones().get(lazy_pinyin(name[position])[0], []) if c != name[position]]
        if alike:
            return name[:position] + b.rng.choice(alike) + name[position + 1:]
    return None


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)  # loading a dictionary takes tens of milliseconds: once


def traditional(name: str) -> str | None:
    """The name in traditional characters (张伟 -> 張偉), or None when it has no other form."""
    written = _converter("s2t").convert(name)
    return written if written != name else None


def sounds_alike(one: str, other: str) -> bool:
    return lazy_pinyin(one) == lazy_pinyin(other) or _converter("t2s").convert(one) == other


# -- choosing a typo that only one person of the month fits

def others_fitting(typed: str, *people: Person) -> set[str]:
    """The valid-looking numbers other than `people`'s one substitution or transposition from
    `typed`, or agreeing with the digits a float keeps."""
    near = float_neighbours(people[0].id_number) if "E+" in typed else neighbours(typed)
    return near - {p.id_number for p in people}


def fits_only(b: MonthBuilder, typed: str, *people: Person) -> bool:
    """No one else of the month fits `typed`."""
    return not any(number in b.persons for number in others_fitting(typed, *people))


def reserve_near(b: MonthBuilder, typed: str, *people: Person) -> None:
    """The numbers that would fit `typed` are never given to a person made later, so the typo keeps
    fitting only `people` (a province makes thousands of people after its first typos)."""
    for number in others_fitting(typed, *people):
        b.people.claim(number)


def typo(b: MonthBuilder, person: Person, make: Callable[[str], str]) -> tuple[str, str]:
    """(typed ID, reason) from `make`, retried until only `person` fits it."""
    for _ in range(TRIES):
        typed = make(person.id_number)
        reason = reason_of(typed, b.period.end)
        if reason and fits_only(b, typed, person):
            return typed, reason
    raise RuntimeError("no typo fits one person only")


def one_digit(b: MonthBuilder, positions: tuple[int, ...] = tuple(range(1, 19))) -> Callable[[str], str]:
    def make(number: str) -> str:
        position = b.rng.choice(positions)
        chars = "0123456789X" if position == 18 else "0123456789"
        return substituted(number, position, b.rng.choice([c for c in chars if c != number[position - 1]]))
    return make


def two_digits_swapped(b: MonthBuilder) -> Callable[[str], str]:
    def make(number: str) -> str:
        positions = [p for p in range(7, 17) if number[p - 1] != number[p]]
        return swapped(number, b.rng.choice(positions))
    return make


def impossible_month(b: MonthBuilder) -> Callable[[str], str]:
    """The tens of the birth month typed 2-9: month 2x-9x does not exist."""
    return lambda number: substituted(number, 11, b.rng.choice("23456789"))


def mistype(b: MonthBuilder, record: Record, person: Person, make: Callable[[str], str],
            name: str | None = None, suggested: bool = True) -> Record:
    """The record's ID typed wrong (and its name, when given): quarantined, with its truth."""
    typed, reason = typo(b, person, make)
    reserve_near(b, typed, person)
    return mark(record, typed, reason, person.id_number if suggested else None, name)


def mark(record: Record, typed: str, reason: str, suggested: str | None, name: str | None = None) -> Record:
    record.raw["id_number"] = typed
    record.reason, record.bad_field = reason, "id_number"
    record.identity_case, record.suggested = True, suggested
    if name is not None:
        record.values["name"] = name
    return record


# -- the cases

def dead_on_dibao(b: MonthBuilder, county: str, i: int) -> None:
    """The issue's own example: a dead person's 低保 row has a typo, so nothing says they are paid."""
    row = b.dibao_household(county, 1)[0]
    person = b.persons[row.id_number]
    b.death(person, b.period.start - timedelta(days=b.rng.randrange(20, 200)))
    mistype(b, row, person, one_digit(b, (15, 16, 17)))


def tekun_row_of_a_dibao_member(b: MonthBuilder, county: str, i: int) -> None:
    person = b.persons[b.dibao_household(county, 2)[0].id_number]
    mistype(b, b.tekun(person, mode="dispersed"), person, two_digits_swapped(b))


def homophone_on_persons(b: MonthBuilder, county: str, i: int) -> None:
    for _ in range(TRIES):
        person = b.people.person(county, (20, 70))
        name = homophone(b, person.name)
        if name:
            break
    b.registry_household([person], status="poor", labors=["able"])
    mistype(b, b.disabled(person, 2), person, one_digit(b), name=name)


def hand_converted_claim(b: MonthBuilder, county: str, i: int) -> None:
    """A 15-digit number lengthened by hand: '19' put in, the check digit guessed wrong."""
    person = b.persons[b.dibao_household(county, 1)[0].id_number]
    claim = b.claim(person, b.day_in_year(b.period.start))
    mistype(b, claim, person, one_digit(b, (18,)))


def float_death(b: MonthBuilder, county: str, i: int) -> None:
    """A death record whose ID was stored as a number: 3.40705198001011E+17."""
    for _ in range(TRIES):  # a city has namesakes of birth date and area: take one the float tells apart
        person = b.people.person(county, (60, 95))
        if fits_only(b, float_text(person.id_number), person):
            break
    b.tekun(person)
    death = b.death(person, b.period.start - timedelta(days=b.rng.randrange(20, 200)))
    mistype(b, death, person, float_text)


def impossible_birth_month_on_registry(b: MonthBuilder, county: str, i: int) -> None:
    person = b.people.person(county, (20, 70))
    b.disabled(person, 3)
    row = b.registry_household([person], status="poor", labors=["able"])[0]
    mistype(b, row, person, impossible_month(b))


def traditional_on_enrollment(b: MonthBuilder, county: str, i: int) -> None:
    for _ in range(TRIES):
        person = b.people.person(county, (20, 70))
        name = traditional(person.name)
        if name:
            break
    b.registry_household([person], status="exited", labors=["able"])
    mistype(b, b.enroll(person), person, two_digits_swapped(b), name=name)


def unrelated_name_near(b: MonthBuilder, county: str, i: int) -> None:
    """Near miss: a fresh person's ID typed one digit from someone of another name."""
    known = b.people.person(county, (20, 70))
    b.registry_household([known], status="exited", labors=["able"])
    while sounds_alike((stranger := b.people.person(county, (20, 70))).name[0], known.name[0]):
        pass
    row = b.dibao_household(county, members=[stranger])[0]
    mistype(b, row, known, one_digit(b, (15, 16, 17)), suggested=False)


def two_namesakes(b: MonthBuilder, county: str, i: int) -> None:
    """Near miss: a typo one digit from each of two people of one name and birth date."""
    first = b.people.person(county, (20, 70))
    for digit in "02468" if int(first.id_number[16]) % 2 == 0 else "13579":
        number = first.id_number[:16] + digit
        number += check_digit(number)
        typed = first.id_number[:17] + number[17]
        other = dataclasses.replace(first, id_number=number)
        if (number[17] != first.id_number[17] and number not in b.persons and b.people.claim(number)
                and reason_of(typed, b.period.end) and fits_only(b, typed, first, other)):
            break
    else:
        return
    reserve_near(b, typed, first, other)
    b.dibao_household(county, members=[first])
    b.registry_household([other], status="exited", labors=["able"])
    mark(b.claim(first, b.day_in_year(b.period.start)), typed, reason_of(typed, b.period.end), None)


def only_in_its_own_dataset(b: MonthBuilder, county: str, i: int) -> None:
    """A second 残联 row typed wrong: suggested, but the person is in no other dataset."""
    person = b.people.person(county, (20, 70))
    b.disabled(person, 4)
    mistype(b, b.disabled(person, 4), person, one_digit(b))


CASES = (
    dead_on_dibao,
    tekun_row_of_a_dibao_member,
    homophone_on_persons,
    hand_converted_claim,
    float_death,
    impossible_birth_month_on_registry,
    traditional_on_enrollment,
    unrelated_name_near,
    two_namesakes,
    only_in_its_own_dataset,
)


# Cases per kind at most: a city has 100 of each, and a province no more (its report stays readable).
MAX_REPEATS = 100


def add_identity_cases(b: MonthBuilder, scale: float) -> None:
    """Every case, round(scale) times (at least once, at most MAX_REPEATS), after every other row
    of the month: a typo is checked against all the month's IDs, those of the cases after it too."""
    counties = b.counties()
    for k, case in enumerate(CASES):
        for i in range(min(MAX_REPEATS, max(1, round(scale)))):
            case(b, counties[(k + i) % len(counties)], i)
    mistyped = [r for rows in b.rows.values() for r in rows if r.identity_case and r.suggested]
    for record in mistyped:
        if not fits_only(b, str(record.raw["id_number"]), b.persons[record.suggested]):
            raise RuntimeError("a later person fits an earlier typo: the truth would be ambiguous")
