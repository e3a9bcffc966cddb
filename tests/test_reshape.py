"""SPEC §2 "Files as real systems export them": the shapes of real exports read as one row per
person, with lineage and counts (transforms/ingest/reshape.py, layout.py)."""

from pathlib import Path

from schemas.policy import load_policy
from tests.files import workbook
from tests.ids import valid_id
from transforms.ingest.file import ingest_file
from transforms.ingest.layout import member_number
from transforms.ingest.reshape import derived_claim_id, programme_of

POLICY = load_policy("data/policy.toml")
A, B, C, D, E = (valid_id(sequence=s) for s in ("111", "222", "333", "444", "555"))


def ingest(path: Path, rel: str):
    return ingest_file(path, rel, "2024-10", POLICY)


def only(result):
    (sheet,) = result.sheets
    return sheet


def test_member_numbers_are_read_in_chinese_and_arabic():
    assert [member_number(t) for t in ("一", "九", "十", "十二", "二十", "3")] == [1, 9, 10, 12, 20, 3]


def test_a_household_row_with_member_column_groups_becomes_one_row_per_member(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["户编号", "户主姓名", "身份证号码", "城乡类别", "家庭月人均收入", "户月保障金", "享受保障人数",
         "成员一姓名", "成员一身份证号", "成员一与户主关系", "成员二姓名", "成员二身份证号"],
        ["H1", "张三", A, "城市", 300, 840, 3, "李四", B, "妻子", "张小", C],
        ["H2", "王五", D, "农村", 200, 500, 1, None, None, None, None, None],
        ["合计", None, None, None, None, 1340, 4],
    ]})
    sheet = only(ingest(path, "civil/低保台账.xlsx"))
    assert (sheet.dataset, sheet.reshaped) == ("dibao", "household_rows")
    assert (sheet.rows_read, sheet.produced, sheet.rows_accepted, sheet.rows_skipped) == (3, 5, 4, 1)
    rows = sheet.accepted.sort("src_row", "src_member")
    assert rows["id_number"].to_list() == [A, B, C, D]
    assert rows["src_member"].to_list() == [1, 2, 3, 1]
    assert rows["relation"].to_list() == ["户主", "妻子", None, "户主"]
    assert rows["household_id"].to_list() == ["H1", "H1", "H1", "H2"]
    # the household's amount is the household's, never a member's benefit
    assert rows["household_benefit"].to_list() == [840.0, 840.0, 840.0, 500.0]
    assert rows["benefit"].null_count() == 4 and "benefit" in sheet.fields_absent
    assert sheet.total_row_check == "ok"


def test_a_member_with_a_broken_id_is_quarantined_at_its_row_and_position(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["户主姓名", "户主身份证号", "城乡类别", "成员1姓名", "成员1身份证号码"],
        ["张三", A, "城市", "李四", B[:-1] + ("0" if B[-1] != "0" else "1")],
    ]})
    sheet = only(ingest(path, "civil/低保.xlsx"))
    (bad,) = sheet.quarantine.iter_rows(named=True)
    assert (bad["row"], bad["member"], bad["reason"]) == (2, 2, "ID_CHECKSUM")
    assert "第 2 行第 2 人（成员1）" in bad["message"]
    # no household number exported: the head's ID is the household key, marked derived
    assert sheet.accepted["household_id"].to_list() == [A] and "household_id" in sheet.derived_fields
    assert sheet.rows_quarantined == 1 and sheet.produced == 2


def test_a_family_list_with_only_the_heads_name_reads_that_name_as_the_persons(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["区县", "户主姓名", "身份证号码", "供养方式", "基本生活费"], ["铜官区", "张三", A, "分散供养", 936]]})
    sheet = only(ingest(path, "civil/五保户名单.xlsx"))
    assert (sheet.dataset, sheet.reshaped, sheet.rows_accepted) == ("tekun", "family_list", 1)
    assert sheet.accepted["name"].to_list() == ["张三"]


def test_payment_rows_become_one_row_per_person_with_both_subsidies(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["姓名", "身份证号码", "残疾等级", "补贴类型", "补贴金额"],
        ["张三", A, "一级", "生活补贴", 90], ["张三", A, "一级", "护理补贴", 80],
        ["李四", B, "二级", "护理补贴", 80],
        ["王五", C, "三级", None, None],
        ["赵六", D, "四级", "交通补贴", 50],
    ]})
    sheet = only(ingest(path, "disability/两项补贴.xlsx"))
    assert sheet.reshaped == "payment_type_rows"
    assert (sheet.rows_read, sheet.produced, sheet.rows_accepted, sheet.rows_skipped) == (5, 4, 3, 1)
    rows = sheet.accepted.sort("src_row").select("id_number", "living_subsidy", "care_subsidy", "src_row")
    assert rows.rows() == [(A, 90.0, 80.0, 2), (B, 0.0, 80.0, 4), (C, 0.0, 0.0, 5)]
    assert list(sheet.skipped_reasons) == ["补贴类型「交通补贴」无法识别（应为生活补贴或护理补贴）"]


