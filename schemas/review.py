"""The review loop's words (SPEC §7): the answers a township may give, the case states, and the
columns of a 下发 workbook, declared once and read by the hand-out, the take-back and the reports.
"""

from __future__ import annotations

from dataclasses import dataclass

RESULTS = ("属实", "部分属实", "不属实", "无法核实")  # 核查结果
CONFIRMED = ("属实", "部分属实")
ACTIONS = ("停发", "减发", "追回", "补发", "纳入保障", "更正数据", "无需处理")  # 处理措施
RECTIFICATIONS = ("未整改", "整改中", "已整改", "无需整改")  # 整改状态
UNRECOVERABLE = ("死亡无可追回", "困难减免", "移交其他部门")  # 无法追回原因

# open and overdue: found, no answer (overdue: past 反馈截止, computed, never stored).
CASE_STATES = {
    "open": "待核查",
    "overdue": "逾期未反馈",
    "answered": "已反馈",
    "dismissed": "核实不属实",
    "rectification_failed": "整改不实",
    "closed": "已销号",
    "resolved": "不再发现",
}
HANDED_OUT_STATES = ("open", "overdue", "answered", "rectification_failed")  # not closed, not dismissed


@dataclass(frozen=True)
class HandoutColumn:
    name: str  # the EXCEPTIONS / answer field it shows
    header: str
    width: int
    kind: str = "text"  # text | longtext | money | date
    answer: bool = False  # in the editable part
    choices: tuple[str, ...] = ()  # a drop-down list


# The order on the sheet: what an officer reads at the door and writes back first (these print
# on one A4 landscape page), then the locked details an auditor checks (区县, 乡镇, 比对依据 …).
HANDOUT_COLUMNS = (
    HandoutColumn("case_id", "疑点编号", 17),
    HandoutColumn("village", "村（社区）", 9, "longtext"),
    HandoutColumn("name", "姓名", 7, "longtext"),
    HandoutColumn("id_shown", "身份证号码", 19),
    HandoutColumn("programme", "项目", 8, "longtext"),
    HandoutColumn("rule_title", "疑点类型", 11, "longtext"),
    HandoutColumn("detail", "问题说明", 34, "longtext"),
    HandoutColumn("overpaid", "应追回（元）", 9, "money"),
    HandoutColumn("underpaid", "应补发（元）", 9, "money"),
    HandoutColumn("due_on", "反馈截止", 10, "date"),
    HandoutColumn("state_cn", "疑点状态", 7, "longtext"),
    HandoutColumn("review_result", "核查结果", 8, answer=True, choices=RESULTS),
    HandoutColumn("review_action", "处理措施", 8, answer=True, choices=ACTIONS),
    HandoutColumn("rectification", "整改状态", 8, answer=True, choices=RECTIFICATIONS),
    HandoutColumn("recovered", "已追回金额（元）", 9, "money", answer=True),
    HandoutColumn("supplemented", "已补发金额（元）", 9, "money", answer=True),
    HandoutColumn("unrecoverable_reason", "无法追回原因", 9, answer=True, choices=UNRECOVERABLE),
    HandoutColumn("review_note", "核查说明", 16, "longtext", answer=True),
    HandoutColumn("reviewed_by", "核查人", 7, answer=True),
    HandoutColumn("reviewed_on", "核查日期", 11, "date", answer=True),
    HandoutColumn("county_cn", "区县", 8),
    HandoutColumn("township", "乡镇（街道）", 10),
    HandoutColumn("sources_text", "比对依据（文件:工作表:行）", 30, "longtext"),
    HandoutColumn("first_seen", "首次发现", 8),
    HandoutColumn("handed_out_on", "下发日期", 10, "date"),
)
LOCKED = tuple(c for c in HANDOUT_COLUMNS if not c.answer)
ANSWERS = tuple(c for c in HANDOUT_COLUMNS if c.answer)
PRINTED = HANDOUT_COLUMNS[: HANDOUT_COLUMNS.index(next(c for c in HANDOUT_COLUMNS if c.name == "reviewed_on")) + 1]
ANSWER_FIELDS = tuple(c.name for c in ANSWERS)
BATCH_MARK = "doudi 下发批次"  # cell A1 of the hidden batch sheet, whatever the sheet is renamed to
CASE_SHEET = "疑点清单"
BATCH_SHEET = "批次"
INSTRUCTIONS_SHEET = "填写说明"
