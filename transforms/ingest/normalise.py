"""Turn raw text cells into typed values, vectorised: IDs, money, counts, dates, categories, counties.

A normaliser never decides whether a row is usable: it returns null where a value cannot be read,
and validation (schemas/validation.py) compares the typed value with the raw text to say why.
Every quirk handled here is one SPEC §2 lists as real: full-width digits, `元`, thousands
separators, a leading apostrophe, Excel serial dates, 15-digit legacy ID numbers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import polars as pl

from schemas.categories import category_table
from schemas.datasets import DATASETS, Field
from schemas.policy import Policy
from schemas.vocabulary import NO_SITE_WORDS, Vocabulary

# ISO 7064 MOD 11-2 as GB 11643-1999 applies it; tests check it against python-stdnum.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = {i: c for i, c in enumerate("10X98765432")}
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 on Excel's (leap-bugged) calendar
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y年%m月%d号")
_MONEY_NOISE = r"[\s,，元¥￥]"


# Characters that web systems leave in copied cells and that show as nothing: zero-width spaces and
# joiners, the word joiner, a byte-order mark (SPEC §2: cleaned like ordinary spaces).
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff]"


def nfkc(raw: pl.Expr) -> pl.Expr:
    """Full-width forms folded to ASCII and invisible characters removed; most cells are ASCII
    already and are left as they are."""
    return (pl.when(raw.str.contains(r"[^\x00-\x7F]"))
            .then(raw.str.replace_all(ZERO_WIDTH, "").str.normalize("NFKC")).otherwise(raw))


def folded(raw: pl.Expr) -> pl.Expr:
    """Full-width forms folded to ASCII (NFKC), surrounding white space removed; empty is null."""
    text = nfkc(raw).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def no_spaces(raw: pl.Expr) -> pl.Expr:
    return nfkc(raw).str.replace_all(r"\s", "")


def blank_marks() -> list[str]:
    return category_table()["blank_values"]


def _without_blank_marks(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_in(blank_marks())).then(None).otherwise(value)


def is_blank(raw: pl.Expr) -> pl.Expr:
    """Empty, white space only, or a mark that means nothing here (无, /, —)."""
    value = raw.str.strip_chars()
    return (value.is_null() | (value == "") | value.is_in(blank_marks())).fill_null(True)


# --- ID numbers ---------------------------------------------------------------------------------

def id_check_char(first17: pl.Expr) -> pl.Expr:
    """The GB 11643 check character of 17 digits."""
    weighted = pl.sum_horizontal(
        first17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)
    )
    return (weighted % 11).replace_strict(_CHECK_CHARS, return_dtype=pl.String)


def id_cleaned(raw: pl.Expr) -> pl.Expr:
    """An ID number as typed, cleaned: no apostrophe or spaces, ASCII digits, upper-case X.

    A number cell read back as `340705800101123.0` loses its `.0`; Excel's text-keeping trick in
    CSV exports, `="340705…"`, loses its `="` and `"`.
    """
    return (
        nfkc(raw)
        .str.replace_all(r"[\s\-]", "")
        .str.replace(r'^="(.*)"$', "${1}")
        .str.strip_chars_start("'‘’`")
        .str.to_uppercase()
        .str.replace(r"^(\d+)\.0+$", "${1}")
    )


def id_18(cleaned: pl.Expr) -> pl.Expr:
    """A 15-digit legacy number gets '19' in its birth year and a check digit, so the same person
    matches across offices; any other value is left as it is. Pass a column, not a long
    expression: the check digit reads it seventeen times."""
    first17 = cleaned.str.slice(0, 6) + pl.lit("19") + cleaned.str.slice(6, 9)
    return pl.when(cleaned.str.contains(r"^\d{15}$")).then(first17 + id_check_char(first17)).otherwise(cleaned)


def id_text(raw: pl.Expr) -> pl.Expr:
    return id_18(id_cleaned(raw))


# --- numbers and money --------------------------------------------------------------------------

def money(raw: pl.Expr, blank_is_zero: bool = False) -> pl.Expr:
    """Yuan as a float; `1,234.50元`, `１２３４` read; blank is missing, or 0 where blank means unpaid."""
    cleaned = _without_blank_marks(nfkc(raw).str.replace_all(_MONEY_NOISE, ""))
    value = cleaned.cast(pl.Float64, strict=False)
    value = pl.when(value.is_finite()).then(value).otherwise(None)
    if blank_is_zero:
        return pl.when(cleaned.is_null() | (cleaned == "")).then(0.0).otherwise(value)
    return value


def whole_number(raw: pl.Expr, units: str) -> pl.Expr:
    """A count or a year: `3人`, `2024年度`, `2024.0`; anything fractional or negative is null."""
    cleaned = nfkc(raw).str.replace_all(rf"[\s{units}]", "")
    value = cleaned.cast(pl.Float64, strict=False)
    usable = value.is_finite() & (value >= 0) & (value == value.floor())
    return pl.when(usable & (value < 2**62)).then(value.cast(pl.Int64, strict=False)).otherwise(None)


# --- dates --------------------------------------------------------------------------------------

def calendar_date(raw: pl.Expr) -> pl.Expr:
    """A date from an Excel serial, `2024-10-05`, `2024/10/5`, `2024.10.05`, `20241005`, `2024年10月5日`."""
    text = nfkc(raw).str.replace_all(r"\s+", " ").str.strip_chars()
    text = text.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    serial = text.str.extract(r"^(\d{5})(\.\d+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)
    parsed = pl.coalesce(
        from_serial.cast(pl.Date),
        *(text.str.strptime(pl.Date, f, strict=False, exact=True) for f in _DATE_FORMATS),
    )
    return pl.when(parsed.is_between(date(1900, 1, 1), date(2100, 12, 31))).then(parsed).otherwise(None)


# --- categories and counties --------------------------------------------------------------------

def _category_key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", re.sub(ZERO_WIDTH, "", value)).split()).upper()


@lru_cache(maxsize=64)
def category_spellings(vocabulary: str, site: Vocabulary = NO_SITE_WORDS) -> dict[str, str]:
    """Folded spelling -> canonical code of one vocabulary in categories.toml, with the site's own
    spellings (categories.toml beside the policy file) added."""
    table = (site.merged_categories() if site.categories else category_table())[vocabulary]
    return {
        _category_key(spelling): code
        for code, spellings in table.items()
        if isinstance(spellings, list) and code != "inactive_contains"
        for spelling in spellings
    }


def category(raw: pl.Expr, vocabulary: str, site: Vocabulary = NO_SITE_WORDS) -> pl.Expr:
    """The canonical code of a category cell, trying the spelling as is and without 类/级/供养."""
    spellings = category_spellings(vocabulary, site)
    value = _without_blank_marks(no_spaces(raw).str.to_uppercase())
    suffixes = "|".join(category_table()["strip_suffixes"])
    bare = value.str.replace(rf"({suffixes})+$", "")
    candidates = [
        value.replace_strict(spellings, default=None, return_dtype=pl.String),
        bare.replace_strict(spellings, default=None, return_dtype=pl.String),
    ]
    for word in category_table()[vocabulary].get("inactive_contains", []):
        candidates.append(pl.when(value.str.contains(word, literal=True)).then(pl.lit("inactive")))
    return pl.coalesce(candidates)


def county_spellings(policy: Policy) -> dict[str, str]:
    """Every way a county of the policy is written -> its code: 340705, 铜官区, 铜官, old names."""
    spellings: dict[str, str] = {}
    for code, county in policy.counties.items():
        for name in (county.name, *county.aliases):
            key = _category_key(name)
            spellings[key] = code
            if len(key) > 2 and key[-1] in "区县市旗":
                spellings[key[:-1]] = code
        spellings[code] = code
    return spellings


def county_code(raw: pl.Expr, policy: Policy) -> pl.Expr:
    """A county name or 6-digit code (12-digit statistical codes too) -> the policy's county code."""
    value = no_spaces(raw).str.to_uppercase()
    value = value.str.replace(r"^[^省]{2,8}省", "")
    if policy.city.name:
        value = value.str.replace(f"^{re.escape(_category_key(policy.city.name))}", "")
    value = value.str.replace(r"^(\d{6})(\d{3}|\d{6})$", "${1}")
    return value.replace_strict(county_spellings(policy), default=None, return_dtype=pl.String)


