"""The ten datasets of SPEC §1-§2: their fields, what kind of value each holds, which are required.

This is the contract between ingestion (which fills these columns) and the rules (which read them
from the staged DuckDB tables). Header spellings live in `header_aliases.csv`, category spellings
in `categories.toml`; this module says what a field *is*.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.kinds import polars_type, sql_type

OFFICES = ("civil", "poverty", "medical", "disability")
OFFICE_LABELS = {"civil": "民政", "poverty": "扶贫（乡村振兴）", "medical": "医保", "disability": "残联"}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # one of schemas/kinds.py: text, name, id, county, money, date, category …
    label: str  # the canonical Chinese header, used in messages
    required: bool = False
    vocabulary: str | None = None  # for kind 'category' / 'level'
    # The canonical code a blank cell means, where a blank is a fact and not a gap (a 低保 member
    # without a class is class "none"); a column the sheet lacks is still unknown (SPEC §2).
    blank: str | None = None

    @property
    def sql_type(self) -> str:
        return sql_type(self.kind)

    @property
    def polars_type(self) -> pl.DataType:
        return polars_type(self.kind)


@dataclass(frozen=True)
class Dataset:
    name: str
    office: str
    label: str  # Chinese name, for messages and reports
    fields: tuple[Field, ...]
    keywords: tuple[str, ...]  # sheet / file name words that break a tie between datasets
    # Whose spelling of a person's name and county is taken first when sources differ: the
    # rosters that pay (低保, 特困), the registries (建档立卡, 残联), then insurance and deaths.
    person_rank: int

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name, kind, label, required=False, vocabulary=None, blank=None) -> Field:
    return Field(name, kind, label, required, vocabulary, blank)


def _place(required_county: bool = False) -> tuple[Field, ...]:
    return (
        _f("county", "county", "区县", required_county),
        _f("township", "text", "乡镇(街道)"),
        _f("village", "text", "村(社区)"),
    )


def _person() -> tuple[Field, ...]:
    # SPEC §2: id_number and name are required everywhere.
    return (_f("name", "name", "姓名", True), _f("id_number", "id", "身份证号码", True))


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "dibao", "civil", "低保花名册",
            _place(True) + (_f("household_id", "text", "户编号", True),) + _person() + (
                _f("relation", "text", "与户主关系"),
                _f("category", "category", "保障类别", vocabulary="dibao_category", blank="none"),
                _f("area_type", "category", "城乡类别", True, "area_type"),
                _f("household_size", "count", "保障人口"),
                _f("per_capita_income", "money", "家庭月人均收入", True),
                _f("benefit", "money", "月保障金", True),
                _f("topup", "money0", "分类施保金"),
                # SPEC §2: a household's amount (户月保障金) is the household's, never a member's.
                _f("household_benefit", "money", "户月保障金"),
            ),
            ("低保", "最低生活保障"),
            1,
        ),
        Dataset(
            "tekun", "civil", "特困供养人员名册",
            _place(True) + _person() + (
                _f("support_mode", "category", "供养方式", vocabulary="support_mode"),
                _f("self_care", "category", "自理能力", vocabulary="self_care"),
                _f("basic_paid", "money", "基本生活费", True),
                _f("care_paid", "money0", "照料护理费"),
            ),
            ("特困", "供养", "五保"),
            2,
        ),
        Dataset(
            "deaths", "civil", "死亡人员名单",
            _place() + _person() + (_f("death_date", "date", "死亡日期", True),),
            ("死亡", "殡葬", "火化", "注销"),
            7,
        ),
        Dataset(
            "registry", "poverty", "建档立卡人员名单",
            _place() + (_f("household_id", "text", "户编号", True),) + _person() + (
                _f("relation", "text", "与户主关系"),
                _f("labor_ability", "category", "劳动技能", True, "labor_ability"),
                _f("poverty_status", "category", "贫困户状态", True, "poverty_status"),
                # 防返贫监测 (2021-): a 监测户 is poor until 风险是否消除 says 是 (SPEC §2).
                _f("risk_eliminated", "category", "风险是否消除", vocabulary="yes_no"),
                _f("exit_year", "year", "脱贫年度"),
                _f("annual_income_per_capita", "money", "家庭年人均纯收入"),
                _f("cause", "text", "主要致贫原因"),
            ),
            ("建档立卡", "扶贫", "脱贫", "贫困"),
            3,
        ),
        Dataset(
            "enrollment", "medical", "参保与资助名单",
            _place() + _person() + (
                _f("insured_status", "category", "参保状态", True, "insured_status"),
                _f("premium", "money", "个人缴费标准", True),
                _f("premium_subsidy", "money0", "资助金额"),
                _f("subsidy_type", "text", "资助类别"),
                _f("year", "year", "参保年度", True),
            ),
            ("参保", "资助", "缴费"),
            5,
        ),
        Dataset(
            "claims", "medical", "住院结算明细",
            _place() + (_f("claim_id", "text", "结算单号", True),) + _person() + (
                _f("admit_date", "date", "入院日期"),
                _f("discharge_date", "date", "出院日期"),
                _f("settle_date", "date", "结算日期", True),
                _f("total_cost", "money", "医疗总费用"),
                _f("compliant_cost", "money", "政策范围内费用", True),
                _f("basic_paid", "money", "基本医保支付", True),
                _f("critical_paid", "money0", "大病保险支付"),
                _f("supplementary_paid", "money0", "补充保险支付"),
                _f("aid_paid", "money0", "医疗救助支付"),
            ),
            ("结算", "住院", "医疗救助", "一站式"),
            6,
        ),
        Dataset(
            "persons", "disability", "残疾人及两项补贴名单",
            _place() + _person() + (
                _f("cert_number", "text", "残疾证号"),
                _f("disability_type", "category", "残疾类别", vocabulary="disability_type"),
                _f("disability_level", "level", "残疾等级", True, "disability_level"),
                _f("living_subsidy", "money0", "困难残疾人生活补贴"),
                _f("care_subsidy", "money0", "重度残疾人护理补贴"),
            ),
            ("残疾", "残联", "两项补贴"),
            4,
        ),
        Dataset(
            "temp_relief", "civil", "临时救助发放记录",
            _place() + _person() + (
                _f("relief_type", "category", "救助类型", vocabulary="relief_type"),
                _f("amount", "money", "救助金额", True),
                _f("pay_date", "date", "发放日期", True),
                _f("reason", "text", "救助事由"),
            ),
            ("临时救助", "急难", "救急难"),
            10,
        ),
        Dataset(
            "children", "civil", "困境儿童保障名册",
            _place(True) + _person() + (
                _f("child_category", "category", "保障类别", True, "child_category"),
                _f("care_setting", "category", "养育方式", vocabulary="care_setting"),
                _f("allowance", "money", "基本生活费", True),
            ),
            ("孤儿", "儿童", "事实无人抚养", "养育"),
            8,
        ),
        Dataset(
            "low_income", "civil", "低收入人口名单",
            (_f("county", "county", "区县"), _f("township", "text", "乡镇(街道)"),
             _f("household_id", "text", "户编号")) + _person() + (
                _f("low_income_type", "text", "类型"),
            ),
            ("低收入", "低保边缘", "支出型"),
            9,
        ),
    )
}

# Columns that a shape of real exports reads and no rule does (SPEC §2 "Files as real systems
# export them"): reshaping consumes them and they are never staged. Field -> the datasets whose
# sheets carry it ('*': any).
SHAPE_FIELDS = {
    "programme": "*",  # 基本生活保障类型: one template for several programmes
    "visit_type": "claims",  # 医保就诊类别: mixed stays, only 住院 rows are claims
    "payment_type": "persons",  # 补贴类型: one row per payment type
    "payment_amount": "persons",  # 补贴金额: the amount of that payment
}

SHAPE_LABELS = {"programme": "救助项目（保障类型）", "visit_type": "就诊类别", "payment_type": "补贴类型",
                "payment_amount": "补贴金额"}

# Columns every staged table carries besides its fields: the person's name and ID as read
# (identity matching beyond exact IDs will need them), and the lineage of the row.
EXTRA_KINDS = {"name_norm": "text", "id_number_raw": "text"}
# `src_member`: where one office row became several (a household row's members, SPEC §2), the
# produced row's position in it (1 the head, 2 the first member group …); null otherwise.
LINEAGE_KINDS = {"src_file": "text", "src_sheet": "text", "src_row": "count", "src_member": "count"}

# Fields shared by several datasets: they say nothing about which dataset a sheet is.
COMMON_FIELDS = frozenset(
    {"county", "township", "village", "name", "id_number", "household_id", "relation"}
)

# Money fields a total row (合计) may carry a sum of; averages and incomes are not summed.
SUMMABLE_KINDS = frozenset({"money", "money0"})
NOT_SUMMED = frozenset({"per_capita_income", "annual_income_per_capita"})


def staged_kinds(dataset: str) -> dict[str, str]:
    """Column name -> kind of a dataset's staged table, in order."""
    return {f.name: f.kind for f in DATASETS[dataset].fields} | EXTRA_KINDS | LINEAGE_KINDS


def staged_columns(dataset: str) -> dict[str, str]:
    """Column name -> DuckDB type of a dataset's staged table, in order."""
    return {name: sql_type(kind) for name, kind in staged_kinds(dataset).items()}


def staged_schema(dataset: str) -> dict[str, pl.DataType]:
    """Column name -> polars type of a dataset's staged rows, in order."""
    return {name: polars_type(kind) for name, kind in staged_kinds(dataset).items()}


def signature_fields(dataset: str) -> frozenset[str]:
    """The fields whose presence says a sheet belongs to this dataset."""
    return frozenset(DATASETS[dataset].field_names) - COMMON_FIELDS
