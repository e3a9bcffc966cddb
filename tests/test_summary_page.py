import dataclasses
import html
import re
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest

from schemas.catalog import SEVERITY_LABELS, rule_catalog
from schemas.datasets import DATASETS
from schemas.outputs import EXCEPTIONS, QUARANTINE, ROSTER_HOUSEHOLDS, ROSTER_PERSONS, TREND
from schemas.policy import load_policy
from tests.report_month import POLICY_PATH, generated_report
from transforms.month.manifest import manifest
from transforms.reports import MonthReport
from transforms.reports.summary_page import summary_html, write_summary_page

FILES = ["exceptions.xlsx", "quarantine.xlsx", "exit_due.xlsx", "roster_persons.xlsx",
         "roster_households.xlsx", "exceptions.parquet", "manifest.json", "quality/index.html"]


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> MonthReport:
    report, _ = generated_report(tmp_path_factory.mktemp("summary_month"), past_periods=3)
    return report


@pytest.fixture(scope="module")
def page(month) -> str:
    return summary_html(month, FILES)


@pytest.fixture(scope="module")
def empty_month() -> MonthReport:
    """A period whose inbox folder was empty: nothing received, every data rule skipped."""
    skipped = [{"rule_code": code, "missing_datasets": rule.missing(set())}
               for code, rule in rule_catalog().items() if rule.missing(set())]
    record = manifest(
        run_id="00000000-0000-0000-0000-000000000002", period="2024-10",
        started_at="2024-11-05T03:00:00+08:00", finished_at="2024-11-05T03:00:09+08:00",
        policy_sha256="0" * 64, files=[], results=[], outputs=[], rule_counts={}, received=set(),
        rules_skipped=skipped,
    )
    return MonthReport(
        period="2024-10", run_id=record.run_id, manifest=record, policy=load_policy(POLICY_PATH),
        exceptions=EXCEPTIONS.empty(), quarantine=QUARANTINE.empty(), persons=ROSTER_PERSONS.empty(),
        households=ROSTER_HOUSEHOLDS.empty(), trend=TREND.empty(),
    )


def said(page: str) -> str:
    """The text a reader sees, with each abbreviation read as the words it stands for."""
    text = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    text = re.sub(r'<abbr title="([^"]*)">.*?</abbr>', r"\1", text)
    text = re.sub(r"</?(?:code|small|span|a)\b[^>]*>", "", text)  # inline: part of a sentence
    return html.unescape(re.sub(r"<[^>]+>", "\n", text))


def fetched_or_linked(page: str) -> list[str]:
    """Everything a browser would fetch or navigate to from the page."""
    return (re.findall(r"""\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]+)""", page)
            + re.findall(r"""url\(\s*["']?([^"')]+)""", page)
            + re.findall(r"@import\s+([^;]+)", page))


def test_the_page_fetches_nothing_from_outside_and_runs_no_script(page):
    targets = fetched_or_linked(page)
    assert targets
    assert all(not re.match(r"^([a-z][a-z0-9+.-]*:|//)", t, re.I) for t in targets), targets
    assert all(unquote(t) in FILES or t.startswith("#") for t in targets), targets
    assert "<script" not in page and "<link" not in page and "<img" not in page


def test_the_links_point_at_the_given_files(page):
    links = re.findall(r'<a href="([^"]+)"', page)
    assert [unquote(html.unescape(link)) for link in links] == FILES


def test_the_charts_by_county_by_rule_and_over_periods_are_inline_svg(page):
    assert page.count("<svg") == 3


def test_every_note_of_the_manifest_is_said(month, empty_month):
    for report in (month, empty_month):
        text = said(summary_html(report, FILES))
        skipped = report.manifest.rules_skipped
        notes = [n for n in report.manifest.notes if not any(re.search(rf"\b{c}\b", n) for c in skipped)]
        assert notes
        for note in notes:
            assert note in text


def test_the_rules_that_fired_appear_by_their_chinese_titles_in_the_chart_and_the_table(month, page):
    fired = month.exceptions.filter(pl.col("status") != "resolved")["rule_code"].unique()
    for code in fired:
        title = rule_catalog()[code].title
        assert f">{title}</text>" in page
        assert f"{title}<code>{code}</code>" in page


def test_a_rule_code_appears_only_beside_its_title(month, empty_month):
    for report in (month, empty_month):
        page = summary_html(report, FILES)
        for code, rule in rule_catalog().items():
            beside = re.findall(rf"{re.escape(rule.title)}”?<code>{code}</code>", page)
            assert page.count(code) == len(beside), code


def test_counties_are_named_in_chinese_and_an_unknown_county_is_said(month, page):
    counties = month.exceptions.filter(pl.col("status") != "resolved")["county"].unique()
    for code in counties:
        assert f">{month.county_name(code)}</text>" in page


def test_severities_and_statuses_are_shown_in_chinese(page):
    assert all(label in said(page) for label in SEVERITY_LABELS.values())
    assert not re.search(r"\b(high|medium|info|new|persisting|resolved)\b", said(page))