# --- a sheet's fields, by kind ---------------------------------------------------------------

def typed_value(kind: str, raw: pl.Expr, policy: Policy, vocabulary: str | None) -> pl.Expr:
    """The normaliser of each kind of field (schemas/datasets.py)."""
    match kind:
        case "id":
            return id_text(raw)
        case "name":
            return folded(raw)
        case "text":
            return folded(raw).str.replace(r"^(\d+)\.0+$", "${1}")
        case "county":
            return county_code(raw, policy)
        case "money" | "money0":
            return money(raw, blank_is_zero=kind == "money0")
        case "count":
            return whole_number(raw, "人口户")
        case "year":
            return whole_number(raw, "年度")
        case "date":
            return calendar_date(raw)
        case "category":
            return category(raw, vocabulary, policy.vocabulary)
        case "level":
            return category(raw, vocabulary, policy.vocabulary).cast(pl.Int64)
    raise ValueError(f"unknown field kind {kind}")


def typed_column(raw: pl.DataFrame, field: Field, policy: Policy) -> pl.Series:
    """One field of a sheet's rows, typed; `raw` holds the cell text as `raw__<field>`.

    A field whose column the sheet does not have (no `raw__<field>`) is unknown: null, whatever
    a blank cell of it would have meant (SPEC §2: an absent column is not a blank cell).
    """
    column = f"raw__{field.name}"
    if column not in raw.columns:
        return pl.Series(field.name, [None] * raw.height, dtype=field.polars_type)
    if field.kind == "id":  # every value distinct: clean them all, then lengthen legacy numbers
        cleaned = raw.select(id_cleaned(pl.col(column)).alias(field.name))
        return cleaned.select(id_18(pl.col(field.name))).to_series()
    # Most columns hold few distinct values (categories, counties, dates, standard amounts):
    # each is normalised once and joined back to its rows.
    # A value too large for its type (a household of 3e9 people) is unreadable: null.
    distinct = raw.select(pl.col(column).unique())
    typed = distinct.with_columns(
        typed_value(field.kind, pl.col(column), policy, field.vocabulary)
        .cast(field.polars_type, strict=False)
        .alias(field.name)
    )
    joined = raw.select(column).join(typed, on=column, how="left", nulls_equal=True, maintain_order="left")
    return joined[field.name]


