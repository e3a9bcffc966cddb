"""`exceptions.xlsx` for auditors: a 汇总 sheet, then one sheet per rule, in Chinese.

汇总: the run, counts by rule × county, by severity and by status (new / persisting / resolved),
money at stake, and in words what was missing or unreadable this month. Each rule's sheet quotes the
policy it applies with this month's numbers, and lists its exceptions with their source rows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from schemas.catalog import (
    FIRST_SEEN_LABEL,
    MONEY_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    Rule,
    policy_sentence,
    rule_catalog,
)
from schemas.review import CASE_STATES
from transforms.reports import MonthReport
from transforms.reports import labels as show
from transforms.reports.workbook import Block, Link, Rate, Sheet, Workbook, sheet_name
from transforms.review.supervision import MONEY, RATES, SUPERVISION_HEADERS, supervision

ACTIVE = ("new", "persisting")

RULE_COLUMNS = {
    "status_cn": "状态",
    "first_seen": "首次发现期间",
    "county_cn": "区县",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "subject_cn": "核查对象",
    "name": "姓名",
    "id_shown": "身份证号码",
    "household_id": "户编号",
    "detail": "问题说明",
    "expected": "应为（元）",
    "actual": "实际（元）",
    "overpaid": "应追回（元）",
    "underpaid": "应补发（元）",
    "budget_gap": "预算缺口（元）",
    "state_cn": "疑点状态",
    "review_result": "核查结果",
    "rectification": "整改状态",
    "sources_text": "数据来源（文件:工作表:行）",
    "case_id": "疑点编号",
    "resolved_by_run": "解决于（运行编号）",
}
OPTIONAL = ("township", "village", "name", "id_shown", "household_id", "expected", "actual", "overpaid",
            "underpaid", "budget_gap", "review_result", "rectification", "resolved_by_run")
KINDS = {"expected": "money", "actual": "money", "overpaid": "money", "underpaid": "money", "budget_gap": "money",
         "detail": "longtext", "sources_text": "longtext"}
SUMMARY = "汇总"


def write_exceptions_book(path: Path, report: MonthReport) -> Path:
    shown = _shown(report)
    with Workbook(path) as book:
        book.add_blocks(SUMMARY, f"{report.period} 社会救助兜底数据核对异常汇总", _summary_blocks(report),
                        widths=[34, 30] + [12] * 15)
        for rule in rule_catalog().values():
            rows = shown.filter(pl.col("rule_code") == rule.code)
            if rows.height:
                book.add_table(_rule_sheet(rule, rows, report))
    return path


def _shown(report: MonthReport) -> pl.DataFrame:
    """The exceptions as the rule sheets show them: names for codes, masked IDs, joined sources."""
    subject_is_id = [code for code, rule in rule_catalog().items() if rule.subject == "id_number"]
    subject_is_county = [code for code, rule in rule_catalog().items() if rule.subject == "county"]
    return report.exceptions.with_columns(
        show.status().alias("status_cn"),
        show.county_name("county", report.policy).alias("county_cn"),
        pl.when(pl.col("rule_code").is_in(subject_is_id)).then(show.masked("subject", report.unmask))
        .when(pl.col("rule_code").is_in(subject_is_county)).then(show.county_name("subject", report.policy))
        # other subjects may hold an ID too (a payment: ID number:pay date): masked like free text
        .otherwise(show.masked("subject", report.unmask)).alias("subject_cn"),
        show.masked("id_number", report.unmask).alias("id_shown"),
        pl.col("case_state").replace_strict(CASE_STATES, default=None, return_dtype=pl.String).alias("state_cn"),
        pl.col("sources").list.join("\n").alias("sources_text"),
    )


def _rule_sheet(rule: Rule, rows: pl.DataFrame, report: MonthReport) -> Sheet:
    counts = {status: rows.filter(pl.col("status") == status).height for status in STATUS_LABELS}
    tally = "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n)
    columns = {c: h for c, h in RULE_COLUMNS.items() if c not in OPTIONAL or rows[c].null_count() < rows.height}
    if rule.subject == "id_number":  # the subject is the person's ID, shown in its own column
        del columns["subject_cn"]
    return Sheet(
        name=rule.title,
        frame=rows.select(list(columns)),
        headers=columns,
        kinds=KINDS,
        title=f"{rule.title}（{rule.code}）：{rows.height} 条（{tally}）",
        note=(f"政策依据：{policy_sentence(rule, report.policy)}"
              + (f"（原文：“{rule.policy_quote}”——《关于社保兜底脱贫工程实施意见》）" if rule.policy_quote else "")
              + f"　严重程度：{SEVERITY_LABELS[rule.severity]}"),
        widths={"detail": 60, "sources_text": 36},
    )


def _summary_blocks(report: MonthReport) -> list[Block]:
    return [_run_block(report), _by_rule_block(report), _money_block(report), _supervision_block(report),
            _by_severity_block(report), _notes_block(report)]


def minute(timestamp: str) -> str:
    """An ISO 8601 time as auditors read it: 2026-12-05 17:53."""
    return timestamp[:16].replace("T", " ")


def rule_sheet_names(report: MonthReport) -> dict[str, str]:
    """The sheet each rule that found something gets, named as the workbook will name it."""
    taken = {SUMMARY}
    fired = set(report.exceptions["rule_code"])
    return {code: sheet_name(rule.title, taken) for code, rule in rule_catalog().items() if code in fired}


def _run_block(report: MonthReport) -> Block:
    manifest = report.manifest
    return Block("本次运行", [
        ["期间", report.period],
        ["运行编号", report.run_id],
        ["开始 / 结束", f"{minute(manifest.started_at)} / {minute(manifest.finished_at)}"],
        ["程序版本", manifest.code_version],
        ["政策文件（sha256 前 12 位）", manifest.policy_sha256[:12]],
        ["读取的表 / 无法使用的文件", f"{len(manifest.inputs)} / {len(manifest.rejected)}"],
        ["身份证号码", "完整显示（--unmask）" if report.unmask else "已遮挡中间 8 位"],
    ])


def _by_rule_block(report: MonthReport) -> Block:
    """One row per rule (its title a link to its sheet): active counts per county, total, 本月新发现,
    本次新增 / 持续存在 / 本次解决, and the three kinds of money, each on its own."""
    counties = list(report.policy.counties)
    exceptions = report.exceptions
    sheets = rule_sheet_names(report)
    undecided = report.manifest.rules_undecided
    rows = []
    for rule in rule_catalog().values():
        mine = exceptions.filter(pl.col("rule_code") == rule.code)
        active = mine.filter(pl.col("status").is_in(ACTIVE))
        per_county = [active.filter(pl.col("county") == code).height for code in counties]
        title = Link(rule.title, sheets[rule.code]) if rule.code in sheets else rule.title
        rows.append([title, rule.code, SEVERITY_LABELS[rule.severity], *per_county,
                     active.height - sum(per_county), active.height,
                     active.filter(pl.col("first_seen") == report.period).height,
                     *(mine.filter(pl.col("status") == s).height for s in STATUS_LABELS),
                     undecided[rule.code].subjects if rule.code in undecided else 0,
                     *(_money(active, m) for m in MONEY_LABELS)])
    width = len(counties) + 7
    totals = [sum(r[i] for r in rows) for i in range(3, 3 + width)]
    money = [round(sum(r[i] for r in rows if isinstance(r[i], float)), 2) for i in range(3 + width, len(rows[0]))]
    rows.append(["合计", "", "", *totals, *money])
    header = ["规则（点击查看明细）", "代码", "严重程度", *(report.county_name(c) for c in counties), "其他/未知区县",
              "仍存在（合计）", FIRST_SEEN_LABEL, *STATUS_LABELS.values(), "无法判定（缺少数据）",
              *(f"{label}（元）" for label in MONEY_LABELS.values())]
    return Block("按规则和区县（仍存在 = 本次新增 + 持续存在；本月新发现 = 首次发现于本月）", rows, header)


def _money(active: pl.DataFrame, column: str) -> float | str:
    """A rule's total of one kind of money; — when it has none, 未知 when all of it is unknown."""
    known = active[column].drop_nulls()
    if known.len():
        return round(float(known.sum()), 2)
    return "未知" if active["money_unknown"].any() and column != "budget_gap" else "—"


