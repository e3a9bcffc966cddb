"""What a usable row of each dataset is: its Pandera model, and one check per quarantine reason.

Each dataset's model is built from `schemas.datasets`: Pandera holds every field's column and
dtype; the row checks are named by the reason codes of SPEC §2 (ID_MISSING … UNKNOWN_CATEGORY). A
check sees the typed value and facts computed once from the raw text beside it (`blank__<field>`,
`id__*`, added by `transforms/ingest/validate.py`), so that "blank", "unreadable" and "negative"
are told apart. Every row failing a check becomes a quarantine row.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pandera takes a second to import: only a sheet being validated pays for it
    import pandera.polars as pa

from schemas.datasets import DATASETS, Field

# The reasons, in the order a row's ID is judged: one ID problem per row, the most telling first.
ID_REASONS = ("ID_MISSING", "ID_PRECISION_LOST", "ID_MALFORMED", "ID_BAD_DATE", "ID_CHECKSUM")

MESSAGES = {
    "ID_MISSING": "身份证号码为空，请补填18位身份证号码",
    "ID_PRECISION_LOST": "身份证号码被存成了数字，末几位已丢失（如显示为 3.40705E+17）；"
    "请把该列设为“文本”格式后按户籍信息重新录入",
    "ID_MALFORMED": "身份证号码不是18位（17位数字加1位数字或X），请按户籍信息更正",
    "ID_BAD_DATE": "身份证号码中的出生日期不存在或不合理（早于1900年或晚于本月），请核对",
    "ID_CHECKSUM": "身份证号码校验位不对，号码中有录入错误，请按户籍信息核对",
    "REQUIRED_MISSING": "必填项「{label}」为空，请补填",
    "BAD_NUMBER": "「{label}」的值「{value}」不是有效数字，请填写阿拉伯数字",
    "NEGATIVE_AMOUNT": "「{label}」为负数（{value}），请核对",
    "BAD_DATE": "「{label}」的值「{value}」不是有效日期，请按 2024-10-05 的格式填写",
    "UNKNOWN_CATEGORY": "「{label}」的值「{value}」不在可识别的取值中，请按填表说明填写",
}


REASONS = tuple(MESSAGES)  # every quarantine reason code of SPEC §2

# A county the policy file lacks keeps SPEC's code (UNKNOWN_CATEGORY) but gets its own message:
# its fix is often in the policy file, not in the sheet, and it must not go silently unmatched.
UNKNOWN_COUNTY_MESSAGE = ("「{label}」的值「{value}」不是政策文件中的区县：请核对区县名称或代码；"
                          "如确是本市的区县，请在政策文件中补充该区县的标准")

# Each reason in a few words, for report columns and counts.
REASON_LABELS = {
    "ID_MISSING": "身份证号码为空",
    "ID_PRECISION_LOST": "身份证号码被存成数字、末位丢失",
    "ID_MALFORMED": "身份证号码位数或格式不对",
    "ID_BAD_DATE": "身份证号码中的出生日期不对",
    "ID_CHECKSUM": "身份证号码校验位不对",
    "REQUIRED_MISSING": "必填项为空",
    "BAD_NUMBER": "数字无法识别",
    "NEGATIVE_AMOUNT": "金额为负数",
    "BAD_DATE": "日期无法识别",
    "UNKNOWN_CATEGORY": "取值不在可识别范围内",
}


def id_problems() -> dict[str, pl.Expr]:
    """Each ID reason as a row-wise 'this row has it' expression, mutually exclusive in order."""
    fact = pl.col
    problems = {
        "ID_MISSING": fact("id__missing"),
        "ID_PRECISION_LOST": fact("id__lost"),
        "ID_MALFORMED": ~fact("id__shaped"),
        "ID_BAD_DATE": ~fact("id__birth_ok"),
        "ID_CHECKSUM": ~fact("id__check_ok"),
    }
    exclusive, earlier = {}, pl.lit(False)
    for code in ID_REASONS:
        exclusive[code] = problems[code] & ~earlier
        earlier = earlier | problems[code]
    return exclusive


def value_problems(field: Field) -> dict[str, pl.Expr]:
    """The reasons a non-ID field can make its row unusable."""
    typed, blank = pl.col(field.name), pl.col(f"blank__{field.name}")
    # A field whose column the sheet lacks is unknown, never blank nor unreadable (SPEC §2).
    unreadable = pl.col(f"present__{field.name}") & ~blank & typed.is_null()
    problems: dict[str, pl.Expr] = {}
    if field.required:
        problems["REQUIRED_MISSING"] = blank  # False for a column the sheet does not have
    if field.kind in ("money", "money0", "count", "year"):
        problems["BAD_NUMBER"] = unreadable
    if field.kind in ("money", "money0"):
        problems["NEGATIVE_AMOUNT"] = typed < 0
    if field.kind == "date":
        problems["BAD_DATE"] = unreadable
    if field.kind in ("category", "level", "county"):
        problems["UNKNOWN_CATEGORY"] = unreadable
    return problems


def field_problems(field: Field) -> dict[str, pl.Expr]:
    return id_problems() if field.kind == "id" else value_problems(field)


def checked_fields(dataset: str, household: bool = False) -> list[Field]:
    """The fields a dataset's rows are checked on. A household sheet's rows (SPEC §2) are checked
    without the ID and name, the household number required."""
    fields = [f for f in DATASETS[dataset].fields if not (household and f.name in ("id_number", "name"))]
    if household:
        fields = [replace(f, required=True) if f.name == "household_id" else f for f in fields]
    return fields


@cache
def dataset_schema(dataset: str, household: bool = False) -> pa.DataFrameSchema:
    """The Pandera model of a dataset's normalised rows: every field's column with its dtype. A
    failure here is a bug in doudi, never a cell of the sheet."""
    import pandera.polars as pa

    columns = {f.name: pa.Column(f.polars_type, nullable=True) for f in checked_fields(dataset, household)}
    return pa.DataFrameSchema(columns, strict=False, name=dataset)


@cache
def row_problems(dataset: str, household: bool = False) -> dict[tuple[str, str], pl.Expr]:
    """(field, reason) → 'this row has it', for every check of the dataset's rows. They are
    evaluated together in one polars pass (`transforms/ingest/validate.py`): as Pandera checks, one
    lazy query each, they cost a sheet 50 ms whatever its size."""
    return {(f.name, code): has.fill_null(False)
            for f in checked_fields(dataset, household) for code, has in field_problems(f).items()}


MESSAGE_VALUE_CHARS = 40  # a cell of 30,000 characters is named, not repeated (`value` keeps it whole)


def message(code: str, field: Field, value: str | None) -> str:
    text = value if value is not None else ""
    if len(text) > MESSAGE_VALUE_CHARS:
        text = f"{text[:MESSAGE_VALUE_CHARS]}…（共 {len(text)} 字）"
    template = UNKNOWN_COUNTY_MESSAGE if (code, field.kind) == ("UNKNOWN_CATEGORY", "county") else MESSAGES[code]
    return template.format(label=field.label, value=text)

