"""Read a database dump (.sql): the tables its CREATE TABLE and INSERT statements hold, as text.

Offices export MySQL dumps (mysqldump, Navicat: backtick names, multi-row `INSERT ... VALUES
(...),(...)`, `\\'` escapes, `LOCK TABLES` and `/*!...*/` around) and SQL Server scripts (SSMS
"Generate Scripts": `[dbo].[参保]` names, `N'中文'` strings, `CAST(... AS DateTime)`, no
semicolons, batches separated by `GO` lines). The statements are parsed by sqlglot; nothing is
executed. Every table is a candidate, as a SQLite table is: its column names are row 0 and its
rows are numbered from 1 in the order the INSERTs give them.

The script is cut into statements where a line starts with a statement's keyword (generated
scripts start every statement on a line of its own, and never break a line inside a value), so
that one broken statement — cut short, a quote left open — sets aside its own table with a
reason, and the other tables are read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from transforms.ingest.guard import UnreadableFile
from transforms.ingest.text_tables import BINARY, decoded_text

# sqlglot warns of statements it falls back on, quoting them: personal data never goes to a log.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

BINARY_DUMP = "文件内容是二进制数据，不是 SQL 导出脚本：请确认文件没有损坏，或从原系统重新导出"
UNKNOWN_ENCODING_DUMP = ("无法识别 SQL 导出脚本的编码（既不是 UTF-8，也不是 GBK/GB18030）："
                         "请在原系统中按 UTF-8 编码重新导出")
NO_TABLES = ("文件中没有建表语句或插入语句（CREATE TABLE / INSERT），不是数据库导出脚本："
             "请从原系统导出含数据的 SQL 脚本，或导出为 Excel、CSV")
BROKEN = "第 {line} 行的{what}语句无法解析（可能被截断、引号不配对或写法有误）：此表未读取，请从原系统重新导出"
NOT_VALUES = "第 {line} 行的 INSERT 语句不含数据（插入的是查询结果）：此表未读取，请导出含数据的 INSERT 语句"
WIDTH = "第 {line} 行的 INSERT 语句中有一行有 {values} 个值，而列有 {columns} 个：此表未读取，请从原系统重新导出"
NO_COLUMNS = ("此表没有建表语句（CREATE TABLE），INSERT 语句也未列出列名，无法知道各列是什么："
              "请导出时包含建表语句")
CUT_SHORT = ("导出文件在此表处中断（文件末尾缺少 mysqldump 的结束标记 “-- Dump completed”，可能在复制或"
             "发送时被截断）：此表可能不完整，未读取；请重新导出或重新发送原文件")

# Where a statement starts: a line whose first word is a statement's keyword (or a GO line).
_STATEMENT_START = re.compile(
    r"^[ \t]*(?:INSERT|REPLACE|CREATE|DROP|ALTER|SET|USE|LOCK|UNLOCK|DELETE|UPDATE|TRUNCATE|BEGIN|"
    r"COMMIT|ROLLBACK|START|END|ELSE|PRINT|DECLARE|EXEC|EXECUTE|IF|GRANT|GO)\b",
    re.IGNORECASE | re.MULTILINE)
_GO = re.compile(r"^[ \t]*GO[ \t]*(?:\d+[ \t]*)?;?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_SQL_SERVER = re.compile(r"\[[^\]\r\n]+\][ \t]*\.[ \t]*\[|^[ \t]*INSERT[ \t]+\[", re.IGNORECASE | re.MULTILINE)
# A table's name after INSERT INTO / CREATE TABLE, in any quoting, with its schema or database.
_PART = r"(?:`([^`]+)`|\[([^\]]+)\]|\"([^\"]+)\"|([^\s`\[\]\"(),;.]+))"
_NAMED = re.compile(
    r"^\s*(?:(?:INSERT|REPLACE)(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*(?:\s+INTO)?|"
    rf"CREATE\s+(?:TEMPORARY\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+((?:{_PART}\s*\.\s*)*{_PART})",
    re.IGNORECASE)
_INSERTS = (TokenType.INSERT, TokenType.REPLACE)
# mysqldump --replace writes REPLACE INTO, which sqlglot's MySQL dialect does not parse: for the
# rows it holds it is an INSERT (the same length keeps every offset and line).
_REPLACE = re.compile(r"^([ \t]*)REPLACE\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class DumpTable:
    """One table of a dump: its column names and rows (text, None for NULL), or why it is set aside."""

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: str = ""

    def add_columns(self, names: list[str]) -> list[int]:
        """The positions of these columns, the new ones added at the end."""
        for name in names:
            if name not in self.columns:
                self.columns.append(name)
        return [self.columns.index(name) for name in names]


def dump_tables(data: bytes) -> list[DumpTable]:
    """The tables of a dump, in the order the script first names them."""
    text = _decoded(data)
    dialect = Dialect.get_or_raise("tsql" if _GO.search(text) or _SQL_SERVER.search(text) else "mysql")
    tables: dict[str, DumpTable] = {}
    for line, piece in _pieces(text):
        if _NAMED.match(piece):
            _read_piece(piece, line, dialect, tables)
    if not tables:
        raise UnreadableFile(NO_TABLES)
    if text.lstrip().startswith("-- MySQL dump") and "-- Dump completed" not in text[-4096:]:
        last = list(tables.values())[-1]
        last.error = last.error or CUT_SHORT
    for table in tables.values():
        if not table.error and table.rows and not table.columns:
            table.error = NO_COLUMNS
        width = len(table.columns)
        table.rows = [row + [None] * (width - len(row)) for row in table.rows]
    return list(tables.values())


def _decoded(data: bytes) -> str:
    try:
        text = decoded_text(data)
    except UnreadableFile as e:
        raise UnreadableFile(BINARY_DUMP if str(e) == BINARY else UNKNOWN_ENCODING_DUMP) from None
    if "\x00" in text:
        raise UnreadableFile(BINARY_DUMP)
    return text


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each run of lines from one statement's first line to the next's."""
    starts = [m.start() for m in _STATEMENT_START.finditer(text)]
    bounds = [0, *starts] if not starts or starts[0] else starts
    line = 1
    for begin, end in zip(bounds, [*bounds[1:], len(text)], strict=True):
        yield line, text[begin:end]
        line += text.count("\n", begin, end)


