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


def header_meanings(text: str | None, site: Vocabulary = NO_SITE_WORDS) -> frozenset[tuple[str, str]]:
    if not text:
        return frozenset()
    key = header_key(text)
    index = alias_index(site)
    return index.get(key) or index.get(header_key_without_units(key), frozenset())


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


def _matches(names: dict[str, str], site: Vocabulary) -> int:
    return sum(1 for text in names.values() if header_meanings(text, site))


def _row_names(head: pl.DataFrame, columns: list[str], position: int) -> dict[str, str]:
    row = head.row(position, named=True)
    return {c: str(row[c]).strip() for c in columns if row[c] is not None}


def find_header(table: RawTable, site: Vocabulary = NO_SITE_WORDS) -> Header | None:
    """The header among the first rows: the row (or pair of rows) naming the most known fields.

    The header starts in the first HEADER_ROWS rows (its second row may be the one after). A
    two-row header is taken when its lower row adds names the upper row lacks; each column's
    name is then its lower (leaf) cell, or the upper cell where a vertical merge left the lower
    one empty. Ties go to the single, earlier row. None when no row names two known fields.
    """
    head = table.grid.head(HEAD_ROWS)
    columns = table.columns
    rows = [_row_names(head, columns, i) for i in range(head.height)]
    best: Header | None = None
    best_score = MIN_HEADER_MATCHES - 1
    for i, upper in enumerate(rows[:HEADER_ROWS]):
        score = _matches(upper, site)
        if score > best_score:
            best, best_score = Header((i,), upper, site), score
        if i + 1 < len(rows) and rows[i + 1]:
            flattened = upper | rows[i + 1]
            pair_score = _matches(flattened, site)
            if pair_score > max(score, _matches(rows[i + 1], site)) and pair_score > best_score:
                best, best_score = Header((i, i + 1), flattened, site), pair_score
    return best


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