def test_mixed_stays_keep_hospital_stays_and_count_the_others_with_their_reason(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["姓名", "身份证号", "医保就诊类别", "入院日期", "结算日期", "政策范围内费用", "统筹支付", "医疗救助金额"],
        ["张三", A, "住院", "2024-10-01", "2024-10-08", 5000, 3000, 0],
        ["张三", A, "普通门诊", None, "2024-10-09", 300, 200, 0],
        ["李四", B, "药店购药", None, "2024-10-10", 80, 0, 0],
        ["李四", B, "住院（异地）", "2024-09-20", "2024-10-02", 9000, 6000, 1000],
    ]})
    sheet = only(ingest(path, "medical/结算明细.xlsx"))
    assert (sheet.reshaped, sheet.rows_accepted, sheet.rows_skipped) == ("mixed_stays", 2, 2)
    assert sheet.skipped_reasons == {"就诊类别「普通门诊」（非住院）": 1, "就诊类别「药店购药」（非住院）": 1}
    # no 结算单号 column: a derived key, stable across runs, from ID, admission, settlement and cost
    assert sheet.derived_fields == ["claim_id"]
    first = sheet.accepted.sort("src_row").row(0, named=True)
    assert first["claim_id"] == derived_claim_id(A, "2024-10-01", "2024-10-08", 5000.0)
    assert first["claim_id"].startswith("D") and len(first["claim_id"]) == 13


def test_the_derived_claim_key_is_the_one_spec_writes():
    import hashlib

    expected = "D" + hashlib.sha256(f"{A}||2024-10-08|5000.00".encode()).hexdigest()[:12]
    assert derived_claim_id(A, None, "2024-10-08", 5000.0) == expected


def test_a_template_for_several_programmes_is_split_by_its_type_column(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"铜官区": [
        ["所属年份", "所属月份", "姓名", "身份证号", "基本生活保障类型", "保障金额"],
        [2024, 10, "张三", A, "城市低保A1档", 620], [2024, 10, "李四", B, "农村低保B档", 500],
        [2024, 10, "王五", C, "农村特困", 936], [2024, 10, "赵六", D, "临时救助", 100],
    ]})
    result = ingest(path, "civil/基本生活保障.xlsx")
    by = {s.dataset: s for s in result.sheets}
    assert set(by) == {"dibao", "tekun"} and by["dibao"].reshaped == "programme_split"
    dibao = by["dibao"].accepted.sort("src_row")
    assert dibao.select("id_number", "area_type", "category", "county").rows() == [
        (A, "urban", "A", "340705"), (B, "rural", "B", "340705")]
    assert by["tekun"].accepted["id_number"].to_list() == [C]
    # the row naming no programme stays with the first dataset, counted with its reason
    assert by["dibao"].skipped_reasons == {"保障类型「临时救助」不是可识别的救助项目": 1}
    assert sum(s.rows_read for s in result.sheets) == 4


def test_programme_values_name_their_dataset_area_and_class():
    assert programme_of("城市低保A1档") == ("dibao", {"area_type": "城市", "category": "A"})
    assert programme_of("农村特困") == ("tekun", {})
    assert programme_of("孤儿") == ("children", {"child_category": "孤儿"})
    assert programme_of("急难型") is None


def test_an_agents_id_is_never_the_subjects(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["经办人姓名", "经办人身份证号码", "逝者姓名", "逝者身份证号", "火化时间"],
        ["家属甲", E, "张三", A, "2024-09-01"]]})
    sheet = only(ingest(path, "civil/火化.xlsx"))
    assert sheet.dataset == "deaths" and sheet.accepted["id_number"].to_list() == [A]
    assert {"经办人姓名", "经办人身份证号码"} <= set(sheet.unmapped_columns)


def test_household_and_member_sheets_are_joined_on_the_household_key(tmp_path: Path):
    from transforms.month.households import members_without_household, staged_people

    path = workbook(tmp_path / "x.xlsx", {
        "户信息": [["户编号", "户主姓名", "户类型", "人均纯收入"], ["J1", "张三", "脱贫户", 9000],
                   ["J2", "王五", "监测户", 3000]],
        "成员信息": [["户编号", "姓名", "身份证号码", "劳动技能"], ["J1", "张三", A, "普通劳动力"],
                     ["J1", "李四", B, "丧失劳动力"], ["J3", "赵六", C, "普通劳动力"]],
    })
    result = ingest(path, "poverty/防返贫监测.xlsx")
    households, members = result.sheets
    assert (households.level, households.rows_accepted, members.level) == ("household", 2, "person")
    people = staged_people(result.sheets, "registry").sort("src_row")
    assert people.select("id_number", "poverty_status", "annual_income_per_capita").rows() == [
        (A, "exited", 9000.0), (B, "exited", 9000.0), (C, None, None)]
    assert members_without_household(result.sheets) == {("poverty/防返贫监测.xlsx", "成员信息", "registry"): 1}


def test_members_listed_in_one_cell_each_become_one_row_each(tmp_path: Path):
    path = workbook(tmp_path / "x.xlsx", {"s": [
        ["户主姓名", "户主身份证号", "供养方式", "家庭成员姓名", "家庭成员身份证号", "所属区"],
        ["张三", A, "分散供养", "张三、李四", f"{A}、{B}", "铜官区"],
        ["王五", C, "集中供养", None, None, "铜官区"],
    ]})
    sheet = only(ingest(path, "civil/特困人员家庭查询_20241031.xlsx"))
    assert (sheet.dataset, sheet.reshaped, sheet.rows_read, sheet.produced) == ("tekun", "household_rows", 2, 3)
    rows = sheet.accepted.sort("src_row", "src_member")
    assert rows.select("id_number", "name", "src_member", "support_mode").rows() == [
        (A, "张三", 1, "dispersed"), (B, "李四", 2, "dispersed"), (C, "王五", 1, "centralized")]
