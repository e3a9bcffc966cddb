"""Reshaping real exports into one row per person (SPEC §2 "Files as real systems export them").

A stage of ingestion between headers and normalising: each function reads the office's rows
(`_row` as the office sees it, `kind` data/total/footer …, the grid cells) and a `Layout`, and
returns the produced rows: `_row`, `_member` (the position in a household row, or null), `kind`,
`reason` (why a produced row is not data), `numeric__id_number` (the ID cell was a number) and
`raw__<field>` for each field the sheet gives. Pure functions of frames; the lineage of every
produced row points at a cell an officer can find.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from transforms.ingest import normalise as norm
from transforms.ingest.layout import PERSON_FIELDS, Layout
from transforms.ingest.non_data_rows import DATA

SKIPPED = "skipped"  # a data row of the office's that a shape sets aside, with its reason
NON_DATA_REASONS = {"total": "合计/小计行", "footer": "表尾（制表人、审核人、日期等）",
                    "header": "重复的表头", "template": "空白的编号行"}


def numeric_column(column: str) -> str:
    return f"numeric__{column}"


def _cells(fields: dict[str, str]) -> list[pl.Expr]:
    """field -> grid column, as raw__<field> columns."""
    return [pl.col(column).alias(f"raw__{name}") for name, column in fields.items()]


def _id_flag(column: str | None) -> pl.Expr:
    return (pl.col(numeric_column(column)) if column else pl.lit(False)).alias("numeric__id_number")


def _kind_and_reason() -> list[pl.Expr]:
    return [pl.col("kind"),
            pl.col("kind").replace_strict(NON_DATA_REASONS, default=None, return_dtype=pl.String).alias("reason")]


def one_row_per_person(office: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Each office row is one produced row: nothing reshaped."""
    fields = {f: c for c, f in layout.fields.items()}
    return office.select("_row", pl.lit(None, pl.Int32).alias("_member"), *_kind_and_reason(),
                         _id_flag(fields.get("id_number")), *_cells(fields))