def test_money_is_totalled_three_ways_never_lumped_with_two_decimals_and_thousands_separators(month, page):
    active = month.exceptions.filter(pl.col("status") != "resolved")
    text = said(page)
    for column, label in (("overpaid", "应追回（元）"), ("underpaid", "应补发（元）"), ("budget_gap", "预算缺口（元）")):
        assert active[column].sum() >= 1000
        assert re.search(rf"{re.escape(label)}\s*{re.escape(f'{active[column].sum():,.2f}')}", text)
    assert "涉及金额" not in text


def test_the_trend_compares_this_period_with_the_previous_one(month, page):
    totals = month.trend.group_by("period").agg(pl.col("n").sum()).sort("period").tail(2)
    (before, n_before), (now, n_now) = totals.rows()
    assert f"{now} 共 {n_now:,} 条，比 {before}（{n_before:,} 条）" in said(page)


def test_a_single_period_of_trend_says_there_is_no_history_yet(month):
    first = dataclasses.replace(month, trend=month.trend.filter(pl.col("period") == month.period))
    page = summary_html(first, FILES)
    assert "尚无往期记录" in said(page)
    assert page.count("<svg") == 2


def test_no_id_number_or_name_appears_even_unmasked(month):
    page = summary_html(dataclasses.replace(month, unmask=True), FILES)
    assert not re.search(r"(?<![\dXx])\d{15,17}[\dXx](?![\dXx])", said(page))
    ids = pl.concat([month.persons["id_number"], month.exceptions["id_number"]]).drop_nulls().unique()
    assert ids.len() and not any(number in page for number in ids)
    names = pl.concat([month.persons["name"], month.exceptions["name"]]).drop_nulls().unique()
    # A two-character name may be a word of the page's own (原文 in 原文件): a name counts only where
    # the page of the same month with every person renamed does not say it too.
    nameless = dataclasses.replace(
        month, unmask=True, persons=month.persons.with_columns(pl.lit("某某").alias("name")),
        exceptions=month.exceptions.with_columns(pl.lit("某某").alias("name"), pl.lit("某某").alias("detail")))
    own_words = summary_html(nameless, FILES)
    assert names.len() and not any(name in page and name not in own_words for name in names)


def test_an_id_number_in_a_note_is_masked(month):
    number = month.persons["id_number"].drop_nulls()[0]
    noted = month.manifest.model_copy(update={"notes": [f"文件 civil/{number}.xlsx 未能使用：工作簿无法打开"]})
    page = summary_html(dataclasses.replace(month, manifest=noted, unmask=True), FILES)
    assert number not in page
    assert f"civil/{number[:6]}********{number[-4:]}.xlsx" in said(page)


def test_a_month_with_nothing_missing_says_every_rule_ran(month):
    clean = month.manifest.model_copy(update={"notes": [], "rules_skipped": [], "rules_skipped_detail": []})
    assert "所有规则均已执行" in said(summary_html(dataclasses.replace(month, manifest=clean), FILES))


def test_an_empty_month_renders_and_says_there_are_no_exceptions(empty_month):
    page = summary_html(empty_month, FILES)
    assert "本月没有发现异常" in said(page)
    assert "尚无往期记录" in said(page)
    assert "<svg" not in page


def test_a_skipped_rule_is_said_by_its_title_and_the_datasets_it_lacked(empty_month):
    text = said(summary_html(empty_month, FILES))
    assert empty_month.manifest.rules_skipped_detail
    for rule in empty_month.manifest.rules_skipped_detail:
        lacking = "、".join(DATASETS[name].label for name in rule.missing_datasets)
        assert f"“{rule_catalog()[rule.rule_code].title}”{rule.rule_code}本月未执行：缺少{lacking}" in text


def test_the_page_is_written_to_summary_html_in_utf8(month, tmp_path: Path):
    path = write_summary_page(tmp_path, month, FILES)
    assert path == tmp_path / "summary.html"
    assert path.read_text(encoding="utf-8") == summary_html(month, FILES)


def test_a_rule_skipped_for_want_of_a_policy_key_says_which_key_to_add(empty_month):
    skipped = [{"rule_code": "TEKUN_CARE_BELOW_STANDARD", "missing_datasets": [],
                "missing_policy_keys": ["tekun_care"]}]
    record = manifest(
        run_id=empty_month.run_id, period="2024-10", started_at="2024-11-05T03:00:00+08:00",
        finished_at="2024-11-05T03:00:09+08:00", policy_sha256="0" * 64, files=[], results=[],
        outputs=[], rule_counts={}, received=set(DATASETS), rules_skipped=skipped,
    )
    reason = "政策文件未设置特困人员照料护理标准（[rules] tekun_care）"
    assert record.notes == [f"规则 TEKUN_CARE_BELOW_STANDARD 未执行：{reason}"]
    assert record.rules_skipped == ["TEKUN_CARE_BELOW_STANDARD"]
    text = said(summary_html(dataclasses.replace(empty_month, manifest=record), FILES))
    assert f"“特困人员照料护理费低于标准”TEKUN_CARE_BELOW_STANDARD本月未执行：{reason}" in text
