"""Recognise which dataset a sheet holds, from its header (SPEC §2), never from a fixed file name.

A sheet can belong to a dataset only when its header names who each row is: `id_number` and
`name` (a `persons` sheet may carry the ID inside its 20-character 残疾证号; a household sheet
exported apart from its members names the household key instead). Among the datasets it could
belong to, the one whose own headers and keywords it matches best wins:
- each header naming a field of a dataset other than who and where counts for that dataset, shared
  among the datasets it names (基本生活费 is half 特困, half 困境儿童; 户编号 a third each of 低保,
  建档立卡 and 低收入); a person's attributes that every civil-affairs roster may carry (残疾等级,
  残疾类别, 残疾证号) count half;
- each keyword of the dataset in the sheet name, title rows or file name counts three: the office's
  own name for the file (a title that says 五保发放明细 over a template shared with 低保, a file named
  低保边缘人员查询) says more than the template's columns; a keyword inside a header that names no
  field (是否残疾, 领取人与儿童关系) counts half. The longest keyword is matched first: 低保边缘 is
  低收入人口's, never also 低保's.
A dataset named only by keywords competes unless the header has every required column of
another (a file named 低保.xlsx holding 死亡日期 is death records). Identity alone (no own header
and no keyword), or a tie the keywords cannot break, is rejected with the nearest miss named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.datasets import DATASETS, SHAPE_FIELDS
from transforms.ingest.headers import Header, prefixed_meanings

IDENTITY = frozenset({"name", "id_number"})
PLACE = frozenset({"county", "township", "village"})
CONTEXT_KEYWORD_WEIGHT = 3
HEADER_KEYWORD_WEIGHT = 0.5
ATTRIBUTE_WEIGHT = 0.5
ATTRIBUTES = frozenset({("persons", "disability_level"), ("persons", "disability_type"), ("persons", "cert_number")})
# A household sheet exported apart from its members (SPEC §2, "household and member sheets").
HOUSEHOLD_KEY = "household_id"


@dataclass(frozen=True)
class Recognition:
    dataset: str | None
    reason: str = ""  # why this dataset, or why none, in Chinese
    headers_seen: list[str] = field(default_factory=list)
    household_sheet: bool = False  # a household sheet without members' IDs and names


def _column_meanings(header: Header, column: str) -> frozenset[tuple[str, str]]:
    """What a column names, reading through a head's or a member's prefix."""
    return prefixed_meanings(header.names[column], header.site)


def _owns(target: str, meant: str) -> bool:
    """Whether a field (or a column a shape reads) belongs to a dataset."""
    return meant in DATASETS[target].field_names or SHAPE_FIELDS.get(meant) == target


def named_fields(header: Header) -> dict[str, dict[str, list[str]]]:
    """Dataset -> field -> the header texts naming it."""
    named: dict[str, dict[str, list[str]]] = {name: {} for name in DATASETS}
    for column, text in header.names.items():
        for dataset, meant in _column_meanings(header, column):
            for target in DATASETS if dataset == "*" else (dataset,):
                if _owns(target, meant):
                    named[target].setdefault(meant, []).append(text)
    return named


def has_identity(dataset: str, fields: dict[str, list[str]]) -> bool:
    """Whether the header names who each row is: ID number and name (残疾证号 holds a persons ID)."""
    has_id = "id_number" in fields or (dataset == "persons" and "cert_number" in fields)
    return has_id and "name" in fields


def _field_scores(header: Header, candidates: set[str]) -> dict[str, float]:
    """Each candidate's share of the headers naming its own fields (not who or where); a field
    named by several columns counts once."""
    scores = {d: 0.0 for d in candidates}
    counted: set[tuple[str, str]] = set()
    for column in header.names:
        owners: dict[str, set[str]] = {}
        for dataset, meant in _column_meanings(header, column):
            if meant in IDENTITY | PLACE or SHAPE_FIELDS.get(meant) == "*":
                continue
            for target in DATASETS if dataset == "*" else (dataset,):
                if _owns(target, meant):
                    owners.setdefault(target, set()).add(meant)
        for target, meant in owners.items():
            new = {(target, f) for f in meant} - counted
            if target in scores and new:
                weight = ATTRIBUTE_WEIGHT if all((target, f) in ATTRIBUTES for f in meant) else 1.0
                scores[target] += weight / len(owners)
                counted |= new
    return scores


def keyword_hits(dataset: str, context: str) -> list[str]:
    """The dataset's keywords found in a text, the longest keyword of any dataset matched first
    (低保边缘 is 低收入人口's, and the 低保 inside it is no one's)."""
    return _all_keyword_hits(context).get(dataset, [])


def _all_keyword_hits(context: str) -> dict[str, list[str]]:
    words = sorted(((w, d) for d in DATASETS for w in DATASETS[d].keywords), key=lambda wd: -len(wd[0]))
    hits: dict[str, list[str]] = {}
    for word, dataset in words:
        if word in context:
            hits.setdefault(dataset, []).append(word)
            context = context.replace(word, "\0" * len(word))
    return hits


def _labels(dataset: str, fields: list[str]) -> str:
    return "、".join(f"「{DATASETS[dataset].field(f).label}」" for f in fields)


def rule_fields_lacking(dataset: str, fields: dict[str, list[str]]) -> list[str]:
    """The dataset's required rule fields the header does not name, in the dataset's order."""
    return [f.name for f in DATASETS[dataset].fields
            if f.required and f.name not in fields and f.name not in IDENTITY]


def recognise_dataset(header: Header, context: str) -> Recognition:
    """The dataset of a sheet; `context` is its sheet name, title rows and file name."""
    seen = list(header.names.values())
    named = named_fields(header)
    # Keywords also count in the headers that name no field (儿童类别, 是否孤儿), at a lower weight:
    # a header already counted as a field is not counted twice.
    unmapped = " ".join(text for column, text in header.names.items() if not _column_meanings(header, column))
    with_identity = {d for d in DATASETS if has_identity(d, named[d])}
    scores = _field_scores(header, set(DATASETS))
    if not with_identity:
        households = {d for d in DATASETS if HOUSEHOLD_KEY in named[d]
                      and set(named[d]) - IDENTITY - PLACE - {HOUSEHOLD_KEY, "relation"}}
        if households:
            return _best(households, scores, context, unmapped, seen, named, household_sheet=True)
        return Recognition(None, _no_identity(named, scores, context), seen)
    candidates = {d for d in with_identity if scores[d] > 0 or keyword_hits(d, context)}
    if any(_solid(d, named[d]) for d in candidates):
        # a sheet with every required column of a dataset (死亡日期 for 死亡人员名单) is not taken
        # for another by its file name alone
        candidates = {d for d in candidates if scores[d] > 0}
    if not candidates:
        return Recognition(None, _identity_alone(with_identity, context + " " + unmapped), seen)
    return _best(candidates, scores, context, unmapped, seen, named)


def _solid(dataset: str, fields: dict[str, list[str]]) -> bool:
    """Whether the header names every required rule column of the dataset, not only the person
    attributes other rosters carry too."""
    required = [f.name for f in DATASETS[dataset].fields if f.required and f.name not in IDENTITY | PLACE
                and (dataset, f.name) not in ATTRIBUTES]
    return bool(required) and all(f in fields for f in required)


def _coverage(dataset: str, fields: dict[str, list[str]]) -> float:
    """The share of the dataset's required rule fields the header names."""
    required = [f.name for f in DATASETS[dataset].fields if f.required and f.name not in IDENTITY | PLACE]
    return sum(f in fields for f in required) / len(required) if required else 0.0


