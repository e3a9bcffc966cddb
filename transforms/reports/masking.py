"""ID numbers in human-facing files: `340705********1234` unless the run was asked not to mask.

Every report (workbooks, summary page, quality site) masks through these functions; the full
numbers stay in the Parquet outputs and the warehouse only.
"""

from __future__ import annotations

import re

import polars as pl

# A run of 14 or more digits (X allowed): an ID number, whole, legacy, mistyped, one digit too
# many, or cut short by a float (3.40705198001011E+17 still shows 14 of its digits).
_ID_LIKE = r"(\d{6})[\dXx]{4,}([\dXx]{4})"
_ID_RUN = re.compile(rf"(?<![\dXx]){_ID_LIKE}(?![\dXx])")
MASK = r"\1********\2"


def mask_id(number: str | None) -> str | None:
    """`340705198001011234` -> `340705********1234`: the area code and the last four kept."""
    return masked_text(number)


def masked_text(text: str | None) -> str | None:
    """Any ID-like run of digits inside free text (a raw cell value) masked the same way."""
    return None if text is None else _ID_RUN.sub(MASK, text)


def masked_column(column: pl.Expr) -> pl.Expr:
    """The vectorised `masked_text` of a text column (the separators around a run are kept)."""
    return column.str.replace_all(rf"(^|[^\dXx]){_ID_LIKE}([^\dXx]|$)", "${1}${2}********${3}${4}")


def _digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isdigit() or ch == "X")


def masked_but_differing(number: str | None, other: str | None) -> str | None:
    """An ID masked as usual, except where it differs from `other` (SPEC §6, issue 18: a suggested
    correction shows the digits that change, so the officer can correct the source without --unmask):
    `340705198001011234` against `340705198001013234` → `340705******1*1234`, position by position,
    when both have 18 characters; otherwise masked as usual."""
    if number is None:
        return None
    theirs = _digits(other)
    if len(number) != 18 or len(theirs) != 18:
        return mask_id(number)
    middle = "".join(ch if ch != theirs[i] else "*" for i, ch in enumerate(number[6:14], start=6))
    return number[:6] + middle + number[14:]


def masked_suggestions(suggested: pl.Expr, broken: pl.Expr) -> pl.Expr:
    """`masked_but_differing` over two columns (the few rows that carry a suggestion)."""
    return pl.struct(suggested.alias("a"), broken.alias("b")).map_elements(
        lambda pair: masked_but_differing(pair["a"], pair["b"]), return_dtype=pl.String)
