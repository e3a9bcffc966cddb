"""The exceptions a correct run must raise on a generated month: SPEC §4 as read by
transforms/rules/README.md, evaluated in plain Python over the accepted rows.

This is the ground truth's own, independent reading of the rules (the product evaluates them in
SQL). It sees exactly what a correct ingest stages: accepted rows only, canonical values.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date

from sample_month.layout import IdentityCase
from sample_month.records import Month, Period, Record
from schemas.policy import Policy

Exception_ = tuple[str, str]


def fen(yuan: float) -> float:
    """Money is compared in fen (rules/README.md): computed amounts and differences are rounded to
    0.01 yuan first, so float noise never moves an amount across a threshold (bar the registry
    income of DIBAO_EXIT_DUE, compared unrounded). The generator keeps
    every near miss at least 0.09 yuan from its threshold, so how halves round never matters."""
    return round(yuan, 2)


def name_norm(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def by_id(records: list[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        grouped[record.id_number].append(record)
    return grouped


class Staged:
    """The accepted rows of each dataset, and the same rows grouped by person."""

    def __init__(self, month: Month):
        self.rows = {name: month.accepted(name) for name in month.rows}
        self.ids = {name: by_id(records) for name, records in self.rows.items()}
        self.in_dibao, self.in_tekun = set(self.ids["dibao"]), set(self.ids["tekun"])
        self.poor_by_illness, self.maybe_poor_by_illness = poor_by_illness(self)
        self.died = {n: min(r.values["death_date"] for r in rs) for n, rs in self.ids["deaths"].items()}


def expected_exceptions(month: Month, policy: Policy) -> set[Exception_]:
    staged = Staged(month)
    found = set(county_rules(policy))
    found |= person_rules(staged, month.period.start)
    found |= household_rules(staged, policy)
    found |= payment_rules(staged, policy, month.period.year)
    found |= medical_aid_rule(staged, policy, month.period)
    found |= disability_rules(staged, policy)
    found |= temp_relief_rules(staged, policy, month.period)
    found |= care_rules(staged, policy, month.period.start)
    return found


def undecided_subjects(month: Month, policy: Policy) -> set[Exception_]:
    """SPEC §2: the subjects a correct run cannot decide, for the facts no sheet gave: a 低保
    household whose roster income is unknown and not proven above its standard by a known income,
    a member whose top-up is unknown, a claim short at the low-income ratio of a member of a poor
    建档立卡 household whose cause is unknown."""
    staged = Staged(month)
    decided = household_rules(staged, policy)
    households: dict[str, list[Record]] = defaultdict(list)
    for record in staged.rows["dibao"]:
        households[str(record.values["household_id"])].append(record)
    found = {("DIBAO_EXIT_DUE", h) for h, members in households.items()
             if any("per_capita_income" in r.unknown for r in members) and ("DIBAO_EXIT_DUE", h) not in decided}
    found |= {("DIBAO_TOPUP_MISMATCH", r.id_number) for r in staged.rows["dibao"] if "topup" in r.unknown}
    found |= medical_aid_claims(staged, policy, month.period)[1]
    return found


def possible_same_person(month: Month, cases: list[IdentityCase]) -> set[Exception_]:
    """SPEC §6: a mistyped row (its subject file:sheet:row) whose suggested person has an accepted
    row in another dataset. Needs the rows' places, so it is told them (generate.py)."""
    datasets_of: dict[str, set[str]] = defaultdict(set)
    for name, records in month.rows.items():
        for record in records:
            if record.accepted:
                datasets_of[record.id_number].add(name)
    return {("POSSIBLE_SAME_PERSON", case.ref) for case in cases
            if case.suggested_id_number and datasets_of[case.suggested_id_number] - {case.dataset}}


def county_rules(policy: Policy) -> set[Exception_]:
    rules = policy.rules
    found = set()
    for code, county in policy.counties.items():
        if county.tekun_basic * 12 < fen(rules.tekun_floor_ratio * county.consumption_prev_year):
            found.add(("TEKUN_STANDARD_BELOW_FLOOR", code))
        if county.temp_relief_budget < rules.temp_relief_per_capita * county.registered_population:
            found.add(("TEMP_RELIEF_BUDGET_SHORT", code))
    return found


def person_rules(s: Staged, period_start: date) -> set[Exception_]:
    found = {("DIBAO_TEKUN_OVERLAP", n) for n in s.in_dibao & s.in_tekun}
    for dataset in ("dibao", "tekun", "persons"):
        found |= {("DUPLICATE_ENROLLMENT", n) for n, rs in s.ids[dataset].items() if len(rs) > 1}
    subsidised = {n for n, rs in s.ids["persons"].items()
                  if sum(r.values["living_subsidy"] + r.values["care_subsidy"] for r in rs) > 0}
    children_paid = {n for n, rs in s.ids["children"].items() if any(r.values["allowance"] > 0 for r in rs)}
    paid = s.in_dibao | s.in_tekun | subsidised | children_paid
    for number, deaths in s.ids["deaths"].items():
        died = min(r.values["death_date"] for r in deaths)
        if died < period_start and number in paid:
            found.add(("DECEASED_STILL_PAID", number))
    names: dict[str, set[str]] = defaultdict(set)
    for records in s.rows.values():
        for record in records:
            names[record.id_number].add(name_norm(str(record.values["name"])))
    found |= {("IDENTITY_CONFLICT", n) for n, seen in names.items() if len(seen) > 1}
    return found


