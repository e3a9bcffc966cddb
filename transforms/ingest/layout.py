"""Which column is which field, for the shapes real systems export (SPEC §2).

Beyond one column per field, a sheet's columns may say whose value they hold: `户主姓名` and
`户主身份证号` are the head's (a 五保 family list has no other name); `成员一姓名`, `成员2身份证号` …
are a household's members written across one row; `补贴类型` and `补贴金额` say which subsidy one
row pays; `医保就诊类别` which stays are hospital stays; `基本生活保障类型` which programme a row
belongs to. The layout records them; `reshape.py` turns them into one row per person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from schemas.datasets import SHAPE_FIELDS
from schemas.policy import Policy
from transforms.ingest.column_choice import chosen_by_content
from transforms.ingest.headers import (
    HEAD_PREFIX,
    MEMBER_GROUP,
    Header,
    column_map,
    header_key,
    header_meanings,
)

_CHINESE_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
# All the household's other members in one cell each (家庭成员姓名: 李四、张小; 家庭成员身份证号: …).
_MEMBER_LIST = re.compile(r"^(?:家庭)?成员(?:列表)?(姓名|身份证号码?|证件号码?|公民身份号码)$")
# A member carries these fields of its own; every other field of a household row is the household's.
PERSON_FIELDS = frozenset({"name", "id_number", "relation", "category", "benefit", "topup"})


def member_number(text: str) -> int:
    """成员一 → 1, 成员十二 → 12, 成员3 → 3."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CHINESE_DIGITS[text[1]]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return 10 * _CHINESE_DIGITS[tens] + (_CHINESE_DIGITS[ones] if ones else 0)
    return _CHINESE_DIGITS[text]


@dataclass(frozen=True)
class Layout:
    """A sheet's columns for one dataset: each field's column (in household rows, the head's and
    the household's), the member groups, and the columns a shape reads."""

    dataset: str
    fields: dict[str, str]  # grid column -> field
    unmapped: list[str]  # header texts of columns no field reads
    members: dict[int, dict[str, str]] = field(default_factory=dict)  # position (2 …) -> field -> column
    shape_columns: dict[str, str] = field(default_factory=dict)  # payment_type, visit_type … -> column
    name_from_head: bool = False  # 户主姓名 is the row's own name (no other name column)
    member_lists: dict[str, str] = field(default_factory=dict)  # name / id_number -> a column listing them

    @property
    def shape(self) -> str:
        """The reshaping the layout needs (SPEC §2), or "" for one row per person."""
        if self.members or self.member_lists:
            return "household_rows"
        if self.dataset == "persons" and {"payment_type", "payment_amount"} <= set(self.shape_columns):
            return "payment_type_rows"
        if self.dataset == "claims" and "visit_type" in self.shape_columns:
            return "mixed_stays"
        return "family_list" if self.name_from_head else ""

    def column_of(self, field_name: str) -> str | None:
        return next((c for c, f in self.fields.items() if f == field_name), None)

    @property
    def id_columns(self) -> list[str]:
        """Every column holding someone's ID number: the row's own and each member's."""
        own = [c for c, f in self.fields.items() if f == "id_number"]
        return own + [g["id_number"] for g in self.members.values() if "id_number" in g]


def _own_meaning(text: str, dataset: str, header: Header) -> str | None:
    """The field of `dataset` a header text names, if any."""
    return next((f for d, f in sorted(header_meanings(text, header.site)) if d in (dataset, "*")), None)


def layout_of(header: Header, dataset: str, below: pl.DataFrame, policy: Policy) -> Layout:
    """The layout of a sheet's columns for `dataset`; `below` is the grid below the header, whose
    content decides between two columns naming one field (column_choice.py)."""
    base = chosen_by_content(column_map(header, dataset), header, below, dataset, policy)
    fields = dict(base.fields)
    shape_columns = {c: f for c, f in fields.items() if f in SHAPE_FIELDS}
    for column in shape_columns:
        del fields[column]
    members: dict[int, dict[str, str]] = {}
    head: dict[str, str] = {}
    member_lists: dict[str, str] = {}
    for column, text in header.names.items():
        if column in fields or column in shape_columns:
            continue
        key = header_key(text)
        listed = _MEMBER_LIST.match(key)
        if listed and fields:
            member_lists.setdefault("name" if listed.group(1) == "姓名" else "id_number", column)
            continue
        member = MEMBER_GROUP.match(key)
        if member:
            meant = _own_meaning(member.group(2), dataset, header)
            if meant in PERSON_FIELDS | {"labor_ability"}:
                members.setdefault(1 + member_number(member.group(1)), {}).setdefault(meant, column)
        elif key.startswith(HEAD_PREFIX):
            meant = _own_meaning(key.removeprefix(HEAD_PREFIX), dataset, header)
            if meant in PERSON_FIELDS:
                head.setdefault(meant, column)
    members = {position: group for position, group in members.items() if {"name", "id_number"} & set(group)}
    name_from_head = False
    for meant, column in head.items():
        # a head's column is the row's own where the row has no other: in household rows (the head
        # is the row's first person) and in a family list (户主姓名 is the only name)
        if meant not in fields.values() and (members or member_lists or meant in ("name", "id_number")):
            fields[column] = meant
            name_from_head = name_from_head or meant == "name"
    ordered = {c: fields[c] for c in header.names if c in fields}
    if "id_number" not in member_lists:
        member_lists = {}
    used = (set(ordered) | set(shape_columns) | {c for g in members.values() for c in g.values()}
            | set(member_lists.values()))
    unmapped = [text for c, text in header.names.items() if c not in used]
    return Layout(dataset, ordered, unmapped, dict(sorted(members.items())),
                  {f: c for c, f in shape_columns.items()}, name_from_head and not members and not member_lists,
                  member_lists)


def shape_fields_named(header: Header) -> dict[str, str]:
    """The shape columns a header names whatever the dataset: shape field -> grid column."""
    found: dict[str, str] = {}
    for column, text in header.names.items():
        for _, meant in header_meanings(text, header.site):
            if meant in SHAPE_FIELDS:
                found.setdefault(meant, column)
    return found
