from pathlib import Path

import polars as pl
import pytest
import xlwt

from schemas.policy import load_policy
from tests.files import parquet_file, sqlite_file, text_file, workbook
from tests.ids import valid_id, with_wrong_check
from transforms.ingest.file import ingest_file

POLICY = load_policy("data/policy.toml")
A, B, C = valid_id(sequence="111"), valid_id(sequence="222"), valid_id(sequence="333")
DIBAO_HEADER = ["序号", "户编号", "姓 名", "身份证号码", "保障类别", "城乡类别", "家庭月人均收入（元）", "月保障金\n（元）", "分类施保金"]


def ingest(path: Path, rel: str = "civil/低保.xlsx"):
    return ingest_file(path, rel, "2024-10", POLICY)


def messy_dibao(tmp_path: Path) -> Path:
    return workbook(tmp_path / "低保.xlsx", {
        "铜官区": [
            ["铜陵市铜官区2024年10月城乡低保花名册"],
            ["单位：元"],
            [],
            DIBAO_HEADER,
            [1, "H1", "张三", A, "A类", "城市", 300, 420, 126],
            [2, "H1", "李四", "３４" + B[2:], None, "城市", "300", "420元", None],
            [],
            [3, "H2", "王五", with_wrong_check(C), "C", "农村", "100", "620", "0"],
            [4, "H3", "赵六", 340702198001011234, "C", "农村", "100", "620", "0"],
            ["合计", None, None, None, None, None, None, 2100, 126],
            ["制表人：某某", None, None, None, None, None, "审核人：某某"],
        ],
        "填表说明": [["1. 保障类别填写 A类、B类、C类"]],
    })


def test_a_messy_workbook_accounts_for_every_row(tmp_path: Path):
    result = ingest(messy_dibao(tmp_path))
    (sheet,) = result.sheets
    assert sheet.dataset == "dibao"
    assert (sheet.rows_read, sheet.rows_accepted, sheet.rows_quarantined, sheet.rows_skipped) == (6, 2, 2, 2)
    assert sheet.rows_read == sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_skipped
    assert sheet.header_row == 4
    assert sheet.unmapped_columns == ["序号"]


def test_quarantined_rows_carry_their_excel_row_and_reason(tmp_path: Path):
    (sheet,) = ingest(messy_dibao(tmp_path)).sheets
    rows = sheet.quarantine.select("file", "sheet", "row", "reason").rows()
    assert rows == [
        ("civil/低保.xlsx", "铜官区", 8, "ID_CHECKSUM"),
        ("civil/低保.xlsx", "铜官区", 9, "ID_PRECISION_LOST"),
    ]
    assert "第 8 行" in sheet.quarantine["message"][0]


def test_accepted_rows_are_typed_with_lineage(tmp_path: Path):
    (sheet,) = ingest(messy_dibao(tmp_path)).sheets
    first, second = sheet.accepted.sort("src_row").iter_rows(named=True)
    assert (first["county"], first["id_number"], first["category"], first["benefit"]) == ("340705", A, "A", 420.0)
    assert (second["id_number"], second["benefit"], second["topup"], second["category"]) == (B, 420.0, 0.0, "none")
    assert (second["src_file"], second["src_sheet"], second["src_row"]) == ("civil/低保.xlsx", "铜官区", 6)


def test_county_comes_from_the_sheet_name_when_there_is_no_county_column(tmp_path: Path):
    (sheet,) = ingest(messy_dibao(tmp_path)).sheets
    assert sheet.county_from == "铜官区"


def test_a_total_row_is_checked_against_the_data_rows(tmp_path: Path):
    (sheet,) = ingest(messy_dibao(tmp_path)).sheets
    assert sheet.total_row_check == "mismatch"
    # 2100 stated; the four data rows (the quarantined ones too) sum to 2080.
    assert sheet.total_mismatches == [{"row": 10, "field": "benefit", "total": 2100.0, "data_sum": 2080.0}]


