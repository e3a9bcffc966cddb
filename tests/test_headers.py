import pytest

from tests.tables import raw_table
from transforms.ingest.headers import column_map, find_header, header_key, header_meanings


@pytest.mark.parametrize("seen, field", [
    ("姓 名", "name"),
    ("*姓名", "name"),
    ("身份证\n号码", "id_number"),
    ("月保障金（元）", "benefit"),
    ("月保障金\n(元)", "benefit"),
    ("家庭月人均收入(元/月)", "per_capita_income"),
    ("乡镇（街道）", "township"),
    ("县（市、区）", "county"),
    ("公民身份号码", "id_number"),
    ("合规费用", "compliant_cost"),
    ("残疾等级：", "disability_level"),
])
def test_header_spellings_reach_their_field(seen: str, field: str):
    assert field in {f for _, f in header_meanings(seen)}


def test_header_key_folds_full_width_and_drops_marks():
    assert header_key(" ＊姓　名 ") == "姓名"


def test_unknown_headers_mean_nothing():
    assert header_meanings("民族") == frozenset()
    assert header_meanings(None) == frozenset()


def test_header_is_found_below_title_and_note_rows():
    table = raw_table([
        ["铜陵市2024年10月城乡低保花名册"],
        ["单位：元", None, None, "填报日期：2024-10-31"],
        [],
        ["序号", "户编号", "姓名", "身份证号码", "月保障金（元）"],
        ["1", "H1", "张三", "340705198001011234", "420"],
    ])
    header = find_header(table)
    assert header.positions == (3,)
    assert header.names["c2"] == "姓名"


def test_two_row_header_with_a_merged_group_label_is_flattened_to_leaf_names():
    table = raw_table([
        ["住院结算明细"],
        ["结算单号", "姓名", "身份证号", "政策范围内费用", "医保支付", None, None, "医疗救助金额"],
        [None, None, None, None, "基本医保", "大病保险", "补充保险", None],
        ["JS1", "张三", "340705198001011234", "1000", "600", "0", "0", "280"],
    ])
    header = find_header(table)
    assert header.positions == (1, 2)
    mapping = column_map(header, "claims").fields
    assert mapping == {
        "c0": "claim_id", "c1": "name", "c2": "id_number", "c3": "compliant_cost",
        "c4": "basic_paid", "c5": "critical_paid", "c6": "supplementary_paid", "c7": "aid_paid",
    }


def test_a_title_row_above_a_single_header_is_not_taken_as_a_second_header_row():
    table = raw_table([
        [None, None, "单位：元"],
        ["姓名", "身份证号", "死亡日期"],
        ["张三", "340705198001011234", "2024-10-05"],
    ])
    assert find_header(table).positions == (1,)


def test_a_notes_sheet_has_no_header():
    table = raw_table([["填表说明"], ["1. 姓名请填写户籍上的姓名"], ["2. 身份证号码为18位"]])
    assert find_header(table) is None


def test_unmapped_columns_are_listed_and_a_second_column_for_one_field_is_unmapped():
    table = raw_table([["序号", "姓名", "民族", "身份证号", "证件号码", "死亡日期"]])
    mapping = column_map(find_header(table), "deaths")
    assert mapping.fields == {"c1": "name", "c3": "id_number", "c5": "death_date"}
    assert mapping.unmapped == ["序号", "民族", "证件号码"]


def test_a_field_of_another_dataset_is_unmapped_in_this_one():
    table = raw_table([["姓名", "身份证号", "死亡日期", "月保障金"]])
    assert column_map(find_header(table), "deaths").unmapped == ["月保障金"]


def test_three_row_header_title_over_groups_over_leaves_is_flattened_to_leaves():
    table = raw_table([
        ["姓名", "身份证号", "医疗费用", None, None, None, "医疗救助金额"],
        [None, None, "政策范围内费用", "医保支付", None, None, None],
        [None, None, None, "基本医保", "大病", "大额", None],
        ["张三", "340705198001011234", "1000", "600", "0", "0", "280"],
    ])
    header = find_header(table)
    assert header.positions == (0, 1, 2)
    mapping = column_map(header, "claims").fields
    assert mapping == {"c0": "name", "c1": "id_number", "c2": "compliant_cost", "c3": "basic_paid",
                       "c4": "critical_paid", "c5": "supplementary_paid", "c6": "aid_paid"}


def test_a_leaf_named_twice_is_told_apart_by_its_group():
    table = raw_table([
        ["姓名", "身份证号", "结算日期", "医保支付", None, "个人支付", None],
        [None, None, None, "统筹", "大病", "统筹", "自费"],
        ["张三", "340705198001011234", "2024-10-01", "600", "0", "100", "20"],
    ])
    header = find_header(table)
    assert header.names["c3"] == "医保支付/统筹" and header.names["c5"] == "统筹"
