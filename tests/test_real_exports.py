"""SPEC §2 "Files as real systems export them", their words and their gaps: absent columns, two
columns for one field, facts above the table, invisible characters, the 2021-and-later registry,
the 残联 certificate number, and sheets that are no dataset's."""

from pathlib import Path

from schemas.policy import load_policy
from tests.files import workbook
from tests.ids import valid_id
from transforms.ingest.file import ingest_file

POLICY = load_policy("data/policy.toml")
A, B = valid_id(sequence="111"), valid_id(sequence="222")


def ingest(path: Path, rel: str, period: str = "2024-10"):
    return ingest_file(path, rel, period, POLICY)


def test_a_payment_sheet_without_income_has_its_rows_accepted_and_the_field_listed_absent(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["户编号", "姓名", "身份证号码", "城乡类别", "月保障金"],
        ["H1", "张三", A, "城市", 420],
    ]})
    (sheet,) = ingest(path, "civil/低保发放表.xlsx").sheets
    assert (sheet.dataset, sheet.rows_accepted, sheet.rows_quarantined) == ("dibao", 1, 0)
    assert {"per_capita_income", "topup", "category"} <= set(sheet.fields_absent)
    row = sheet.accepted.row(0, named=True)
    # blank-means-0 and blank-means-none fields are unknown too when their column is absent
    assert (row["per_capita_income"], row["topup"], row["category"]) == (None, None, None)


def test_a_blank_cell_in_a_column_that_exists_is_still_required_missing(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "分类施保金", "保障类别"],
        ["H1", "张三", A, "城市", None, 420, None, None],
    ]})
    (sheet,) = ingest(path, "civil/低保.xlsx").sheets
    assert sheet.rows_quarantined == 1
    assert sheet.quarantine.row(0, named=True)["reason"] == "REQUIRED_MISSING"
    assert "per_capita_income" not in sheet.fields_absent


def test_blank_topup_and_class_cells_are_zero_and_no_class(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "分类施保金", "保障类别"],
        ["H1", "张三", A, "城市", 300, 420, None, None],
    ]})
    (sheet,) = ingest(path, "civil/低保.xlsx").sheets
    row = sheet.accepted.row(0, named=True)
    assert (row["topup"], row["category"]) == (0.0, "none")


def test_the_column_holding_valid_ids_is_the_id_and_the_certificate_number_becomes_the_household(tmp_path: Path):
    # 证件号码 holds the 低保证号, 身份证号码 the ID: both headers are aliases of the ID number
    path = workbook(tmp_path / "x.xlsx", {"城关镇": [
        ["姓名", "证件号码", "身份证号码", "城乡类别", "月保障金"],
        ["张三", "DB0001", A, "城市", 420], ["李四", "DB0002", B, "城市", 420],
    ]})
    (sheet,) = ingest(path, "civil/铜官区低保.xlsx").sheets
    assert sheet.rows_quarantined == 0
    assert sheet.accepted["id_number"].to_list() == [A, B]
    assert sheet.accepted["household_id"].to_list() == ["DB0001", "DB0002"]
    assert "证件号码" not in sheet.unmapped_columns


def test_two_columns_of_valid_ids_keep_the_leftmost(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["姓名", "身份证号码", "身份证号", "死亡日期"], ["张三", A, B, "2024-09-01"]]})
    (sheet,) = ingest(path, "civil/死亡.xlsx").sheets
    assert sheet.accepted["id_number"].to_list() == [A] and sheet.unmapped_columns == ["身份证号"]


def test_ids_with_zero_width_and_non_breaking_spaces_and_tabs_are_read(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["姓名", "身份证号码", "死亡日期"],
        ["张\u200b三", A[:6] + "\u200b" + A[6:], "2024-09-01"],
        ["李四", "\u00a0" + B + "\t\ufeff", "2024-09-01"],
    ]})
    (sheet,) = ingest(path, "civil/死亡.xlsx").sheets
    assert sheet.rows_quarantined == 0
    assert sheet.accepted["id_number"].to_list() == [A, B]
    assert sheet.accepted["name"].to_list() == ["张三", "李四"]


def test_area_type_county_and_township_come_from_the_title_and_sheet_name(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"新城街道": [
        ["铜官区城市低保发放签字表"],
        ["户编号", "姓名", "身份证号码", "月保障金"],
        ["H1", "张三", A, 420],
    ]})
    (sheet,) = ingest(path, "civil/发放表.xlsx").sheets
    row = sheet.accepted.row(0, named=True)
    assert (row["county"], row["area_type"], row["township"]) == ("340705", "urban", "新城街道")
    assert sheet.facts_from_context == {"area_type": "城市", "township": "新城街道", "county": "铜官区"}
    assert "area_type" not in sheet.fields_absent and "county" not in sheet.fields_absent


