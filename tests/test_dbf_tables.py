from datetime import date
from pathlib import Path

import dbf
import pytest

from sample_month.formats import write_dbf
from schemas.policy import load_policy
from tests.bad_files import random_bytes, truncated
from tests.files import table_plan
from tests.ids import numbered_id
from transforms.ingest.dbf_tables import TRUNCATED_DBF, UNKNOWN_ENCODING, dbf_records
from transforms.ingest.file import ingest_file
from transforms.ingest.guard import NOT_DBF, UnreadableFile

POLICY = load_policy("data/policy.toml")
A, B, C = numbered_id(1), numbered_id(2), numbered_id(3)
DEATHS = [["姓名", "身份证号码", "死亡日期"], ["张三", A, date(2024, 9, 1)], ["李四", B, date(2024, 9, 2)],
          ["王五", C, date(2024, 9, 3)]]


def gbk_table(path: Path, rows: list[list] = DEATHS) -> Path:
    write_dbf(path, table_plan("", rows))
    return path


def with_language_driver(path: Path, driver: int) -> Path:
    data = bytearray(path.read_bytes())
    data[29] = driver  # the header's language driver byte
    path.write_bytes(bytes(data))
    return path


def test_a_gbk_table_is_read_with_its_chinese_field_names_and_text(tmp_path: Path):
    names, records = dbf_records(gbk_table(tmp_path / "sw.dbf"))
    assert names == ["姓名", "身份证号码", "死亡日期"]
    assert records == [["张三", A, "2024-09-01"], ["李四", B, "2024-09-02"], ["王五", C, "2024-09-03"]]


def test_gbk_text_is_read_when_the_language_driver_byte_is_left_0(tmp_path: Path):
    path = with_language_driver(gbk_table(tmp_path / "sw.dbf"), 0)
    assert dbf_records(path)[1][0] == ["张三", A, "2024-09-01"]


def test_a_western_code_page_is_not_trusted_with_chinese_bytes(tmp_path: Path):
    path = with_language_driver(gbk_table(tmp_path / "sw.dbf"), 0x57)  # cp1252 would read mojibake
    assert dbf_records(path)[0][0] == "姓名"


def test_numbers_are_read_as_written_and_an_id_in_a_numeric_field_stays_whole(tmp_path: Path):
    path = tmp_path / "db.dbf"
    table = dbf.Table(str(path), "姓名 C(10); 身份证号 N(18,0); 保障金 N(10,2)", codepage="cp936", dbf_type="db3")
    table.open(dbf.READ_WRITE)
    table.append(("张三", 1, 420.5))
    table.append(("李四", None, None))
    table.close()
    # The dbf package writes numbers through a float: the ID's digits are put in the field as a
    # system writing the file would.
    path.write_bytes(path.read_bytes().replace(b"1".rjust(18), b"340702198001011237"))
    assert dbf_records(path)[1] == [["张三", "340702198001011237", "420.50"], ["李四", None, None]]


def test_deleted_records_are_no_rows_and_the_others_keep_file_order(tmp_path: Path):
    path = gbk_table(tmp_path / "sw.dbf")
    table = dbf.Table(str(path))
    table.open(dbf.READ_WRITE)
    with table[1] as record:
        dbf.delete(record)
    table.close()
    assert [r[0] for r in dbf_records(path)[1]] == ["张三", "王五"]


def test_a_date_the_field_cannot_hold_is_given_as_written(tmp_path: Path):
    path = gbk_table(tmp_path / "sw.dbf")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"20240902", b"20240931"))
    assert dbf_records(path)[1][1] == ["李四", B, "20240931"]


def test_a_table_shorter_than_its_header_says_is_refused_as_truncated(tmp_path: Path):
    path = truncated(gbk_table(tmp_path / "sw.dbf"), tmp_path / "截断.dbf", keep=0.9)
    with pytest.raises(UnreadableFile, match=TRUNCATED_DBF):
        dbf_records(path)


def test_bytes_that_are_no_dbf_header_are_refused(tmp_path: Path):
    for path in (random_bytes(tmp_path / "乱码.dbf"), tmp_path / "短.dbf"):
        path.write_bytes(path.read_bytes() if path.exists() else b"\x03\x01")
        with pytest.raises(UnreadableFile, match=NOT_DBF):
            dbf_records(path)


def test_text_in_no_chinese_encoding_is_refused(tmp_path: Path):
    path = gbk_table(tmp_path / "sw.dbf")
    path.write_bytes(path.read_bytes().replace("张三".encode("gbk"), b"\xff\xfe\xff\xfe"))
    with pytest.raises(UnreadableFile, match=UNKNOWN_ENCODING):
        dbf_records(path)


def test_a_tekun_dbf_is_ingested_with_rows_numbered_from_1(tmp_path: Path):
    rows = [["区县", "姓名", "身份证号码", "供养方式", "基本生活费"],
            ["铜官区", "张三", A, "集中供养", 1200], ["铜官区", "李四", "34070219800101", "分散供养", 900],
            ["义安区", "王五", C, "分散", 900]]
    result = ingest_file(gbk_table(tmp_path / "tk.dbf", rows), "civil/tk.dbf", "2024-10", POLICY)
    (sheet,) = result.sheets
    assert (result.read_as, sheet.sheet, sheet.dataset) == ("", "", "tekun")
    assert (sheet.rows_read, sheet.rows_accepted, sheet.rows_quarantined) == (3, 2, 1)
    assert sheet.accepted.select("src_row", "name").rows() == [(1, "张三"), (3, "王五")]
    assert sheet.quarantine.select("row", "reason").rows() == [(2, "ID_MALFORMED")]