def test_a_notes_sheet_is_ignored_with_a_reason(tmp_path: Path):
    result = ingest(messy_dibao(tmp_path))
    assert [i["sheet"] for i in result.ignored_sheets] == ["填表说明"]


def test_a_gbk_csv_of_deaths_is_ingested_with_line_numbers(tmp_path: Path):
    path = text_file(tmp_path / "deaths.csv", [
        ["殡葬管理所火化登记"],
        ["姓名", "身份证号", "火化日期"],
        ["张三", f"'{A}", "2024/9/1"],
        ["李四", "3.40705198001011E+17", "20240901"],
    ], encoding="gbk")
    (sheet,) = ingest(path, "civil/deaths.csv").sheets
    assert sheet.dataset == "deaths" and sheet.sheet == ""
    assert sheet.quarantine.select("row", "reason").rows() == [(4, "ID_PRECISION_LOST")]
    assert sheet.accepted["death_date"].to_list()[0].isoformat() == "2024-09-01"


def test_every_table_of_a_sqlite_dump_is_a_candidate(tmp_path: Path):
    path = sqlite_file(tmp_path / "yb.db", {
        "cbxx": [["姓名", "身份证号码", "参保状态", "个人缴费标准", "资助金额", "参保年度"],
                 ["张三", A, "正常参保", 380, 380, 2024], ["李四", B, "暂停参保", 380, None, "2024年"],
                 ["王五", C, "外星", 380, 380, 2024]],
        "dm_zzlb": [["代码", "名称"], ["01", "低保"]],
    })
    result = ingest(path, "medical/yb.db")
    (sheet,) = result.sheets
    assert (sheet.sheet, sheet.dataset, sheet.rows_accepted) == ("cbxx", "enrollment", 2)
    assert sheet.quarantine.select("row", "reason").rows() == [(3, "UNKNOWN_CATEGORY")]
    assert result.ignored_sheets[0]["sheet"] == "dm_zzlb"


def test_a_parquet_file_is_ingested(tmp_path: Path):
    path = parquet_file(tmp_path / "cl.parquet", [
        ["姓名", "身份证号", "残疾等级", "生活补贴", "护理补贴"], ["张三", A, "一级", 90.0, 80.0],
    ])
    (sheet,) = ingest(path, "disability/cl.parquet").sheets
    assert (sheet.dataset, sheet.rows_accepted) == ("persons", 1)
    assert sheet.accepted["disability_level"].to_list() == [1]


def test_a_file_of_no_dataset_is_rejected_naming_the_headers_seen(tmp_path: Path):
    path = workbook(tmp_path / "统计.xlsx", {"汇总": [["区县", "户数", "人数"], ["铜官区", 10, 20]]})
    assert ingest(path).rejected and ingest(path).sheets == []
    text = text_file(tmp_path / "说明.txt", [["本月数据说明：各区县按时报送。"]])
    assert "未识别" in ingest(text, "civil/说明.txt").rejected


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04broken"])
def test_an_unreadable_file_is_rejected_and_nothing_else_fails(tmp_path: Path, content: bytes):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(content)
    result = ingest(path)
    assert result.rejected and result.sheets == []


def test_rows_of_other_columns_than_the_mapped_ones_are_template_rows(tmp_path: Path):
    path = workbook(tmp_path / "d.xlsx", {"s": [["序号", "姓名", "身份证号", "死亡日期"], [1, "张三", A, "2024-09-01"], [2], [3]]})
    (sheet,) = ingest(path).sheets
    assert (sheet.rows_read, sheet.rows_accepted, sheet.rows_skipped) == (3, 1, 2)


def test_a_two_row_claims_header_is_ingested(tmp_path: Path):
    path = workbook(tmp_path / "js.xlsx", {"结算": [
        ["结算单号", "姓名", "身份证号", "结算日期", "政策范围内费用", "医保支付", None, None, "医疗救助金额"],
        [None, None, None, None, None, "基本医保", "大病保险", "补充保险", None],
        ["JS1", "张三", A, "2024-10-05", "1,000.00", "600", None, "", "280"],
    ]})
    (sheet,) = ingest(path, "medical/js.xlsx").sheets
    row = sheet.accepted.row(0, named=True)
    assert (row["basic_paid"], row["critical_paid"], row["aid_paid"], row["src_row"]) == (600.0, 0.0, 280.0, 3)


