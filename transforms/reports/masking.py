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
