"""Facts written once above the table: what a sheet's name, title rows or file name say of every row.

Offices print a 城市低保发放签字表 or a sheet per 街道 and leave the column out; SPEC §2: a title,
sheet name or file name that says 城市/城镇 or 农村 gives `area_type`, one that names a county
gives `county`, one that names a township (a sheet per 街道/镇/乡) gives `township`, to the rows
that lack them; a period stamped there that is not the run's marks the sheet (`period_stamp`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from schemas.policy import Policy

_URBAN = ("城市", "城镇")
_RURAL = ("农村",)
_TOWNSHIP = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:街道办事处|街道|镇|乡))(?![镇村])")
_YEAR_MONTH = (
    re.compile(r"(?<!\d)(20\d{2})\s*年\s*(?:\d{1,2}\s*[-—~至到]\s*)?(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"),
    re.compile(r"(?<!\d)(20\d{2})\s*[-/.]\s*(0?[1-9]|1[0-2])(?![\d/.-])"),
    re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)"),
)


@dataclass(frozen=True)
class Context:
    """Where a sheet's keywords and facts are sought: its name, its title rows, its file's name."""

    sheet: str
    titles: str
    file: str

    @property
    def text(self) -> str:
        return " ".join([self.sheet, self.titles, self.file])


def area_type_named(context: Context) -> str | None:
    """`urban` or `rural` when the sheet name, title or file name says only one of them."""
    text = context.text
    urban, rural = any(w in text for w in _URBAN), any(w in text for w in _RURAL)
    if urban == rural:
        return None
    return "urban" if urban else "rural"


def counties_named(context: Context, policy: Policy) -> set[str]:
    """Codes of the policy counties whose name appears in the sheet name, title or file name."""
    return {
        code
        for code, county in policy.counties.items()
        if any(name and name in context.text for name in (county.name, *county.aliases))
    }


def township_named(context: Context, policy: Policy) -> str | None:
    """The township a sheet is for: its name, or the start of its title once the city and county
    are taken off (铜陵市铜官区新城街道2024年10月低保名册 → 新城街道)."""
    names = [policy.city.name, *(n for c in policy.counties.values() for n in (c.name, *c.aliases))]
    for text in (context.sheet, *context.titles.split()):
        rest = text.strip()
        for name in sorted(filter(None, names), key=len, reverse=True):
            rest = rest.replace(name, "")
        found = _TOWNSHIP.match(rest)
        if found:
            return found.group(1)
    return None


def periods_stamped(context: Context) -> list[str]:
    """Every year-month written in the sheet name, title rows or file name, as YYYY-MM."""
    found: list[str] = []
    for pattern in _YEAR_MONTH:
        for year, month in pattern.findall(context.text):
            if 1 <= int(month) <= 12:
                found.append(f"{year}-{int(month):02d}")
    return list(dict.fromkeys(found))


def period_stamp(context: Context, period: str) -> str:
    """The period a sheet says it is for when that is not the run's (an office sent last month's
    file), else empty. A sheet naming the run's period anywhere (a range ending in it) is the run's."""
    stamped = periods_stamped(context)
    if not stamped or period in stamped:
        return ""
    return stamped[0]


def with_context_facts(raw: pl.DataFrame, fields: tuple[str, ...], context: Context,
                       policy: Policy) -> tuple[pl.DataFrame, dict[str, str]]:
    """Area type, county and township that the sheet name, title or file name state, for a sheet
    without that column (`fields`: the dataset's); a township also fills the blank cells of its
    column. Returns the raw fields (`raw__<field>`) and what was taken: {field: value written}."""
    facts: dict[str, str] = {}
    if "county" in fields and "raw__county" not in raw.columns:
        codes = counties_named(context, policy)
        if len(codes) == 1:
            facts["county"] = codes.pop()
    if "area_type" in fields and "raw__area_type" not in raw.columns:
        area = area_type_named(context)
        if area:
            facts["area_type"] = {"urban": "城市", "rural": "农村"}[area]
    township = township_named(context, policy) if "township" in fields else None
    if township:
        facts["township"] = township
    filled = [
        (pl.col(f"raw__{f}").fill_null(pl.lit(v)) if f"raw__{f}" in raw.columns else pl.lit(v, pl.String))
        .alias(f"raw__{f}")
        for f, v in facts.items()
    ]
    return (raw.with_columns(filled) if filled else raw), facts
