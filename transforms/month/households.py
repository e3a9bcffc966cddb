"""Household sheets and member sheets of one dataset, joined on the household key (SPEC §2).

A 防返贫 export may give a household sheet (户编号, 户类型, income) and a member sheet (户编号, 姓名,
身份证号码, 劳动技能), in one file or two. Neither is rejected for lacking the other's columns: the
members take the household's fields they lack (an unknown, a NULL, filled from the household's
row), whichever file or sheet each is in. A member whose household row is missing keeps its own
fields, and the manifest says how many there were per sheet.
"""

from __future__ import annotations

import polars as pl

from schemas.datasets import DATASETS, EXTRA_KINDS, LINEAGE_KINDS
from transforms.ingest.results import HOUSEHOLD, PERSON, SheetResult

_NOT_FILLED = {"name", "id_number", "household_id"} | set(EXTRA_KINDS) | set(LINEAGE_KINDS)


def household_rows(sheets: list[SheetResult], dataset: str) -> pl.DataFrame | None:
    """The dataset's accepted household rows, the first row per household key (file order)."""
    frames = [s.accepted for s in sheets if s.dataset == dataset and s.level == HOUSEHOLD and s.accepted.height]
    if not frames:
        return None
    return pl.concat(frames).sort("src_file", "src_sheet", "src_row").unique("household_id", keep="first")


def staged_people(sheets: list[SheetResult], dataset: str) -> pl.DataFrame | None:
    """The dataset's person rows to stage: every person sheet's accepted rows, each member given
    the household fields it lacks from its household's row."""
    frames = [s.accepted for s in sheets if s.dataset == dataset and s.level == PERSON]
    if not frames:
        return None
    people = pl.concat(frames)
    households = household_rows(sheets, dataset)
    if households is None:
        return people
    filled = [f for f in DATASETS[dataset].field_names if f not in _NOT_FILLED]
    joined = people.join(households.select("household_id", *filled), on="household_id", how="left",
                         suffix="__household", maintain_order="left")
    return joined.with_columns(
        pl.coalesce(pl.col(f), pl.col(f"{f}__household")).alias(f) for f in filled
    ).select(people.columns)


def members_without_household(sheets: list[SheetResult]) -> dict[tuple[str, str, str], int]:
    """(file, sheet, dataset) of a member sheet (one lacking a required column its dataset's
    household sheets give) -> its accepted rows whose household no household sheet gave."""
    counts = {}
    for dataset in {s.dataset for s in sheets if s.level == HOUSEHOLD}:
        households = household_rows(sheets, dataset)
        keys = households["household_id"] if households is not None else pl.Series([], dtype=pl.String)
        # a member sheet lacks a required column the household sheets give (户类型 → poverty_status)
        given = {f.name for s in sheets if s.dataset == dataset and s.level == HOUSEHOLD
                 for f in DATASETS[dataset].fields if f.required and f.name not in s.fields_absent} - _NOT_FILLED
        members = [s for s in sheets if s.dataset == dataset and s.level == PERSON and given & set(s.fields_absent)]
        for sheet in members:
            missing = sheet.accepted.filter(~pl.col("household_id").is_in(keys.implode())).height
            if missing:
                counts[(sheet.file, sheet.sheet, dataset)] = missing
    return counts
