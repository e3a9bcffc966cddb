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

pytestmark = pytest.mark.e2e

OUTPUT_SUITES = ("outputs.exceptions", "outputs.exception_subjects", "outputs.quarantine",
                 "outputs.roster_persons", "outputs.roster_households", "manifest.rows_conserved")
DIGIT_RUN = re.compile(rb"\d{15,18}")
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
        assert "Expectation Validation Result" in validation_page(site.index, suite)


def test_a_correct_generated_month_meets_every_expectation(site):
    assert {name: o.failed for name, o in site.outcomes.items() if not o.success} == {}
    assert site.outcomes["inputs.dibao"].evaluated >= 5


def test_index_lists_every_suite_with_its_outcome_without_javascript(site):
    index = site.index.read_text(encoding="utf-8")
    for outcome in site.outcomes.values():
        assert outcome.label in index
    assert index.count("✔ 通过") == len(site.outcomes)


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
    assert not site.outcomes["manifest.rows_conserved"].success
    assert f"{first.file}:{first.sheet} 读取后得到 {first.rows_produced} 行" in validation_page(
        site.index, "manifest.rows_conserved")


def test_a_person_twice_in_the_roster_fails_the_roster_suite(broken_site):
    outcomes = broken_site[0].outcomes
    assert outcomes["outputs.roster_persons"].failed == ("每人一行：身份证号码（id_number）不重复",)
    assert outcomes["outputs.roster_households"].success


@pytest.mark.parametrize("which", ["site", "broken_site"])
def test_no_id_number_or_name_appears_in_any_file_of_the_site(which, month, request):
    built = request.getfixturevalue(which)
    index = built.index if which == "site" else built[0].index
    names = [n.encode() for n in month[0].persons["name"].drop_nulls().unique() if len(n) >= 2]
    for path in site_files(index):
        content = path.read_bytes()
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


def test_importing_the_module_does_not_import_great_expectations():
    code = "import sys, transforms.reports.quality; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_period_folder_given_as_a_relative_path_gets_its_site(month, tmp_path, monkeypatch):
    # doudi run --out reports: the folder arrives relative to where the officer ran it.
    report, staged = month
    monkeypatch.chdir(tmp_path)
    index = build_quality_site(Path("reports/2024-10"), staged, report)
    assert index == (tmp_path / "reports/2024-10/quality/index.html").resolve() and index.exists()
