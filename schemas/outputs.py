"""What doudi writes (SPEC §5): every output table's columns, kinds and Chinese headers, and the manifest.

Declared once here and used by the code that writes them (Parquet schemas, DuckDB tables), by the
report writers (headers) and by the tests. A column's kind is one of `schemas/kinds.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from pydantic import BaseModel, ConfigDict

from schemas.kinds import polars_type, sql_type


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    header: str  # the column's Chinese header in the workbooks


@dataclass(frozen=True)
class Table:
    name: str
    label: str  # the Chinese name of the table, for reports
    columns: tuple[Column, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {c.name: polars_type(c.kind) for c in self.columns}

    @property
    def headers(self) -> dict[str, str]:
        return {c.name: c.header for c in self.columns}

    def ddl(self) -> str:
        """The column list of a DuckDB `create table`."""
        return ", ".join(f"{c.name} {sql_type(c.kind)}" for c in self.columns)

    def conformed(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame in this table's column order and types. A column missing or unexpected is a
        bug in the query that made the frame, and raises."""
        if set(frame.columns) != set(self.names):
            missing, extra = set(self.names) - set(frame.columns), set(frame.columns) - set(self.names)
            raise ValueError(f"{self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return frame.select(pl.col(c.name).cast(polars_type(c.kind)) for c in self.columns)

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)


def _table(name: str, label: str, *columns: tuple[str, str, str]) -> Table:
    return Table(name, label, tuple(Column(*c) for c in columns))


# What one rule query returns (transforms/rules/*.sql); the runner adds the rest of `exceptions`.
FINDINGS = _table(
    "rule_findings", "规则结果",
    ("rule_code", "text", "规则代码"),
    ("county", "county", "区县"),
    ("subject", "text", "核查对象"),
    ("id_number", "id", "身份证号码"),
    ("name", "name", "姓名"),
    ("household_id", "text", "户编号"),
    ("detail", "text", "问题说明"),
    ("expected", "money", "应为（元）"),
    ("actual", "money", "实际（元）"),
    ("sources", "texts", "数据来源（文件:工作表:行）"),
)

# SPEC §7 "Carry and close": what exceptions.parquet says of each exception's case.
CASE_COLUMNS = (
    ("case_id", "text", "疑点编号"),  # hash of rule and subject: the same case every month
    ("evidence_digest", "text", "证据摘要"),  # rule, subject, amounts and detail without lineage
    ("handed_out_on", "date", "下发日期"),  # the first run that handed the case out
    ("review_result", "text", "核查结果"),
    ("review_action", "text", "处理措施"),
    ("rectification", "text", "整改状态"),
    ("recovered", "money", "已追回金额（元）"),
    ("supplemented", "money", "已补发金额（元）"),
    ("unrecoverable_reason", "text", "无法追回原因"),
    ("review_note", "text", "核查说明"),
    ("reviewed_by", "text", "核查人"),
    ("reviewed_on", "date", "核查日期"),
    ("due_on", "date", "反馈截止"),  # handed_out_on + policy [review] days
    ("case_state", "text", "疑点状态"),  # open | overdue | answered | dismissed | rectification_failed | closed | resolved
)

# The subjects a rule could not decide this month (SPEC §2: the answer depends on a fact no sheet
# gave); counted per rule in the manifest's `rules_undecided`, kept in staging.duckdb.
UNDECIDED = _table(
    "undecided", "无法判定的对象",
    *((c.name, c.kind, c.header) for c in FINDINGS.columns if c.name not in ("detail", "expected", "actual")),
)

EXCEPTIONS = _table(
    "exceptions", "异常清单",
    ("exception_id", "text", "异常编号"),
    ("period", "text", "期间"),
    ("rule_code", "text", "规则代码"),
    ("severity", "text", "严重程度"),
    *((c.name, c.kind, c.header) for c in FINDINGS.columns[1:]),
    # SPEC §5 "Where, and how much": the township checks at the door; money split three ways
    # (null: unknown where the rule has money, none where it has not; money_unknown tells them apart)
    ("township", "text", "乡镇（街道）"),
    ("village", "text", "村（社区）"),
    ("overpaid", "money", "应追回（元）"),
    ("underpaid", "money", "应补发（元）"),
    ("budget_gap", "money", "预算缺口（元）"),
    ("money_unknown", "flag", "金额未知"),
    ("status", "text", "状态"),  # new | persisting | resolved, against the period's previous run
    ("first_seen", "text", "首次发现期间"),  # the period since which it has been found every month
    ("resolved_by_run", "text", "解决于（运行编号）"),  # the run that no longer found it
    # SPEC §7: the case (rule and subject across months), its hand-out and its last accepted answer
    *CASE_COLUMNS,
)

