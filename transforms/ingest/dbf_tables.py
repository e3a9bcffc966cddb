"""Read a .dbf table (dBase, FoxPro, Visual FoxPro) of an older system, through dbfread, as text.

Chinese systems write their text in GBK (code page 936), which the header's language driver byte
says (0x4D, 0x7A) when the writing tool set it; many leave it 0 or at a Western default. Text is
decoded as UTF-8 when it is valid UTF-8, else in the Chinese code page the driver byte names (GBK
as GB18030, its superset; Big5), else as GB18030: a Western code page would read any bytes, as
names of mojibake that no check could catch. Bytes no candidate decodes refuse the file.

Every value is returned as the file writes it: numbers as their digits (an 18-digit ID in a
numeric field stays whole), dates as 2024-10-05, and a value dbfread cannot parse (a date of
`20240931`) as its raw text, for the normaliser to quarantine with a reason. Records deleted in
the office's system (marked `*`) are no rows of the table and are not returned.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from dbfread import DBF, FieldParser
from dbfread.codepages import guess_encoding
from dbfread.dbversions import DBVERSION_STRINGS

from transforms.ingest.guard import NOT_DBF, UnreadableFile

TRUNCATED_DBF = "DBF 数据表不完整（记录数与文件大小不符，可能在复制或发送时被截断）：请重新导出或重新发送原文件"
UNKNOWN_ENCODING = ("DBF 数据表的文字编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）："
                    "请在原系统中按 GBK 或 UTF-8 编码重新导出")
# The language driver bytes dbfread maps to Chinese code pages, read in their widest form.
_CHINESE = {"cp936": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "cp950": "big5", "big5": "big5"}
_HEADER_SIZE = 32  # the fixed part before the field descriptors, then 32 bytes per field


class _AsWritten(FieldParser):
    """dbfread's field parser, giving text as the file writes it rather than Python numbers."""

    def parseN(self, field, data):  # noqa: N802 - dbfread's naming: parse + field type
        text = data.strip().strip(b"*").decode("ascii", errors="replace")
        return text or None

    parseF = parseN  # noqa: N815
    parseL = parseN  # noqa: N815 - T/F/Y/N/? as written

    def parse(self, field, data):
        try:
            value = super().parse(field, data)
        except ValueError:  # an invalid date: the officer must see it as written
            return self.decode_text(data.strip(b"\0 ")) or None
        if isinstance(value, datetime.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return None if value is None else str(value)


def dbf_records(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """The field names and the records of a .dbf, in file order, deleted records left out."""
    header = _checked_header(path)
    driver = _driver_encoding(header.language_driver)
    for encoding in dict.fromkeys(["utf-8", _CHINESE.get(driver, "gb18030"), "gb18030"]):
        try:
            table = DBF(str(path), encoding=encoding, ignorecase=False, parserclass=_AsWritten,
                        recfactory=None, ignore_missing_memofile=True)
            return table.field_names, [[value for _, value in record] for record in table]
        except UnicodeDecodeError:
            continue
        except (ValueError, OSError, EOFError, IndexError) as e:  # damaged descriptors or memo file
            raise UnreadableFile(NOT_DBF) from e
    raise UnreadableFile(UNKNOWN_ENCODING)


def _checked_header(path: Path):
    """The table's header, refused when it is no DBF header or the file is shorter than it says."""
    try:
        table = DBF(str(path), encoding="latin-1", ignorecase=False, raw=True, ignore_missing_memofile=True)
    except Exception as e:  # noqa: BLE001 - whatever dbfread raises over bytes that are no header
        raise UnreadableFile(NOT_DBF) from e
    header = table.header
    if header.dbversion not in DBVERSION_STRINGS or header.headerlen < _HEADER_SIZE + 1 or header.recordlen < 1:
        raise UnreadableFile(NOT_DBF)
    if path.stat().st_size < header.headerlen + header.numrecords * header.recordlen:
        raise UnreadableFile(TRUNCATED_DBF)
    return header


def _driver_encoding(language_driver: int) -> str:
    try:
        return guess_encoding(language_driver)
    except LookupError:  # 0, or a byte dbfread does not know
        return ""
