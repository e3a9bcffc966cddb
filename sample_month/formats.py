"""Write sheet plans in the other formats offices send: .ods, .xls and WPS .et (with merged cells),
.xlsb, a GBK .dbf, and MySQL and SQL Server dumps.

Workbook writers lay a plan's lines from row 1 down as the .xlsx writer does (`xlsx.py`), each of
`plan.merges` (0-based line and column: first row, first column, last row, last column, text) a
real merged range with its text in the top-left cell and nothing in the cells it covers. Table
writers (.dbf, .sql) take the plan's column headers as the table's column names and its lines as
records in order, so a plan for them has no header line: row n is the plan's line n (`numbered()`).

The libraries are imported where used: odfpy, xlwt, pyxlsbwriter and dbf write only the sample
month, and a run never imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sample_month.layout import SheetPlan
from sample_month.xlsx import ID_LIKE, covered_cells

# --- workbooks --------------------------------------------------------------------------------


def _laid_out(plan: SheetPlan) -> Iterator[tuple[int, int, object, tuple[int, int] | None]]:
    """(row, column, value, span) of every cell to write: a merge's top-left cell with its text and
    its span (rows, columns); covered cells and blanks are not written."""
    covered = covered_cells(plan)
    tops = {(r1, c1): (text, (r2 - r1 + 1, c2 - c1 + 1)) for r1, c1, r2, c2, text in plan.merges}
    for r, line in enumerate(plan.lines):
        for c, value in enumerate(line.cells):
            if (r, c) in tops:
                yield r, c, tops[(r, c)][0], tops[(r, c)][1]
            elif (r, c) not in covered and value is not None:
                yield r, c, value, None
    for (r, c), (text, span) in tops.items():  # a merge over cells no line reaches
        if r >= len(plan.lines) or c >= len(plan.lines[r].cells):
            yield r, c, text, span


def write_ods(path: Path, plans: list[SheetPlan]) -> None:
    """An OpenDocument spreadsheet (odfpy), merges as `table:number-rows-spanned` cells."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for plan in plans:
        cells = {(r, c): (value, span) for r, c, value, span in _laid_out(plan)}
        covered = covered_cells(plan)
        height = max([len(plan.lines), *(r + 1 for r, _ in cells | dict.fromkeys(covered))], default=0)
        width = max([0, *(c + 1 for _, c in cells | dict.fromkeys(covered))])
        table = Table(name=plan.sheet)
        for r in range(height):
            row = TableRow()
            for c in range(width):
                if (r, c) in cells:
                    value, span = cells[(r, c)]
                    cell = TableCell(**_ods_value(value))
                    if span:
                        cell.setAttribute("numberrowsspanned", str(span[0]))
                        cell.setAttribute("numbercolumnsspanned", str(span[1]))
                    cell.addElement(P(text=_text(value)))
                    row.addElement(cell)
                else:
                    row.addElement(CoveredTableCell() if (r, c) in covered else TableCell())
            table.addElement(row)
        document.spreadsheet.addElement(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    _without_timestamps(path)


def _without_timestamps(path: Path) -> None:
    """The archive again, every entry dated 1980-01-01 (odfpy and pyxlsbwriter stamp "now") and an
    .ods's content.xml declaring only the namespaces it uses (odfpy declares those of every document
    made before it in the process): a generated month is the same bytes on every run."""
    import io
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    for k, (info, data) in enumerate(entries):
        if info.filename.endswith(".xml") and info.filename != "META-INF/manifest.xml":
            text = data.decode("utf-8")
            body = re.sub(r'xmlns:\w+="[^"]*"', "", text)
            unused = [p for p in set(re.findall(r'xmlns:(\w+)=', text)) if f"{p}:" not in body]
            for prefix in unused:
                text = re.sub(rf' xmlns:{prefix}="[^"]*"', "", text)
            entries[k] = (info, text.encode("utf-8"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            archive.writestr(fixed, data)
    path.write_bytes(buffer.getvalue())


def _ods_value(value: object) -> dict[str, str]:
    if isinstance(value, bool | str):
        return {"valuetype": "string"}
    if isinstance(value, datetime | date):
        return {"valuetype": "date", "datevalue": value.isoformat()}
    return {"valuetype": "float", "value": repr(float(value))}


def write_xls(path: Path, plans: list[SheetPlan]) -> None:
    """An Excel 97-2003 workbook (xlwt, BIFF8), merges as MERGEDCELLS ranges. Written to a `.et`
    path it is a WPS .et, which is the same format."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    whole = xlwt.easyxf(num_format_str="0")
    for plan in plans:
        sheet = book.add_sheet(plan.sheet, cell_overwrite_ok=True)
        for r, c, value, span in _laid_out(plan):
            style = dated if isinstance(value, date) else whole if _is_id_like(value) else xlwt.Style.default_style
            if span:
                sheet.write_merge(r, r + span[0] - 1, c, c + span[1] - 1, value, style)
            else:
                sheet.write(r, c, value, style)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))


write_et = write_xls


def write_xlsb(path: Path, plans: list[SheetPlan]) -> None:
    """An Excel binary workbook (pyxlsbwriter). pyxlsbwriter cannot merge: a merge over one row
    (a title) is written as its text in the first cell; one over several rows is refused, as
    doudi does not read an .xlsb's merges (README, left for later)."""
    from pyxlsbwriter import XlsbWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with XlsbWriter(str(path)) as writer:
        for plan in plans:
            if any(r2 > r1 for r1, _, r2, _, _ in plan.merges):
                raise ValueError(f"{plan.file}: pyxlsbwriter cannot write cells merged over rows")
            cells = {(r, c): value for r, c, value, _ in _laid_out(plan)}
            height = max([len(plan.lines), *(r + 1 for r, _ in cells)], default=0)
            # pyxlsbwriter reads every row to the widest one's length: rows are padded.
            width = max([1, *(c + 1 for _, c in cells)])
            writer.add_sheet(plan.sheet)
            writer.write_sheet([[_xlsb_value(cells.get((r, c))) for c in range(width)] for r in range(height)])
    _without_timestamps(path)


def _xlsb_value(value: object) -> object:
    return datetime.combine(value, datetime.min.time()) if type(value) is date else value


def _is_id_like(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= ID_LIKE


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < ID_LIKE:
        return str(int(value))
    return value.isoformat() if isinstance(value, date) else str(value)


# --- tables -----------------------------------------------------------------------------------


def _records(plan: SheetPlan) -> tuple[list[str], list[list[object]]]:
    names = [c.header for c in plan.columns]
    if any(line.kind == "header" for line in plan.lines):
        raise ValueError(f"{plan.file}: a table's plan has no header line (its columns name it)")
    return names, [list(line.cells) + [None] * (len(names) - len(line.cells)) for line in plan.lines]


def write_dbf(path: Path, plan: SheetPlan, codepage: str = "cp936") -> None:
    """A dBase III table (the `dbf` package) in GBK, its language driver byte saying so (0x4D).

    Dates are date fields, columns of numbers only numeric fields (ID numbers apart), the rest
    character fields of their longest value; field names must fit dBase's 10 bytes (5 Chinese characters in GBK).
    """
    import dbf

    names, rows = _records(plan)
    specs = []
    for i, name in enumerate(names):
        if len(name.encode("gbk")) > 10:
            raise ValueError(f"{plan.file}: 「{name}」 is longer than a .dbf field name's 10 bytes")
        specs.append(f"{name} {_dbf_type([row[i] for row in rows])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    table = dbf.Table(str(path), "; ".join(specs), codepage=codepage, dbf_type="db3")
    table.open(dbf.READ_WRITE)
    try:
        for row in rows:
            table.append(tuple(_dbf_value(value, spec) for value, spec in zip(row, specs, strict=True)))
    finally:
        table.close()  # the dbf package writes some changes only on closing


def _dbf_type(values: list[object]) -> str:
    present = [v for v in values if v is not None]
    if present and all(type(v) is date for v in present):
        return "D"
    # The dbf package writes a number through a float: an ID typed as a number goes as its digits.
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) and not _is_id_like(v) for v in present):
        decimals = 0 if all(float(v).is_integer() for v in present) else 2
        return f"N({min(19, max(len(f'{float(v):.{decimals}f}') for v in present) + 1)},{decimals})"
    longest = max([1, *(len(_text(v).encode("gbk")) for v in present)])
    return f"C({min(254, longest)})"


def _dbf_value(value: object, spec: str) -> object:
    kind = spec.rsplit(" ", 1)[1][0]  # C(12), N(19,0), D
    return value if value is None or kind in "ND" else _text(value)


def write_mysql_dump(path: Path, plans: list[SheetPlan]) -> None:
    """A mysqldump script: backtick names, one multi-row INSERT per table, `\\'` escapes."""
    lines = ["-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)", "--",
             "/*!40101 SET NAMES utf8mb4 */;", ""]
    for plan in plans:
        names, rows = _records(plan)
        table = _backticked(plan.sheet)
        columns = ",\n".join(f"  {_backticked(n)} {_sql_type(rows, i, 'mysql')} DEFAULT NULL" for i, n in enumerate(names))
        lines += [f"DROP TABLE IF EXISTS {table};", f"CREATE TABLE {table} (\n{columns}\n) "
                  "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;", "", f"LOCK TABLES {table} WRITE;",
                  f"/*!40000 ALTER TABLE {table} DISABLE KEYS */;"]
        if rows:
            values = ",".join("(" + ",".join(_mysql_literal(v) for v in row) + ")" for row in rows)
            lines.append(f"INSERT INTO {table} VALUES {values};")
        lines += [f"/*!40000 ALTER TABLE {table} ENABLE KEYS */;", "UNLOCK TABLES;", ""]
    lines.append("-- Dump completed on 2024-11-05 10:00:00")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_sql_server_dump(path: Path, plans: list[SheetPlan]) -> None:
    """An SSMS "Generate Scripts" script: `[dbo].[表]` names, N'…' strings, CAST for dates and
    decimals, no semicolons, GO between batches; saved as SSMS does, UTF-16 with a BOM."""
    lines = ["USE [mzxt]", "GO", "SET ANSI_NULLS ON", "GO"]
    for plan in plans:
        names, rows = _records(plan)
        table = f"[dbo].{_bracketed(plan.sheet)}"
        columns = ",\n".join(f"\t{_bracketed(n)} {_sql_type(rows, i, 'tsql')} NULL" for i, n in enumerate(names))
        lines += [f"/****** Object:  Table {table} ******/", f"CREATE TABLE {table}(\n{columns}\n) ON [PRIMARY]", "GO"]
        listed = ", ".join(_bracketed(n) for n in names)
        lines += [f"INSERT {table} ({listed}) VALUES ({', '.join(_tsql_literal(v) for v in row)})" for row in rows]
        lines.append("GO")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-16")


def _backticked(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _bracketed(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def _sql_type(rows: list[list[object]], i: int, dialect: str) -> str:
    present = [row[i] for row in rows if row[i] is not None]
    if present and all(type(v) is date for v in present):
        return "date" if dialect == "mysql" else "[date]"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "bigint" if dialect == "mysql" else "[bigint]"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "double" if dialect == "mysql" else "[float]"
    return "varchar(255)" if dialect == "mysql" else "[nvarchar](255)"


_MYSQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r",
                                "\0": "\\0", "\x1a": "\\Z"})


def _mysql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    return "'" + _text(value).translate(_MYSQL_ESCAPES) + "'"


def _tsql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if type(value) is date:
        return f"CAST(N'{value.isoformat()}T00:00:00.000' AS DateTime)"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    return "N'" + _text(value).replace("'", "''") + "'"
