"""What a file really is, judged from its bytes before any parser sees it; UnreadableFile if unusable.

Offices rename files (an .xls saved as .xlsx, a CSV named .xls, a database named .xlsx), send
password-protected workbooks, truncated copies and now and then a hostile one. calamine would
report these in English, or try to inflate an archive of gigabytes: here each is told apart from
its first bytes, its zip central directory or its OLE directory, and either read for what it is or
rejected with a reason an officer can act on.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path

import olefile

# WPS writes its own .et workbooks (and .ett templates) as Excel 97-2003 files: an OLE file
# holding a BIFF8 `Workbook` stream. Newer WPS versions can also write them as zipped .xlsx.
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}
PARQUET_SUFFIXES = {".parquet"}
DBF_SUFFIXES = {".dbf"}
DUMP_SUFFIXES = {".sql"}
READABLE_SUFFIXES = (EXCEL_SUFFIXES | TEXT_SUFFIXES | SQLITE_SUFFIXES | PARQUET_SUFFIXES | DBF_SUFFIXES
                     | DUMP_SUFFIXES)

XLSX, XLSB, ODS, XLS, TEXT, SQLITE, PARQUET = "xlsx", "xlsb", "ods", "xls", "text", "sqlite", "parquet"
DBF, DUMP = "dbf", "sql"
WORKBOOK_FORMATS = {XLSX, XLSB, ODS, XLS}
FORMAT_LABELS = {XLSX: ".xlsx 工作簿", XLSB: ".xlsb 工作簿", ODS: ".ods 工作簿", XLS: ".xls 工作簿",
                 TEXT: "CSV 文本", SQLITE: "SQLite 数据库", PARQUET: "Parquet 文件", DBF: "DBF 数据表",
                 DUMP: "SQL 数据库导出脚本"}
_NAMED_FORMAT = {".xlsx": XLSX, ".xlsm": XLSX, ".xlsb": XLSB, ".ods": ODS, ".xls": XLS, ".et": XLS,
                 ".ett": XLS} | {s: TEXT for s in TEXT_SUFFIXES} | {s: SQLITE for s in SQLITE_SUFFIXES} | {
                 ".parquet": PARQUET, ".dbf": DBF, ".sql": DUMP}

# An archive's sheets are refused when they would inflate past this, from the sizes its central
# directory declares; DOUDI_MAX_SHEET_BYTES overrides it. A city's largest roster is ~50 MB.
MAX_SHEET_BYTES = 512 * 1024 * 1024
MAX_SHEET_BYTES_VARIABLE = "DOUDI_MAX_SHEET_BYTES"

# What zipfile raises over a damaged archive: bad offsets, bad CRCs, unknown methods, encrypted entries.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, OSError,
              NotImplementedError, RuntimeError)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PARQUET_MAGIC = b"PAR1"
_PDF_MAGIC = b"%PDF"

EMPTY = "文件为空（0 字节）：请重新导出或重新发送该文件"
ENCRYPTED = "工作簿设置了打开密码（已加密），doudi 无法读取：请在 Excel 中取消密码，另存一份未加密的文件再报送"
TRUNCATED = "工作簿文件不完整或已损坏（可能在复制、下载或发送时被截断）：请重新导出或重新发送原文件"
NOT_A_WORKBOOK = "文件内容既不是 Excel 工作簿也不是文本表格，可能已损坏：请在原系统中重新导出后再报送"
WORD = "文件是 Word 或 PowerPoint 文档，不是 Excel 工作簿：请报送 Excel 或 CSV 格式的名册"
ARCHIVE = "文件是一个压缩包，不是 Excel 工作簿：请解压后把其中的表格文件放入收件箱"
WEB_PAGE = ("文件实际上是网页（HTML）或 XML 格式，只是扩展名为「{suffix}」：请用 Excel 打开后"
            "“另存为” Excel 工作簿（.xlsx）再报送")
PDF = "文件是 PDF，doudi 无法从中读取表格：请报送原始的 Excel 或 CSV 文件"
NOT_SQLITE = "文件不是 SQLite 数据库（已损坏或格式不符）：请从原系统重新导出"
NOT_PARQUET = "文件不是 Parquet 文件（已损坏或格式不符）：请从原系统重新导出"
NOT_DBF = "文件不是 DBF 数据表（已损坏或格式不符）：请从原系统重新导出"
UNSUPPORTED = "不支持的文件格式「{suffix}」：请另存为 xlsx、xls、csv 或 txt"
TOO_LARGE = ("工作簿中的工作表解压后共 {size}，超过 doudi 的上限 {limit}（文件可能异常或被篡改）："
             "请检查该文件；如确是正常数据，请把它拆成几个文件报送，或请技术人员把环境变量 "
             f"{MAX_SHEET_BYTES_VARIABLE}（单位：字节）调高后重新运行")


class UnreadableFile(Exception):
    """The file is not a table doudi can read; str(e) is the reason, in Chinese."""


def survivable(error: BaseException) -> bool:
    """Whether a failure is the file's and not the run's: any Exception, and a panic of a Rust
    reader (pyo3's PanicException derives from BaseException, not Exception)."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def named_format(path: Path) -> str | None:
    """The format the file's name claims."""
    return _NAMED_FORMAT.get(path.suffix.lower())


def max_sheet_bytes() -> int:
    """The inflated size past which a workbook's sheets are refused (a positive integer variable wins)."""
    value = os.environ.get(MAX_SHEET_BYTES_VARIABLE, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else MAX_SHEET_BYTES


def real_format(path: Path) -> str:
    """The format the file's bytes show (XLSX, XLS, TEXT …), whatever its name says."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    suffix = path.suffix.lower()
    if not head:
        raise UnreadableFile(EMPTY)
    if head.startswith(_ZIP_MAGIC):
        return _zip_format(path)
    if head.startswith(_OLE_MAGIC):
        return _ole_format(path)
    if head.startswith(_SQLITE_MAGIC):
        return SQLITE
    if head.startswith(_PARQUET_MAGIC):
        return PARQUET
    if head.startswith(_PDF_MAGIC):
        raise UnreadableFile(PDF)
    if suffix in SQLITE_SUFFIXES:
        raise UnreadableFile(NOT_SQLITE)
    if suffix in PARQUET_SUFFIXES:
        raise UnreadableFile(NOT_PARQUET)
    if suffix in DBF_SUFFIXES:
        return DBF  # whether its header holds is the DBF reader's to say
    if suffix in DUMP_SUFFIXES:
        return DUMP  # whether it decodes and parses is the dump reader's to say
    if suffix in EXCEL_SUFFIXES:
        return _text_named_as_workbook(head, suffix)
    if suffix in TEXT_SUFFIXES:
        return DUMP if _is_dump(head) else TEXT  # whether it decodes is the text reader's to say
    raise UnreadableFile(UNSUPPORTED.format(suffix=path.suffix))


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except ZIP_ERRORS:
        raise UnreadableFile(TRUNCATED) from None
    if "xl/workbook.xml" in names:
        found = XLSX
    elif "xl/workbook.bin" in names:
        found = XLSB
    elif mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        found = ODS
    elif "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise UnreadableFile(WORD)
    else:
        raise UnreadableFile(ARCHIVE)
    _check_inflated_size(entries)
    # An .xlsx's sheets are streamed by merged_cells, and an .ods's content by ods_merges, before
    # calamine sees them; the shared strings of an .xlsx and all the sheets of an .xlsb are here.
    streamed = {XLSX: ["xl/sharedStrings.xml"], ODS: []}.get(
        found, [e.filename for e in entries if _is_sheet_content(e.filename)])
    _check_streamed(path, [name for name in streamed if name in names])
    return found


def _is_sheet_content(name: str) -> bool:
    """The entries calamine inflates whole: worksheets, shared strings, an ODS's content."""
    return (name.startswith("xl/worksheets/") and "/_rels/" not in name) or name in (
        "xl/sharedStrings.xml", "xl/sharedStrings.bin", "content.xml")


def _check_inflated_size(entries: list[zipfile.ZipInfo]) -> None:
    # Declared sizes are read from the central directory without inflating anything; an archive
    # that lies about them fails its CRC when merged_cells streams the sheets, still before calamine.
    inflated = sum(e.file_size for e in entries if _is_sheet_content(e.filename))
    limit = max_sheet_bytes()
    if inflated > limit:
        raise UnreadableFile(TOO_LARGE.format(size=_megabytes(inflated), limit=_megabytes(limit)))


def _check_streamed(path: Path, entries: list[str]) -> None:
    """calamine inflates shared strings and sheets whole, past any declared size; Python stops
    at the declared size and fails the CRC if the archive lied about it."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in entries:
                with archive.open(name) as entry:
                    while entry.read(1 << 20):
                        pass
    except ZIP_ERRORS:
        raise UnreadableFile(TRUNCATED) from None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB" if size >= 1024 * 1024 else f"{size:,} 字节"


def _ole_format(path: Path) -> str:
    """An OLE compound file: a legacy workbook, an encrypted modern one, or a Word document."""
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:  # noqa: BLE001 - olefile raises many types over a broken directory
        raise UnreadableFile(TRUNCATED) from None
    with ole:
        # Excel encrypts an .xlsx by wrapping it in an OLE file with these two streams (MS-OFFCRYPTO).
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise UnreadableFile(ENCRYPTED)
        if ole.exists("Workbook") or ole.exists("Book"):
            return XLS
        if ole.exists("WordDocument") or ole.exists("PowerPoint Document"):
            raise UnreadableFile(WORD)
    raise UnreadableFile(NOT_A_WORKBOOK)


def _text_named_as_workbook(head: bytes, suffix: str) -> str:
    """Web systems export HTML tables or CSV under an .xls name: CSV (or a SQL script) is read,
    the rest refused."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<") and any(tag in start for tag in (b"<html", b"<table", b"<?xml", b"<!doctype")):
        raise UnreadableFile(WEB_PAGE.format(suffix=suffix))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return DUMP if _is_dump(head) else TEXT
    if b"\x00" not in head and any(_decodes(head, encoding) for encoding in ("utf-8", "gb18030")):
        return DUMP if _is_dump(head) else TEXT
    raise UnreadableFile(NOT_A_WORKBOOK)


# A database dump saved as .txt: statements at the start of a line, before any table data.
# (A space, not a tab, after the keyword: a TSV's first cell may say "insert".)
_DUMP_START = re.compile(rb"^[ \t]*(CREATE +TABLE|INSERT +(INTO +)?[`\[\"\w])", re.IGNORECASE | re.MULTILINE)


def _is_dump(head: bytes) -> bool:
    """Whether a text file is a SQL script of tables: a CREATE TABLE or INSERT line in its start."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode()
    return _DUMP_START.search(head) is not None


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        head.decode(encoding)
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 4  # a character cut by the end of the sample is no error
    return True
