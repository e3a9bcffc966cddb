"""The quality site (SPEC §5 `quality/`): GE Data Docs of the staged inputs and the outputs.

A generated month is validated once, as produced and once with one fault in each of several
tables; GE is slow, so each site is built once per module and the tests read its outcomes and
its files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from schemas.datasets import DATASETS
from tests.report_month import generated_report
from transforms.reports.quality import QualitySite, build_quality_site, quality_site, quality_suites
from transforms.reports.quality_worker import QualityBuilder, QualitySiteError

pytestmark = pytest.mark.e2e

OUTPUT_SUITES = ("manifest.inputs", "outputs.exceptions", "outputs.exception_subjects", "outputs.quarantine",
                 "outputs.roster_persons", "outputs.roster_households")
INPUT_PROBLEMS = {  # what the manifest records -> the expectation of `manifest.inputs` it fails
    "unaccounted": "每个工作表：读取后得到的行数（一户一行拆成每人一行后）= 接收 + 隔离 + 跳过的合计/表尾等行数（没有一行被悄悄丢弃）",
    "quarantined": "没有被隔离的行（隔离的行见 quarantine.xlsx，请报送部门更正）",
    "mismatched": "合计行与明细之和一致",
    "rejected": "每个文件都能读取并识别",
    "missing": "各部门的数据都已收到",
    "undecided": "每条规则都能对每个对象作出判定（没有因缺列而无法判定的对象）",
}
DIGIT_RUN = re.compile(rb"(?<![0-9a-f])\d{15,18}(?![0-9a-f])")  # not inside a hex digest (GE's data fingerprint)
FOREIGN_ID = "110101199003077777"  # well formed, and in no source of the generated month
NETWORK_TAG = re.compile(r'<(?:link|script|img)[^>]*(?:src|href)="https?://')


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return generated_report(tmp_path_factory.mktemp("quality_month"))


@pytest.fixture(scope="module")
def site(month, tmp_path_factory) -> QualitySite:
    report, staged = month
    return quality_site(tmp_path_factory.mktemp("period"), staged, report)


def with_value(frame: pl.DataFrame, column: str, value, row: int = 0) -> pl.DataFrame:
    """The frame with one cell replaced."""
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


def broken_month(month):
    """The month with one fault per table: a negative benefit in 低保, a 17-digit ID in 特困,
    an exception about a person in no source, a sheet whose rows do not add up, a person twice
    in the roster."""
    report, staged = month
    staged = {**staged, "dibao": with_value(staged["dibao"], "benefit", -50.0),
              "tekun": with_value(staged["tekun"], "id_number", FOREIGN_ID[:17])}
    exceptions = with_value(report.exceptions.filter(pl.col("rule_code") == "DIBAO_TEKUN_OVERLAP"),
                            "subject", FOREIGN_ID)
    first, *rest = report.manifest.inputs
    manifest = report.manifest.model_copy(
        update={"inputs": [first.model_copy(update={"rows_produced": first.rows_produced + 1}), *rest]})
    persons = pl.concat([report.persons, report.persons.head(1)])
    report = replace(report, exceptions=exceptions, manifest=manifest, persons=persons)
    return report, staged


@pytest.fixture(scope="module")
def broken_site(month, tmp_path_factory) -> tuple[QualitySite, object]:
    report, staged = broken_month(month)
    return quality_site(tmp_path_factory.mktemp("broken"), staged, report), report


def site_files(index: Path) -> list[Path]:
    return [p for p in index.parent.rglob("*") if p.is_file()]


def validation_page(index: Path, suite: str) -> str:
    (page,) = index.parent.joinpath("validations", *suite.split(".")).rglob("*.html")
    return page.read_text(encoding="utf-8")


def test_site_index_is_written_in_the_period_folders_quality_folder(site):
    assert site.index.name == "index.html" and site.index.parent.name == "quality"
    assert site.index.is_file()


def test_every_staged_dataset_and_every_output_has_a_validation_result(site):
    expected = {f"inputs.{d}" for d in DATASETS} | set(OUTPUT_SUITES)
    assert set(site.outcomes) == expected
    for suite in expected:
        assert "检查结果" in validation_page(site.index, suite)


def problems_of(manifest) -> set[str]:
    return {kind for kind, present in (
        ("quarantined", any(i.rows_quarantined for i in manifest.inputs)),
        ("mismatched", any(i.total_row_mismatches for i in manifest.inputs)),
        ("rejected", bool(manifest.rejected)),
        ("missing", bool(manifest.missing_datasets)),
        ("undecided", bool(manifest.rules_undecided)),
    ) if present}


def test_a_generated_month_fails_only_on_the_problems_its_manifest_records(site, month):
    problems = problems_of(month[0].manifest)
    assert problems >= {"quarantined", "mismatched", "rejected"}, "the generated month is messy"
    failing = {name: set(o.failed) for name, o in site.outcomes.items() if not o.success}
    assert failing == {"manifest.inputs": {INPUT_PROBLEMS[p] for p in problems}}
    assert site.outcomes["inputs.dibao"].evaluated >= 5


def test_a_month_with_problems_does_not_show_all_passed(site):
    index = site.index.read_text(encoding="utf-8")
    for outcome in site.outcomes.values():
        assert outcome.label in index
    assert index.count("✔ 通过") == len(site.outcomes) - 1 and index.count("✘ 未通过") == 1


def test_each_quarantined_sheet_mismatched_total_and_rejected_file_is_named(site, month):
    page = validation_page(site.index, "manifest.inputs")
    manifest = month[0].manifest
    for sheet in manifest.inputs:
        where = f"{sheet.file}:{sheet.sheet}" if sheet.sheet else sheet.file
        if sheet.rows_quarantined:
            assert f"{where} 隔离 {sheet.rows_quarantined} 行" in page
        for mismatch in sheet.total_row_mismatches:
            assert f"第 {mismatch.row} 行" in page and f"合计 {mismatch.total:.2f}，明细合计 {mismatch.data_sum:.2f}" in page
    for rejected in manifest.rejected:
        assert rejected.file in page


def test_a_rule_left_undecided_fails_its_expectation_and_is_named(month):
    from schemas.outputs import UndecidedRule

    report, staged = month
    manifest = report.manifest.model_copy(update={"rules_undecided": {
        "DIBAO_EXIT_DUE": UndecidedRule(subjects=3, why="低保花名册 无「家庭月人均收入」列")}})
    (suite,) = [s for s in quality_suites(staged, replace(report, manifest=manifest)) if s.name == "manifest.inputs"]
    column = suite.frame.get_column("无法判定的规则（rule_undecided）").drop_nulls().to_list()
    assert column == ["DIBAO_EXIT_DUE：3 个对象（低保花名册 无「家庭月人均收入」列）"]


def test_the_columns_carry_their_chinese_headers(site):
    page = validation_page(site.index, "inputs.dibao")
    assert "月保障金（benefit）" in page and "身份证号码（id_number）" in page
    for english in ("Expectation Validation Result", "Table of Contents", "Observed Value", "Statistics"):
        assert english not in page


def test_a_negative_amount_in_staged_dibao_fails_the_dibao_suite(broken_site):
    outcomes = broken_site[0].outcomes
    assert not outcomes["inputs.dibao"].success
    assert outcomes["inputs.dibao"].failed == ("「月保障金」（benefit）不为负数",)
    assert outcomes["inputs.registry"].success


def test_an_id_number_of_17_digits_fails_the_id_shape_expectation(broken_site):
    assert broken_site[0].outcomes["inputs.tekun"].failed == ("身份证号码为18位：17位数字加1位数字或X",)


def test_an_exception_whose_subject_is_in_no_source_fails_and_is_named_by_rule(broken_site):
    site, report = broken_site
    assert not site.outcomes["outputs.exception_subjects"].success
    orphan = report.exceptions.row(0, named=True)
    assert f"DIBAO_TEKUN_OVERLAP {orphan['exception_id']}" in validation_page(
        site.index, "outputs.exception_subjects")


def test_a_sheet_whose_rows_do_not_add_up_fails_rows_conserved_and_is_named(broken_site):
    site, report = broken_site
    first = report.manifest.inputs[0]
    assert INPUT_PROBLEMS["unaccounted"] in site.outcomes["manifest.inputs"].failed
    assert f"{first.file}:{first.sheet} 读取后得到 {first.rows_produced} 行" in validation_page(
        site.index, "manifest.inputs")


def test_a_person_twice_in_the_roster_fails_the_roster_suite(broken_site):
    outcomes = broken_site[0].outcomes
    assert outcomes["outputs.roster_persons"].failed == ("每人一行：身份证号码（id_number）不重复",)
    assert outcomes["outputs.roster_households"].success


@pytest.mark.parametrize("which", ["site", "broken_site"])
def test_no_id_number_or_name_appears_in_any_file_of_the_site(which, month, request):
    built = request.getfixturevalue(which)
    index = built.index if which == "site" else built[0].index
    names = [n.encode() for n in month[0].persons["name"].drop_nulls().unique() if len(n) >= 2]
    # doudi's own words about a rejected file (请重新发送原文件) may hold a generated name (原文)
    own_words = [r.reason.encode() for r in month[0].manifest.rejected]
    for path in site_files(index):
        content = path.read_bytes()
        for words in own_words:
            content = content.replace(words, b"")
        assert not DIGIT_RUN.search(content), path
        assert not [n for n in names if n in content], path


def test_pages_load_nothing_from_the_network(site):
    for path in site_files(site.index):
        if path.suffix == ".html":
            assert not NETWORK_TAG.search(path.read_text(encoding="utf-8")), path


def test_an_unmasked_run_shows_the_unexpected_values(month, tmp_path):
    report, staged = broken_month(month)
    index = build_quality_site(tmp_path, staged, replace(report, unmask=True))
    assert index == tmp_path / "quality" / "index.html"
    duplicate = report.persons["id_number"][0]
    assert duplicate in validation_page(index, "outputs.roster_persons")
    assert "--unmask" in index.read_text(encoding="utf-8")


def test_a_dataset_with_no_rows_has_no_input_suite(month):
    report, staged = month
    names = [s.name for s in quality_suites({**staged, "deaths": staged["deaths"].clear()}, report)]
    assert "inputs.deaths" not in names and "inputs.dibao" in names


@pytest.mark.parametrize("module", ["transforms.reports.quality", "transforms.reports.quality_worker", "flows.monthly"])
def test_importing_the_module_does_not_import_great_expectations(module):
    code = f"import sys, {module}; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_worker_started_early_builds_the_same_site(month, site, tmp_path):
    report, staged = month
    index = QualityBuilder().build(tmp_path / "period", staged, report)
    assert index == (tmp_path / "period" / "quality" / "index.html").resolve()
    built = {p.relative_to(index.parent).parts[:3] for p in index.parent.rglob("*.html")}
    assert built == {p.relative_to(site.index.parent).parts[:3] for p in site.index.parent.rglob("*.html")}


def test_a_worker_that_cannot_build_the_site_says_why_in_one_line(month, tmp_path):
    report, staged = month
    (tmp_path / "period").write_text("a file where the folder should be")
    with pytest.raises(QualitySiteError, match=r"^数据质量报告未能生成：.*Error"):
        QualityBuilder().build(tmp_path / "period", staged, report)


def test_a_period_folder_given_as_a_relative_path_gets_its_site(month, tmp_path, monkeypatch):
    # doudi run --out reports: the folder arrives relative to where the officer ran it.
    report, staged = month
    monkeypatch.chdir(tmp_path)
    index = build_quality_site(Path("reports/2024-10"), staged, report)
    assert index == (tmp_path / "reports/2024-10/quality/index.html").resolve() and index.exists()
