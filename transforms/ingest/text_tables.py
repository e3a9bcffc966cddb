"""Read a text file (CSV, TSV, TXT) into records: its encoding, its delimiter, its quoting.

Offices export text in UTF-8 (with or without BOM), GBK/GB18030 or Excel's "Unicode text", split by
commas, tabs or semicolons, with title lines above the header. Bytes that are no Chinese text, and
a quote that never closes, are refused with a reason rather than read as garbage or lost.
"""

from __future__ import annotations

import csv
import io

from charset_normalizer import from_bytes

from transforms.ingest.guard import UnreadableFile

SNIFFED_LINES = 100  # the delimiter is judged on the first lines: titles, header and some data

BINARY = "文件内容是二进制数据，不是文本表格（CSV）：请确认文件没有损坏，或从原系统重新导出为 CSV 或 xlsx"
UNKNOWN_ENCODING = ("无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）：请用 Excel 或记事本"
                    "“另存为” UTF-8 编码的 CSV 再报送")
# charset-normalizer's guesses taken when a file is neither UTF-8 nor GB18030: encodings Chinese
# text comes in. A Latin guess would read any bytes, as mojibake headers.
_CHINESE_CAPABLE = ("utf_16", "utf_32", "big5", "cp950", "hz", "gb2312", "gbk", "gb18030")


def decoded_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's 'Unicode text'), GBK/GB18030, else a
    Chinese-capable encoding charset-normalizer recognises (UTF-16 without BOM, Big5)."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is not None and guess.encoding.startswith(_CHINESE_CAPABLE):
        return str(guess)
    raise UnreadableFile(BINARY if b"\x00" in data else UNKNOWN_ENCODING)


def sniffed_delimiter(lines: list[str]) -> str:
    """The delimiter splitting the most lines into the same number of fields (title lines have none)."""
    best, best_score = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if not counts:
            continue
        top = max(counts)
        score = sum(1 for n in counts if n == top) * top if top else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def text_records(data: bytes) -> tuple[list[list[str | None]], list[int]]:
    """The records of a text file, all as wide as the widest (short ones padded with None), and the
    line each starts on in an editor (a cell with line breaks makes a record span several)."""
    text = decoded_text(data)
    if "\x00" in text:
        raise UnreadableFile(BINARY)
    delimiter = sniffed_delimiter(text.splitlines()[:SNIFFED_LINES])
    records, lines = _records(text, delimiter)
    width = max((len(r) for r in records), default=0)
    if width == 0:
        raise UnreadableFile("文件中没有任何内容：请重新导出或重新发送该文件")
    return [r if len(r) == width else r + [None] * (width - len(r)) for r in records], lines


def _records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The CSV records of a text and their first lines; UnreadableFile when a quote never closes.

    Python's reader, like Excel, takes everything up to the closing quote as one cell: an unpaired
    quote at the start of a cell turns the rest of the file into that cell, silently.
    """
    lines = io.StringIO(text, newline="").readlines()  # the same lines the reader counts
    reader = csv.reader(lines, delimiter=delimiter)
    records, starts = [], []
    try:
        while True:
            starts.append(reader.line_num + 1)
            try:
                records.append(next(reader))
            except StopIteration:
                starts.pop()
                break
    except csv.Error:  # a cell past the reader's limit of 131,072 characters
        raise UnreadableFile(
            f"第 {starts[-1]} 行有一个超过 13 万字的单元格，多半是引号（\"）没有配对、把后面的行并了进去："
            "请检查该行的引号，或用 Excel 另存为 xlsx 后再报送"
        ) from None
    if records and reader.line_num - starts[-1] >= 1 and _ends_inside_quotes(lines[starts[-1] - 1:], delimiter):
        raise UnreadableFile(
            f"第 {starts[-1]} 行有一个引号（\"）没有配对，从这一行到文件末尾被并成了一个单元格："
            "请删去或补全该引号，或用 Excel 另存为 xlsx 后再报送"
        )
    return records, starts


def _ends_inside_quotes(lines: list[str], delimiter: str) -> bool:
    """Whether the last record runs to the end of the file inside a quoted cell."""
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as e:
        return "end of data" in str(e)
    return False
