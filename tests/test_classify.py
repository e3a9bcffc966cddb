import pytest

from tests.tables import raw_table
from transforms.classify import recognise_dataset
from transforms.headers import find_header


def recognised(headers: list[str], context: str = "") -> str | None:
    return recognise_dataset(find_header(raw_table([headers])), context).dataset


@pytest.mark.parametrize("headers, dataset", [
    (["区县", "户编号", "姓名", "身份证号码", "保障类别", "城乡类别", "家庭月人均收入", "月保障金"], "dibao"),
    (["区县", "姓名", "身份证号码", "供养方式", "基本生活费", "照料护理费"], "tekun"),
    (["姓名", "身份证号", "火化日期"], "deaths"),
    (["户编号", "姓名", "证件号码", "劳动技能", "脱贫状态", "人均纯收入"], "registry"),
    (["姓名", "身份证号码", "参保状态", "个人缴费标准", "财政代缴金额", "参保年度"], "enrollment"),
    (["就诊流水号", "姓名", "身份证号码", "结算日期", "合规费用", "统筹支付", "医疗救助支付"], "claims"),
    (["姓名", "身份证号", "残疾证号", "残疾类别", "残疾等级", "生活补贴", "护理补贴"], "persons"),
])
def test_each_dataset_is_recognised_from_its_headers(headers, dataset):
    assert recognised(headers) == dataset


def test_a_stray_column_of_another_dataset_does_not_change_the_dataset():
    headers = ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "死亡日期"]
    assert recognised(headers) == "dibao"


def test_a_tie_goes_to_the_dataset_whose_required_fields_are_present():
    # 类别 names the 低保 class, 死亡日期 the death: deaths has all its required fields.
    assert recognised(["姓名", "身份证号", "死亡日期", "类别"]) == "deaths"


TIED = ["区县", "姓名", "身份证号", "基本生活费", "护理费", "残疾等级", "护理补贴"]


def test_a_tie_left_is_broken_by_the_sheet_or_file_name():
    headers = TIED
    assert recognised(headers, "残疾人两项补贴.xlsx") == "persons"
    assert recognised(headers, "特困供养.xlsx") == "tekun"


def test_headers_of_no_dataset_are_rejected_naming_the_headers_seen():
    result = recognise_dataset(find_header(raw_table([["姓名", "身份证号", "联系电话"]])), "")
    assert result.dataset is None
    assert "姓名、身份证号、联系电话" in result.reason


def test_headers_matching_two_datasets_equally_are_rejected():
    result = recognise_dataset(find_header(raw_table([TIED])), "汇总.xlsx")
    assert result.dataset is None
    assert "多个数据集" in result.reason