def household_rules(s: Staged, policy: Policy) -> set[Exception_]:
    registry = s.ids["registry"]
    households: dict[str, list[Record]] = defaultdict(list)
    for record in s.rows["dibao"]:
        households[str(record.values["household_id"])].append(record)
    found = set()
    for household, members in households.items():
        head = next((r for r in members if r.values["relation"] in ("户主", "本人")), members[0])
        county = policy.counties[str(head.values["county"])]
        standard = county.dibao_urban if head.values["area_type"] == "urban" else county.dibao_rural
        linked = [r for m in members for r in registry.get(m.id_number, [])]
        # an income no sheet gave (SPEC §2, an absent column) is unknown: only known incomes prove
        incomes = [r.values["per_capita_income"] for r in members if "per_capita_income" not in r.unknown]
        # annual / 12 unrounded, as SPEC §4 writes it (rules/README.md, Tolerance)
        incomes += [r.values["annual_income_per_capita"] / 12 for r in linked
                    if r.values["annual_income_per_capita"] is not None]
        if incomes and max(incomes) > standard:
            found.add(("DIBAO_EXIT_DUE", household))
        if any(r.values["poverty_status"] == "exited" for r in linked):
            found.add(("EXITED_POVERTY_ON_DIBAO", household))
    covered = s.in_dibao | s.in_tekun
    registry_households: dict[str, list[Record]] = defaultdict(list)
    for record in s.rows["registry"]:
        registry_households[str(record.values["household_id"])].append(record)
    for household, members in registry_households.items():
        if (all(r.values["poverty_status"] != "exited" for r in members)
                and all(r.values["labor_ability"] == "none" for r in members)
                and not any(r.id_number in covered for r in members)):
            found.add(("COVERAGE_GAP", household))
    return found


def payment_rules(s: Staged, policy: Policy, year: int) -> set[Exception_]:
    rules = policy.rules
    tolerance = rules.tolerance
    found = set()
    for record in s.rows["dibao"]:
        v = record.values
        if "topup" in record.unknown:  # any top-up may have been paid: undecided, never an exception
            continue
        ratio = getattr(rules.topup_ratio, v["category"]) if v["category"] else 0.0
        if fen(abs(v["topup"] - fen(ratio * v["benefit"]))) > tolerance:
            found.add(("DIBAO_TOPUP_MISMATCH", record.id_number))
    for record in s.rows["tekun"]:
        standard = policy.counties[str(record.values["county"])].tekun_basic
        if fen(standard - record.values["basic_paid"]) > tolerance:
            found.add(("TEKUN_BELOW_STANDARD", record.id_number))
    for number in s.in_dibao | s.in_tekun:
        active = [r.values for r in s.ids["enrollment"].get(number, [])
                  if r.values["year"] == year and r.values["insured_status"] == "active"]
        if not any(fen(v["premium"] - v["premium_subsidy"]) <= tolerance for v in active):
            found.add(("PREMIUM_NOT_SUBSIDIZED", number))
    return found


def poor_by_illness(s: Staged) -> tuple[set[str], set[str]]:
    """Members of 建档立卡 households one of whose rows says poor and one names 因病 as the cause,
    and the members of poor households whose cause no sheet gave (they may be)."""
    households: dict[str, list[Record]] = defaultdict(list)
    for record in s.rows["registry"]:
        households[str(record.values["household_id"])].append(record)
    proven, maybe = set(), set()
    for members in households.values():
        if not any(m.values["poverty_status"] == "poor" for m in members):
            continue
        ids = {m.id_number for m in members}
        if any("因病" in (m.values.get("cause") or "") for m in members if "cause" not in m.unknown):
            proven |= ids
        elif any("cause" in m.unknown for m in members):
            maybe |= ids
    return proven, maybe - proven


def medical_aid_ratio(s: Staged, policy: Policy, number: str) -> tuple[float, bool] | None:
    """特困, then 低保, then (when the policy sets its ratio) 低收入 or poor by illness; with whether
    the person is surely aided (False: only an unknown cause could say so); None: not aided."""
    rules = policy.rules
    if number in s.in_tekun:
        return rules.medical_aid_ratio_tekun, True
    if number in s.in_dibao:
        return rules.medical_aid_ratio, True
    if rules.medical_aid_ratio_low_income is None:
        return None
    if number in s.ids["low_income"] or number in s.poor_by_illness:
        return rules.medical_aid_ratio_low_income, True
    if number in s.maybe_poor_by_illness:
        return rules.medical_aid_ratio_low_income, False
    return None


