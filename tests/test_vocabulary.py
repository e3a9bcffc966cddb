"""A site's own spellings beside its policy file (SPEC §2): aliases.csv and categories.toml, merged
over the bundled tables, checked when the policy is loaded (a bad line names its file and line)."""

import re
import shutil
from pathlib import Path

import pytest

from schemas.policy import PolicyError, load_policy
from schemas.vocabulary import site_digest
from tests.files import workbook
from tests.ids import valid_id
from transforms.ingest.file import ingest_file

A = valid_id(sequence="111")


def site(tmp_path: Path, aliases: str | None = None, categories: str | None = None) -> Path:
    folder = tmp_path / "site"
    folder.mkdir(exist_ok=True)
    shutil.copy("data/policy.toml", folder / "policy.toml")
    if aliases is not None:
        (folder / "aliases.csv").write_text(aliases, encoding="utf-8")
    if categories is not None:
        (folder / "categories.toml").write_text(categories, encoding="utf-8")
    return folder / "policy.toml"


def roster(tmp_path: Path) -> Path:
    return workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["户编号", "姓名", "身份证号码", "城乡类别", "人均月收入（元）", "月保障金", "保障类别", "分类施保金"],
        ["H1", "张三", A, "城区", 300, 620, "甲类", 186]]})


def test_a_sites_spellings_are_read_without_touching_the_code(tmp_path: Path):
    policy = load_policy(site(tmp_path, "dataset,field,header\ndibao,per_capita_income,人均月收入\n",
                              '[area_type]\nurban = ["城区"]\n\n[dibao_category]\nA = ["甲类"]\n'))
    (sheet,) = ingest_file(roster(tmp_path), "civil/低保.xlsx", "2024-10", policy).sheets
    assert sheet.rows_quarantined == 0 and "人均月收入（元）" not in sheet.unmapped_columns
    row = sheet.accepted.row(0, named=True)
    assert (row["per_capita_income"], row["area_type"], row["category"]) == (300.0, "urban", "A")


def test_without_the_sites_files_the_same_sheet_is_read_with_the_bundled_words_only(tmp_path: Path):
    policy = load_policy(site(tmp_path))
    (sheet,) = ingest_file(roster(tmp_path), "civil/低保.xlsx", "2024-10", policy).sheets
    assert "人均月收入（元）" in sheet.unmapped_columns and sheet.rows_quarantined == 1


@pytest.mark.parametrize("aliases, message", [
    ("dataset,field,header\ndibao,incom,月收入\n", "aliases.csv 第 2 行：数据集 dibao 没有字段「incom」"),
    ("dataset,field,header\nbaodi,income,月收入\n", "aliases.csv 第 2 行：没有数据集「baodi」"),
    ("dataset,field,header\ndibao,benefit\n", "aliases.csv 第 2 行应有三项"),
    ("dataset;field;header\n", "aliases.csv 第 1 行应为表头 dataset,field,header"),
    ("dataset,field,header\n*,benefit,保障金额\n", "aliases.csv 第 2 行：「*」只能用于通用字段"),
])
def test_a_bad_alias_line_stops_the_run_naming_its_file_and_line(tmp_path: Path, aliases: str, message: str):
    with pytest.raises(PolicyError, match=re.escape(message)):
        load_policy(site(tmp_path, aliases))


@pytest.mark.parametrize("categories, message", [
    ('[area]\nurban = ["城区"]\n', "categories.toml 第 1 行：没有取值表「area」"),
    ('[area_type]\ncity = ["城区"]\n', "categories.toml 第 2 行：取值表 area_type 没有代码「city」"),
    ('[area_type]\nurban = "城区"\n', "categories.toml 第 2 行：urban 应为文字列表"),
    ('[area_type\n', "categories.toml 不是有效的 TOML"),
])
def test_a_bad_category_line_stops_the_run_naming_its_file_and_line(tmp_path: Path, categories: str,
                                                                     message: str):
    with pytest.raises(PolicyError, match=re.escape(message)):
        load_policy(site(tmp_path, categories=categories))


def test_a_change_to_the_sites_words_invalidates_the_parsed_files(tmp_path: Path):
    path = site(tmp_path, "dataset,field,header\n")
    before = site_digest(path)
    (path.parent / "aliases.csv").write_text("dataset,field,header\ndibao,benefit,月发放\n", encoding="utf-8")
    assert site_digest(path) != before