def _table_named(statement: str, tables: dict[str, DumpTable]) -> DumpTable | None:
    """The table an INSERT or CREATE TABLE statement names, without schema or quoting."""
    match = _NAMED.match(statement)
    if not match:
        return None
    parts = re.findall(_PART, match.group(1))
    name = next(p for p in parts[-1] if p)
    return tables.setdefault(name, DumpTable(name))


def _read_piece(piece: str, line: int, dialect: Dialect, tables: dict[str, DumpTable]) -> None:
    piece = _REPLACE.sub(r"\1INSERT ", piece)
    try:
        tokens = dialect.tokenize(piece)
    except Exception:  # noqa: BLE001 - a quote left open, a stray byte: this statement is broken
        _set_aside(_table_named(piece, tables), BROKEN.format(line=line, what=_what(piece)))
        return
    for statement in _statements(tokens):
        first = statement[0]
        if first.token_type not in _INSERTS and not (
                first.token_type == TokenType.CREATE and len(statement) > 1 and statement[1].token_type == TokenType.TABLE):
            continue
        text = piece[first.start:statement[-1].end + 1]
        table = _table_named(text, tables)
        if table is None or table.error:
            continue
        at = line + first.line - 1
        reason = (_insert(statement, piece, dialect, table, at) if first.token_type in _INSERTS
                  else _create(statement, piece, dialect, table, at))
        _set_aside(table, reason)


