"""Sample people: Faker zh_CN names, 18-digit ID numbers that real residents carry, their places.

An ID number is area code + birth date + 3 sequence digits (odd for men) + the GB 11643 check
digit. The area code is the one residents of the district really carry, not the county code of
the policy: 铜官区 (340705) residents mostly carry 340702/340703 from before the 2015 merger,
义安区 carries the old 铜陵县 340721, 枞阳县 its Anqing-era 340823 (SPEC §2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from faker.providers.person.zh_CN import Provider as ChineseNames
from stdnum.cn.ric import calc_check_digit

RESIDENT_AREA_CODES = {
    "340705": ("340702", "340703"),
    "340706": ("340721",),
    "340711": ("340711",),
    "340722": ("340823",),
}

TOWNSHIPS = {
    "340705": ("天井湖街道", "幸福街道", "铜官山街道", "西湖镇"),
    "340706": ("五松镇", "顺安镇", "钟鸣镇", "天门镇"),
    "340711": ("大通镇", "铜山镇", "灰河乡", "安矿街道"),
    "340722": ("枞阳镇", "汤沟镇", "横埠镇", "浮山镇", "义津镇"),
}

VILLAGE_STEMS = (
    "红星", "光明", "新华", "联合", "双河", "长山", "桥头", "青山", "永丰", "团结",
    "胜利", "东风", "江南", "白云", "金塘", "柳林", "朝阳", "和平", "凤凰", "石门",
)


def check_digit(first17: str) -> str:
    # stdnum's helper expects the full number, check digit included, and ignores its last char.
    return calc_check_digit(first17 + "0")


def id_number(area: str, birth: date, sequence: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def legacy_id(id18: str) -> str:
    """The 15-digit number of a person born in the 1900s: area + YYMMDD + sequence."""
    return id18[:6] + id18[8:17]


def years_before(day: date, years: int) -> date:
    # 29 February has no twin in most years.
    return day.replace(year=day.year - years, day=min(day.day, 28) if day.month == 2 else day.day)


def townships(county: str) -> tuple[str, ...]:
    return TOWNSHIPS.get(county, tuple(f"第{i}街道" for i in "一二三四"))


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    sex: str
    birth: date
    county: str
    township: str
    village: str

    @property
    def born_1900s(self) -> bool:
        return 1900 <= self.birth.year <= 1999


class PeopleFactory:
    """Fresh people, never the same ID twice within a month."""

    def __init__(self, rng: random.Random, last_day: date):
        self._rng = rng
        self._last_day = last_day
        self._used: set[str] = set()
        # Faker zh_CN's surnames with their frequencies and its given names, drawn with our own
        # seeded generator: Faker's weighted draw costs ~30 µs a name, too slow for a city month.
        self._surnames = list(ChineseNames.last_names)
        self._surname_weights = list(accumulate(ChineseNames.last_names.values()))
        self._given_names = {"男": list(ChineseNames.first_names_male),
                             "女": list(ChineseNames.first_names_female)}

    def name(self, sex: str | None = None) -> str:
        surname = self._rng.choices(self._surnames, cum_weights=self._surname_weights)[0]
        return surname + self._rng.choice(self._given_names[sex or self._rng.choice("男女")])

    def place(self, county: str, urban: bool | None = None) -> tuple[str, str]:
        township = self._rng.choice(townships(county))
        urban = township.endswith("街道") if urban is None else urban
        return township, self._rng.choice(VILLAGE_STEMS) + ("社区" if urban else "村")

    def birth(self, min_age: int, max_age: int) -> date:
        oldest = years_before(self._last_day, max_age + 1) + timedelta(days=1)
        youngest = years_before(self._last_day, min_age)
        return oldest + timedelta(days=self._rng.randrange((youngest - oldest).days + 1))

    def claim(self, number: str) -> bool:
        """Take an ID built by hand (a namesake's, SPEC §6 cases); False when it is taken."""
        if number in self._used:
            return False
        self._used.add(number)
        return True

    def unused_id(self, county: str, birth: date, sex: str) -> str:
        area = self._rng.choice(RESIDENT_AREA_CODES.get(county, (county,)))
        while True:
            sequence = self._rng.randrange(1, 500) * 2 - (1 if sex == "男" else 0)
            number = id_number(area, birth, sequence)
            if number not in self._used:
                self._used.add(number)
                return number

    def person(
        self,
        county: str,
        ages: tuple[int, int] = (18, 85),
        *,
        place: tuple[str, str] | None = None,
        born_1900s: bool = False,
    ) -> Person:
        min_age, max_age = ages
        if born_1900s:
            min_age = max(min_age, self._last_day.year - 1999)
        sex = self._rng.choice("男女")
        birth = self.birth(min_age, max(min_age, max_age))
        township, village = place or self.place(county)
        return Person(
            self.unused_id(county, birth, sex), self.name(sex), sex, birth, county, township, village
        )
