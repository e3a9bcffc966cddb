"""Hostile and broken inputs: each file is rejected with a reason an officer can act on, or its bad rows
quarantined, and the other files of the month are read whole. Every bad file is made by code
(`tests/bad_files.py`); every outcome is stated exactly.
"""

import tempfile
from pathlib import Path

import fastexcel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sample_month.formats import write_mysql_dump
from schemas.policy import load_policy
from tests.bad_files import (
    deaths_rows,
    encrypted_workbook,
    good_deaths_file,
    good_deaths_workbook,
    legacy_workbook,
    legacy_workbook_with_filepass,
    merged_dibao_workbook,
    quoted_csv,
    random_bytes,
    rewritten,
    truncated,
    with_declared_size,
    zip_bomb,
    zip_of,
)
from tests.files import parquet_file, sqlite_file, table_plan, text_file, workbook
from tests.ids import valid_id
from transforms.ingest import dbf_tables, dump_tables, guard
from transforms.ingest.file import ingest_file
from transforms.ingest.inbox import inbox_files
from transforms.ingest.read_tables import BROKEN_SHEET
from transforms.ingest.text_tables import BINARY, UNKNOWN_ENCODING

POLICY = load_policy("data/policy.toml")
A, B, C, D = (valid_id(sequence=s) for s in ("111", "222", "333", "444"))
PEOPLE = [("张三", A, "2024-09-01"), ("李四", B, "2024-09-02"), ("王五", C, "2024-09-03")]


def ingest(path: Path, rel: str | None = None):
    return ingest_file(path, rel or f"civil/{path.name}", "2024-10", POLICY)


def rejected_as(path: Path) -> str | None:
    result = ingest(path)
    assert result.sheets == []
    return result.rejected


def outcome(sheet) -> tuple[int, int, int, int]:
    counts = (sheet.rows_read, sheet.rows_accepted, sheet.rows_quarantined, sheet.rows_skipped)
    assert sheet.rows_read == sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_skipped
    return counts


def quarantined(sheet) -> list[tuple[int, str, str]]:
    return sheet.quarantine.select("row", "reason", "field").rows()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return good_deaths_workbook(tmp_path / "good.xlsx", PEOPLE)


@pytest.fixture
def good_xls(tmp_path: Path) -> Path:
    return legacy_workbook(tmp_path / "good.xls", {"死亡": deaths_rows(*PEOPLE)})


