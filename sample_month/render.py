"""How a value is spelled in one file: the mess of SPEC §2 that a correct ingest must read through.

A `Mess` is seeded per file, so a file is the same on every run. Every spelling it produces
normalises back to the record's canonical value; the values that must NOT normalise (the
quarantined ones) come from `Record.raw`, never from here.
"""

from __future__ import annotations

import random
from datetime import date

from sample_month.identities import legacy_id
from sample_month.records import Record
from schemas.datasets import DATASETS

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH = date(1899, 12, 30)

# Canonical code -> spellings offices use (schemas/categories.toml); repeats weigh the usual one.
SPELLINGS: dict[str, dict[object, tuple[str | None, ...]]] = {
    "dibao_category": {
        "A": ("A类", "A类", "A", "a", "一类", "Ａ类"), "B": ("B类", "B类", "B", "b", "二类"),
        "C": ("C类", "C类", "c", "三类"), None: (None, None, None, "无", "/"),
    },
    "area_type": {"urban": ("城市", "城市", "城镇", "城市低保"), "rural": ("农村", "农村", "农村低保")},
    "support_mode": {"centralized": ("集中供养", "集中供养", "集中"), "dispersed": ("分散供养", "分散供养", "分散")},
    "self_care": {"able": ("全自理", "全自理", "自理"), "partial": ("半失能", "部分失能"),
                  "unable": ("全失能", "完全失能")},
    "labor_ability": {"able": ("普通劳动力", "普通劳动力", "技能劳动力"),
                      "weak": ("弱劳动力或半劳动力", "弱劳动力", "半劳动力"),
                      "none": ("丧失劳动力", "丧失劳动力", "无劳动力")},
    "poverty_status": {"poor": ("未脱贫", "未脱贫", "返贫", "预脱贫"),
                       "exited": ("已脱贫", "已脱贫(享受政策)", "已脱贫（享受政策）",
                                  "已脱贫(不再享受政策)", "脱贫")},
    "insured_status": {"active": ("正常参保", "正常参保", "参保缴费", "正常"),
                       "inactive": ("暂停参保", "中断缴费", "终止参保", "停保")},
    "disability_type": {code: (label, label, label + "残疾") for code, label in (
        ("visual", "视力"), ("hearing", "听力"), ("speech", "言语"), ("physical", "肢体"),
        ("intellectual", "智力"), ("mental", "精神"), ("multiple", "多重"))},
    "disability_level": {n: (f"{c}级", f"{c}级", f"{n}级", str(n)) for n, c in
                         ((1, "一"), (2, "二"), (3, "三"), (4, "四"))},
    "relief_type": {"urgent": ("急难型", "急难型", "急难型救助"), "expense": ("支出型", "支出型", "支出型救助")},
    "child_category": {"orphan": ("孤儿",), "de_facto": ("事实无人抚养儿童", "事实无人抚养儿童", "事实无人抚养"),
                       "difficulty": ("困境儿童", "困境儿童", "重病重残儿童")},
    "care_setting": {"institution": ("集中养育", "机构养育", "机构"), "dispersed": ("散居", "散居", "分散养育")},
}

DATE_FORMATS = ("%Y-%m-%d", "%Y/%-m/%-d", "%Y.%m.%d", "%Y%m%d", "%Y年%-m月%-d日")


def plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


class Mess:
    """Spellings for one file: `target` 'typed' (numbers and dates as cells) or 'text' (strings)."""

    def __init__(self, rng: random.Random, target: str, rate: float = 0.1, county_as: str = "name",
                 county_names: dict[str, str] | None = None, legacy_as_number: bool = False,
                 tidy_amounts: bool = False):
        self.rng, self.target, self.rate, self.tidy_amounts = rng, target, rate, tidy_amounts
        self.county_as, self.county_names = county_as, county_names or {}
        # A 15-digit legacy number typed into Excel survives as a number: no digit is lost.
        self.legacy_forms = ["legacy15", "number15"] if legacy_as_number else ["legacy15"] * 2

    def messy(self) -> bool:
        return self.rng.random() < self.rate

    def cell(self, record: Record, field: str) -> object:
        """The value written for `field` of `record`: its raw value when it is a bad row's."""
        if field in record.raw:
            return record.raw[field]
        spelled = record.spelling.get(field)
        if spelled is not None and field != "id_number":
            return spelled
        spec = DATASETS[record.dataset].field(field)
        value = record.values.get(field)
        if field == "id_number":
            return self.id_number(str(value), spelled)
        if value is None:
            return None
        if spec.kind in ("money", "money0"):
            return self.amount(float(value), blank_if_zero=spec.kind == "money0")
        if spec.kind == "date":
            return self.date(value)
        if spec.vocabulary:
            return self.rng.choice(SPELLINGS[spec.vocabulary][value])
        if spec.kind == "county":
            return self.county(str(value))
        if spec.kind == "name":
            return self.name(str(value))
        if spec.kind in ("count", "year"):
            return int(value) if self.target == "typed" else str(value)
        return str(value)

    def id_number(self, number: str, form: str | None = None) -> object:
        if form is None:
            forms = ["spaced", "fullwidth", "apostrophe", "padded"]
            forms += ["lower_x"] * 3 if number.endswith("X") else []
            forms += self.legacy_forms if number[6:8] == "19" else []
            form = self.rng.choice(forms) if self.messy() else "plain"
        if form == "spaced":
            return f"{number[:6]} {number[6:14]} {number[14:]}"
        if form == "fullwidth":
            return number.translate(FULL_WIDTH)
        if form == "apostrophe":
            return "'" + number
        if form == "padded":
            return f" {number}  "
        if form == "lower_x":
            return number.lower()
        if form == "legacy15":
            return legacy_id(number)
        if form == "number15":
            return int(legacy_id(number))
        return number

    def amount(self, value: float, blank_if_zero: bool = False) -> object:
        if value == 0 and blank_if_zero and self.rng.random() < 0.6:
            return None
        if self.tidy_amounts or not self.messy():
            return value if self.target == "typed" else plain_number(value)
        forms = [f"{plain_number(value)}元", plain_number(value).translate(FULL_WIDTH), f"{value:.2f}"]
        if value >= 1000:
            forms += [f"{value:,.2f}"] * 3
        return self.rng.choice(forms)

    def date(self, day: date) -> object:
        if self.target == "typed":
            kind = self.rng.choices(("cell", "serial", "text"), (5, 2, 3))[0]
            if kind == "cell":
                return day
            if kind == "serial":
                return excel_serial(day)
        return f"{day:{self.rng.choice(DATE_FORMATS)}}"

    def county(self, code: str) -> str:
        return code if self.county_as == "code" else self.county_names.get(code, code)

    def name(self, name: str) -> str:
        return name + " " if self.rng.random() < self.rate / 5 else name
