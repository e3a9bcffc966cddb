from pathlib import Path

import pytest

from sample_month.formats import write_xls, write_xlsb
from tests.bad_files import legacy_workbook, zip_of
from tests.files import parquet_file, sheet_plan, sqlite_file, text_file, workbook
from transforms.ingest import guard


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "xlsx": workbook(tmp_path / "a.xlsx", {"s": [["姓名"]]}),
        "xls": legacy_workbook(tmp_path / "a.xls", {"s": [["姓名"]]}),
        "text": text_file(tmp_path / "a.csv", [["姓名"]]),
        "sqlite": sqlite_file(tmp_path / "a.db", {"t": [["姓名"], ["张三"]]}),
        "parquet": parquet_file(tmp_path / "a.parquet", [["姓名"], ["张三"]]),
        "ods": zip_of(tmp_path / "a.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                            "content.xml": b"<office:document-content/>"}),
    }


def test_each_format_is_known_by_its_bytes_whatever_the_name(files: dict[str, Path], tmp_path: Path):
    for expected, path in files.items():
        assert guard.real_format(path) == expected
        renamed = tmp_path / f"renamed-{expected}.xlsx"
        renamed.write_bytes(path.read_bytes())
        assert guard.real_format(renamed) == expected


def test_the_name_claims_a_format_by_its_suffix_only():
    assert [guard.named_format(Path(n)) for n in ("a.XLSX", "a.xlsm", "a.xls", "a.tsv", "a.sqlite3", "a.pdf")] == [
        "xlsx", "xlsx", "xls", "text", "sqlite", None]


def test_a_wps_et_claims_to_be_an_xls_and_dbf_and_sql_files_are_tables():
    assert [guard.named_format(Path(n)) for n in ("a.et", "a.ETT", "a.dbf", "a.sql")] == ["xls", "xls", "dbf", "sql"]


def test_new_formats_are_known_by_their_bytes_whatever_the_name(tmp_path: Path):
    write_xlsb(tmp_path / "a.xlsb", [sheet_plan("s", [["姓名"]])])
    write_xls(tmp_path / "a.et", [sheet_plan("s", [["姓名"]])])
    workbook(tmp_path / "b.et", {"s": [["姓名"]]})  # newer WPS versions write .et as .xlsx
    for expected, name in {"xlsb": "a.xlsb", "xls": "a.et", "xlsx": "b.et"}.items():
        path = tmp_path / name
        renamed = tmp_path / f"renamed-{expected}.xlsx"
        renamed.write_bytes(path.read_bytes())
        assert (guard.real_format(path), guard.real_format(renamed)) == (expected, expected)


def test_a_dbf_or_sql_file_is_left_to_its_reader_and_a_dump_named_txt_is_a_dump(tmp_path: Path):
    dump = "-- MySQL dump\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n"
    for name, content in {"a.dbf": b"\x03garbage", "a.sql": b"anything", "导出.txt": dump.encode("gbk"),
                          "导出.xls": dump.encode(), "unicode.csv": dump.encode("utf-16")}.items():
        (tmp_path / name).write_bytes(content)
    assert [guard.real_format(tmp_path / n) for n in ("a.dbf", "a.sql", "导出.txt", "导出.xls", "unicode.csv")] == [
        "dbf", "sql", "sql", "sql", "sql"]


def test_a_csv_whose_cells_say_insert_is_still_a_csv(tmp_path: Path):
    comma = text_file(tmp_path / "a.csv", [["操作", "姓名"], ["insert", "张三"], ["新增 INSERT", "李四"]])
    tab = text_file(tmp_path / "a.txt", [["操作", "姓名"], ["insert", "张三"]], delimiter="\t")
    assert (guard.real_format(comma), guard.real_format(tab)) == ("text", "text")


def test_an_unknown_suffix_without_a_known_format_is_unsupported(tmp_path: Path):
    (tmp_path / "a.docx.bak").write_bytes(b"hello")
    with pytest.raises(guard.UnreadableFile, match="不支持的文件格式「.bak」"):
        guard.real_format(tmp_path / "a.docx.bak")


def test_a_rust_panic_is_survivable_and_an_interrupt_is_not():
    panic = type("PanicException", (BaseException,), {})
    assert guard.survivable(ValueError()) and guard.survivable(panic())
    assert not guard.survivable(KeyboardInterrupt()) and not guard.survivable(SystemExit())
