"""Find the header row of a raw table and map its columns to canonical fields.

Offices put titles and notes above the header, break header cells over lines, add `*` marks and
units in brackets, and merge a group label over two-row headers (医保支付 over 基本医保 /
大病保险 / 补充保险). The alias table `schemas/header_aliases.csv` is data: a new spelling is a line.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import polars as pl

from schemas.datasets import DATASETS
from schemas.vocabulary import NO_SITE_WORDS, Vocabulary
from transforms.ingest.read_tables import HEAD_ROWS, RawTable

_NOISE = re.compile(r"[\s*＊※△▲★☆#\u200b\u200c\u200d\u2060\ufeff]")
_BRACKETED = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")
_EDGE_PUNCTUATION = ":：.。,，、;；"
MIN_HEADER_MATCHES = 2
HEADER_ROWS = 15  # SPEC §2: the header is somewhere in the first 15 rows
LATE_HEADER_ROWS = 200  # how far down a misplaced header is sought, to tell the officer where it is


def header_key(text: str) -> str:
    """A header cell as compared with the alias table: full-width folded, no spaces or marks."""
    folded = unicodedata.normalize("NFKC", str(text))
    return _NOISE.sub("", folded).strip(_EDGE_PUNCTUATION)


def header_key_without_units(key: str) -> str:
    """`月保障金(元)` -> `月保障金`, `收入(元/月)` -> `收入`: brackets hold units and remarks."""
    return _BRACKETED.sub("", key)


@lru_cache(maxsize=8)
def alias_index(site: Vocabulary = NO_SITE_WORDS) -> dict[str, frozenset[tuple[str, str]]]:
    """Normalised header -> the (dataset, field) pairs it can name; dataset '*' is every dataset.
    The bundled table, with the site's own spellings (aliases.csv beside the policy) added."""
    index: dict[str, set[tuple[str, str]]] = {}
    text = resources.files("schemas").joinpath("header_aliases.csv").read_text(encoding="utf-8")
    lines = [(line["dataset"], line["field"], line["header"]) for line in csv.DictReader(text.splitlines())]
    for dataset, field_name, header in [*lines, *site.aliases]:
        index.setdefault(header_key(header), set()).add((dataset, field_name))
    return {key: frozenset(pairs) for key, pairs in index.items()}


# SPEC §2, people named by role: an agent's, contact's, guardian's … columns are never the
# subject's, whatever follows the role; a subject's role (逝者身份证号, 申请人姓名) is the subject's.
AGENT_ROLES = ("经办人", "联系人", "代理人", "领取人", "监护人", "代办人", "收款人", "照料护理人", "委托人",
               "紧急联系人", "申报人", "填报人", "审核人", "录入人")
SUBJECT_ROLES = ("逝者", "死者", "亡者", "受助人", "受助对象", "救助对象", "申请人")
# 申请人 is the subject where a person applies for themselves, not for a child (the guardian applies)
_NOT_SUBJECT_FOR = {"申请人": "children"}


def header_meanings(text: str | None, site: Vocabulary = NO_SITE_WORDS) -> frozenset[tuple[str, str]]:
    if not text:
        return frozenset()
    key = header_key(text)
    index = alias_index(site)
    found = (index.get(key) or index.get(header_key_without_units(key))
             or index.get(key.replace("/", ""), frozenset()))  # a group over its leaf: 医保支付/统筹
    if found or not key:
        return found
    if key.startswith(AGENT_ROLES):
        return frozenset()
    role = next((r for r in SUBJECT_ROLES if key.startswith(r) and len(key) > len(r)), None)
    if role is None:
        return frozenset()
    rest = header_meanings(key.removeprefix(role), site)
    if role not in _NOT_SUBJECT_FOR:
        return rest
    every = [d for d in DATASETS if d != _NOT_SUBJECT_FOR[role]]
    return frozenset((target, f) for d, f in rest for target in (every if d == "*" else [d])
                     if target != _NOT_SUBJECT_FOR[role])


@dataclass(frozen=True)
class Header:
    """Where the header is (grid row positions) and each column's flattened header text."""

    positions: tuple[int, ...]
    names: dict[str, str]  # grid column -> header text as seen (leaf of a two-row header)
    site: Vocabulary = field(default=NO_SITE_WORDS, compare=False)  # the site's own spellings

    @property
    def last_position(self) -> int:
        return self.positions[-1]

    def meanings(self, column: str) -> frozenset[tuple[str, str]]:
        return header_meanings(self.names.get(column), self.site)


HEAD_PREFIX = "户主"
MEMBER_GROUP = re.compile(r"^(?:家庭)?成员([一二三四五六七八九十]{1,3}|\d{1,2})[:：_\-.、]?(.+)$")


def prefixed_meanings(text: str | None, site: Vocabulary = NO_SITE_WORDS) -> frozenset[tuple[str, str]]:
    """What a header names, reading through a head's or a member's prefix (户主身份证号, 成员一姓名:
    a household row names its people so); layout.py decides whose value each column holds."""
    found = header_meanings(text, site)
    if found or not text:
        return found
    key = header_key(text)
    member = MEMBER_GROUP.match(key)
    rest = member.group(2) if member else key.removeprefix(HEAD_PREFIX) if key.startswith(HEAD_PREFIX) else ""
    return header_meanings(rest, site) if rest else frozenset()


def _matches(names: dict[str, str], site: Vocabulary) -> int:
    return sum(1 for text in names.values() if prefixed_meanings(text, site))


def _row_names(head: pl.DataFrame, columns: list[str], position: int) -> dict[str, str]:
    row = head.row(position, named=True)
    return {c: str(row[c]).strip() for c in columns if row[c] is not None}