def test_a_title_naming_both_city_and_countryside_gives_no_area_type(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["城市和农村低保"], ["户编号", "姓名", "身份证号码", "月保障金"], ["H1", "张三", A, 420]]})
    (sheet,) = ingest(path, "civil/城乡低保.xlsx").sheets
    assert sheet.accepted["area_type"].to_list() == [None] and "area_type" in sheet.fields_absent


def test_a_period_stamped_in_the_title_that_is_not_the_runs_marks_the_sheet(tmp_path: Path):
    rows = [["户编号", "姓名", "身份证号码", "月保障金"], ["H1", "张三", A, 420]]
    september = workbook(tmp_path / "a.xlsx", {"铜官区": [["2024年9月城市低保发放表"], *rows]})
    assert ingest(september, "civil/a.xlsx").sheets[0].period_stamp == "2024-09"
    october = workbook(tmp_path / "b.xlsx", {"铜官区": [["2024年10月城市低保发放表"], *rows]})
    assert ingest(october, "civil/b.xlsx").sheets[0].period_stamp == ""
    year_to_date = workbook(tmp_path / "c.xlsx", {"铜官区": [["2024年1-10月城市低保发放表"], *rows]})
    assert ingest(year_to_date, "civil/c.xlsx").sheets[0].period_stamp == ""
    named = workbook(tmp_path / "d.xlsx", {"铜官区": rows})
    assert ingest(named, "civil/低保202409.xlsx").sheets[0].period_stamp == "2024-09"


def test_a_2021_registry_says_poor_while_the_risk_is_not_eliminated(tmp_path: Path):
    C, D = valid_id(sequence="333"), valid_id(sequence="444")
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["户编号", "姓名", "证件号码", "户类型", "风险是否消除", "劳动技能"],
        ["J1", "张三", A, "脱贫户", None, "普通劳动力"],
        ["J2", "李四", B, "监测户", "否", "普通劳动力"],
        ["J3", "王五", C, "突发严重困难户", None, "普通劳动力"],
        ["J4", "赵六", D, "边缘易致贫户", "是", "普通劳动力"],
    ]})
    (sheet,) = ingest(path, "poverty/防返贫监测.xlsx").sheets
    assert sheet.dataset == "registry" and sheet.rows_quarantined == 0
    assert sheet.accepted["poverty_status"].to_list() == ["exited", "poor", "poor", "exited"]


def test_a_monitored_household_without_the_risk_column_has_an_unknown_status(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["户编号", "姓名", "证件号码", "监测对象类别", "劳动技能"], ["J1", "张三", A, "监测户", "普通劳动力"]]})
    (sheet,) = ingest(path, "poverty/监测对象.xlsx").sheets
    assert sheet.accepted["poverty_status"].to_list() == [None]
    # the cause too: no column gives it, and medical aid reads it (因病致贫, SPEC §4)
    assert sheet.unknown_counts == {"poverty_status": 1, "cause": 1}


def test_a_disability_sheet_whose_only_id_is_the_certificate_number(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["姓名", "残疾人证号", "护理补贴"], ["张三", A + "41", 80], ["李四", B + "63", None]]})
    (sheet,) = ingest(path, "disability/两项补贴.xlsx").sheets
    assert sheet.dataset == "persons" and sheet.rows_quarantined == 0
    rows = sheet.accepted.sort("src_row")
    assert rows["id_number"].to_list() == [A, B]
    assert rows["disability_type"].to_list() == ["physical", "mental"]
    assert rows["disability_level"].to_list() == [1, 3]


def test_a_summary_sheet_beside_the_roster_is_no_dataset(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {
        "花名册": [["户编号", "姓名", "身份证号码", "城乡类别", "月保障金"], ["H1", "张三", A, "城市", 420]],
        "汇总": [["乡镇", "户数", "人数", "保障金额"], ["新城街道", 12, 20, 8400], ["合计", 12, 20, 8400]],
    })
    result = ingest(path, "civil/铜官区低保.xlsx")
    assert [s.sheet for s in result.sheets] == ["花名册"]
    (ignored,) = result.ignored_sheets
    assert ignored["sheet"] == "汇总" and "身份证号码" in ignored["reason"]


def test_identity_alone_is_rejected_saying_what_is_missing(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [["序号", "姓名", "身份证号码", "联系电话"], [1, "张三", A, "1"]]})
    result = ingest(path, "civil/名单.xlsx")
    assert result.sheets == [] and "无法判断是哪一类名册" in result.rejected and "前 15 行" not in result.rejected