# Trend over past periods: active exceptions of each period's latest complete run (the warehouse).
TREND = _table(
    "trend", "各期异常数",
    ("period", "text", "期间"),
    ("rule_code", "text", "规则代码"),
    ("county", "county", "区县"),
    ("n", "number", "异常数"),
)

QUARANTINE = _table(
    "quarantine", "隔离数据（待更正）",
    ("dataset", "text", "数据集"),
    ("file", "text", "文件"),
    ("sheet", "text", "工作表"),
    ("row", "number", "行号"),
    ("reason", "text", "原因代码"),
    ("field", "text", "字段"),
    ("value", "text", "原始值"),
    ("message", "text", "问题及更正方法"),
    # SPEC §6: for a broken ID, the valid ID of the month it most likely is, and why; filled only
    # when one candidate is clearly best (a tie is listed in the basis, nothing suggested).
    ("suggested_id_number", "id", "建议身份证号码"),
    ("suggestion_basis", "text", "建议依据"),
    ("suggestion_score", "number", "建议可信度（满分100）"),
    # SPEC §2: where one office row became several (a household's members), the position in it
    ("member", "number", "同行第几人"),
)

ROSTER_PERSONS = _table(
    "roster_persons", "人员花名册（核对后）",
    ("id_number", "id", "身份证号码"),
    ("name", "name", "姓名"),
    ("county", "county", "区县"),
    ("township", "text", "乡镇（街道）"),
    ("village", "text", "村（社区）"),
    ("in_dibao", "flag", "低保"),
    ("dibao_household_id", "text", "低保户编号"),
    ("in_tekun", "flag", "特困供养"),
    ("on_registry", "flag", "建档立卡"),
    ("registry_household_id", "text", "建档立卡户编号"),
    ("poverty_status", "category", "贫困户状态"),
    ("labor_ability", "category", "劳动技能"),
    ("on_low_income", "flag", "低收入人口"),
    ("low_income_type", "text", "低收入人口类型"),
    ("in_children", "flag", "困境儿童保障"),
    ("child_category", "category", "儿童保障类别"),
    ("disabled", "flag", "持证残疾人"),
    ("disability_level", "level", "残疾等级"),
    ("insured_active", "flag", "正常参保"),
    ("premium", "money", "个人缴费标准（元）"),
    ("premium_subsidy", "money", "资助金额（元）"),
    ("deceased", "flag", "已死亡"),
    ("death_date", "date", "死亡日期"),
    ("dibao_benefit_paid", "money", "低保金实发（元）"),
    ("dibao_topup_paid", "money", "分类施保金实发（元）"),
    ("dibao_topup_expected", "money", "分类施保金应发（元）"),
    ("tekun_basic_paid", "money", "特困基本生活费实发（元）"),
    ("tekun_basic_standard", "money", "特困基本生活标准（元）"),
    ("living_subsidy", "money", "困难残疾人生活补贴（元）"),
    ("care_subsidy", "money", "重度残疾人护理补贴（元）"),
    ("medical_aid_paid_ytd", "money", "本年医疗救助已付（元）"),
    ("child_allowance", "money", "儿童基本生活费实发（元）"),
    ("temp_relief_count_ytd", "number", "本年临时救助次数"),
    ("temp_relief_paid_ytd", "money", "本年临时救助金额（元）"),
    ("exception_codes", "texts", "本月异常"),
    ("sources", "texts", "数据来源（文件:工作表:行）"),
)

ROSTER_HOUSEHOLDS = _table(
    "roster_households", "低保家庭花名册（核对后）",
    ("household_id", "text", "户编号"),
    ("county", "county", "区县"),
    ("township", "text", "乡镇（街道）"),
    ("village", "text", "村（社区）"),
    ("area_type", "category", "城乡类别"),
    ("members", "number", "保障人数"),
    ("head_name", "name", "户主姓名"),
    ("per_capita_income", "money", "花名册月人均收入（元）"),
    ("registry_income_monthly", "money", "建档立卡月人均收入（元）"),
    ("income_used", "money", "认定月人均收入（元）"),
    ("standard", "money", "低保标准（元/人·月）"),
    ("benefit_total", "money", "月保障金合计（元）"),
    ("topup_total", "money", "分类施保金合计（元）"),
    ("exit_due", "flag", "应退出低保"),
    ("exception_codes", "texts", "本月异常"),
    ("sources", "texts", "数据来源（文件:工作表:行）"),
)