@pytest.fixture
def no_parsing(monkeypatch):
    """calamine must never see the file: it is refused from its bytes alone."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook reached calamine")

    monkeypatch.setattr(fastexcel, "read_excel", refuse)


def accepted_people(result) -> list[tuple[str, str]]:
    (sheet,) = result.sheets
    assert outcome(sheet) == (3, 3, 0, 0)
    return sheet.accepted.select("name", "id_number").rows()


# --- files that cannot be used at all ---------------------------------------------------------

@pytest.mark.parametrize("name", ["空.xlsx", "空.xls", "空.csv", "空.db", "空.parquet", "空.ods", "空.xlsb", "空.et",
                                  "空.dbf", "空.sql"])
def test_a_zero_byte_file_is_rejected_as_empty(tmp_path: Path, name: str):
    (tmp_path / name).write_bytes(b"")
    assert rejected_as(tmp_path / name) == guard.EMPTY == "文件为空（0 字节）：请重新导出或重新发送该文件"


def test_a_truncated_xlsx_is_rejected_as_incomplete(tmp_path: Path, good: Path, no_parsing):
    assert rejected_as(truncated(good, tmp_path / "截断.xlsx")) == guard.TRUNCATED


def test_a_truncated_xls_is_rejected_as_incomplete(tmp_path: Path, good_xls: Path, no_parsing):
    assert rejected_as(truncated(good_xls, tmp_path / "截断.xls")) == guard.TRUNCATED


@pytest.mark.parametrize("suffix", [".ods", ".xlsb", ".et"])
def test_a_truncated_ods_xlsb_or_et_is_rejected_as_incomplete(tmp_path: Path, suffix: str, no_parsing):
    good = good_deaths_file(tmp_path / f"好{suffix}", PEOPLE)
    assert rejected_as(truncated(good, tmp_path / f"截断{suffix}")) == guard.TRUNCATED


def test_a_truncated_dbf_is_rejected_as_incomplete(tmp_path: Path):
    good = good_deaths_file(tmp_path / "好.dbf", PEOPLE)
    assert rejected_as(truncated(good, tmp_path / "截断.dbf", keep=0.8)) == dbf_tables.TRUNCATED_DBF == (
        "DBF 数据表不完整（记录数与文件大小不符，可能在复制或发送时被截断）：请重新导出或重新发送原文件")


def test_a_dump_cut_inside_a_table_sets_that_table_aside_and_reads_the_one_before(tmp_path: Path):
    tables = [table_plan("死亡", deaths_rows(*PEOPLE)), table_plan("火化", deaths_rows(*PEOPLE))]
    whole = tmp_path / "完整.sql"
    write_mysql_dump(whole, tables)
    cut = whole.read_bytes()[: whole.read_bytes().index(b"INSERT INTO `\xe7\x81\xab\xe5\x8c\x96`") + 60]
    (tmp_path / "截断.sql").write_bytes(cut)
    result = ingest(tmp_path / "截断.sql")
    assert [s.sheet for s in result.sheets] == ["死亡"] and accepted_people(result) == [(n, i) for n, i, _ in PEOPLE]
    assert result.ignored_sheets == [{"sheet": "火化", "reason": dump_tables.BROKEN.format(line=27, what=" INSERT "),
                                      "headers_seen": []}]


def test_a_dump_with_one_broken_statement_reads_its_other_tables(tmp_path: Path):
    path = good_deaths_file(tmp_path / "库.sql", PEOPLE)
    text = path.read_text(encoding="utf-8").replace("UNLOCK TABLES;", "UNLOCK TABLES;\nINSERT INTO `代码` VALUES ('01','低保);")
    path.write_text(text, encoding="utf-8")
    result = ingest(path)
    assert accepted_people(result) == [(n, i) for n, i, _ in PEOPLE]
    assert result.ignored_sheets == [{"sheet": "代码", "reason": "第 17 行的 INSERT 语句无法解析（可能被截断、引号不配对或写法有误）："
                                      "此表未读取，请从原系统重新导出", "headers_seen": []}]


@pytest.mark.parametrize("name, reason", [
    ("编码.dbf", dbf_tables.UNKNOWN_ENCODING), ("编码.sql", dump_tables.UNKNOWN_ENCODING_DUMP),
], ids=["dbf", "sql"])
def test_a_dbf_or_dump_in_no_chinese_encoding_is_rejected(tmp_path: Path, name: str, reason: str):
    path = good_deaths_file(tmp_path / name, PEOPLE)
    path.write_bytes(path.read_bytes().replace("张三".encode("gbk" if name.endswith("dbf") else "utf-8"),
                                               b"\xff\xfe\x80\xff"))
    assert rejected_as(path) == reason


@pytest.mark.parametrize("name", ["乱码.xlsx", "乱码.xls", "乱码.ods", "乱码.xlsb", "乱码.et"])
def test_random_bytes_named_as_a_workbook_are_no_workbook(tmp_path: Path, name: str, no_parsing):
    assert rejected_as(random_bytes(tmp_path / name)) == guard.NOT_A_WORKBOOK


def test_a_binary_file_named_csv_is_rejected_as_binary(tmp_path: Path):
    assert rejected_as(random_bytes(tmp_path / "导出.csv")) == BINARY


def test_a_csv_invalid_in_every_candidate_encoding_is_rejected(tmp_path: Path):
    path = tmp_path / "编码.csv"
    path.write_bytes("姓名,身份证号码,死亡日期\r\n".encode("gbk") + b"\xff\x80\xfe\xff" * 30)
    assert rejected_as(path) == UNKNOWN_ENCODING


@pytest.mark.parametrize("name, reason", [
    ("名册.db", guard.NOT_SQLITE), ("名册.parquet", guard.NOT_PARQUET), ("名册.dbf", guard.NOT_DBF),
    ("名册.sql", dump_tables.BINARY_DUMP),
], ids=["db", "parquet", "dbf", "sql"])
def test_random_bytes_named_as_a_database_or_parquet_are_rejected(tmp_path: Path, name: str, reason: str):
    assert rejected_as(random_bytes(tmp_path / name)) == reason


def test_a_damaged_sqlite_database_is_rejected(tmp_path: Path):
    (tmp_path / "yb.db").write_bytes(b"SQLite format 3\x00" + b"\x01" * 200)
    assert rejected_as(tmp_path / "yb.db") == "SQLite 数据库无法打开（文件已损坏或并非数据库，DatabaseError）：请从原系统重新导出"


@pytest.mark.parametrize("content, reason", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", guard.PDF),
    (b"\xef\xbb\xbf<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>",
     guard.WEB_PAGE.format(suffix=".xls")),
    (b'<?xml version="1.0"?>\r\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
     guard.WEB_PAGE.format(suffix=".xls")),
], ids=["pdf", "html", "spreadsheet-xml"])
def test_a_pdf_or_web_page_named_xls_is_refused_with_what_to_do(tmp_path: Path, content: bytes, reason: str, no_parsing):
    (tmp_path / "名册.xls").write_bytes(content)
    assert rejected_as(tmp_path / "名册.xls") == reason


def test_a_web_page_named_xls_says_to_save_it_as_xlsx(tmp_path: Path):
    (tmp_path / "名册.xls").write_bytes(b"<html><table></table></html>")
    assert rejected_as(tmp_path / "名册.xls") == (
        "文件实际上是网页（HTML）或 XML 格式，只是扩展名为「.xls」：请用 Excel 打开后“另存为” Excel 工作簿（.xlsx）再报送"
    )


def test_a_word_document_or_a_zip_archive_named_xlsx_is_refused(tmp_path: Path, no_parsing):
    word = zip_of(tmp_path / "说明.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    archive = zip_of(tmp_path / "打包.xlsx", {"低保/名册.csv": "姓名,身份证号码".encode()})
    assert (rejected_as(word), rejected_as(archive)) == (guard.WORD, guard.ARCHIVE)


def test_a_text_file_of_blank_lines_has_no_header(tmp_path: Path):
    (tmp_path / "空白.csv").write_bytes(b"   \r\n\r\n , \r\n")
    assert rejected_as(tmp_path / "空白.csv") == "未识别出任何数据集：前 15 行中没有可识别的表头，不是数据表"


# --- encrypted workbooks -------------------------------------------------------------------------

ENCRYPTED = "工作簿设置了打开密码（已加密），doudi 无法读取：请在 Excel 中取消密码，另存一份未加密的文件再报送"


@pytest.mark.parametrize("name", ["加密.xlsx", "加密.xls"])
def test_a_password_protected_workbook_is_refused_before_parsing(tmp_path: Path, good: Path, name: str, no_parsing):
    pytest.importorskip("msoffcrypto")
    assert rejected_as(encrypted_workbook(good, tmp_path / name)) == guard.ENCRYPTED == ENCRYPTED


def test_an_xls_encrypted_inside_its_stream_is_refused_as_encrypted(tmp_path: Path, good_xls: Path):
    assert rejected_as(legacy_workbook_with_filepass(good_xls, tmp_path / "加密.xls")) == ENCRYPTED


# --- archives that inflate too far ---------------------------------------------------------------

def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_parsing(tmp_path: Path, good: Path, monkeypatch, no_parsing):
    monkeypatch.setenv("DOUDI_MAX_SHEET_BYTES", "1000000")
    bomb = zip_bomb(good, tmp_path / "炸弹.xlsx", inflated=3 * 1024 * 1024)
    assert bomb.stat().st_size < 20_000  # a thousand to one
    assert rejected_as(bomb) == (
        "工作簿中的工作表解压后共 3 MB，超过 doudi 的上限 1,000,000 字节（文件可能异常或被篡改）：请检查该文件；"
        "如确是正常数据，请把它拆成几个文件报送，或请技术人员把环境变量 DOUDI_MAX_SHEET_BYTES（单位：字节）调高后重新运行"
    )


def test_the_same_sheet_is_read_whole_under_the_default_limit(tmp_path: Path, good: Path):
    bomb = zip_bomb(good, tmp_path / "大表.xlsx", inflated=3 * 1024 * 1024)
    assert accepted_people(ingest(bomb)) == [(n, i) for n, i, _ in PEOPLE]


def test_the_default_limit_refuses_a_sheet_declared_past_512_mb(tmp_path: Path, good: Path, no_parsing):
    huge = with_declared_size(good, tmp_path / "巨大.xlsx", "xl/worksheets/sheet1.xml", 600 * 1024 * 1024)
    assert rejected_as(huge).startswith("工作簿中的工作表解压后共 600 MB，超过 doudi 的上限 512 MB")


def test_a_limit_that_is_not_a_positive_number_leaves_the_default(monkeypatch):
    for value in ("", "abc", "-5", "0", "1e9"):
        monkeypatch.setenv("DOUDI_MAX_SHEET_BYTES", value)
        assert guard.max_sheet_bytes() == guard.MAX_SHEET_BYTES == 512 * 1024 * 1024
    monkeypatch.setenv("DOUDI_MAX_SHEET_BYTES", " 2000000000 ")
    assert guard.max_sheet_bytes() == 2_000_000_000


@pytest.mark.parametrize("entry", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_an_archive_lying_about_its_sizes_is_refused_before_parsing(tmp_path: Path, good: Path, entry: str, no_parsing):
    assert rejected_as(with_declared_size(good, tmp_path / "伪装.xlsx", entry, 10)) == guard.TRUNCATED


@pytest.mark.parametrize("suffix, entry", [(".ods", "content.xml"), (".xlsb", "xl/worksheets/sheet1.bin"),
                                          (".xlsb", "xl/sharedStrings.bin")])
def test_an_ods_or_xlsb_lying_about_its_sizes_is_refused_before_parsing(tmp_path: Path, suffix: str, entry: str,
                                                                       no_parsing):
    good = good_deaths_file(tmp_path / f"好{suffix}", PEOPLE)
    assert rejected_as(with_declared_size(good, tmp_path / f"伪装{suffix}", entry, 10)) == guard.TRUNCATED


# --- files whose name says another format ----------------------------------------------------------

def test_an_xls_named_xlsx_is_read_as_xls(tmp_path: Path, good_xls: Path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(good_xls.read_bytes())
    result = ingest(path)
    assert (result.read_as, accepted_people(result)) == ("xls", [(n, i) for n, i, _ in PEOPLE])


def test_an_xlsx_named_xls_is_read_as_xlsx(tmp_path: Path, good: Path):
    path = tmp_path / "名册.xls"
    path.write_bytes(good.read_bytes())
    result = ingest(path)
    assert (result.read_as, accepted_people(result)) == ("xlsx", [(n, i) for n, i, _ in PEOPLE])


@pytest.mark.parametrize("source, read_as", [("好.xlsb", "xlsb"), ("好.ods", "ods"), ("好.et", "xls")])
def test_an_xlsb_ods_or_et_named_xlsx_is_read_for_what_it_is(tmp_path: Path, source: str, read_as: str):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(good_deaths_file(tmp_path / source, PEOPLE).read_bytes())
    result = ingest(path)
    assert (result.read_as, accepted_people(result)) == (read_as, [(n, i) for n, i, _ in PEOPLE])


def test_a_wps_et_is_read_as_the_excel_format_it_holds(tmp_path: Path, good: Path):
    legacy = good_deaths_file(tmp_path / "死亡.et", PEOPLE)
    modern = tmp_path / "新版.et"
    modern.write_bytes(good.read_bytes())
    assert [(r.read_as, accepted_people(r)) for r in (ingest(legacy), ingest(modern))] == [
        ("", [(n, i) for n, i, _ in PEOPLE]), ("xlsx", [(n, i) for n, i, _ in PEOPLE])]


def test_a_csv_named_xls_is_read_as_text(tmp_path: Path):
    path = text_file(tmp_path / "导出.xls", deaths_rows(*PEOPLE), encoding="gbk")
    result = ingest(path)
    assert (result.read_as, accepted_people(result)) == ("text", [(n, i) for n, i, _ in PEOPLE])


def test_a_workbook_or_a_database_named_csv_or_xlsx_is_read_for_what_it_is(tmp_path: Path, good: Path):
    as_csv = tmp_path / "名册.csv"
    as_csv.write_bytes(good.read_bytes())
    database = sqlite_file(tmp_path / "库.db", {"死亡": deaths_rows(*PEOPLE)})
    as_xlsx = tmp_path / "库.xlsx"
    as_xlsx.write_bytes(database.read_bytes())
    assert [ingest(p).read_as for p in (as_csv, as_xlsx)] == ["xlsx", "sqlite"]
    assert accepted_people(ingest(as_xlsx)) == [(n, i) for n, i, _ in PEOPLE]


def test_a_file_read_as_another_format_and_rejected_says_what_it_was_read_as(tmp_path: Path):
    path = text_file(tmp_path / "会议.xls", [["日期", "议题"], ["2024-10-08", "复核"]])
    assert rejected_as(path) == "（文件内容实为 CSV 文本，已按此读取）未识别出任何数据集：前 15 行中没有可识别的表头，不是数据表"


# --- sheets --------------------------------------------------------------------------------------

def test_a_sheet_with_only_a_header_is_an_empty_dataset_not_a_rejection(tmp_path: Path):
    result = ingest(workbook(tmp_path / "死亡.xlsx", {"死亡": deaths_rows()}))
    (sheet,) = result.sheets
    assert (result.rejected, sheet.dataset, outcome(sheet)) == (None, "deaths", (0, 0, 0, 0))


def test_of_two_id_columns_the_first_wins_and_the_second_is_listed_unmapped(tmp_path: Path):
    rows = [["姓名", "身份证号码", "死亡日期", "身份证号码"], ["张三", A, "2024-09-01", B]]
    (sheet,) = ingest(workbook(tmp_path / "死亡.xlsx", {"死亡": rows})).sheets
    assert (outcome(sheet), sheet.accepted["id_number"].to_list(), sheet.unmapped_columns) == (
        (1, 1, 0, 0), [A], ["身份证号码"])


def test_a_header_below_row_15_is_refused_telling_the_officer_to_move_it_up(tmp_path: Path):
    rows = [["2024年10月死亡人员名单"], *[[] for _ in range(14)], *deaths_rows(*PEOPLE)]
    result = ingest(workbook(tmp_path / "死亡.xlsx", {"死亡": rows}))
    assert result.rejected == (
        "未识别出任何数据集：工作表「死亡」表头在第 16 行，而表头应在前 15 行内："
        "请删去表头上方多余的行（标题、说明、空行），使表头位于前 15 行内后再报送"
    )
    assert result.ignored_sheets[0]["headers_seen"] == ["姓名", "身份证号码", "死亡日期"]


def test_a_header_on_row_15_is_found(tmp_path: Path):
    rows = [["2024年10月死亡人员名单"], *[[] for _ in range(13)], *deaths_rows(*PEOPLE)]
    (sheet,) = ingest(workbook(tmp_path / "死亡.xlsx", {"死亡": rows})).sheets
    assert (sheet.header_row, outcome(sheet)) == (15, (3, 3, 0, 0))


def test_a_damaged_sheet_is_set_aside_and_the_other_sheets_are_read(tmp_path: Path):
    two = workbook(tmp_path / "两表.xlsx", {"好": deaths_rows(*PEOPLE), "坏": deaths_rows(*PEOPLE)})
    with __import__("zipfile").ZipFile(two) as archive:
        sheet2 = archive.read("xl/worksheets/sheet2.xml")
    broken = rewritten(two, tmp_path / "一表损坏.xlsx", {"xl/worksheets/sheet2.xml": sheet2[: len(sheet2) // 2]})
    result = ingest(broken)
    assert [s.sheet for s in result.sheets] == ["好"] and outcome(result.sheets[0]) == (3, 3, 0, 0)
    assert result.ignored_sheets == [{"sheet": "坏", "reason": BROKEN_SHEET, "headers_seen": []}]


DIBAO_HEADER = ["户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金"]


def test_data_cells_merged_down_a_household_are_filled_and_listed(tmp_path: Path):
    rows = [
        [None, "张三", A, None, 300, 420],
        [None, "李四", B, None, 300, 420],
        [None, "王五", C, None, 300, 420],
        ["H2", "赵六", D, "农村", 100, 620],
        [],
        [],  # a note merged over three rows and the table's width: B8:G10
    ]
    path = merged_dibao_workbook(tmp_path / "低保.xlsx", [("B3:B5", "H1"), ("E3:E5", "城市"),
                                                         ("B8:G10", "注：本表由各街道汇总")], rows, DIBAO_HEADER)
    (sheet,) = ingest(path).sheets
    assert sheet.filled_merged_cells == ["B3:B5", "E3:E5"]
    assert outcome(sheet) == (5, 4, 0, 1)  # the note is a footer; its empty rows are not rows
    accepted = sheet.accepted.sort("src_row").select("src_row", "household_id", "area_type").rows()
    assert accepted == [(3, "H1", "urban"), (4, "H1", "urban"), (5, "H1", "urban"), (6, "H2", "rural")]


def test_header_cells_merged_over_two_header_rows_are_not_filled(tmp_path: Path):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "结算.xlsx"))
    sheet = book.add_worksheet("结算")
    for column, text in enumerate(["结算单号", "姓名", "身份证号码", "结算日期", "政策范围内费用"]):
        sheet.merge_range(0, column, 1, column, text)
    sheet.merge_range(0, 5, 0, 6, "医保支付")
    sheet.write_row(1, 5, ["基本医保", "大病保险"])
    sheet.write_row(2, 0, ["JS1", "张三", A, "2024-10-05", 1000, 600, 100])
    book.close()
    (result,) = ingest(tmp_path / "结算.xlsx", "medical/结算.xlsx").sheets
    assert (result.filled_merged_cells, outcome(result), result.header_row) == ([], (1, 1, 0, 0), 2)


def test_cells_merged_in_an_xls_are_filled_as_in_an_xlsx(tmp_path: Path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("铜官区")
    for column, text in enumerate(DIBAO_HEADER):
        sheet.write(0, column, text)
    sheet.write_merge(1, 2, 0, 0, "H1")
    for r, (name, number) in enumerate([("张三", A), ("李四", B)], start=1):
        for column, value in enumerate([name, number, "城市", 300, 420], start=1):
            sheet.write(r, column, value)
    book.save(str(tmp_path / "低保.xls"))
    (result,) = ingest(tmp_path / "低保.xls").sheets
    assert (result.filled_merged_cells, outcome(result)) == (["A2:A3"], (2, 2, 0, 0))
    assert result.accepted.select("src_row", "household_id").rows() == [(2, "H1"), (3, "H1")]


# --- odd values and names ---------------------------------------------------------------------------

def test_sqlite_names_with_quotes_and_semicolons_are_read_as_names(tmp_path: Path):
    table = '死亡"; drop table 死亡; --'
    odd_column = "备注'); select 1; --"
    path = sqlite_file(tmp_path / "yb.db", {
        table: [["姓名", "身份证号码", "死亡日期", odd_column], ["张三", A, "2024-09-01", "x"]],
        "[代码]; delete from x": [["代码", "名称"], ["01", "低保"]],
    })
    result = ingest(path, "civil/yb.db")
    (sheet,) = result.sheets
    assert (sheet.sheet, outcome(sheet), sheet.unmapped_columns) == (table, (1, 1, 0, 0), [odd_column])
    assert [i["sheet"] for i in result.ignored_sheets] == ["[代码]; delete from x"]


def test_cells_of_30000_characters_are_read_and_named_briefly(tmp_path: Path):
    long_name, long_note, long_date = "张" * 30_000, "备" * 30_000, "9" * 30_000
    rows = [["姓名", "身份证号码", "死亡日期", "备注"], [long_name, A, "2024-09-01", long_note], ["李四", B, long_date, None]]
    (sheet,) = ingest(workbook(tmp_path / "死亡.xlsx", {"死亡": rows})).sheets
    assert (outcome(sheet), quarantined(sheet)) == ((2, 1, 1, 0), [(3, "BAD_DATE", "death_date")])
    assert sheet.accepted["name"].to_list() == [long_name]
    assert sheet.quarantine["value"].to_list() == [long_date]
    assert sheet.quarantine["message"].to_list() == [
        "civil/死亡.xlsx「死亡」第 3 行：「死亡日期」的值「" + "9" * 40 + "…（共 30000 字）」不是有效日期，请按 2024-10-05 的格式填写"
    ]


def test_a_csv_cell_past_the_readers_limit_is_refused_naming_its_line(tmp_path: Path):
    path = text_file(tmp_path / "死亡.csv", [*deaths_rows(*PEOPLE), ["赵六", D, "x" * 200_000]])
    assert rejected_as(path) == (
        "第 5 行有一个超过 13 万字的单元格，多半是引号（\"）没有配对、把后面的行并了进去：请检查该行的引号，或用 Excel 另存为 xlsx 后再报送"
    )


def test_a_csv_quote_that_never_closes_is_refused_rather_than_swallowing_the_rows_below(tmp_path: Path):
    path = text_file(tmp_path / "死亡.csv", [*deaths_rows(*PEOPLE[:1]), ['"李四', B, "2024-09-02"], list(PEOPLE[2])])
    assert rejected_as(path) == (
        "第 3 行有一个引号（\"）没有配对，从这一行到文件末尾被并成了一个单元格：请删去或补全该引号，或用 Excel 另存为 xlsx 后再报送"
    )


def test_a_quoted_cell_with_line_breaks_keeps_the_editor_line_of_the_rows_below(tmp_path: Path):
    path = quoted_csv(tmp_path / "死亡.csv", [["姓名", "身份证号码", "死亡日期\n（火化）"], *[list(p) for p in PEOPLE[:2]],
                                            ["王五", C, "不详"]])
    (sheet,) = ingest(path).sheets
    assert quarantined(sheet) == [(5, "BAD_DATE", "death_date")]  # line 5 in an editor, record 4


def test_dates_in_the_year_9999_are_bad_dates(tmp_path: Path):
    import datetime

    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "死亡.xlsx"))
    sheet = book.add_worksheet("死亡")
    sheet.write_row(0, 0, ["姓名", "身份证号码", "死亡日期"])
    for r, (name, number, date) in enumerate([("张三", A, "9999-12-31"), ("李四", B, "99991231"), ("王五", C, 2958465)], 1):
        sheet.write_row(r, 0, [name, number, date])
    sheet.write_row(4, 0, ["赵六", D])
    sheet.write_datetime(4, 2, datetime.datetime(9999, 12, 31), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_row(5, 0, ["钱七", valid_id(birth="99991231"), "2024-09-01"])
    book.close()
    (result,) = ingest(tmp_path / "死亡.xlsx").sheets
    assert outcome(result) == (5, 0, 5, 0)
    assert quarantined(result) == [(2, "BAD_DATE", "death_date"), (3, "BAD_DATE", "death_date"),
                                   (4, "BAD_DATE", "death_date"), (5, "BAD_DATE", "death_date"),
                                   (6, "ID_BAD_DATE", "id_number")]


def test_negative_and_unreadable_amounts_quarantine_their_rows_only(tmp_path: Path):
    header = ["区县", "户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "分类施保金"]
    ids = [valid_id(sequence=f"{n:03d}") for n in range(500, 508)]
    rows = [header,
            ["铜官区", "H1", "甲", ids[0], "城市", "300", "420", ""],
            ["铜官区", "H2", "乙", ids[1], "城市", "300", "-420", ""],
            ["铜官区", "H3", "丙", ids[2], "城市", "300", "四百二十", ""],
            ["铜官区", "H4", "丁", ids[3], "城市", "300", "420", "-5"],
            ["铜官区", "H5", "戊", ids[4], "城市", "N/A", "420", ""],
            ["铜官区", "H6", "己", ids[5], "城市", "300", "inf", ""],
            ["铜官区", "H7", "庚", ids[6], "城市", "300", "420元", "１２６"],
            ["铜官区", "H8", "辛", ids[7], "城市", "300", "1,234.5", "0"]]
    (sheet,) = ingest(text_file(tmp_path / "低保.csv", rows, delimiter="\t")).sheets
    assert outcome(sheet) == (8, 3, 5, 0)
    assert quarantined(sheet) == [(3, "NEGATIVE_AMOUNT", "benefit"), (4, "BAD_NUMBER", "benefit"),
                                  (5, "NEGATIVE_AMOUNT", "topup"), (6, "BAD_NUMBER", "per_capita_income"),
                                  (7, "BAD_NUMBER", "benefit")]
    assert sheet.accepted.select("benefit", "topup").rows() == [(420.0, 0.0), (420.0, 126.0), (1234.5, 0.0)]


FORMULA_NAMES = ['=HYPERLINK("http://x","点击")', "=1+2", "+86张三", "@SUM(A1)", "-李四"]


def test_names_that_look_like_formulas_are_accepted_as_text(tmp_path: Path):
    ids = [valid_id(sequence=f"{n:03d}") for n in range(600, 600 + len(FORMULA_NAMES))]
    people = [(name, number, "2024-09-01") for name, number in zip(FORMULA_NAMES, ids, strict=True)]
    for path in (workbook(tmp_path / "死亡.xlsx", {"死亡": deaths_rows(*people)}),
                 quoted_csv(tmp_path / "死亡.csv", deaths_rows(*people))):
        (sheet,) = ingest(path).sheets
        assert outcome(sheet) == (5, 5, 0, 0)
        assert sheet.accepted["name"].to_list() == FORMULA_NAMES


def test_a_thousand_empty_columns_change_nothing(tmp_path: Path):
    rows = deaths_rows(*PEOPLE)
    csv_path = text_file(tmp_path / "宽.csv", [row + [None] * 1000 for row in rows])
    xlsx_path = workbook(tmp_path / "宽.xlsx", {"死亡": [row + [None] * 999 + [" "] for row in rows]})
    for path in (csv_path, xlsx_path):
        (sheet,) = ingest(path).sheets
        assert (outcome(sheet), sheet.unmapped_columns) == ((3, 3, 0, 0), [])


def test_file_names_with_spaces_and_chinese_are_read(tmp_path: Path):
    folder = tmp_path / "民政 科室 (10月)"
    folder.mkdir()
    book = good_deaths_workbook(folder / "2024年10月 死亡 名单（终版）#2.xlsx", PEOPLE)
    database = sqlite_file(folder / "医保 数据#1 (10%) ?.db", {"死亡": deaths_rows(*PEOPLE)})
    assert [accepted_people(ingest(p)) for p in (book, database)] == [[(n, i) for n, i, _ in PEOPLE]] * 2


# --- a month of bad files and one good one ---------------------------------------------------------

def test_bad_files_never_stop_the_good_file_of_the_month(tmp_path: Path, good: Path, good_xls: Path, monkeypatch):
    pytest.importorskip("msoffcrypto")
    monkeypatch.setenv("DOUDI_MAX_SHEET_BYTES", "1000000")
    civil = tmp_path / "inbox" / "2024-10" / "civil"
    civil.mkdir(parents=True)
    good_deaths_workbook(civil / "死亡名单.xlsx", PEOPLE)
    (civil / "空.xlsx").write_bytes(b"")
    truncated(good, civil / "截断.xlsx")
    encrypted_workbook(good, civil / "加密.xlsx")
    zip_bomb(good, civil / "炸弹.xlsx", inflated=3 * 1024 * 1024)
    with_declared_size(good, civil / "伪装.xlsx", "xl/worksheets/sheet1.xml", 10)
    random_bytes(civil / "乱码.xls")
    random_bytes(civil / "二进制.csv")
    legacy_workbook_with_filepass(good_xls, civil / "旧加密.xls")
    (civil / "网页.xls").write_bytes(b"<html><table><tr><td>1</td></tr></table></html>")
    workbook(civil / "表头太低.xlsx", {"死亡": [["标题"], *[[] for _ in range(20)], *deaths_rows(*PEOPLE)]})
    text_file(civil / "引号.csv", [*deaths_rows(*PEOPLE[:1]), ['"李四', B, "2024-09-02"], list(PEOPLE[2])])
    parquet_file(civil / "好的.parquet", deaths_rows(*PEOPLE))
    (civil / "坏的.parquet").write_bytes(b"PAR1" + b"\x00" * 50)
    truncated(good_deaths_file(tmp_path / "好.ods", PEOPLE), civil / "截断.ods")
    random_bytes(civil / "乱码.dbf")
    (civil / "乱码.sql").write_bytes(b"\xff\x80" * 100)

    results = {f.rel: ingest_file(f.path, f.rel, "2024-10", POLICY) for f in inbox_files(tmp_path / "inbox", "2024-10")}

    good_ones = {rel: r for rel, r in results.items() if r.rejected is None}
    assert set(good_ones) == {"civil/死亡名单.xlsx", "civil/好的.parquet"}
    for result in good_ones.values():
        assert accepted_people(result) == [(n, i) for n, i, _ in PEOPLE]
    reasons = {rel.removeprefix("civil/"): r.rejected for rel, r in results.items() if r.rejected}
    assert reasons == {
        "空.xlsx": guard.EMPTY,
        "截断.xlsx": guard.TRUNCATED,
        "加密.xlsx": guard.ENCRYPTED,
        "炸弹.xlsx": guard.TOO_LARGE.format(size="3 MB", limit="1,000,000 字节"),
        "伪装.xlsx": guard.TRUNCATED,
        "乱码.xls": guard.NOT_A_WORKBOOK,
        "二进制.csv": BINARY,
        "旧加密.xls": guard.ENCRYPTED,
        "网页.xls": guard.WEB_PAGE.format(suffix=".xls"),
        "表头太低.xlsx": "未识别出任何数据集：工作表「死亡」表头在第 22 行，而表头应在前 15 行内："
                       "请删去表头上方多余的行（标题、说明、空行），使表头位于前 15 行内后再报送",
        "引号.csv": "第 3 行有一个引号（\"）没有配对，从这一行到文件末尾被并成了一个单元格："
                  "请删去或补全该引号，或用 Excel 另存为 xlsx 后再报送",
        "坏的.parquet": "Parquet 文件无法读取（文件已损坏，ComputeError）：请从原系统重新导出",
        "截断.ods": guard.TRUNCATED,
        "乱码.dbf": guard.NOT_DBF,
        "乱码.sql": dump_tables.UNKNOWN_ENCODING_DUMP,
    }


# --- whatever the bytes, the month goes on -----------------------------------------------------------

@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("sources")
    return [
        good_deaths_workbook(folder / "a.xlsx", PEOPLE),
        legacy_workbook(folder / "a.xls", {"死亡": deaths_rows(*PEOPLE)}),
        text_file(folder / "a.csv", deaths_rows(*PEOPLE), encoding="gbk"),
        sqlite_file(folder / "a.db", {"死亡": deaths_rows(*PEOPLE)}),
        *(good_deaths_file(folder / f"a{suffix}", PEOPLE) for suffix in (".ods", ".xlsb", ".et", ".dbf", ".sql")),
    ]


@given(which=st.integers(0, 8), flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                              min_size=1, max_size=12))
@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_file_with_any_bytes_changed_is_rejected_or_accounted_for_never_raises(sources, which, flips):
    source = sources[which]
    data = bytearray(source.read_bytes())
    for where, value in flips:
        data[int(where * len(data))] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"变异{source.suffix}"
        path.write_bytes(bytes(data))
        result = ingest_file(path, path.name, "2024-10", POLICY)
    assert result.rejected is None or (isinstance(result.rejected, str) and result.rejected)
    for sheet in result.sheets:
        assert sheet.rows_read == sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_skipped