def with_blank_meaning(typed: pl.Series, raw: pl.DataFrame, field: Field) -> pl.Series:
    """A blank cell of a field whose blank is a fact (a 低保 member without a class: "none")."""
    column = f"raw__{field.name}"
    if field.blank is None or column not in raw.columns:
        return typed
    blank = raw.select(is_blank(pl.col(column))).to_series()
    return pl.select(pl.when(blank).then(pl.lit(field.blank)).otherwise(typed).alias(field.name)).to_series()


def monitored_status(rows: pl.DataFrame) -> pl.DataFrame:
    """防返贫监测 (SPEC §2): a monitored household (监测户, 脱贫不稳定户, 边缘易致贫户, 突发严重困难户) is
    poor while 风险是否消除 is 否 or blank and exited once it is 是; with no such column, unknown."""
    if "poverty_status" not in rows.columns or "raw__risk_eliminated" not in rows.columns:
        risk = pl.lit(None, pl.String)
        answered = pl.lit(False)
    else:
        risk = pl.col("risk_eliminated")
        answered = is_blank(pl.col("raw__risk_eliminated")) | risk.is_not_null()
    status = pl.col("poverty_status")
    return rows.with_columns(
        pl.when(status != "monitored").then(status)
        .when(risk == "yes").then(pl.lit("exited"))
        .when(answered).then(pl.lit("poor"))
        .otherwise(None)
        .alias("poverty_status")
    )


def normalised(raw: pl.DataFrame, dataset: str, policy: Policy) -> pl.DataFrame:
    """A sheet's rows with every field of its dataset typed beside the raw text; a field whose
    column the sheet lacks (no `raw__<field>`) is null: unknown."""
    return raw.with_columns(
        with_blank_meaning(typed_column(raw, f, policy), raw, f) for f in DATASETS[dataset].fields
    )


def derived(rows: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Validated rows with the fields that two columns decide together (防返贫 status)."""
    return monitored_status(rows) if dataset == "registry" else rows
