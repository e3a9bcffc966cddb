"""Recognise which dataset a sheet holds, from its header (SPEC §2), never from a fixed file name.

Each dataset has signature fields no other dataset has (死亡日期 for deaths, 劳动技能 for the
registry, …). The dataset whose signature fields the header names most wins; a tie goes to the
dataset whose required fields are most completely present, then to sheet and file name keywords
(低保, 特困, 残疾 …). No winner, or two, is a reason to reject.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.datasets import DATASETS, signature_fields
from transforms.headers import Header


@dataclass(frozen=True)
class Recognition:
    dataset: str | None
    reason: str = ""  # why no dataset, in Chinese, when dataset is None


def _named_fields(header: Header) -> dict[str, set[str]]:
    named: dict[str, set[str]] = {name: set() for name in DATASETS}
    for column in header.names:
        for dataset, field in header.meanings(column):
            for target in DATASETS if dataset == "*" else (dataset,):
                named[target].add(field)
    return named


def _required_share(dataset: str, named: set[str]) -> float:
    required = [f.name for f in DATASETS[dataset].fields if f.required]
    return sum(1 for f in required if f in named) / len(required)


def _keyword_hits(dataset: str, context: str) -> int:
    return sum(1 for word in DATASETS[dataset].keywords if word in context)


def seen_headers(header: Header) -> str:
    return "、".join(text for text in header.names.values())[:300]


def recognise_dataset(header: Header, context: str) -> Recognition:
    """The dataset of a sheet; `context` is its sheet name, title rows and file name."""
    named = _named_fields(header)
    scores = {name: len(fields & signature_fields(name)) for name, fields in named.items()}
    scores = {name: score for name, score in scores.items() if score}
    if not scores:
        return Recognition(None, f"表头不属于任何数据集；看到的表头：{seen_headers(header)}")
    leaders = sorted(scores)
    for tie_breaker in (
        lambda name: scores[name],
        lambda name: _required_share(name, named[name]),
        lambda name: _keyword_hits(name, context),
    ):
        best = max(tie_breaker(name) for name in leaders)
        leaders = [name for name in leaders if tie_breaker(name) == best]
    if len(leaders) > 1:
        labels = "、".join(DATASETS[name].label for name in leaders)
        return Recognition(
            None, f"表头同时符合多个数据集（{labels}），无法判断；看到的表头：{seen_headers(header)}"
        )
    return Recognition(leaders[0])
