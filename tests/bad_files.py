"""Write the bad files offices (and worse) send, by code: damaged, disguised, encrypted, inflating.

Every file is built from a small good one, so a test states exactly what should survive of it.
Nothing binary is committed: the corpus is these functions.
"""

from __future__ import annotations

import csv
import io
import random
import struct
import zipfile
from pathlib import Path

import olefile
import xlsxwriter
import xlwt

from sample_month.formats import write_dbf, write_mysql_dump, write_ods, write_xls, write_xlsb
from tests.files import sheet_plan, table_plan, workbook


def deaths_rows(*people: tuple[str, str, str]) -> list[list]:
    """A header of the deaths dataset and its rows: (name, id, death date)."""
    return [["姓名", "身份证号码", "死亡日期"], *[list(p) for p in people]]


def legacy_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xls (BIFF8) written by xlwt; rows from A1 down, None leaves a cell empty."""
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def random_bytes(path: Path, size: int = 4096, seed: int = 7) -> Path:
    """Bytes of no format at all (a NUL among them, as in any binary file)."""
    rng = random.Random(seed)
    path.write_bytes(b"\x00" + bytes(rng.randrange(256) for _ in range(size - 1)))
    return path


def truncated(source: Path, path: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def rewritten(source: Path, path: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a zip archive with some entries replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy:
        for entry in original.infolist():
            data = change.get(entry.filename, original.read(entry.filename))
            if data is not None:
                copy.writestr(entry.filename, data)
        for name, data in change.items():
            if name not in original.namelist() and data is not None:
                copy.writestr(name, data)
    return path


def zip_bomb(source: Path, path: Path, inflated: int) -> Path:
    """The workbook with its first sheet padded by white space to `inflated` bytes: it compresses
    about a thousand to one, as a zip bomb does."""
    with zipfile.ZipFile(source) as original:
        sheet = original.read("xl/worksheets/sheet1.xml")
    padding = b" " * max(0, inflated - len(sheet))
    return rewritten(source, path, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", padding + b"</sheetData>")})


def with_declared_size(source: Path, path: Path, entry: str, size: int) -> Path:
    """The archive with one entry's declared (uncompressed) size changed to `size`, in its local
    header and in the central directory: an archive that lies about how far it inflates."""
    data = bytearray(source.read_bytes())
    name = entry.encode()
    for signature, name_length_at, size_at, name_at in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + name_length_at)[0]
            if data[at + name_at: at + name_at + length] == name:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def encrypted_workbook(source: Path, path: Path, password: str = "123456") -> Path:
    """The workbook encrypted as Excel does with a password to open (an OLE file, MS-OFFCRYPTO)."""
    import msoffcrypto  # dev dependency: only the tests encrypt

    with source.open("rb") as plain:
        out = io.BytesIO()
        msoffcrypto.OfficeFile(plain).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def legacy_workbook_with_filepass(source: Path, path: Path) -> Path:
    """An .xls whose globals start with a FILEPASS record, as an .xls with a password to open does.

    The record after BOF is relabelled FILEPASS (0x002F) in place, so the stream keeps its size.
    """
    path.write_bytes(source.read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        bof_length = struct.unpack_from("<H", stream, 2)[0]
        struct.pack_into("<H", stream, 4 + bof_length, 0x002F)
        ole.write_stream("Workbook", bytes(stream))
    return path


def zip_of(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def quoted_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV written as Excel writes it: cells with quotes, commas or line breaks are quoted."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def merged_dibao_workbook(path: Path, data_merges: list[tuple[str, object]], rows: list[list],
                          header: list[str], at_column: int = 1) -> Path:
    """A 低保 sheet 铜官区 with a title merged over the header's width (row 1), the header on row 2,
    `rows` from row 3, written from column `at_column` (0 = A), and `data_merges` (an Excel range,
    its value) merged over the data."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("铜官区")
    sheet.merge_range(0, at_column, 0, at_column + len(header) - 1, "2024年10月城乡低保花名册")
    sheet.write_row(1, at_column, header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=at_column):
            if value is not None:
                sheet.write(r, c, value)
    for cell_range, value in data_merges:
        sheet.merge_range(cell_range, value)
    book.close()
    return path


def good_deaths_workbook(path: Path, people: list[tuple[str, str, str]]) -> Path:
    return workbook(path, {"死亡": deaths_rows(*people)})


def good_deaths_file(path: Path, people: list[tuple[str, str, str]]) -> Path:
    """The deaths of `people` in the format the path's suffix names: .ods, .xlsb, .et, .dbf or a
    MySQL .sql dump (one sheet 死亡, or one table 死亡)."""
    rows = deaths_rows(*people)
    writers = {".ods": write_ods, ".xlsb": write_xlsb, ".et": write_xls}
    suffix = path.suffix.lower()
    if suffix in writers:
        writers[suffix](path, [sheet_plan("死亡", rows)])
    elif suffix == ".dbf":
        write_dbf(path, table_plan("", rows))
    else:
        write_mysql_dump(path, [table_plan("死亡", rows)])
    return path