def _statements(tokens: list[Token]) -> Iterator[list[Token]]:
    statement: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if statement:
                yield statement
            statement = []
        else:
            statement.append(token)
    if statement:
        yield statement


def _what(statement: str) -> str:
    return " CREATE TABLE " if statement.lstrip()[:6].upper() == "CREATE" else " INSERT "


def _set_aside(table: DumpTable | None, reason: str) -> None:
    if table is not None and reason and not table.error:
        table.error, table.rows = reason, []


def _parsed(statement: list[Token], piece: str, dialect: Dialect) -> exp.Expression | None:
    try:
        parsed = dialect.parser().parse(statement, piece)
    except Exception:  # noqa: BLE001 - sqlglot's errors quote the statement: only the fact is kept
        return None
    return parsed[0] if len(parsed) == 1 else None


def _create(statement: list[Token], piece: str, dialect: Dialect, table: DumpTable, line: int) -> str:
    """The table's columns from its CREATE TABLE; an empty string when read."""
    # Only the column list is parsed: storage options after it (SQL Server's TEXTIMAGE_ON, which
    # sqlglot does not know) say nothing doudi reads.
    depth, end = 0, len(statement)
    for i, token in enumerate(statement):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if token.token_type == TokenType.R_PAREN and depth == 0:
            end = i + 1
            break
    parsed = _parsed(statement[:end], piece, dialect)
    if not isinstance(parsed, exp.Create) or not isinstance(parsed.this, exp.Schema):
        return BROKEN.format(line=line, what=" CREATE TABLE ")
    if not table.columns:
        table.add_columns([c.name for c in parsed.this.expressions if isinstance(c, exp.ColumnDef)])
    return ""


def _insert(statement: list[Token], piece: str, dialect: Dialect, table: DumpTable, line: int) -> str:
    """The INSERT's rows added to its table; an empty string when read, else why not."""
    parsed = _parsed(statement, piece, dialect)
    if not isinstance(parsed, exp.Insert):
        return BROKEN.format(line=line, what=" INSERT ")
    if not isinstance(parsed.expression, exp.Values):
        return NOT_VALUES.format(line=line)
    named = [c.name for c in parsed.this.expressions] if isinstance(parsed.this, exp.Schema) else None
    if named is None and not table.columns:
        return NO_COLUMNS
    positions = table.add_columns(named) if named is not None else list(range(len(table.columns)))
    rows = []
    for values in parsed.expression.expressions:
        cells = values.expressions if isinstance(values, exp.Tuple) else [values]
        if len(cells) != len(positions):
            return WIDTH.format(line=line, values=len(cells), columns=len(positions))
        row: list[str | None] = [None] * len(table.columns)
        for position, cell in zip(positions, cells, strict=True):
            row[position] = _cell(cell, dialect)
        rows.append(row)
    table.rows.extend(rows)
    return ""


def _cell(value: exp.Expression, dialect: Dialect) -> str | None:
    """A value as the database holds it, as text: strings unquoted and unescaped, numbers as written."""
    if isinstance(value, exp.Null):
        return None
    if isinstance(value, exp.Literal | exp.National):
        return value.this
    if isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal):
        return "-" + value.this.this
    if isinstance(value, exp.Boolean):
        return "1" if value.this else "0"
    if isinstance(value, exp.Paren):
        return _cell(value.this, dialect)
    if isinstance(value, exp.Introducer):  # MySQL's _utf8mb4'…'
        return _cell(value.expression, dialect)
    if isinstance(value, exp.Cast | exp.Convert) and isinstance(value.this, exp.Literal | exp.National):
        return value.this.this  # SQL Server's CAST(N'2024-10-05T00:00:00.000' AS DateTime)
    if isinstance(value, exp.Convert) and isinstance(value.expression, exp.Literal | exp.National):
        return value.expression.this  # CONVERT(datetime, '2024-10-05')
    return value.sql(dialect=dialect)  # a function call (NOW()), 0x41: shown as written
