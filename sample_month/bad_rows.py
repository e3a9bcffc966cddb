"""Rows that must be quarantined (SPEC §2): every reason code, spread over datasets and formats.

Each bad row belongs to a fresh person who appears nowhere else and has exactly one problem, so
quarantine changes no rule's outcome and the ground truth holds one reason per row. Amounts a
total row sums (低保 benefit/top-up, claims) stay numbers: the bad numbers go to fields no 合计
sums, or to sheets without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sample_month.builder import MonthBuilder
from sample_month.identities import check_digit
from sample_month.records import Record

Raw = Callable[[MonthBuilder, str, int], object]  # (builder, true ID, case number) -> raw value


def malformed_id(b: MonthBuilder, number: str, i: int) -> str:
    return (number[:16], number + "5", number[:9] + "O" + number[10:], number[:17])[i % 4]


def wrong_check_digit(b: MonthBuilder, number: str, i: int) -> str:
    # Never ending in 000: that is what an ID cut to 15 significant digits looks like once written
    # out in full, and an ingest may rightly call it ID_PRECISION_LOST instead.
    wrong = [d for d in "0123456789X" if d != number[17] and number[15:17] + d != "000"]
    return number[:17] + wrong[i % len(wrong)]


def impossible_birth_date(b: MonthBuilder, number: str, i: int) -> str:
    # A valid check digit on a date that cannot be a birth date: 30 February, before 1900,
    # or after the period's last day.
    later = b.period.end + timedelta(days=20)
    birth = (f"{1950 + i % 40}0230", f"1899{number[10:14]}", f"{later:%Y%m%d}")[i % 3]
    first17 = number[:6] + birth + number[14:17]
    return first17 + check_digit(first17)


def float_in_cell(b: MonthBuilder, number: str, i: int) -> float:
    # Excel keeps 15 significant digits: 340705198001011234 becomes 340705198001011000.
    return float(number[:15] + "000")


def float_as_text(b: MonthBuilder, number: str, i: int) -> str:
    return f"{float(number[:15] + '000'):.14E}"  # 3.40705198001011E+17, as a CSV export shows it


def const(value: object) -> Raw:
    return lambda b, number, i: value


# (dataset, reason, field, raw value, what the fresh row is)
PLACEMENTS: tuple[tuple[str, str, str, Raw, str], ...] = (
    ("dibao", "ID_MISSING", "id_number", const(None), ""),
    ("dibao", "ID_MALFORMED", "id_number", malformed_id, ""),
    ("dibao", "ID_CHECKSUM", "id_number", wrong_check_digit, ""),
    ("dibao", "ID_BAD_DATE", "id_number", impossible_birth_date, ""),
    ("dibao", "ID_PRECISION_LOST", "id_number", float_in_cell, ""),
    ("dibao", "REQUIRED_MISSING", "name", const(None), ""),
    ("dibao", "REQUIRED_MISSING", "benefit", const(None), ""),
    ("dibao", "BAD_NUMBER", "per_capita_income", const("一百二"), ""),
    ("dibao", "NEGATIVE_AMOUNT", "per_capita_income", const(-50.0), ""),
    ("dibao", "UNKNOWN_CATEGORY", "category", const("D类"), ""),
    ("dibao", "UNKNOWN_CATEGORY", "area_type", const("外星"), ""),
    ("dibao", "UNKNOWN_CATEGORY", "county", const("合肥市"), ""),
    ("tekun", "ID_CHECKSUM", "id_number", wrong_check_digit, "dispersed"),
    ("tekun", "REQUIRED_MISSING", "basic_paid", const(None), "centralized"),
    ("tekun", "UNKNOWN_CATEGORY", "county", const("安庆市大观区"), "dispersed"),
    ("tekun", "BAD_NUMBER", "basic_paid", const("八百"), "centralized"),
    ("tekun", "NEGATIVE_AMOUNT", "care_paid", const(-100.0), "centralized"),
    ("deaths", "ID_MISSING", "id_number", const(None), ""),
    ("deaths", "ID_BAD_DATE", "id_number", impossible_birth_date, ""),
    ("deaths", "ID_PRECISION_LOST", "id_number", float_as_text, ""),
    ("deaths", "REQUIRED_MISSING", "death_date", const(None), ""),
    ("deaths", "BAD_DATE", "death_date", const("不详"), ""),
    ("deaths", "BAD_DATE", "death_date", const("2024-13-45"), ""),
    ("registry", "ID_MALFORMED", "id_number", malformed_id, ""),
    ("registry", "ID_CHECKSUM", "id_number", wrong_check_digit, ""),
    ("registry", "ID_BAD_DATE", "id_number", impossible_birth_date, ""),
    ("registry", "REQUIRED_MISSING", "labor_ability", const(None), ""),
    ("registry", "BAD_NUMBER", "annual_income_per_capita", const("abc"), ""),
    ("registry", "UNKNOWN_CATEGORY", "labor_ability", const("外星"), ""),
    ("registry", "UNKNOWN_CATEGORY", "poverty_status", const("待核实"), ""),
    ("enrollment", "ID_MISSING", "id_number", const(None), ""),
    ("enrollment", "ID_MALFORMED", "id_number", malformed_id, ""),
    ("enrollment", "ID_BAD_DATE", "id_number", impossible_birth_date, ""),
    ("enrollment", "ID_PRECISION_LOST", "id_number", float_in_cell, ""),
    ("enrollment", "REQUIRED_MISSING", "year", const(None), ""),
    ("enrollment", "BAD_NUMBER", "premium", const("abc"), ""),
    ("enrollment", "NEGATIVE_AMOUNT", "premium_subsidy", const(-380.0), ""),
    ("enrollment", "UNKNOWN_CATEGORY", "insured_status", const("未知"), ""),
    ("claims", "ID_MALFORMED", "id_number", malformed_id, ""),
    ("claims", "ID_CHECKSUM", "id_number", wrong_check_digit, ""),
    ("claims", "ID_PRECISION_LOST", "id_number", float_in_cell, ""),
    ("claims", "REQUIRED_MISSING", "claim_id", const(None), ""),
    ("claims", "BAD_DATE", "settle_date", const("2024-13-45"), ""),
    ("persons", "ID_MISSING", "id_number", const(None), ""),
    ("persons", "ID_CHECKSUM", "id_number", wrong_check_digit, ""),
    ("persons", "REQUIRED_MISSING", "disability_level", const(None), ""),
    ("persons", "BAD_NUMBER", "living_subsidy", const("一百二"), ""),
    ("persons", "NEGATIVE_AMOUNT", "care_subsidy", const(-80.0), ""),
    ("persons", "UNKNOWN_CATEGORY", "disability_level", const("五级"), ""),
    ("temp_relief", "ID_CHECKSUM", "id_number", wrong_check_digit, ""),
    ("temp_relief", "BAD_DATE", "pay_date", const("不详"), ""),
    ("children", "REQUIRED_MISSING", "allowance", const(None), ""),
    ("children", "UNKNOWN_CATEGORY", "child_category", const("留守儿童"), ""),
    ("low_income", "ID_MALFORMED", "id_number", malformed_id, ""),
)


def fresh_row(b: MonthBuilder, dataset: str, county: str, mode: str) -> Record:
    """An otherwise good row of a person who appears nowhere else."""
    if dataset == "dibao":
        return b.dibao_household(county, 1)[0]
    if dataset == "tekun":
        return b.tekun(county=county, mode=mode)
    person = b.people.person(county, (20, 80))
    if dataset == "deaths":
        return b.death(person, b.day_in_year())
    if dataset == "registry":
        return b.registry_household([person], status="exited", labors=["able"])[0]
    if dataset == "enrollment":
        return b.enroll(person)
    if dataset == "claims":
        return b.claim(person, b.day_in_year(b.period.start))
    if dataset == "temp_relief":  # paid before the month: this month's payments hold the even-split cases
        return b.relief(person, b.day_in_year(last=b.period.start - timedelta(days=1))
                        if b.period.month > 1 else b.period.start - timedelta(days=1), 900.0)
    if dataset == "children":
        return b.child(b.people.person(county, (0, 17)), "difficulty")
    if dataset == "low_income":
        return b.low_income_household([person])[0]
    return b.disabled(person, 2)


def add_bad_rows(b: MonthBuilder, scale: float) -> None:
    counties = b.counties()
    per_placement = max(1, round(scale))
    for k, (dataset, reason, field, raw, mode) in enumerate(PLACEMENTS):
        for i in range(per_placement):
            record = fresh_row(b, dataset, counties[(k + i) % len(counties)], mode)
            record.raw[field] = raw(b, record.id_number, k + i)
            record.reason, record.bad_field = reason, field