def _best(candidates: set[str], scores: dict[str, float], context: str, unmapped: str, seen: list[str],
          named: dict[str, dict[str, list[str]]], household_sheet: bool = False) -> Recognition:
    """The best candidate: the most own headers and keywords, then the larger share of its
    required columns present, then the more keywords; a tie left is rejected."""
    hits = {d: keyword_hits(d, context) for d in candidates}
    in_headers = {d: keyword_hits(d, unmapped) for d in candidates}
    rank = {d: (round(scores[d] + CONTEXT_KEYWORD_WEIGHT * len(hits[d]) + HEADER_KEYWORD_WEIGHT * len(in_headers[d]),
                      6), round(_coverage(d, named[d]), 6), len(hits[d]) + len(in_headers[d]))
            for d in candidates}
    ranked = sorted(candidates, key=lambda d: (rank[d], -list(DATASETS).index(d)), reverse=True)
    top = [d for d in ranked if rank[d] == rank[ranked[0]]]
    if len(top) > 1:
        labels = "、".join(DATASETS[d].label for d in top)
        return Recognition(None, f"表头同时符合{labels}，表名、标题和文件名也无法区分：请在文件名中写明是哪一类名册"
                                 f"（如“{DATASETS[top[0]].keywords[0]}”）", seen)
    chosen = top[0]
    own = [texts[0] for f, texts in named[chosen].items() if f not in IDENTITY | PLACE]
    why = (f"表头有{DATASETS[chosen].label}的列「{'」「'.join(own[:4])}」{' 等' if len(own) > 4 else ''}"
           if own else f"表头除身份信息外没有{DATASETS[chosen].label}的列")
    if hits[chosen]:
        why += f"，表名、标题或文件名含“{'”“'.join(hits[chosen])}”"
    if len(ranked) > 1:
        why += f"；其次接近{DATASETS[ranked[1]].label}"
    return Recognition(chosen, why + ("；是户表（无成员姓名和身份证号码），按户编号与成员表合并"
                                      if household_sheet else ""), seen, household_sheet)


def _nearest_by_keywords(datasets: set[str] | list[str], context: str) -> str | None:
    hits = {d: len(keyword_hits(d, context)) for d in datasets}
    best = max(hits.values(), default=0)
    return next((d for d in DATASETS if hits.get(d) == best), None) if best else None


def _identity_alone(with_identity: set[str], context: str) -> str:
    nearest = _nearest_by_keywords(with_identity, context)
    if nearest is None:
        return ("表头只有姓名、身份证号码等身份和地址信息，没有任何名册的业务列（如「月保障金」「基本生活费」"
                "「死亡日期」「劳动技能」「残疾等级」），无法判断是哪一类名册")
    lacking = rule_fields_lacking(nearest, {}) or [
        f.name for f in DATASETS[nearest].fields if f.name not in IDENTITY | PLACE][:3]
    return (f"表头只有姓名、身份证号码等身份信息，最接近{DATASETS[nearest].label}"
            f"（名称含“{'”“'.join(keyword_hits(nearest, context))}”），但缺少{_labels(nearest, lacking)}"
            "等列：请检查导出时是否漏选了这些列")


def _no_identity(named: dict[str, dict[str, list[str]]], scores: dict[str, float], context: str) -> str:
    best = max(scores.values(), default=0)
    if best <= 0:
        return "表头不属于任何数据集"
    nearest = next(d for d in DATASETS if scores[d] == best)
    missing = [f for f in ("id_number", "name") if f not in named[nearest]]
    return (f"表头没有{_labels(nearest, missing)}列，不是人员名单（最接近{DATASETS[nearest].label}）："
            "汇总表、统计表不作为数据读取；如是名册，请导出含姓名和身份证号码的明细")
