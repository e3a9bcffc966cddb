"""Recognise which dataset a sheet holds, from its header (SPEC §2), never from a fixed file name.

A sheet matches a dataset when its header names every field the dataset requires (the county
may come from the sheet name instead). One match is the dataset; two or more are told apart by
sheet, title and file name keywords (低保, 特困, 残疾 …), and rejected if the keywords do not
decide. A sheet that matches no dataset fully is taken as the closest one it partly matches —
its rows then go to quarantine naming the missing column — and rejected if it names no field
peculiar to any dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.datasets import DATASETS, signature_fields
from transforms.ingest.headers import Header


@dataclass(frozen=True)
class Recognition:
    dataset: str | None
    reason: str = ""  # why no dataset, in Chinese, when dataset is None
    headers_seen: list[str] = field(default_factory=list)


def _named_fields(header: Header) -> dict[str, set[str]]:
    named: dict[str, set[str]] = {name: set() for name in DATASETS}
    for column in header.names:
        for dataset, meant in header.meanings(column):
            for target in DATASETS if dataset == "*" else (dataset,):
                named[target].add(meant)
    return named


def _required(dataset: str) -> set[str]:
    return {f.name for f in DATASETS[dataset].fields if f.required} - {"county"}


def _keyword_hits(dataset: str, context: str) -> int:
    return sum(1 for word in DATASETS[dataset].keywords if word in context)


def _closest(named: dict[str, set[str]]) -> list[str]:
    """Datasets partly matched, best first: most required fields present, then most peculiar ones."""
    partial = {d: fields for d, fields in named.items() if fields & signature_fields(d)}
    if not partial:
        return []

    def score(d: str) -> tuple[float, int]:
        return len(partial[d] & _required(d)) / len(_required(d)), len(partial[d] & signature_fields(d))

    best = max(score(d) for d in partial)
    return [d for d in partial if score(d) == best]


def recognise_dataset(header: Header, context: str) -> Recognition:
    """The dataset of a sheet; `context` is its sheet name, title rows and file name."""
    seen = list(header.names.values())
    named = _named_fields(header)
    candidates = [d for d in DATASETS if _required(d) <= named[d]] or _closest(named)
    if not candidates:
        return Recognition(None, "表头不属于任何数据集", seen)
    if len(candidates) > 1:
        hits = {d: _keyword_hits(d, context) for d in candidates}
        candidates = [d for d in candidates if hits[d] == max(hits.values())]
    if len(candidates) > 1:
        labels = "、".join(DATASETS[d].label for d in candidates)
        return Recognition(None, f"表头同时符合{labels}，表名和文件名也无法区分", seen)
    return Recognition(candidates[0])
