"""The summary page's part of the review loop and the money (SPEC §5, §7): money three ways, what
the month brought apart from what the last run changed, supervision per county and township with a
chart of 反馈率 / 整改率, and the answers that were not taken."""

from __future__ import annotations

import html

import polars as pl

from schemas.catalog import FIRST_SEEN_LABEL, MONEY_LABELS, STATUS_LABELS
from transforms.reports import MonthReport
from transforms.review.supervision import MONEY, RATES, SUPERVISION_HEADERS, percent, supervision

CHART_FONT = "Noto Sans CJK SC"
RATE_COLORS = {"反馈率": "#3b7dd8", "整改率": "#4a9d4a"}


def e(text: object) -> str:
    return html.escape(str(text))


def money_totals(active: pl.DataFrame) -> dict[str, float]:
    """Per kind of money, the sum over the active exceptions (unknown amounts count for nothing)."""
    return {column: float(active[column].sum() or 0.0) for column in MONEY_LABELS}


def money_cards(active: pl.DataFrame) -> list[tuple[str, str, str]]:
    """(label, value, small print) of the three money cards: never one lumped number."""
    unknown = active.filter(pl.col("money_unknown")).height
    subs = {"overpaid": "已发放但不应发放的", "underpaid": "应发放而未发放的", "budget_gap": "区县预算或标准的缺口"}
    return [(f"{MONEY_LABELS[column]}（元）", f"{total:,.2f}",
             subs[column] + (f"；另有 {unknown} 条金额未知，未计入" if unknown and column != "budget_gap" else ""))
            for column, total in money_totals(active).items()]


def news_card(report: MonthReport, active: pl.DataFrame) -> tuple[str, str, str]:
    """本月新发现 (first seen this month) beside 本次新增 / 本次解决 (against the last run)."""
    month_new = active.filter(pl.col("first_seen") == report.period).height
    by_status = dict(report.exceptions.group_by("status").len().iter_rows())
    sub = (f"首次发现于本月；与上次运行相比：{STATUS_LABELS['new']} {by_status.get('new', 0):,}，"
           f"{STATUS_LABELS['resolved']} {by_status.get('resolved', 0):,}")
    return FIRST_SEEN_LABEL, f"{month_new:,}", sub


def supervision_html(report: MonthReport) -> str:
    """Counts and rates per county and township, a chart of the two rates, and what was not taken."""
    if report.cases is None or report.cases.is_empty():
        return "<h2 id=review>核查反馈与整改</h2><p class=quiet>本期没有下发的疑点。</p>" + feedback_html(report)
    today = report.today
    named = report.cases.with_columns(pl.col("county").replace_strict(
        {c: report.county_name(c) for c in report.policy.counties}, default=pl.col("county"), return_dtype=pl.String))
    table = supervision(named, today)
    rows = [[e(r["county"]), e(r["township"] or ("" if r["county"] == "合计" else "（县级）")),
             *(_cell(c, r[c]) for c in list(SUPERVISION_HEADERS)[2:])] for r in table.iter_rows(named=True)]
    head = "".join(f"<th{' class=n' if i >= 2 else ''}>{e(h)}</th>" for i, h in enumerate(SUPERVISION_HEADERS.values()))
    body = "".join("<tr>" + "".join(f"<td{' class=n' if i >= 2 else ''}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return (f"<h2 id=review>核查反馈与整改（截至 {e(today)}）</h2>"
            f"<p class=quiet>下发：累计下发到乡镇的疑点；反馈率＝已过反馈截止日期的疑点中已反馈的比例；"
            f"属实率＝（属实＋部分属实）÷已反馈；整改率＝已整改÷（属实＋部分属实）；追回率＝已追回÷应追回。</p>"
            f"{rates_chart(table)}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            + feedback_html(report))


def _cell(column: str, value: object) -> str:
    if column in RATES:
        return percent(value)
    if column in MONEY:
        return f"{value:,.2f}"
    return f"{value:,}"


def rates_chart(table: pl.DataFrame) -> str:
    rates = (table.filter(pl.col("county") != "合计")
             .with_columns(pl.concat_str(pl.col("county"), pl.col("township").fill_null("（县级）")).alias("乡镇"))
             .select("乡镇", pl.col("feedback_rate").alias("反馈率"), pl.col("rectified_rate").alias("整改率"))
             .unpivot(index="乡镇", variable_name="指标", value_name="比例").drop_nulls("比例"))
    if rates.is_empty():
        return "<p class=quiet>还没有到期的疑点，也没有核实属实的疑点：反馈率和整改率待有数据后显示。</p>"
    from transforms.reports.summary_page import chart_svg

    spec = {
        "width": {"step": 22}, "height": 220,
        "data": {"values": rates.to_dicts()}, "mark": "bar",
        "encoding": {
            "x": {"field": "乡镇", "type": "nominal", "title": None, "axis": {"labelAngle": -40, "labelLimit": 0, "labelFontSize": 12}},
            "xOffset": {"field": "指标"},
            "y": {"field": "比例", "type": "quantitative", "title": None, "axis": {"format": ".0%"},
                  "scale": {"domain": [0, 1]}},
            "color": {"field": "指标", "type": "nominal", "title": None,
                      "scale": {"domain": list(RATE_COLORS), "range": list(RATE_COLORS.values())}},
        },
        "config": {"font": CHART_FONT, "view": {"stroke": None}, "legend": {"orient": "top"}},
    }
    return "<section><h3>各乡镇反馈率、整改率</h3>" + chart_svg(spec) + "</section>"


def feedback_html(report: MonthReport) -> str:
    """The answers not taken (file, sheet, row, why) and the conflicts, as the manifest lists them."""
    manifest = report.manifest
    read = len(manifest.feedback_read)
    taken = sum(f.answers_recorded for f in manifest.feedback_read)
    lines = [f"<p>本次读取交回的核查反馈文件 {read} 个，新记录答复 {taken} 条。</p>"] if read else []
    rejected = manifest.feedback_rejected
    if rejected:
        items = "".join(
            f"<li>{e(r.file)}" + (f"「{e(r.sheet)}」第 {r.row} 行" if r.row else "")
            + (f"（疑点编号 {e(r.case_id)}）" if r.case_id else "") + f"：{e(r.reason)}</li>" for r in rejected)
        lines.append(f"<h3>未采用或需注意的反馈（{len(rejected)} 条）</h3><div class=notes><ul>{items}</ul></div>")
    if manifest.feedback_conflicts:
        items = "".join(f"<li>疑点编号 {e(c.case_id)}，核查日期 {e(c.reviewed_on)}：{e('、'.join(c.files))}</li>"
                        for c in manifest.feedback_conflicts)
        lines.append("<h3>相互矛盾的反馈（均未采用）</h3><div class=notes><p>同一疑点、同一核查日期和批次有不同答复，"
                     f"请重新核实后以新的核查日期答复。</p><ul>{items}</ul></div>")
    return "".join(lines)