def test_a_county_outside_the_policy_is_quarantined_where_the_county_is_required(tmp_path: Path):
    path = workbook(tmp_path / "特困.xlsx", {"s": [["区县", "姓名", "身份证号", "基本生活费"], ["合肥市", "张三", A, 936]]})
    (sheet,) = ingest(path, "civil/特困.xlsx").sheets
    assert sheet.quarantine.select("reason", "field").rows() == [("UNKNOWN_CATEGORY", "county")]
    # its own message: the fix may be in the policy file rather than in the sheet
    assert "政策文件" in sheet.quarantine["message"][0] and "合肥市" in sheet.quarantine["message"][0]


def test_staged_rows_keep_name_and_id_as_read(tmp_path: Path):
    path = workbook(tmp_path / "d.xlsx", {"s": [["姓名", "身份证号", "死亡日期"], ["张 三", f" {A.lower()} ", 45570]]})
    row = ingest(path).sheets[0].accepted.row(0, named=True)
    assert (row["name"], row["name_norm"], row["id_number"]) == ("张 三", "张三", A)
    assert row["id_number_raw"] == f" {A.lower()} "
    assert pl.Series([row["death_date"]]).dt.to_string("%Y-%m-%d").item() == "2024-10-05"


def test_an_id_in_a_number_cell_is_precision_lost_wherever_the_table_starts(tmp_path: Path):
    rows = [[None, None, "姓名", "身份证号", "死亡日期"], [None, None, "张三", 340705198001011234, "2024-09-01"],
            [None, None, "李四", A, "2024-09-01"]]
    (sheet,) = ingest(workbook(tmp_path / "d.xlsx", {"s": rows})).sheets
    assert sheet.quarantine.select("row", "reason").rows() == [(2, "ID_PRECISION_LOST")]
    assert sheet.rows_accepted == 1


def test_an_id_in_a_number_cell_of_an_xls_workbook_is_precision_lost(tmp_path: Path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("死亡")
    for c, text in enumerate(["姓名", "身份证号", "死亡日期"]):
        sheet.write(0, 2 + c, text)
    sheet.write(1, 2, "张三")
    sheet.write(1, 3, 340705198001011234)
    sheet.write(1, 4, "2024-09-01")
    book.save(str(tmp_path / "d.xls"))
    (result,) = ingest(tmp_path / "d.xls").sheets
    assert result.quarantine.select("row", "reason").rows() == [(2, "ID_PRECISION_LOST")]


def test_a_rejected_file_names_the_headers_seen(tmp_path: Path):
    path = text_file(tmp_path / "会议记录.csv", [["日期", "议题", "参会人"], ["2024-10-08", "低保复核", "王某"]])
    result = ingest(path, "poverty/会议记录.csv")
    assert result.rejected and result.ignored_sheets[0]["headers_seen"] == ["日期", "议题", "参会人"]


def test_a_sheet_doudi_fails_on_is_set_aside_and_the_others_go_on(tmp_path: Path, monkeypatch):
    import transforms.ingest.sheet as ingest_module

    real = ingest_module.row_kinds

    def fails_on_one_sheet(body, cells, fields, *site):
        if body.height == 2:
            raise ValueError("unexpected")
        return real(body, cells, fields, *site)

    monkeypatch.setattr(ingest_module, "row_kinds", fails_on_one_sheet)
    path = workbook(tmp_path / "d.xlsx", {
        "好": [["姓名", "身份证号", "死亡日期"], ["张三", A, "2024-09-01"]],
        "坏": [["姓名", "身份证号", "死亡日期"], ["李四", B, "2024-09-01"], ["王五", C, "2024-09-01"]],
    })
    result = ingest(path)
    assert [s.sheet for s in result.sheets] == ["好"]
    assert "ValueError" in result.ignored_sheets[0]["reason"]