def _money_block(report: MonthReport) -> Block:
    """The three kinds of money per county and township (SPEC §5: totalled apart, never lumped)."""
    active = report.exceptions.filter(pl.col("status").is_in(ACTIVE))
    sums = (active.group_by("county", "township").agg(*(pl.col(m).sum() for m in MONEY_LABELS), pl.len().alias("n"))
            .sort("county", "township", nulls_last=True))
    rows = [[report.county_name(r["county"]), r["township"] or "（县级）", r["n"],
             *(round(r[m], 2) for m in MONEY_LABELS)] for r in sums.iter_rows(named=True)]
    rows.append(["合计", "", active.height, *(round(float(active[m].sum() or 0), 2) for m in MONEY_LABELS)])
    header = ["区县", "乡镇（街道）", "仍存在", *(f"{label}（元）" for label in MONEY_LABELS.values())]
    return Block("按区县和乡镇的金额（金额未知的不计入）", rows, header)


def _supervision_block(report: MonthReport) -> Block:
    """SPEC §7 supervision per county and township: handed out, answered, rates, money recovered."""
    if report.cases is None or report.cases.is_empty():
        return Block("核查反馈与整改", [["本期没有下发的疑点。"]], sentences=True)
    names = {c: report.county_name(c) for c in report.policy.counties}
    cases = report.cases.with_columns(pl.col("county").replace_strict(names, default=pl.col("county"),
                                                                        return_dtype=pl.String))
    rows = []
    for r in supervision(cases, report.today).iter_rows(named=True):
        township = r["township"] or ("" if r["county"] == "合计" else "（县级）")
        rows.append([r["county"], township, *(Rate(r[c]) if c in RATES else
                                              (round(r[c], 2) if c in MONEY else r[c])
                                              for c in list(SUPERVISION_HEADERS)[2:])])
    return Block(f"核查反馈与整改（截至 {report.today}；反馈率按已过反馈截止日期的疑点计）", rows,
                 list(SUPERVISION_HEADERS.values()))


def _by_severity_block(report: MonthReport) -> Block:
    active = report.exceptions.filter(pl.col("status").is_in(ACTIVE))
    rows = [[label, active.filter(pl.col("severity") == code).height] for code, label in SEVERITY_LABELS.items()]
    return Block("按严重程度（仍存在的异常）", rows, ["严重程度", "条数"])


def _notes_block(report: MonthReport) -> Block:
    notes = report.manifest.notes or ["本月各部门数据齐全，所有规则均已执行，没有无法读取的文件。"]
    return Block("说明", [[note] for note in notes], sentences=True)