def medical_aid_claims(s: Staged, policy: Policy, period: Period) -> tuple[set[Exception_], set[Exception_]]:
    """(claims of the month aided short, claims that would be short if an unknown cause is 因病)."""
    rules = policy.rules
    short, undecided = set(), set()
    for number, claims in s.ids["claims"].items():
        aided = medical_aid_ratio(s, policy, number)
        if aided is None:
            continue
        ratio, surely = aided
        this_year = [c.values for c in claims if c.values["settle_date"].year == period.year]
        for v in this_year:
            if not period.start <= v["settle_date"] <= period.end:
                continue
            key = (v["settle_date"], str(v["claim_id"]))
            earlier = sum(o["aid_paid"] for o in this_year
                          if (o["settle_date"], str(o["claim_id"])) < key)
            oop = max(0.0, v["compliant_cost"] - v["basic_paid"] - v["critical_paid"]
                      - v["supplementary_paid"])
            expected = fen(min(ratio * oop, max(0.0, rules.medical_aid_annual_cap - earlier)))
            if fen(expected - v["aid_paid"]) > rules.tolerance:
                (short if surely else undecided).add(("MEDICAL_AID_SHORTFALL", str(v["claim_id"])))
    return short, undecided - short


def medical_aid_rule(s: Staged, policy: Policy, period: Period) -> set[Exception_]:
    return medical_aid_claims(s, policy, period)[0]


def disability_rules(s: Staged, policy: Policy) -> set[Exception_]:
    in_dibao, in_tekun = s.in_dibao, s.in_tekun
    poor = {r.id_number for r in s.rows["registry"] if r.values["poverty_status"] == "poor"}
    levels = policy.rules.care_subsidy_levels
    found = set()
    for number, records in s.ids["persons"].items():
        living = sum(r.values["living_subsidy"] for r in records)
        care = sum(r.values["care_subsidy"] for r in records)
        level = min(r.values["disability_level"] for r in records)
        eligible = (number in in_dibao or number in poor) and number not in in_tekun
        if eligible and living == 0:
            found.add(("DISABILITY_LIVING_MISSING", number))
        if living > 0 and not eligible:
            found.add(("DISABILITY_LIVING_INELIGIBLE", number))
        if level in levels and number not in in_tekun and care == 0:
            found.add(("DISABILITY_CARE_MISSING", number))
        if care > 0 and (level not in levels or number in in_tekun):
            found.add(("DISABILITY_CARE_INELIGIBLE", number))
    return found


def temp_relief_rules(s: Staged, policy: Policy, period: Period) -> set[Exception_]:
    """A township whose payments of the month are many and mostly of one amount (in fen); a
    payment of the year made after the recipient's earliest death date."""
    rules = policy.rules
    amounts: dict[tuple[str, str], list[float]] = defaultdict(list)
    found = set()
    for record in s.rows["temp_relief"]:
        v = record.values
        if period.start <= v["pay_date"] <= period.end:
            amounts[(str(v["county"]), str(v["township"]))].append(fen(v["amount"]))
        died = s.died.get(record.id_number)
        if v["pay_date"].year == period.year and died is not None and v["pay_date"] > died:
            found.add(("TEMP_RELIEF_AFTER_DEATH", f"{record.id_number}:{v['pay_date']:%Y-%m-%d}"))
    for (county, township), paid in amounts.items():
        same = Counter(paid).most_common(1)[0][1]
        if len(paid) >= rules.temp_relief_even_min and same / len(paid) >= rules.temp_relief_even_share:
            found.add(("TEMP_RELIEF_EVEN_SPLIT", f"{county}:{township}"))
    return found


CHILD_STANDARDS = {("orphan", "institution"): "orphan_institution", ("orphan", "dispersed"): "orphan_dispersed",
                   ("de_facto", None): "de_facto", ("difficulty", None): "difficulty"}


def care_rules(s: Staged, policy: Policy, period_start: date) -> set[Exception_]:
    """Children alive on the month's first day paid below their county's standard; 特困 persons who
    cannot look after themselves paid care below the standard. Each only when the policy sets it."""
    tolerance = policy.rules.tolerance
    found = set()
    for record in s.rows["children"]:
        v = record.values
        standards = policy.counties[str(v["county"])].children
        died = s.died.get(record.id_number)
        if standards is None or (died is not None and died < period_start):
            continue
        setting = v["care_setting"] if v["child_category"] == "orphan" else None
        standard = getattr(standards, CHILD_STANDARDS[(v["child_category"], setting)])
        if fen(standard - v["allowance"]) > tolerance:
            found.add(("CHILD_ALLOWANCE_BELOW_STANDARD", record.id_number))
    care = policy.rules.tekun_care
    for record in s.rows["tekun"] if care is not None else []:
        v = record.values
        if v["self_care"] in ("partial", "unable") and fen(getattr(care, v["self_care"]) - v["care_paid"]) > tolerance:
            found.add(("TEKUN_CARE_BELOW_STANDARD", record.id_number))
    return found