def household_rows(office: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """One row per household with its members in numbered column groups (成员一姓名/成员一身份证号
    …) becomes one row per person: the head first (position 1, its own columns and any 户主…
    column), then each member group that holds anything (position 2 for 成员一 …), the household's
    columns repeated on every row. Where no household number is exported, the head's ID number is
    the household key (marked derived by the caller)."""
    own = {f: c for c, f in layout.fields.items() if f in PERSON_FIELDS}
    shared = {f: c for c, f in layout.fields.items() if f not in PERSON_FIELDS}
    head_id = own.get("id_number")
    household_key = [] if "household_id" in shared or head_id is None else [
        norm.id_text(pl.col(head_id)).alias("raw__household_id")]
    is_data = pl.col("kind") == DATA
    head = office.select(
        "_row", pl.when(is_data).then(pl.lit(1, pl.Int32)).alias("_member"), *_kind_and_reason(),
        _id_flag(head_id), *_cells(own | shared), *household_key,
        *([] if "relation" in own else [pl.when(is_data).then(pl.lit("户主")).alias("raw__relation")]),
    )
    groups = [head, *_listed_members(office, layout, shared, household_key)]
    for position, group in layout.members.items():
        holds_something = pl.any_horizontal(pl.col(c).is_not_null() for c in group.values())
        groups.append(office.filter(is_data & holds_something).select(
            "_row", pl.lit(position, pl.Int32).alias("_member"), *_kind_and_reason(),
            _id_flag(group.get("id_number")), *_cells(group | shared), *household_key,
        ))
    return pl.concat(groups, how="diagonal_relaxed").sort("_row", "_member", nulls_last=False)


_LIST_SEPARATORS = r"[,，、;；/|\s]+"


def _listed_members(office: pl.DataFrame, layout: Layout, shared: dict[str, str],
                    household_key: list[pl.Expr]) -> list[pl.DataFrame]:
    """Members listed in one cell each (家庭成员姓名 李四、张小; 家庭成员身份证号 …): the k-th name with
    the k-th ID is the member at position k + 1; the head, where the list repeats it, is not."""
    if not layout.member_lists:
        return []
    names_column = layout.member_lists.get("name")
    head_id = next((c for c, f in layout.fields.items() if f == "id_number"), None)
    listed = office.filter(pl.col("kind") == DATA).select(
        "_row", *(pl.col(c).alias(f"raw__{f}") for f, c in shared.items()), *household_key,
        pl.col(layout.member_lists["id_number"]).str.replace_all(_LIST_SEPARATORS, ",").alias("_ids"),
        (pl.col(names_column).str.replace_all(_LIST_SEPARATORS, ",") if names_column
         else pl.lit(None, pl.String)).alias("_names"),
        (norm.id_text(pl.col(head_id)) if head_id else pl.lit(None, pl.String)).alias("_head"),
    )
    rows = []
    for record in listed.iter_rows(named=True):
        names = [n for n in (record["_names"] or "").split(",") if n]
        ids = [n for n in (record["_ids"] or "").split(",") if n]
        people = [(number, names[k] if k < len(names) else None) for k, number in enumerate(ids)
                  if number.upper() != record["_head"]]
        fixed = {k: v for k, v in record.items() if k.startswith("raw__")}
        rows += [{"_row": record["_row"], "_member": position, "kind": DATA, "reason": None,
                  "numeric__id_number": False, "raw__id_number": number, "raw__name": name, **fixed}
                 for position, (number, name) in enumerate(people, start=2)]
    if not rows:
        return []
    return [pl.DataFrame(rows, schema_overrides={"_member": pl.Int32, "_row": pl.Int64})]


# 补贴类型 values: 困难残疾人生活补贴 / 生活补贴 → living, 重度残疾人护理补贴 / 护理补贴 → care
_PAYMENT_TYPES = {"生活": "living_subsidy", "护理": "care_subsidy"}


def payment_type_rows(office: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """A disability sheet with one row per payment (补贴类型 生活补贴 / 护理补贴 and one 补贴金额)
    becomes one row per person with living_subsidy and care_subsidy: a type with no row for the
    person was paid 0 (a blank cell), a row with a blank type lists a person paid neither. The
    person's rows are one produced row, at the person's first office row; a person's second row of
    the same type, or a row without a type beside rows with one, is a second produced row (listed
    twice). A type no one knows is set aside."""
    fields = {f: c for c, f in layout.fields.items()}
    type_column, amount_column = layout.shape_columns["payment_type"], layout.shape_columns["payment_amount"]
    kind_text = norm.no_spaces(pl.col(type_column))
    paid_as = pl.coalesce(
        *(pl.when(kind_text.str.contains(word)).then(pl.lit(name)) for word, name in _PAYMENT_TYPES.items()),
        pl.when(norm.is_blank(pl.col(type_column))).then(pl.lit("none")),
    )
    person = pl.coalesce(norm.id_text(pl.col(fields["id_number"])) if "id_number" in fields else pl.lit(None),
                         pl.col("_row").cast(pl.String))
    rows = office.with_columns(paid_as.alias("_paid_as"), person.alias("_person"))
    unknown = (pl.col("kind") == DATA) & pl.col("_paid_as").is_null()
    set_aside = rows.filter((pl.col("kind") != DATA) | unknown).select(
        "_row", pl.lit(None, pl.Int32).alias("_member"),
        pl.when(unknown).then(pl.lit(SKIPPED)).otherwise(pl.col("kind")).alias("kind"),
        pl.when(unknown).then(pl.lit("补贴类型「") + pl.col(type_column) + pl.lit("」无法识别（应为生活补贴或护理补贴）"))
        .otherwise(pl.col("kind").replace_strict(NON_DATA_REASONS, default=None, return_dtype=pl.String))
        .alias("reason"),
        _id_flag(fields.get("id_number")), *_cells(fields),
    )
    # a person's k-th 生活补贴 row and k-th 护理补贴 row are one person; a row with no type is a
    # listing of its own (a second registration of the person is a duplicate, not a payment)
    payments = rows.filter((pl.col("kind") == DATA) & ~unknown).with_columns(
        pl.when(pl.col("_paid_as") == "none").then(-pl.col("_row"))
        .otherwise(pl.col("_row").rank("ordinal").over("_person", "_paid_as").cast(pl.Int64)).alias("_nth"))
    people = payments.group_by("_person", "_nth", maintain_order=True).agg(
        pl.col("_row").first(), pl.col("kind").first(), _id_flag(fields.get("id_number")).first(),
        *(pl.col(c).first().alias(f"raw__{f}") for f, c in fields.items()
          if f not in _PAYMENT_TYPES.values()),
        *(pl.col(amount_column).filter(pl.col("_paid_as") == name).first().alias(f"raw__{name}")
          for name in _PAYMENT_TYPES.values()),
    ).select("_row", pl.lit(None, pl.Int32).alias("_member"), "kind", pl.lit(None, pl.String).alias("reason"),
             "numeric__id_number", pl.col("^raw__.*$"))
    return pl.concat([people, set_aside], how="diagonal_relaxed").sort("_row")


def inpatient_rows(office: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """A claims export mixing 住院, 门诊 and 药店 stays (a visit-type column): only inpatient rows
    are claims; the others are non-data rows counted with their reason."""
    rows = one_row_per_person(office, layout)
    visit = office.select(norm.no_spaces(pl.col(layout.shape_columns["visit_type"])).alias("visit"))["visit"]
    outpatient = (rows["kind"] == DATA) & ~visit.str.contains("住院").fill_null(False)
    reason = pl.when(visit.is_null()).then(pl.lit("就诊类别为空（非住院）")).otherwise(
        pl.lit("就诊类别「") + visit + pl.lit("」（非住院）"))
    return rows.with_columns(
        pl.when(outpatient).then(pl.lit(SKIPPED)).otherwise(pl.col("kind")).alias("kind"),
        pl.when(outpatient).then(pl.select(reason).to_series()).otherwise(pl.col("reason")).alias("reason"),
    )


# SPEC §2, one template for several programmes: 城市低保A1档 / 农村低保B档 / 城市特困 / 农村特困 …
_PROGRAMME = re.compile(
    r"^(城市|城镇|农村)?(低保边缘|低收入|低保|特困供养|特困|五保|孤儿|事实无人抚养儿童|困境儿童)"
    r"(?:对象|人员|家庭|户)?([ABCabc一二三])?\d*[档类级]?(?:基本生活保障金|基本生活费|保障金|生活费)?$")
_FACTS = {"dibao": ("category",), "tekun": (), "children": ("child_category",), "low_income": ("low_income_type",)}
_PROGRAMME_DATASETS = {"低保": "dibao", "特困": "tekun", "特困供养": "tekun", "五保": "tekun",
                       "低保边缘": "low_income", "低收入": "low_income", "孤儿": "children",
                       "事实无人抚养儿童": "children", "困境儿童": "children"}


def programme_of(value: str | None) -> tuple[str, dict[str, str]] | None:
    """The dataset a programme value names and the facts it gives: 城市低保A1档 → dibao, area type
    城市, class A; 农村特困 → tekun; None when it names no programme."""
    if value is None:
        return None
    found = _PROGRAMME.match("".join(str(value).split()).upper())
    if not found:
        return None
    area, programme, grade = found.groups()
    dataset = _PROGRAMME_DATASETS[programme]
    facts: dict[str, str] = {}
    if area and dataset == "dibao":
        facts["area_type"] = area
    if dataset == "dibao":  # a value naming no class (城市低保) names a member without one
        facts["category"] = {"一": "A", "二": "B", "三": "C"}.get(grade, grade.upper()) if grade else None
    if dataset == "children":
        facts["child_category"] = programme
    if dataset == "low_income":
        facts["low_income_type"] = programme
    return dataset, facts


def programme_share(values: pl.Series) -> float:
    """The share of a column's non-blank cells that name a programme: a column that is a programme
    column by its header and its content."""
    cells = values.drop_nulls()
    if cells.is_empty():
        return 0.0
    return sum(programme_of(v) is not None for v in cells.to_list()) / cells.len()


def programme_split(office: pl.DataFrame, column: str, layouts: dict[str, Layout]) -> dict[str, pl.DataFrame]:
    """A sheet whose type column names each row's programme, split into the datasets it names,
    each row taking area type and class (A1档 → A) from the same value where the template has no
    column for them. Rows naming no programme, and the non-data rows, stay with the first dataset
    named, set aside with their reason."""
    named = [programme_of(v) for v in office[column].to_list()]
    targets = list(dict.fromkeys(n[0] for n in named if n))
    produced: dict[str, pl.DataFrame] = {}
    for dataset in targets:
        keep = [(n is not None and n[0] == dataset) or (n is None and dataset == targets[0]) for n in named]
        rows = office.filter(pl.Series(keep))
        mine = [n for n, k in zip(named, keep, strict=True) if k]
        unnamed = (rows["kind"] == DATA) & pl.Series([n is None for n in mine])
        shaped = one_row_per_person(rows, layouts[dataset]).with_columns(
            pl.when(unnamed).then(pl.lit(SKIPPED)).otherwise(pl.col("kind")).alias("kind"),
            pl.when(unnamed).then(pl.lit("保障类型「") + rows[column] + pl.lit("」不是可识别的救助项目"))
            .otherwise(pl.col("reason")).alias("reason"),
        )
        facts = [n[1] if n else {} for n in mine]
        for fact in dict.fromkeys(f for row in facts for f in row) | dict.fromkeys(_FACTS[dataset]):
            if f"raw__{fact}" not in shaped.columns:
                shaped = shaped.with_columns(pl.Series(f"raw__{fact}", [row.get(fact) for row in facts], pl.String))
        produced[dataset] = shaped
    return produced


# GB/T 26341 残疾人证号: the holder's 18-character ID, then the type digit and the level digit.
_CERTIFICATE_TYPES = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神", "7": "多重"}


def from_certificate(raw: pl.DataFrame) -> pl.DataFrame:
    """A 残联 sheet whose only ID is the 20-character 残疾证号 (SPEC §2): the ID is its first 18
    characters, and the type and level its last two digits where those columns are absent."""
    if "raw__cert_number" not in raw.columns:
        return raw
    cert = norm.id_cleaned(pl.col("raw__cert_number"))
    derived = {}
    if "raw__id_number" not in raw.columns:
        derived["raw__id_number"] = cert.str.slice(0, 18)
    if "raw__disability_type" not in raw.columns:
        derived["raw__disability_type"] = pl.when(cert.str.len_chars() == 20).then(
            cert.str.slice(18, 1).replace_strict(_CERTIFICATE_TYPES, default=None))
    if "raw__disability_level" not in raw.columns:
        derived["raw__disability_level"] = pl.when(cert.str.len_chars() == 20).then(cert.str.slice(19, 1))
    return raw.with_columns(expr.alias(name) for name, expr in derived.items())


def derived_claim_id(id_number: str | None, admitted: object, settled: object, cost: float | None) -> str:
    """SPEC §2: a claims sheet without a settlement number keys each stay by `D` and the first 12
    hex digits of sha256(id_number|admit_date|settle_date|compliant_cost), dates YYYY-MM-DD and the
    cost with two decimals, empty where absent: the same stay keeps its key from run to run."""
    def text(value: object) -> str:
        return "" if value is None else str(value)
    key = "|".join([text(id_number), text(admitted), text(settled), "" if cost is None else f"{cost:.2f}"])
    return "D" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def with_derived_claim_ids(typed: pl.DataFrame) -> pl.DataFrame:
    """Claims typed without a claim_id column, keyed by derived_claim_id."""
    keys = [derived_claim_id(*row) for row in
            typed.select("id_number", "admit_date", "settle_date", "compliant_cost").iter_rows()]
    return typed.with_columns(pl.Series("claim_id", keys, dtype=pl.String))


DERIVED_CLAIM_ID = r"^D[0-9a-f]{12}$"  # how reports tell a derived key from an exported one
