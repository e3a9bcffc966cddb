"""The category vocabularies (`categories.toml`): spellings offices use, and the words reports show."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def category_table() -> dict:
    text = resources.files("schemas").joinpath("categories.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def category_labels(vocabulary: str) -> dict[str, str]:
    """Canonical code -> the Chinese word a report shows (城市, 无劳动能力, 已脱贫 …)."""
    return dict(category_table()["labels"].get(vocabulary, {}))