OUTPUT_TABLES = (EXCEPTIONS, QUARANTINE, ROSTER_PERSONS, ROSTER_HOUSEHOLDS)


# --- manifest.json ------------------------------------------------------------------------------

class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TotalMismatch(_Record):
    row: int
    field: str
    total: float
    data_sum: float


class InputEntry(_Record):
    """One sheet (or table) read for one dataset: rows_produced = rows_accepted + rows_quarantined +
    rows_skipped; rows_read counts the office's rows, rows_produced the rows after reshaping."""

    file: str
    sha256: str
    sheet: str
    dataset: str
    rows_read: int
    rows_produced: int
    rows_accepted: int
    rows_quarantined: int
    rows_skipped: int
    total_row_check: str  # ok | mismatch | none
    total_row_mismatches: list[TotalMismatch]
    header_row: int
    unmapped_columns: list[str]
    county_from_sheet: str
    filled_merged_cells: list[str] = []  # data cells merged down several rows, filled: ["B5:B8"]
    fields_absent: list[str] = []  # fields the sheet has no column for: unknown for its rows (SPEC §2)
    facts_from_context: dict[str, str] = {}  # fields taken from the sheet name, title or file name
    period_stamp: str = ""  # the period its title or name states, when not the run's (SPEC §2)
    reshaped: str = ""  # the shape read (household_rows, payment_type_rows, programme_split …)
    skipped_reasons: dict[str, int] = {}  # non-data rows by reason (合计/小计行, 就诊类别「门诊」…)
    derived_fields: list[str] = []  # fields doudi derived: household_id from the head's ID, claim_id
    level: str = "person"  # household: a household sheet whose rows give their members' fields
    members_without_household: int = 0  # member rows whose household row no household sheet gave
    ingest: str = "parsed"  # parsed | reused: taken unchanged from an earlier run's cache
    read_as: str = ""  # the format the file really is, when its name says another (xls named .xlsx)


class IgnoredSheet(_Record):
    sheet: str
    reason: str
    headers_seen: list[str]


class RejectedFile(_Record):
    file: str
    sha256: str
    reason: str
    sheets: list[IgnoredSheet]
    ingest: str = "parsed"
    read_as: str = ""


class IgnoredSheetOfFile(_Record):
    file: str
    sheet: str
    reason: str
    headers_seen: list[str]


class OutputFile(_Record):
    file: str
    sha256: str


class SkippedRule(_Record):
    rule_code: str
    missing_datasets: list[str]
    missing_policy_keys: list[str] = []  # optional policy keys the rule needs (schemas/policy.py)


class FeedbackFile(_Record):
    """A returned 下发 workbook read by the run (SPEC §7 take-back)."""

    file: str  # relative to the inbox: 2024-10/feedback/铜官区-新城街道.xlsx
    sha256: str
    batch: str  # the run that handed it out, from its hidden batch sheet ('' when unreadable)
    township: str
    answers_recorded: int  # new answers appended to case_events
    answers_unchanged: int  # answers already recorded (the same file read again)


class FeedbackRejection(_Record):
    """An answer row (or a whole file, row 0) not taken, and why, in Chinese."""

    file: str
    sheet: str
    row: int
    case_id: str
    reason: str
    answer_taken: bool = False  # a locked cell edited: reported and ignored, the answer still taken


class FeedbackConflict(_Record):
    """Two different answers to one case with the same 核查日期 and batch: neither applied."""

    case_id: str
    reviewed_on: str
    batch: str
    files: list[str]


class UndecidedRule(_Record):
    """SPEC §2: how many subjects a rule could not decide, and why, in Chinese."""

    subjects: int
    why: str


class Manifest(_Record):
    run_id: str
    period: str
    started_at: str
    finished_at: str
    code_version: str
    policy_sha256: str
    inputs: list[InputEntry]
    rejected: list[RejectedFile]
    sheets_ignored: list[IgnoredSheetOfFile]
    outputs: list[OutputFile]
    rule_counts: dict[str, int]
    missing_datasets: list[str]
    rules_skipped: list[str]
    rules_skipped_detail: list[SkippedRule]
    rules_undecided: dict[str, UndecidedRule] = {}
    notes: list[str]
    timings: dict[str, float] = {}  # seconds per stage of the run (ingest, reconcile, reports …)
    feedback_read: list[FeedbackFile] = []  # SPEC §7: returned workbooks read by this run
    feedback_rejected: list[FeedbackRejection] = []
    feedback_conflicts: list[FeedbackConflict] = []
