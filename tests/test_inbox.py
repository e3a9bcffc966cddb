from pathlib import Path

from tests.bad_files import good_deaths_file
from transforms.ingest.inbox import inbox_files


def period_folder(tmp_path: Path) -> Path:
    civil = tmp_path / "2024-10" / "civil"
    civil.mkdir(parents=True)
    return civil


def test_a_dbf_tables_memo_and_index_files_are_read_with_it_not_as_files_of_their_own(tmp_path: Path):
    civil = period_folder(tmp_path)
    good_deaths_file(civil / "SWRY.DBF", [("张三", "340702198001011237", "2024-09-01")])
    for name in ("swry.FPT", "SWRY.cdx", "其他.fpt"):
        (civil / name).write_bytes(b"memo")
    assert [f.rel for f in inbox_files(tmp_path, "2024-10")] == ["civil/SWRY.DBF", "civil/其他.fpt"]


def test_hidden_and_lock_files_are_skipped(tmp_path: Path):
    civil = period_folder(tmp_path)
    for name in ("低保.xlsx", "~$低保.xlsx", ".~lock.低保.xlsx#", "Thumbs.db"):
        (civil / name).write_bytes(b"x")
    assert [f.rel for f in inbox_files(tmp_path, "2024-10")] == ["civil/低保.xlsx"]
