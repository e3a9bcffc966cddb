"""MonthBuilder: adds coherent rows to a month and settles, at the end, what depends on the rosters.

Whether a person is in 低保 or 特困 (or, for medical aid, on the 低收入 list or in a 建档立卡 household
made poor by illness) decides their medical-insurance subsidy, medical aid and disability
subsidies. Those amounts stay open (None) while rows are added and are settled in `finish()`, so
the clean population fires no rule, whatever a scenario adds afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sample_month.identities import PeopleFactory, Person
from sample_month.records import Month, Period, Record, empty_rows
from schemas.policy import Policy

PREMIUM = 380.0  # 城乡居民医保个人缴费标准
LIVING_SUBSIDY = 90.0  # 困难残疾人生活补贴, yuan per month
CARE_SUBSIDY = 80.0  # 重度残疾人护理补贴, yuan per month
CARE_PAID = {"able": 90.0, "partial": 280.0, "unable": 560.0}  # 特困照料护理费 without a policy standard
ALLOWANCE = 1000.0  # 困境儿童基本生活费 where the policy sets no standard
# 临时救助 事由 by relief type (急难型 / 支出型)
RELIEF_REASONS = {"urgent": ("突发疾病", "意外事故", "火灾", "交通事故", "家庭成员突发重病"),
                  "expense": ("重病住院医疗支出大", "子女就学支出大", "大病医疗支出", "慢性病长期用药")}
CHILD_STANDARD_KEYS = {("orphan", "institution"): "orphan_institution", ("orphan", "dispersed"): "orphan_dispersed",
                       ("de_facto", None): "de_facto", ("difficulty", None): "difficulty"}
CAUSES = ("因病", "因残", "缺劳力", "因学", "缺技术", "缺资金", "因灾")
DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")

Aid = float | Callable[[float], float] | None


def money(value: float) -> float:
    # Half a fen rounds up, as an office's system does: 145.065 is stored as 145.06499999….
    return round(value + 1e-9, 2)


def relation(head: Person, person: Person) -> str:
    """与户主关系, from the age gap: a parent, a spouse, a child or a grandchild of the head."""
    gap = person.birth.year - head.birth.year
    male = person.sex == "男"
    if gap <= -18:
        return "父亲" if male else "母亲"
    if gap < 16:
        return "配偶" if male != (head.sex == "男") else ("兄弟" if male else "姐妹")
    if gap < 40:
        return "儿子" if male else "女儿"
    return "孙子" if male else "孙女"


class MonthBuilder:
    def __init__(self, period: Period, policy: Policy, rng: random.Random):
        self.period, self.policy, self.rng = period, policy, rng
        self.people = PeopleFactory(rng, period.end)
        self.rows = empty_rows()
        self.intended: set[tuple[str, str]] = set()
        self.near_misses: set[tuple[str, str]] = set()
        self.unenrolled: set[str] = set()
        self.persons: dict[str, Person] = {}
        self._aid_rules: list[tuple[Record, Aid]] = []
        self._counters: dict[str, int] = {}
        # (county, township) of an even-split case (scenarios_programmes.py): every 临时救助 payment
        # of the month there is the case's, so no other payment of the month may land in it
        self.reserved_townships: set[tuple[str, str]] = set()

    # -- bookkeeping
    def expect(self, rule: str, subject: str) -> None:
        self.intended.add((rule, subject))

    def near_miss(self, rule: str, subject: str) -> None:
        self.near_misses.add((rule, subject))

    def counties(self) -> list[str]:
        return list(self.policy.city.counties) or sorted(self.policy.counties)

    def standard(self, county: str, area: str) -> float:
        c = self.policy.counties[county]
        return c.dibao_urban if area == "urban" else c.dibao_rural

    def next_number(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def add(self, dataset: str, person: Person, values: dict, **spelling: str) -> Record:
        self.persons.setdefault(person.id_number, person)
        base = {"name": person.name, "id_number": person.id_number}
        record = Record(dataset, base | values, spelling=dict(spelling))
        self.rows[dataset].append(record)
        return record

    def repeat_row(self, record: Record) -> Record:
        """The same row sent twice, as a copy-paste slip leaves it."""
        copy = Record(record.dataset, dict(record.values), spelling=dict(record.spelling))
        self.rows[record.dataset].append(copy)
        return copy

    def place_of(self, person: Person) -> dict:
        return {"county": person.county, "township": person.township, "village": person.village}

    # -- civil: 低保, 特困, deaths
    def household_members(self, county: str, size: int) -> list[Person]:
        head = self.people.person(county, (30, 85))
        place = (head.township, head.village)
        return [head] + [self.people.person(county, (0, 85), place=place) for _ in range(size - 1)]

    def dibao_household(
        self,
        county: str,
        size: int = 2,
        *,
        members: list[Person] | None = None,
        area: str | None = None,
        income: float | None = None,
        benefit: float | None = None,
        categories: list[str | None] | None = None,
    ) -> list[Record]:
        members = members or self.household_members(county, size)
        area = area or ("urban" if members[0].township.endswith("街道") else
                        self.rng.choice(("rural", "rural", "urban")))
        standard = self.standard(county, area)
        if income is None:
            income = 0.0 if self.rng.random() < 0.2 else money(self.rng.uniform(80, standard - 60))
        benefit = money(standard - income) if benefit is None else benefit
        categories = categories or [self.dibao_category() for _ in members]
        household = f"DB{county}{self.next_number('dibao' + county):06d}"
        ratios = self.policy.rules.topup_ratio
        place = self.place_of(members[0]) | {"county": county}  # the household lives together
        return [
            self.add("dibao", person, place | {
                "household_id": household,
                "relation": relation(members[0], person) if i else "户主",
                "category": category, "area_type": area, "household_size": len(members),
                "per_capita_income": income, "benefit": benefit,
                "topup": money(getattr(ratios, category) * benefit) if category else 0.0,
            })
            for i, (person, category) in enumerate(zip(members, categories, strict=True))
        ]

    def dibao_category(self) -> str | None:
        return self.rng.choices(("A", "B", "C", None), (8, 12, 10, 70))[0]

    def tekun(self, person: Person | None = None, *, county: str | None = None,
              basic: float | None = None, mode: str | None = None, self_care: str | None = None,
              care: float | None = None) -> Record:
        person = person or self.people.person(county, self.rng.choice(((60, 95),) * 4 + ((18, 59),)))
        self_care = self_care or self.rng.choices(("able", "partial", "unable"), (6, 3, 1))[0]
        standard = self.policy.counties[person.county].tekun_basic
        return self.add("tekun", person, self.place_of(person) | {
            "support_mode": mode or self.rng.choice(("centralized", "dispersed", "dispersed")),
            "self_care": self_care,
            "basic_paid": basic if basic is not None else standard + (50.0 if self.rng.random() < 0.1 else 0.0),
            "care_paid": care if care is not None else self.care_standard(self_care),
        })

    def care_standard(self, self_care: str) -> float:
        """特困照料护理费 as the policy's standard sets it (its own amounts where it sets none)."""
        standards = self.policy.rules.tekun_care
        return CARE_PAID[self_care] if standards is None or self_care == "able" else getattr(standards, self_care)

    def death(self, person: Person, day: date, **spelling: str) -> Record:
        return self.add("deaths", person, self.place_of(person) | {"death_date": day}, **spelling)

    # -- civil: 临时救助, 困境儿童, 低收入人口
    def relief(self, person: Person, day: date, amount: float, *, relief_type: str | None = None) -> Record:
        """One 临时救助 payment, in the township where the person lives."""
        if self.period.start <= day <= self.period.end and (person.county, person.township) in self.reserved_townships:
            raise ValueError(f"{person.township} holds an even-split case: no other payment of the month may land there")
        kind = relief_type or self.rng.choice(("urgent", "urgent", "expense"))
        return self.add("temp_relief", person, self.place_of(person) | {
            "relief_type": kind, "amount": amount, "pay_date": day,
            "reason": self.rng.choice(RELIEF_REASONS[kind]),
        })

    def child_standard(self, county: str, category: str, setting: str | None) -> float | None:
        """The county's monthly standard for a child of this category (orphans by care setting)."""
        standards = self.policy.counties[county].children
        key = CHILD_STANDARD_KEYS[(category, setting if category == "orphan" else None)]
        return None if standards is None else getattr(standards, key)

    def child(self, person: Person, category: str, setting: str | None = None, *,
              allowance: float | None = None) -> Record:
        setting = setting or ("institution" if category == "orphan" and self.rng.random() < 0.3 else "dispersed")
        if allowance is None:
            allowance = self.child_standard(person.county, category, setting) or ALLOWANCE
        return self.add("children", person, self.place_of(person) | {
            "child_category": category, "care_setting": setting, "allowance": allowance,
        })

    def low_income_household(self, members: list[Person], kind: str | None = None) -> list[Record]:
        """A 低收入 household; 与户主关系, a column of the export that is no field of the dataset,
        is kept as the row's spelling of `relation` for the writer."""
        county = members[0].county
        household = f"DBBY{county}{self.next_number('low_income' + county):05d}"
        kind = kind or self.rng.choice(("低保边缘家庭", "低保边缘家庭", "支出型困难家庭"))
        place = self.place_of(members[0])
        return [
            self.add("low_income", person, {"county": county, "township": place["township"],
                                            "household_id": household, "low_income_type": kind},
                     relation=relation(members[0], person) if i else "户主")
            for i, person in enumerate(members)
        ]

    # -- poverty: 建档立卡
    def registry_household(
        self,
        members: list[Person],
        *,
        status: str = "exited",
        labors: list[str] | None = None,
        annual_income: float | None = None,
        **spelling: str,
    ) -> list[Record]:
        county = members[0].county
        household = f"{county}{self.next_number('registry' + county):08d}"
        if annual_income is None:
            annual_income = money(self.rng.uniform(9000, 26000) if status == "exited"
                                  else self.rng.uniform(3000, 7800))
        labors = labors or [self.rng.choice(("able", "able", "weak", "none")) for _ in members]
        exit_year = self.rng.randrange(2014, 2021) if status == "exited" else None
        cause = self.rng.choice(CAUSES)
        return [
            self.add("registry", person, self.place_of(person) | {
                "household_id": household, "relation": relation(members[0], person) if i else "户主",
                "labor_ability": labor, "poverty_status": status, "exit_year": exit_year,
                "annual_income_per_capita": annual_income, "cause": cause,
            }, **spelling)
            for i, (person, labor) in enumerate(zip(members, labors, strict=True))
        ]

    # -- medical: enrollment and claims
    def enroll(self, person: Person, *, status: str = "active", year: int | None = None,
               premium: float = PREMIUM, subsidy: float = PREMIUM, name: str | None = None,
               subsidy_type: str = "") -> Record:
        record = self.add("enrollment", person, {
            "insured_status": status, "premium": premium, "premium_subsidy": subsidy,
            "subsidy_type": subsidy_type, "year": year or self.period.year,
        })
        if name is not None:
            record.values["name"] = name
        return record

    def claim(self, person: Person, settle: date, *, oop: float | None = None, aid: Aid = None) -> Record:
        if oop is None:
            oop = money(self.rng.uniform(600, 9000))
        compliant = money(oop * self.rng.uniform(2.2, 4.0))
        critical = money((compliant - 15000) * 0.1) if compliant > 15000 else 0.0
        supplementary = money(self.rng.uniform(50, 400)) if self.rng.random() < 0.3 else 0.0
        basic = money(compliant - oop - critical - supplementary)
        admit = settle - timedelta(days=self.rng.randrange(3, 25))
        record = self.add("claims", person, {
            "claim_id": f"JS{settle:%Y%m}{self.next_number('claim'):07d}",
            "admit_date": admit, "discharge_date": settle - timedelta(days=self.rng.randrange(0, 3)),
            "settle_date": settle, "total_cost": money(compliant * self.rng.uniform(1.05, 1.3)),
            "compliant_cost": compliant, "basic_paid": basic, "critical_paid": critical,
            "supplementary_paid": supplementary, "aid_paid": None,
        })
        self._aid_rules.append((record, aid))
        return record

    def day_in_year(self, first: date | None = None, last: date | None = None) -> date:
        first = first or date(self.period.year, 1, 1)
        last = last or self.period.end
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    # -- disability
    def disabled(self, person: Person, level: int, *, living: float | None = None,
                 care: float | None = None, name: str | None = None, **spelling: str) -> Record:
        kind = self.rng.choice(DISABILITY_TYPES)
        record = self.add("persons", person, {
            "county": person.county,
            "cert_number": f"{person.id_number}{DISABILITY_TYPES.index(kind) + 1}{level}",
            "disability_type": kind, "disability_level": level,
            "living_subsidy": living, "care_subsidy": care,
        }, **spelling)
        if name is not None:
            record.values["name"] = name
        return record

    # -- settling
    def finish(self) -> Month:
        in_dibao = {r.id_number for r in self.rows["dibao"] if r.accepted}
        in_tekun = {r.id_number for r in self.rows["tekun"] if r.accepted}
        registry_poor = {r.id_number for r in self.rows["registry"]
                         if r.accepted and r.values["poverty_status"] == "poor"}
        self.enroll_everyone_on_a_roster(in_dibao, in_tekun)
        self.settle_disability_subsidies(in_dibao | registry_poor, in_tekun)
        self.settle_medical_aid(in_dibao, in_tekun, self.low_income_aided())
        return Month(self.period, self.rows, self.intended, self.near_misses)

    def low_income_aided(self) -> set[str]:
        """Who medical aid covers at the low-income ratio: the 低收入 list and the members of
        建档立卡 households poor by illness (none when the policy sets no such ratio)."""
        if self.policy.rules.medical_aid_ratio_low_income is None:
            return set()
        households: dict[str, list[Record]] = {}
        for record in self.rows["registry"]:
            if record.accepted:
                households.setdefault(str(record.values["household_id"]), []).append(record)
        ill = {r.id_number for rows in households.values()
               if any(r.values["poverty_status"] == "poor" for r in rows)
               and any("因病" in str(r.values["cause"]) for r in rows) for r in rows}
        return ill | {r.id_number for r in self.rows["low_income"] if r.accepted}

    def enroll_everyone_on_a_roster(self, in_dibao: set[str], in_tekun: set[str]) -> None:
        enrolled = {r.id_number for r in self.rows["enrollment"]} | self.unenrolled
        for dataset, kind in (("tekun", "特困人员"), ("dibao", "低保对象")):
            for record in self.rows[dataset]:
                number = record.id_number
                if record.accepted and number not in enrolled:
                    enrolled.add(number)
                    self.enroll(self.persons[number], subsidy_type=kind)

    def settle_disability_subsidies(self, poor: set[str], in_tekun: set[str]) -> None:
        care_levels = self.policy.rules.care_subsidy_levels
        for record in self.rows["persons"]:
            values, number = record.values, record.id_number
            if values["living_subsidy"] is None:
                eligible = number in poor and number not in in_tekun
                values["living_subsidy"] = LIVING_SUBSIDY if eligible else 0.0
            if values["care_subsidy"] is None:
                entitled = values["disability_level"] in care_levels and number not in in_tekun
                values["care_subsidy"] = CARE_SUBSIDY if entitled else 0.0

    def settle_medical_aid(self, in_dibao: set[str], in_tekun: set[str], low_income: set[str]) -> None:
        """Aid as the rule expects it, claim by claim in the order the rule reads them."""
        rules = self.policy.rules
        ordered = sorted(self._aid_rules, key=lambda pair: (
            pair[0].id_number, pair[0].values["settle_date"], pair[0].values["claim_id"]))
        earlier: dict[str, float] = {}
        for record, aid in ordered:
            number, v = record.id_number, record.values
            ratio = (rules.medical_aid_ratio_tekun if number in in_tekun
                     else rules.medical_aid_ratio if number in in_dibao
                     else (rules.medical_aid_ratio_low_income or 0.0) if number in low_income else 0.0)
            oop = max(0.0, v["compliant_cost"] - v["basic_paid"] - v["critical_paid"]
                      - v["supplementary_paid"])
            room = max(0.0, rules.medical_aid_annual_cap - earlier.get(number, 0.0))
            expected = money(min(ratio * oop, room))
            v["aid_paid"] = expected if aid is None else aid(expected) if callable(aid) else aid
            earlier[number] = earlier.get(number, 0.0) + v["aid_paid"]
