"""`doudi inspect` (SPEC §2): how each sheet would be read, in Chinese, at 80 columns, with lines
for the site's aliases.csv / categories.toml — and no month run, no output written."""

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from schemas.policy import load_policy
from tests.files import workbook
from tests.ids import valid_id
from transforms.ingest.inspect import inspect_file, nearest_alias, nearest_category
from transforms.reports.inspection import cells, inspection_lines, wrapped

POLICY = load_policy("data/policy.toml")
A, B = valid_id(sequence="111"), valid_id(sequence="222")


def payment_sheet(folder: Path) -> Path:
    return workbook(folder / "发放表.xlsx", {"城关镇": [
        ["铜官区城市低保发放表"],
        ["序号", "姓名", "身份证号码", "户编号", "保障类别", "月保障金", "家庭人均月收入"],
        [1, "张三", A, "H1", "A类", 620, 300], [2, "李四", B, "H2", "特A", 500, 100],
    ]})


def test_a_sheet_is_shown_with_its_dataset_columns_gaps_and_suggested_lines(tmp_path: Path):
    inspection = inspect_file(payment_sheet(tmp_path), "civil/发放表.xlsx", "2024-10", POLICY)
    (sheet,) = inspection.sheets
    assert sheet.dataset == "dibao" and sheet.header_row == 2
    assert {c["header"]: c["field"] for c in sheet.columns}["序号"] is None
    assert "topup" in sheet.fields_absent and sheet.undecided_rules["topup"] == ["DIBAO_TOPUP_MISMATCH"]
    assert sheet.unknown_values == {("category", "特A"): 1}
    (alias,) = sheet.alias_lines
    assert alias.csv() == "dibao,per_capita_income,家庭人均月收入"
    (category,) = sheet.category_lines
    assert (category.vocabulary, category.code, category.value) == ("dibao_category", "A", "特A")
    text = "\n".join(inspection_lines(inspection))
    assert "低保花名册" in text and "dibao,per_capita_income,家庭人均月收入" in text
    assert 'A = ["特A"]' in text and "DIBAO_TOPUP_MISMATCH" in text


def test_every_line_fits_80_columns_and_no_line_starts_with_a_closing_mark(tmp_path: Path):
    lines = inspection_lines(inspect_file(payment_sheet(tmp_path), "civil/发放表.xlsx", "2024-10", POLICY))
    assert all(cells(line) <= 80 for line in lines)
    assert not any(line.strip()[:1] in "，。；：、）」" for line in lines if line.strip())
    assert wrapped("甲" * 39 + "乙，丙") == ["甲" * 39, "  乙，丙"]


def test_a_sheet_that_is_no_dataset_says_why_and_what_it_lacks(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"汇总": [["乡镇", "户数", "保障金额"], ["城关镇", 3, 900]]})
    (sheet,) = inspect_file(path, "civil/x.xlsx", "2024-10", POLICY).sheets
    assert sheet.dataset is None and "身份证号码" in sheet.reason


def test_a_sheet_no_dataset_claims_shows_the_headers_it_knows_and_offers_lines_only_for_the_others(tmp_path: Path):
    """A member list that is as much 低保's as 建档立卡's (a tie, read as neither): 姓名 and 身份证号 are
    known spellings, shown with their fields; a line is offered only for 月收入（元）."""
    path = workbook(tmp_path / "家庭成员.xlsx", {"Sheet1": [
        ["姓名", "身份证号", "户主姓名", "与户主关系", "月收入（元）"],
        ["张三", A, "张三", "户主", 300], ["李四", B, "张三", "配偶", 0],
    ]})
    (sheet,) = inspect_file(path, "civil/家庭成员.xlsx", "2024-10", POLICY).sheets
    assert sheet.dataset is None
    fields = {c["header"]: c["field"] for c in sheet.columns}
    assert fields["姓名"] == "name" and fields["身份证号"] == "id_number" and fields["户主姓名"] is None
    assert [line.header for line in sheet.alias_lines] == ["月收入（元）"]


def test_nearest_spellings_are_offered_only_when_close():
    assert nearest_alias("身份证号", ["dibao"]) is None  # already a known spelling: no line to add
    assert nearest_alias("人均月收入（元）", ["dibao"]).field == "per_capita_income"
    assert nearest_alias("联系电话", ["dibao"]) is None
    assert nearest_category("tekun", "self_care", "半失能人员").code == "partial"


def test_the_command_reads_a_folder_and_writes_nothing(tmp_path: Path):
    folder = tmp_path / "inbox"
    (folder / "civil").mkdir(parents=True)
    payment_sheet(folder / "civil")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(app, ["inspect", str(folder)])
    assert result.exit_code == 0, result.output
    assert "━━ civil/发放表.xlsx" in result.output and "低保花名册（dibao）" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
