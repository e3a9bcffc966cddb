"""`summary.html` (SPEC §5): the one page about a month that everyone reads, in Chinese.

Counts only, never a person: exceptions by status, severity, county and rule, money at stake,
quarantined rows, what was read, the trend over past periods, what was missing or unreadable in
words, and links to the period's files. Charts are Vega-Lite specs rendered by vl-convert to inline
SVG, so the page opens anywhere with no network and no script. vl-convert measures text with the
machine's fonts: Chinese labels need a CJK font installed (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import polars as pl

from schemas.catalog import (
    FIRST_SEEN_LABEL,
    MONEY_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    rule_catalog,
)
from schemas.datasets import DATASETS, OFFICE_LABELS
from schemas.outputs import SkippedRule
from schemas.policy import unset_keys_in_words
from transforms.reports import MonthReport
from transforms.reports.masking import masked_text
from transforms.reports.review_page import money_cards, news_card, supervision_html

ACTIVE = ("new", "persisting")  # resolved exceptions are no longer found: counted apart
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
# vl-convert measures labels in one named font (a stack costs a lookup per label); the page's
# stylesheet then shows chart text in whichever CJK font the reader's machine has.
CHART_FONT = "Noto Sans CJK SC"
SEVERITY_COLORS = {"高": "#c0392b", "中": "#e8913a", "提示": "#8e9aa6"}
CHART_FIELDS = {"county_cn": "区县", "title": "规则", "period": "期间", "severity_cn": "严重程度", "n": "异常数"}
FILE_LABELS = {
    "exceptions.xlsx": "异常清单（每条规则一张表，供核查）",
    "quarantine.xlsx": "隔离数据：无法使用、需各部门更正的行",
    "exit_due.xlsx": "本月应退出低保的家庭",
    "roster_persons.xlsx": "人员花名册（核对后）",
    "roster_households.xlsx": "低保家庭花名册（核对后）",
    "manifest.json": "运行记录：读取和输出的文件、行数、校验值",
    "quality/index.html": "数据质量报告",
    "staging.duckdb": "本月入库数据（数据库）",
}
# "本月未收到低保花名册（dibao，civil）": the label already says which dataset; the office is said.
MISSING_FROM = re.compile(rf"（((?:{'|'.join(DATASETS)})，({'|'.join(OFFICE_LABELS)}))）")
CSS = f"""
body {{ font-family: {FONT}; color: #222; margin: 0; background: #f4f5f7; }}
main {{ max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }}
h1 {{ font-size: 26px; margin: 0 0 6px; }} h2 {{ font-size: 19px; margin: 32px 0 10px; }}
.meta {{ color: #555; font-size: 14px; margin-bottom: 20px; }} .meta span {{ margin-right: 24px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }}
.card {{ border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 14px; }}
.card b {{ display: block; font-size: 24px; margin: 4px 0; overflow-wrap: anywhere; }}
.card b span {{ white-space: nowrap; }}
.card i {{ font-style: normal; font-size: 14px; font-weight: normal; margin: 0 12px 0 3px; }}
.notes {{ background: #fff8e5; border-left: 4px solid #e8a33a; padding: 8px 20px; }}
.notes.ok {{ background: #eef8ee; border-left-color: #4a9d4a; }}
.notes li {{ margin: 4px 0; }} .card small {{ color: #555; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 24px; }}
svg {{ max-width: 100%; height: auto; }} svg text {{ font-family: {FONT}; }}
table {{ border-collapse: collapse; font-size: 14px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e3e6ea; padding: 6px 8px; text-align: left; }}
th {{ background: #f0f3f7; }} td.n, th.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
code {{ color: #888; font-size: 11px; margin: 0 6px; }} abbr {{ text-decoration: none; }}
.sev-高 {{ color: #c0392b; font-weight: bold; }} .quiet {{ color: #777; }}
footer {{ margin-top: 36px; color: #666; font-size: 13px; }}
"""


def summary_html(report: MonthReport, files: list[str]) -> str:
    """The whole page: header, cards, notes, charts, tables, links."""
    active = active_exceptions(report)
    sections = [
        header_html(report), cards_html(report, active), notes_html(report),
        charts_html(report, active), rules_table_html(report), supervision_html(report),
        datasets_table_html(report), links_html(files, report.unmask),
        "<footer>本页只有统计数，不含任何个人信息；每条异常的明细见异常清单，各乡镇的疑点见“下发”文件夹。"
        f"“{FIRST_SEEN_LABEL}”指首次发现于本月的异常；“仍存在”＝本次新增＋持续存在，是与本期上一次运行相比；"
        "“本次解决”指上次运行发现、本次不再出现的异常。</footer>",
    ]
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>兜底核查月度汇总 {report.period}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(sections)}</main></body></html>\n")


def write_summary_page(folder: Path, report: MonthReport, files: list[str]) -> Path:
    path = folder / "summary.html"
    path.write_text(summary_html(report, files), encoding="utf-8")
    return path


def active_exceptions(report: MonthReport) -> pl.DataFrame:
    """The exceptions still found this month, with county names, rule titles, severity labels."""
    frame = report.exceptions.filter(pl.col("status").is_in(ACTIVE))
    names = {code: report.county_name(code) for code in frame["county"].drop_nulls().unique()}
    titles = {code: rule.title for code, rule in rule_catalog().items()}
    return frame.with_columns(
        pl.col("county").replace_strict(names, default=None, return_dtype=pl.String)
        .fill_null(report.county_name(None)).alias("county_cn"),
        pl.col("rule_code").replace_strict(titles, default=pl.col("rule_code")).alias("title"),
        pl.col("severity").replace_strict(SEVERITY_LABELS, default="提示").alias("severity_cn"),
    )


def amount(value: float) -> str:
    return f"{value:,.2f}"


def e(text: object) -> str:
    return html.escape(str(text))


def header_html(report: MonthReport) -> str:
    year, month = report.period.split("-")
    finished = report.manifest.finished_at[:16].replace("T", " ")  # ISO 8601, to the minute
    return (f"<h1>社会救助兜底数据核查 · {year}年{int(month)}月汇总</h1><div class=meta>"
            f"<span>期间：{e(report.period)}</span><span>运行编号：{e(report.run_id)}</span>"
            f"<span>生成时间：{e(finished)}</span></div>")


def cards_html(report: MonthReport, active: pl.DataFrame) -> str:
    status = report.exceptions["status"].value_counts()
    by_status = dict(zip(status["status"], status["count"], strict=True))
    severity = active["severity"].value_counts()
    by_severity = dict(zip(severity["severity"], severity["count"], strict=True))
    quarantined = report.quarantine.select("file", "sheet", "row").unique().height
    read = {entry.file for entry in report.manifest.inputs}
    cards = [
        ("仍存在的异常", f"{active.height:,}",
         "，".join(f"{STATUS_LABELS[s]} {by_status.get(s, 0):,}" for s in STATUS_LABELS)),
        news_card(report, active),
        ("按严重程度", "".join(f"<span>{by_severity.get(s, 0):,}<i>{label}</i></span> "
                              for s, label in SEVERITY_LABELS.items()), "仍存在的异常"),
        *money_cards(active),
        ("隔离数据（行）", f"{quarantined:,}", f"{report.quarantine.height:,} 个问题，待各部门更正"),
        ("读取的文件", f"{len(read):,}", f"工作表 {len(report.manifest.inputs):,} 张；"
                                        f"未能使用的文件 {len(report.manifest.rejected):,} 个"),
    ]
    return "<div class=cards>" + "".join(
        f"<div class=card><small>{e(label)}</small><b>{value}</b><small>{e(sub)}</small></div>"
        for label, value, sub in cards) + "</div>"


def notes_html(report: MonthReport) -> str:
    """What was missing, skipped or unreadable, in words: the manifest's notes, in its order, with
    a note naming a skipped rule said again with the rule's title and the datasets it lacked."""
    rules = rule_catalog()
    skipped = {r.rule_code: r for r in report.manifest.rules_skipped_detail if r.rule_code in rules}
    naming = re.compile(r"\b(" + "|".join(map(re.escape, skipped)) + r")\b") if skipped else None

    def sentence(note: str) -> str:
        code = naming.search(note) if naming else None
        return skipped_rule_html(skipped[code[1]]) if code else note_html(note)

    # each skipped rule said once, where its note was (or at the end if the manifest had none)
    sentences = dict.fromkeys([*map(sentence, report.manifest.notes), *map(skipped_rule_html, skipped.values())])
    if not sentences:
        return ("<h2>本月说明</h2><div class='notes ok'><p>本月各部门数据齐全，所有规则均已执行，"
                "没有无法读取的文件。</p></div>")
    return ("<h2>本月需要注意</h2><div class=notes><ul>"
            + "".join(f"<li>{s}</li>" for s in sentences) + "</ul></div>")


def skipped_rule_html(skipped: SkippedRule) -> str:
    lacking = "、".join(DATASETS[d].label if d in DATASETS else d for d in skipped.missing_datasets)
    reasons = [f"缺少{lacking}"] if lacking else []
    if skipped.missing_policy_keys:
        reasons.append(unset_keys_in_words(skipped.missing_policy_keys))
    title = rule_catalog()[skipped.rule_code].title
    return f"规则“{e(title)}”<code>{e(skipped.rule_code)}</code>本月未执行：{e('；'.join(reasons))}"


def note_html(note: str) -> str:
    """A note as a reader takes it: the office in Chinese (its code on hover), and a library's
    English error text at the end set small, for whoever fixes the file. ID-like numbers masked."""
    text = re.sub(r"：([ -~]+)$", r"：<small class=quiet>\1</small>", e(masked_text(note)))
    return MISSING_FROM.sub(lambda m: f'（<abbr title="{m[1]}">{OFFICE_LABELS[m[2]]}</abbr>）', text)


def charts_html(report: MonthReport, active: pl.DataFrame) -> str:
    by_county = active.group_by("county_cn", "severity_cn").len("n")
    by_rule = active.group_by("title", "severity_cn").len("n")
    skipped = "部分规则因缺少数据或政策参数未执行，见上方说明。" if report.manifest.rules_skipped else ""
    none = f"<p class=quiet>本月没有发现异常。{skipped}</p>"
    county = chart_svg(bars_spec(by_county, "county_cn", horizontal=True, width=420)) if active.height else none
    rule = chart_svg(bars_spec(by_rule, "title", horizontal=True, width=640)) if active.height else none
    return (f"<div class=grid><section><h2>各区县仍存在的异常</h2>{county}</section>"
            f"<section><h2>各期异常数</h2>{trend_html(report)}</section></div>"
            f"<h2>各规则仍存在的异常</h2>{rule}")


def trend_html(report: MonthReport) -> str:
    """Bars per period; with no earlier period there is nothing to compare, which is said."""
    severity = {code: SEVERITY_LABELS[rule.severity] for code, rule in rule_catalog().items()}
    trend = report.trend.with_columns(
        pl.col("rule_code").replace_strict(severity, default="提示").alias("severity_cn"))
    totals = trend.group_by("period").agg(pl.col("n").sum()).sort("period")
    if totals.height < 2:
        so_far = f"{totals['period'][0]} 共 {totals['n'][0]:,} 条。" if totals.height else ""
        return f"<p class=quiet>{e(so_far)}尚无往期记录可比较，下月起可在此看到各期变化。</p>"
    (before, n_before), (now, n_now) = totals.tail(2).rows()
    change = n_now - n_before
    words = "持平" if change == 0 else f"{'增加' if change > 0 else '减少'} {abs(change):,} 条"
    by_period = trend.group_by("period", "severity_cn").agg(pl.col("n").sum())
    return (chart_svg(bars_spec(by_period, "period", horizontal=False, width=420))
            + f"<p>{e(now)} 共 {n_now:,} 条，比 {e(before)}（{n_before:,} 条）{words}。</p>")


def bars_spec(counts: pl.DataFrame, by: str, horizontal: bool, width: int) -> dict:
    """Bars of exceptions per `by`, stacked by severity, each labelled with its total. Horizontal
    bars are sorted largest first so long Chinese labels stay level and readable."""
    # Chinese field names: Vega writes them into each bar's label for screen readers.
    by, n, severity = CHART_FIELDS[by], CHART_FIELDS["n"], CHART_FIELDS["severity_cn"]
    stacked = counts.rename(CHART_FIELDS, strict=False).sort(by, severity)  # same page every run
    totals = stacked.group_by(by).agg(pl.col(n).sum())
    totals = totals.sort([n, by], descending=[True, False]) if horizontal else totals.sort(by)
    shown = [label for label in SEVERITY_COLORS if label in set(stacked[severity])]
    band, value = ("y", "x") if horizontal else ("x", "y")
    category = {"field": by, "type": "nominal", "sort": totals[by].to_list(), "title": None,
                "axis": {"labelLimit": 0, "labelAngle": 0, "labelFontSize": 12}}
    count = {"field": n, "type": "quantitative", "title": None, "axis": None}
    label = {"type": "text", "fontSize": 12, **({"align": "left", "dx": 4} if horizontal else {"dy": -8})}
    size = {"width": width, "height": {"step": 24}} if horizontal else {"width": {"step": 64}, "height": 220}
    return {
        **size,
        "layer": [
            {"data": {"values": stacked.to_dicts()}, "mark": "bar", "encoding": {
                band: category, value: count,
                "color": {"field": severity, "type": "nominal", "sort": shown,  # stacks 高 first
                          "scale": {"domain": shown, "range": [SEVERITY_COLORS[s] for s in shown]}}}},
            {"data": {"values": totals.to_dicts()}, "mark": label,
             "encoding": {band: category, value: count, "text": {"field": n, "format": ",d"}}},
        ],
        "config": {"font": CHART_FONT, "view": {"stroke": None},
                   "axis": {"domain": False, "ticks": False, "grid": False},
                   "legend": {"orient": "top", "labelFontSize": 12, "titleFontSize": 12}},
    }


def chart_svg(spec: dict) -> str:
    import vl_convert  # a heavy import, needed only when a page is drawn

    return vl_convert.vegalite_to_svg(spec)


def table_html(header: list[str], rows: list[list[str]], numeric_from: int) -> str:
    """A table of cells already escaped; columns from `numeric_from` on are right-aligned."""
    def cell(tag: str, i: int, text: str) -> str:
        return f"<{tag} class=n>{text}</{tag}>" if i >= numeric_from else f"<{tag}>{text}</{tag}>"

    head = "".join(cell("th", i, e(h)) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def rules_table_html(report: MonthReport) -> str:
    """One row per rule of the catalog: counts by status and money, or that it did not run."""
    active = pl.col("status").is_in(ACTIVE)
    counts = report.exceptions.group_by("rule_code").agg(
        active.sum().alias("active"),
        (active & (pl.col("first_seen") == report.period)).sum().alias("month_new"),
        *(pl.col("status").eq(s).sum().alias(s) for s in STATUS_LABELS),
        *(pl.col(m).filter(active).sum().alias(m) for m in MONEY_LABELS),
        pl.col("money_unknown").filter(active).any().alias("unknown"),
    )
    found = {row["rule_code"]: row for row in counts.to_dicts()}
    skipped = set(report.manifest.rules_skipped)
    undecided = report.manifest.rules_undecided
    rows = []
    for code, rule in rule_catalog().items():
        severity = SEVERITY_LABELS[rule.severity]
        name = f"{e(rule.title)}<code>{e(code)}</code>"
        level = f"<span class=sev-{severity}>{severity}</span>"
        if code in skipped:
            rows.append([name, level, "<span class=quiet>本月未执行</span>", *[""] * (5 + len(MONEY_LABELS))])
            continue
        row = found.get(code, dict.fromkeys(("active", "month_new", *STATUS_LABELS), 0) | {"unknown": False})
        money = [amount(row[m]) if row.get(m) else ("未知" if row["unknown"] else "—") for m in MONEY_LABELS]
        unknown = (f"<span title='{e(undecided[code].why)}'>{undecided[code].subjects:,}</span>"
                   if code in undecided else "0")
        rows.append([name, level, *(f"{row[k]:,}" for k in ("active", "month_new", *STATUS_LABELS)), unknown,
                     *money])
    header = ["规则", "严重程度", "仍存在", FIRST_SEEN_LABEL, *STATUS_LABELS.values(), "无法判定",
              *(f"{label}（元）" for label in MONEY_LABELS.values())]
    return "<h2>按规则汇总</h2>" + table_html(header, rows, numeric_from=2)


def datasets_table_html(report: MonthReport) -> str:
    """Per dataset: the files, sheets and rows read, and what became of the rows."""
    fields = ("rows_read", "rows_accepted", "rows_quarantined", "rows_skipped")
    inputs = pl.DataFrame([i.model_dump(include={"dataset", "file", *fields}) for i in report.manifest.inputs],
                          schema={"dataset": pl.String, "file": pl.String, **dict.fromkeys(fields, pl.Int64)})
    read = inputs.group_by("dataset").agg(
        pl.col("file").n_unique().alias("files"), pl.len().alias("sheets"), *(pl.col(f).sum() for f in fields))
    by_name = {row["dataset"]: row for row in read.to_dicts()}
    rows = [
        [e(d.label), *(f"{by_name[name][k]:,}" for k in ("files", "sheets", *fields))] if name in by_name
        else [e(d.label), "<span class=quiet>本月未收到</span>", "", "", "", "", ""]
        for name, d in DATASETS.items()
    ]
    header = ["数据", "文件", "工作表", "读取行数", "可用", "隔离", "跳过（合计、空行等）"]
    rejected = len(report.manifest.rejected)
    tail = f"<p>另有 {rejected} 个文件未能使用，原因见上方说明。</p>" if rejected else ""
    return "<h2>本月收到的数据</h2>" + table_html(header, rows, numeric_from=1) + tail


def links_html(files: list[str], unmask: bool) -> str:
    def label(name: str) -> str:
        known = FILE_LABELS.get(name, "")
        if unmask and name.endswith(".xlsx"):
            known += "（含完整身份证号码，注意保密）"
        return known or "供程序读取的数据文件"

    items = "".join(f'<li><a href="{e(quote(name))}">{e(name)}</a>　{e(label(name))}</li>' for name in files)
    return f"<h2>本期文件</h2><ul>{items}</ul>" if files else ""
