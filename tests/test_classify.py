import pytest

from tests.tables import raw_table
from transforms.ingest.classify import recognise_dataset
from transforms.ingest.headers import find_header


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
    headers = ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "劳动能力"]
    assert recognised(headers) == "dibao"


def test_a_dataset_whose_required_columns_are_all_there_wins_over_a_partial_match():
    # 类别 names the 低保 class, 死亡日期 the death: only deaths has all its required fields.
    assert recognised(["姓名", "身份证号", "死亡日期", "类别"]) == "deaths"


def test_a_sheet_missing_a_required_column_is_still_its_dataset():
    assert recognised(["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入"]) == "dibao"


# Every required field of 低保 and of 建档立卡 at once.
BOTH = ["户编号", "姓名", "身份证号", "区县", "劳动能力", "贫困户状态", "城乡类别", "家庭月人均收入", "月保障金"]


def test_a_header_matching_two_datasets_is_decided_by_the_file_name():
    assert recognised(BOTH, "poverty/建档立卡名单.csv") == "registry"
    assert recognised(BOTH, "civil/低保花名册.csv") == "dibao"


def test_a_header_matching_two_datasets_goes_to_the_one_it_matches_best():
    # 城乡类别, 家庭月人均收入, 月保障金 are 低保's own; 劳动能力, 贫困户状态 建档立卡's.
    assert recognised(BOTH, "poverty/data.csv") == "dibao"


def test_a_tie_no_keyword_breaks_is_rejected_naming_both_datasets():
    # 与户主关系 is half 低保's, half 建档立卡's, and neither has any other column here
    result = recognise_dataset(find_header(raw_table([["姓名", "身份证号", "与户主关系"]])), "s.xlsx")
    assert result.dataset is None and "低保" in result.reason and "建档立卡" in result.reason
    assert recognised(["姓名", "身份证号", "与户主关系"], "建档立卡户.xlsx") == "registry"


TIED = ["区县", "姓名", "身份证号", "基本生活费", "护理费", "残疾等级", "护理补贴"]


def test_a_tie_left_is_broken_by_the_sheet_or_file_name():
    headers = TIED
    assert recognised(headers, "残疾人两项补贴.xlsx") == "persons"
    assert recognised(headers, "特困供养.xlsx") == "tekun"


def test_headers_of_no_dataset_are_rejected_naming_the_headers_seen():
    result = recognise_dataset(find_header(raw_table([["姓名", "身份证号", "联系电话"]])), "")
    assert result.dataset is None
    assert result.headers_seen == ["姓名", "身份证号", "联系电话"]


def test_identity_alone_is_rejected_and_the_reason_says_what_is_missing():
    result = recognise_dataset(find_header(raw_table([["姓名", "身份证号码", "区县"]])), "名单.xlsx")
    assert result.dataset is None and "无法判断是哪一类名册" in result.reason


def test_a_file_that_names_its_dataset_is_that_datasets_with_only_identity_columns():
    # SPEC §2: 低收入/低保边缘 make low_income — the file's own name is a keyword
    assert recognised(["姓名", "身份证号码", "区县"], "低保边缘人员查询_20241031.xlsx") == "low_income"
    assert recognised(["姓名", "身份证号码", "区县"], "低保名单.xlsx") == "dibao"


def test_a_persons_attribute_columns_in_another_roster_do_not_make_it_the_disability_federations():
    headers = ["儿童姓名", "身份证号", "残疾类别", "残疾等级", "保障标准", "领取人与儿童关系"]
    assert recognised(headers, "s.xlsx") == "children"


def test_a_sheet_without_id_and_name_columns_is_no_dataset():
    result = recognise_dataset(find_header(raw_table([["乡镇", "户数", "人数", "保障金额"]])), "低保.xlsx")
    assert result.dataset is None and "身份证号码" in result.reason


@pytest.mark.parametrize("headers, dataset", [
    (["姓名", "身份证号码", "救助类型", "救助金额", "发放日期"], "temp_relief"),
    (["区县", "姓名", "身份证号码", "保障类别", "养育方式", "基本生活费"], "children"),
    (["区县", "乡镇", "户编号", "姓名", "身份证号码", "类型"], "low_income"),
])
def test_the_seeds_other_programmes_are_recognised(headers, dataset):
    assert recognised(headers) == dataset


@pytest.mark.parametrize("headers, dataset", [
    (["逝者姓名", "证件号码", "去世时间", "火化时间"], "deaths"),
    (["患者姓名", "身份证号", "入院时间", "结算时间", "医保政策范围内费用", "统筹报销金额", "大病报销金额"], "claims"),
    (["镇（街）", "姓名", "身份证号码", "代缴类别", "代缴金额", "缴费总额"], "enrollment"),
    (["受助人/单位名称", "受助对象身份证号", "受助日期", "救助资金现金金额"], "temp_relief"),
    # 保障金 is also a 特困 spelling of basic_paid: a children's roster stays a children's roster.
    (["姓名", "身份证号码", "保障类别", "养育方式", "保障金"], "children"),
])
def test_real_systems_spellings_are_recognised(headers, dataset):
    assert recognised(headers) == dataset


@pytest.mark.parametrize("headers, dataset", [
    # 发放金额 and 保障标准 are a child's allowance in 儿童福利 systems: a 临时救助 payment list and a
    # 低保 roster that write them stay what their own headers say.
    (["姓名", "身份证号码", "救助类型", "发放金额", "发放日期"], "temp_relief"),
    (["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "保障标准", "月保障金"], "dibao"),
    (["地区", "儿童编号", "儿童姓名", "身份证号", "发放方式", "发放金额（元）", "领取人"], "children"),
    (["姓名", "身份证号", "儿童保障类型"], "children"),
    # 救助日期 and 救助金额 in a 医疗救助 settlement list: still claims.
    (["姓名", "身份证号", "医疗总费用", "政策范围内费用", "统筹支付", "救助金额", "救助日期"], "claims"),
    # 申请人姓名/审批金额 of a 临时救助 application list, with 审批人/申报人 (officers) beside them.
    (["申请人姓名", "身份证号", "审批人", "审批金额", "申报人"], "temp_relief"),
    (["姓名", "身份证号", "生活自理能力", "供养方式", "基本生活标准（元）", "照料护理费用（元）"], "tekun"),
])
def test_survey2_spellings_keep_their_dataset(headers, dataset):
    assert recognised(headers) == dataset
