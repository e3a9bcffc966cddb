"""`exceptions.xlsx` for auditors: a 汇总 sheet, then one sheet per rule, in Chinese.

汇总: the run, counts by rule × county, by severity and by status (new / persisting / resolved),
money at stake, and in words what was missing or unreadable this month. Each rule's sheet quotes the
policy it applies with this month's numbers, and lists its exceptions with their source rows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from schemas.catalog import SEVERITY_LABELS, STATUS_LABELS, Rule, policy_sentence, rule_catalog
from transforms.reports import MonthReport
from transforms.reports import labels as show
from transforms.reports.workbook import Block, Sheet, Workbook

ACTIVE = ("new", "persisting")

RULE_COLUMNS = {
    "status_cn": "状态",
    "first_seen": "首次发现期间",
    "county_cn": "区县",
    "subject_cn": "核查对象",
    "name": "姓名",
    "id_shown": "身份证号码",
    "household_id": "户编号",
    "detail": "问题说明",
    "expected": "应为（元）",
    "actual": "实际（元）",
    "difference": "差额（元）\n实际−应为",
    "sources_text": "数据来源（文件:工作表:行）",
    "exception_id": "异常编号",
    "resolved_by_run": "解决于（运行编号）",
}
OPTIONAL = ("name", "id_shown", "household_id", "expected", "actual", "difference", "resolved_by_run")
KINDS = {"expected": "money", "actual": "money", "difference": "money", "detail": "longtext",
         "sources_text": "longtext"}


def write_exceptions_book(path: Path, report: MonthReport) -> Path:
    shown = _shown(report)
    with Workbook(path) as book:
        book.add_blocks("汇总", f"{report.period} 社会救助兜底数据核对异常汇总", _summary_blocks(report),
                        widths=[34, 30] + [12] * 12)
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
        (pl.col("actual") - pl.col("expected")).round(2).alias("difference"),
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
        note=f"政策依据：{policy_sentence(rule, report.policy)}　严重程度：{SEVERITY_LABELS[rule.severity]}",
        widths={"detail": 60, "sources_text": 36},
    )


def _summary_blocks(report: MonthReport) -> list[Block]:
    return [_run_block(report), _by_rule_block(report), _by_severity_block(report), _notes_block(report)]


def _run_block(report: MonthReport) -> Block:
    manifest = report.manifest
    return Block("本次运行", [
        ["期间", report.period],
        ["运行编号", report.run_id],
        ["开始 / 结束", f"{manifest.started_at} / {manifest.finished_at}"],
        ["程序版本", manifest.code_version],
        ["政策文件（sha256 前 12 位）", manifest.policy_sha256[:12]],
        ["读取的表 / 无法使用的文件", f"{len(manifest.inputs)} / {len(manifest.rejected)}"],
        ["身份证号码", "完整显示（--unmask）" if report.unmask else "已遮挡中间 8 位"],
    ])


def _by_rule_block(report: MonthReport) -> Block:
    """One row per rule: active counts per county, total, new / persisting / resolved, money at stake."""
    counties = list(report.policy.counties)
    exceptions = report.exceptions
    undecided = report.manifest.rules_undecided
    rows = []
    for rule in rule_catalog().values():
        mine = exceptions.filter(pl.col("rule_code") == rule.code)
        active = mine.filter(pl.col("status").is_in(ACTIVE))
        per_county = [active.filter(pl.col("county") == code).height for code in counties]
        elsewhere = active.height - sum(per_county)
        at_stake = (
            active.select((pl.col("expected") - pl.col("actual")).abs().sum()).item() if rule.money_at_stake else None
        )
        rows.append([rule.title, rule.code, SEVERITY_LABELS[rule.severity], *per_county, elsewhere, active.height,
                     *(mine.filter(pl.col("status") == s).height for s in STATUS_LABELS),
                     undecided[rule.code].subjects if rule.code in undecided else 0,
                     round(at_stake, 2) if at_stake is not None else "—"])
    totals = [sum(r[i] for r in rows) for i in range(3, 3 + len(counties) + 6)]
    money = round(sum(r[-1] for r in rows if isinstance(r[-1], float)), 2)
    rows.append(["合计", "", "", *totals, money])
    header = ["规则", "代码", "严重程度", *(report.county_name(c) for c in counties), "其他/未知区县",
              "仍存在（合计）", *STATUS_LABELS.values(), "无法判定（缺少数据）", "涉及金额（元）"]
    return Block("按规则和区县（仍存在 = 新发现 + 持续存在）", rows, header)


def _by_severity_block(report: MonthReport) -> Block:
    active = report.exceptions.filter(pl.col("status").is_in(ACTIVE))
    rows = [[label, active.filter(pl.col("severity") == code).height] for code, label in SEVERITY_LABELS.items()]
    return Block("按严重程度（仍存在的异常）", rows, ["严重程度", "条数"])


def _notes_block(report: MonthReport) -> Block:
    notes = report.manifest.notes or ["本月各部门数据齐全，所有规则均已执行，没有无法读取的文件。"]
    return Block("说明", [[note] for note in notes], sentences=True)
