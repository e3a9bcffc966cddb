from pathlib import Path

import pytest

from tests.bad_files import legacy_workbook, zip_of
from tests.files import parquet_file, sqlite_file, text_file, workbook
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


def test_an_unknown_suffix_without_a_known_format_is_unsupported(tmp_path: Path):
    (tmp_path / "a.docx.bak").write_bytes(b"hello")
    with pytest.raises(guard.UnreadableFile, match="不支持的文件格式「.bak」"):
        guard.real_format(tmp_path / "a.docx.bak")


def test_a_rust_panic_is_survivable_and_an_interrupt_is_not():
    panic = type("PanicException", (BaseException,), {})
    assert guard.survivable(ValueError()) and guard.survivable(panic())
    assert not guard.survivable(KeyboardInterrupt()) and not guard.survivable(SystemExit())