MAX_HEADER_DEPTH = 3  # SPEC §2: a title merged over groups over leaves


def _flattened(rows: list[dict[str, str]]) -> dict[str, str]:
    """Each column's name in a stack of header rows: its lowest (leaf) cell, or the cell above
    where a vertical merge left the lower ones empty."""
    names: dict[str, str] = {}
    for row in rows:
        names |= row
    return names


def _with_groups(names: dict[str, str], rows: list[dict[str, str]], columns: list[str],
                 site: Vocabulary) -> dict[str, str]:
    """Leaves that are ambiguous alone (named twice, or naming nothing) under a group label
    (医保支付 over 基本医保): the group and the leaf together, where that names a field."""
    if len(rows) < 2:
        return names
    leaf_row, group_row = rows[-1], rows[-2]
    counts: dict[str, int] = {}
    for text in leaf_row.values():
        counts[header_key(text)] = counts.get(header_key(text), 0) + 1
    named = dict(names)
    group = None  # a group label is written in the first cell of its merged range
    for column in columns:
        if column in group_row:
            group = group_row[column] if column in leaf_row else None  # else a header merged down
        elif column not in leaf_row:
            group = None
        if column not in leaf_row or group is None:
            continue
        leaf = leaf_row[column]
        if (counts[header_key(leaf)] > 1 or not header_meanings(leaf, site)) \
                and header_meanings(group + leaf, site):
            named[column] = f"{group}/{leaf}"
    return named


def find_header(table: RawTable, site: Vocabulary = NO_SITE_WORDS) -> Header | None:
    """The header among the first rows: the row (or stack of up to three rows) naming the most
    known fields.

    The header starts in the first HEADER_ROWS rows (its lower rows may follow). A stack of rows
    is taken when it names more fields than any shorter stack within it: a title merged over group
    labels over leaves (SPEC §2). Each column's name is its lowest (leaf) cell, or the cell above
    where a vertical merge left the lower ones empty; a leaf ambiguous alone takes its group label
    (医保支付/基本医保). Ties go to the shorter, earlier stack. None when no stack names two known
    fields.
    """
    head = table.grid.head(HEAD_ROWS)
    columns = table.columns
    rows = [_row_names(head, columns, i) for i in range(head.height)]
    best: Header | None = None
    best_score = MIN_HEADER_MATCHES - 1
    for i in range(min(HEADER_ROWS, len(rows))):
        for depth in range(1, MAX_HEADER_DEPTH + 1):
            stack = rows[i:i + depth]
            if len(stack) < depth or not stack[-1]:
                break
            flattened = _flattened(stack)
            score = _matches(flattened, site)
            inner = [_matches(_flattened(rows[a:b]), site)
                     for a in range(i, i + depth) for b in range(a + 1, i + depth + 1) if b - a < depth]
            if score > max(inner, default=-1) and score > best_score:
                names = _with_groups(flattened, stack, columns, site)
                best, best_score = Header(tuple(range(i, i + depth)), names, site), score
    return best


def extended_by_merges(header: Header, table: RawTable) -> Header:
    """A header whose cells are merged down over the next rows takes those rows too, even when
    they hold only names doudi does not know (a site's 专项补贴 items under 其他专项补贴金): the
    merge says they are the header, not the first rows of data."""
    rows = table.grid["_row"].to_list()
    first, last = rows[header.positions[0]], rows[header.last_position]
    reaching = [r.last_row for r in table.merged if first <= r.first_row <= last < r.last_row]
    if not reaching:
        return header
    end = min(max(reaching), rows[min(len(rows), HEAD_ROWS) - 1])
    positions = tuple(range(header.positions[0], rows.index(end) + 1)) if end in rows else header.positions
    if len(positions) <= len(header.positions):
        return header
    head = table.grid.head(HEAD_ROWS)
    stack = [_row_names(head, table.columns, i) for i in positions]
    return Header(positions, _with_groups(_flattened(stack), stack, table.columns, header.site), header.site)


def header_below(table: RawTable, site: Vocabulary = NO_SITE_WORDS) -> Header | None:
    """The first row below the first HEADER_ROWS that names two known fields: a misplaced header."""
    below = table.grid.slice(HEADER_ROWS, LATE_HEADER_ROWS)
    for i in range(below.height):
        names = _row_names(below, table.columns, i)
        if _matches(names, site) >= MIN_HEADER_MATCHES:
            return Header((HEADER_ROWS + i,), names, site)
    return None


@dataclass(frozen=True)
class ColumnMap:
    fields: dict[str, str]  # grid column -> canonical field
    unmapped: list[str]  # header texts of columns that map to no field of the dataset
    # field -> every grid column whose header names it, leftmost first, where there are several:
    # the column whose values fit the field is chosen later (column_choice.py)
    contested: dict[str, list[str]] = field(default_factory=dict)


def column_map(header: Header, dataset: str) -> ColumnMap:
    """Map header columns to the dataset's fields; the first column wins when two name one field
    (and the contest is recorded, for the content of the columns to decide)."""
    fields: dict[str, str] = {}
    unmapped: list[str] = []
    named: dict[str, list[str]] = {}
    for column, text in header.names.items():
        meant = next(
            (f for d, f in sorted(header.meanings(column)) if d in (dataset, "*")), None
        )
        if meant is not None:
            named.setdefault(meant, []).append(column)
        if meant is None or meant in fields.values():
            unmapped.append(text)
        else:
            fields[column] = meant
    return ColumnMap(fields, unmapped, {f: columns for f, columns in named.items() if len(columns) > 1})
