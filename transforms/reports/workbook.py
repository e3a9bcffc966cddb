"""Write tables into an Excel workbook the way an auditor expects to open it.

Each sheet: an optional title and note above a bold header row, the header frozen, a filter on
it, widths that fit the Chinese text, amounts as numbers with two decimals, dates as dates, yes/no
in words, lists joined. Every text cell is written as text: one that starts like a formula
(= + - @, or a tab or carriage return before them) gets Excel's quote prefix, so it can never be
evaluated. A table longer than a sheet holds is continued on numbered sheets, never cut. Workbooks
are written in constant-memory mode: rows stream to disk in order.

Two writers give the same look. `Workbook` (xlsxwriter) writes workbooks that mix summary blocks and
tables, one Python call per cell (about 10 µs). `write_table_book` writes a workbook of one long
table, a roster of a hundred thousand people, through rustpy-xlsxwriter (rust_xlsxwriter, which is
XlsxWriter's own port to Rust) column by column from Arrow, about ten times faster. Its formats are
per column, so there a text column gets the quote prefix on every cell when any of its cells starts
like a formula.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import rustpy_xlsxwriter as rx
import xlsxwriter

EXCEL_MAX_ROWS = 1_048_576
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FORMULA_LIKE = re.compile(r"^[\t\r]*[=+\-@]")
FORMULA_LIKE = _FORMULA_LIKE  # text a spreadsheet would take for a formula (the 下发 workbooks quote it too)
_WIDTH_SAMPLE = 2000
PAGE_FOOTER = "&L&9&A&R&9第 &P 页，共 &N 页"  # printed: the sheet's name, and page n of N
LINE_POINTS = 17  # a wrapped line of Chinese text at 11 pt (CJK fonts have a taller line than Latin)


@dataclass(frozen=True)
class Sheet:
    """One table to show: `frame` in display order, `headers` its Chinese column names, `kinds`
    how each column is written (text, money, number, date, flag, texts; text by default)."""

    name: str
    frame: pl.DataFrame
    headers: dict[str, str]
    kinds: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    note: str | None = None
    widths: dict[str, int] = field(default_factory=dict)  # columns given a width instead of a fitted one


@dataclass(frozen=True)
class Block:
    """Rows of label/value cells for a summary sheet: a heading, then rows as written. A block of
    sentences (`sentences=True`) has one per row, each across the sheet's width, wrapped."""

    heading: str
    rows: list[list[object]]
    header: list[str] | None = None
    sentences: bool = False


@dataclass(frozen=True)
class Link:
    """A summary cell that opens another sheet of the workbook (汇总 → a rule's sheet)."""

    text: str
    sheet: str


@dataclass(frozen=True)
class Rate:
    """A share written as a percentage (0.5 → 50.0%); none to divide by is shown —."""

    value: float | None


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = _SHEET_NAME_FORBIDDEN.sub("_", name)[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


LOOK = {  # every format either writer uses, in xlsxwriter's terms
    "title": {"bold": True, "font_size": 14},
    "note": {"text_wrap": True, "valign": "top", "font_color": "#444444"},
    "header": {"bold": True, "text_wrap": True, "valign": "vcenter", "bg_color": "#DDEBF7", "border": 1},
    "text": {"valign": "top"},
    "longtext": {"text_wrap": True, "valign": "top"},
    "money": {"num_format": "#,##0.00", "valign": "top"},
    "number": {"num_format": "0", "valign": "top"},
    "date": {"num_format": "yyyy-mm-dd", "valign": "top"},
    "heading": {"bold": True, "font_size": 12},
}


class Workbook:
    """A workbook being written: add sheets and summary blocks in order, then close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.taken: set[str] = set()
        add = self.book.add_format
        self.formats = {name: add(look) for name, look in LOOK.items()}
        self.formats |= {f"{name}_quoted": add(LOOK[name] | {"quote_prefix": True}) for name in ("text", "longtext")}
        self.formats["link"] = add(LOOK["text"] | {"font_color": "#0563C1", "underline": 1})
        self.formats["percent"] = add({"num_format": "0.0%", "valign": "top"})

    def close(self) -> None:
        self.book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_table(self, sheet: Sheet, max_rows: int = EXCEL_MAX_ROWS) -> list[str]:
        """Write one table, continued on numbered sheets past `max_rows`; return the sheet names."""
        above = (sheet.title is not None) + (sheet.note is not None)
        per_sheet = max_rows - above - 1
        chunks = [sheet.frame.slice(i, per_sheet) for i in range(0, max(sheet.frame.height, 1), per_sheet)]
        names = []
        for n, chunk in enumerate(chunks, start=1):
            name = sheet_name(sheet.name if n == 1 else f"{sheet.name} ({n})", self.taken)
            self._write_table(self.book.add_worksheet(name), sheet, chunk)
            names.append(name)
        return names

    def _for_print(self, ws, header_row: int | None) -> None:
        """Printed or saved as PDF: landscape A4, all columns on the page width, header repeated."""
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer(PAGE_FOOTER)
        if header_row is not None:
            ws.repeat_rows(header_row)

    def _write_table(self, ws, sheet: Sheet, frame: pl.DataFrame) -> None:
        columns = list(sheet.headers)
        widths = _widths(sheet, frame)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        row = 0
        if sheet.title is not None:
            ws.write_string(row, 0, sheet.title, self.formats["title"])
            row += 1
        if sheet.note is not None:
            ws.set_row(row, _note_points(sheet.note, widths))
            ws.merge_range(row, 0, row, max(len(columns) - 1, 0), sheet.note, self.formats["note"])
            row += 1
        ws.set_row(row, _header_points(sheet, widths))
        for i, column in enumerate(columns):
            ws.write_string(row, i, sheet.headers[column], self.formats["header"])
        ws.freeze_panes(row + 1, 0)
        self._for_print(ws, row)
        ws.autofilter(row, 0, row + max(frame.height, 1), max(len(columns) - 1, 0))
        columns_out = [self._column(ws, i, frame[c], sheet.kinds.get(c, "text")) for i, c in enumerate(columns)]
        heights = _row_heights(frame, sheet, dict(zip(columns, widths, strict=True)))
        first = row + 1
        for r in range(frame.height):  # xlsxwriter takes one cell per call; everything else is prepared
            if heights is not None and heights[r] > 1:
                ws.set_row(first + r, LINE_POINTS * heights[r])
            for col, values, formats, write in columns_out:
                value = values[r]
                if value is not None:
                    write(first + r, col, value, formats[r])

    def _column(self, ws, col: int, values: pl.Series, kind: str) -> tuple:
        """(column index, its cell values, a format per cell, the xlsxwriter method that writes one)."""
        height = values.len()
        if kind == "money":
            return col, values.cast(pl.Float64).to_list(), [self.formats["money"]] * height, ws.write_number
        if kind == "number":
            return col, values.cast(pl.Float64).to_list(), [self.formats["number"]] * height, ws.write_number
        if kind == "date":
            return col, values.to_list(), [self.formats["date"]] * height, ws.write_datetime
        text = _as_text(values, kind)
        quoted = text.str.contains(_FORMULA_LIKE.pattern).fill_null(False).to_list()
        style = "longtext" if kind == "longtext" else "text"
        plain, guarded = self.formats[style], self.formats[f"{style}_quoted"]
        return col, text.to_list(), [guarded if q else plain for q in quoted], ws.write_string

    def add_blocks(self, name: str, title: str, blocks: list[Block], widths: list[int]) -> str:
        """A summary sheet: a title, then blocks of rows, each under a heading."""
        ws = self.book.add_worksheet(sheet_name(name, self.taken))
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        self._for_print(ws, None)
        ws.write_string(0, 0, title, self.formats["title"])
        last_column = max(len(widths) - 1, max((len(b.header or []) for b in blocks), default=1) - 1)
        row = 2
        for block in blocks:
            ws.write_string(row, 0, block.heading, self.formats["heading"])
            row += 1
            if block.header:
                ws.set_row(row, LINE_POINTS * 2)  # headers such as 预算缺口（元） wrap onto two lines
                for i, text in enumerate(block.header):
                    ws.write_string(row, i, text, self.formats["header"])
                row += 1
            for cells in block.rows:
                if block.sentences:
                    text = str(cells[0])
                    ws.set_row(row, LINE_POINTS * max(1, -(-display_width(text) // sum(widths[: last_column + 1]))))
                    ws.merge_range(row, 0, row, last_column, text, self.formats["note"])
                else:
                    for i, value in enumerate(cells):
                        _write_any(ws, row, i, value, self.formats)
                row += 1
            row += 1
        return ws.name


def write_table_book(path: Path, sheet: Sheet, max_rows: int = EXCEL_MAX_ROWS, more: tuple[Sheet, ...] = ()) -> list[str]:
    """A workbook of one table, as `Workbook.add_table` lays it out (continued on numbered sheets past
    `max_rows`), then the `more` tables after it, written by rust_xlsxwriter; returns the sheet names."""
    book, taken, names = rx.FastExcel(path), set(), []
    for table in (sheet, *more):
        above = (table.title is not None) + (table.note is not None)
        per_sheet = max_rows - above - 1
        for n, start in enumerate(range(0, max(table.frame.height, 1), per_sheet), start=1):
            frame = table.frame.slice(start, per_sheet)
            name = sheet_name(table.name if n == 1 else f"{table.name} ({n})", taken)
            shown = _shown(table, frame)
            book.freeze(row=above + 1, sheet=name)
            book.sheet(name, shown, header_row=above, **_rust_layout(table, frame, shown, above))
            names.append(name)
    book.save()
    return names


def _shown(sheet: Sheet, frame: pl.DataFrame) -> pl.DataFrame:
    """The cells as written: text, numbers and dates, under the Chinese headers."""
    def cell(column: str) -> pl.Series:
        kind, values = sheet.kinds.get(column, "text"), frame[column]
        if kind in ("money", "number"):
            return values.cast(pl.Float64)
        return values if kind == "date" else _as_text(values, kind)
    return pl.DataFrame([cell(c).alias(sheet.headers[c]) for c in sheet.headers])


def _rust_layout(sheet: Sheet, frame: pl.DataFrame, shown: pl.DataFrame, above: int) -> dict:
    """rustpy-xlsxwriter's options for one sheet (`shown`: its cells as `_shown` gives them): `LOOK`
    as formats per column, widths, heights, the title and note above the header, the filter and the
    page setup."""
    columns, widths = list(sheet.headers), _widths(sheet, frame)
    last = max(len(columns) - 1, 1)
    formats, merges, heights = {}, [], {above: _header_points(sheet, widths)}
    for c in columns:
        kind, cells = sheet.kinds.get(c, "text"), shown[sheet.headers[c]]
        look = LOOK[kind] if kind in ("money", "number", "date", "longtext") else LOOK["text"]
        if cells.dtype == pl.String and cells.str.contains(_FORMULA_LIKE.pattern).any():
            look = look | {"quote_prefix": True}
        formats[sheet.headers[c]] = _rust_format(look)
    if sheet.title is not None:
        merges.append((0, 0, 0, last, sheet.title, _rust_format(LOOK["title"])))
    if sheet.note is not None:
        merges.append((above - 1, 0, above - 1, last, sheet.note, _rust_format(LOOK["note"])))
        heights[above - 1] = _note_points(sheet.note, widths)
    lines = _row_heights(frame, sheet, dict(zip(columns, widths, strict=True)))
    heights |= {above + 1 + r: LINE_POINTS * n for r, n in enumerate(lines or []) if n > 1}
    return {
        "column_widths": dict(zip(sheet.headers.values(), map(float, widths), strict=True)),
        "column_formats": formats, "header_format": _rust_format(LOOK["header"]),
        "merge_ranges": merges or None, "row_heights": heights, "autofilter": True,
        "page_setup": {"landscape": True, "paper_size": 9, "fit_to_pages": (1, 0), "repeat_rows": above,
                       "footer": PAGE_FOOTER},
    }


def _rust_format(look: dict) -> rx.Format:
    """One of `LOOK`'s formats (xlsxwriter's keys) as a rust_xlsxwriter format."""
    setters = {"bold": lambda f, _: f.set_bold(), "text_wrap": lambda f, _: f.set_text_wrap(),
               "quote_prefix": lambda f, _: f.set_quote_prefix(), "font_size": rx.Format.set_font_size,
               "valign": rx.Format.set_align, "font_color": rx.Format.set_font_color,
               "bg_color": rx.Format.set_background_color, "num_format": rx.Format.set_num_format,
               "border": lambda f, _: f.set_border("thin")}
    fmt = rx.Format()
    for key, value in look.items():
        setters[key](fmt, value)
    return fmt


def _widths(sheet: Sheet, frame: pl.DataFrame) -> list[int]:
    return [sheet.widths.get(c) or _fitted_width(sheet.headers[c], frame[c], sheet.kinds.get(c, "text"))
            for c in sheet.headers]


def _header_points(sheet: Sheet, widths: list[int]) -> float:
    """The header row's height: long Chinese headers wrap within their column."""
    lines = max(
        sum(-(-display_width(part) // max(w - 1, 1)) for part in sheet.headers[c].split("\n"))
        for c, w in zip(sheet.headers, widths, strict=True)
    )
    return LINE_POINTS * max(1, lines)


def _note_points(note: str, widths: list[int]) -> float:
    return LINE_POINTS * max(1, -(-display_width(note) // max(sum(widths), 40)))


def _write_any(ws, row: int, col: int, value: object, formats: dict) -> None:
    if value is None:
        return
    if isinstance(value, Rate):
        if value.value is None:
            ws.write_string(row, col, "—", formats["number"])
        else:
            ws.write_number(row, col, value.value, formats["percent"])
    elif isinstance(value, Link):
        ws.write_url(row, col, f"internal:'{value.sheet}'!A1", formats["link"], string=value.text)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", formats["text"])
    elif isinstance(value, int):
        ws.write_number(row, col, value, formats["number"])
    elif isinstance(value, float):
        ws.write_number(row, col, value, formats["money"])
    else:
        text = str(value)
        ws.write_string(row, col, text, formats["text_quoted" if _FORMULA_LIKE.match(text) else "text"])


def _row_heights(frame: pl.DataFrame, sheet: Sheet, widths: dict[str, int]) -> list[int] | None:
    """Lines each row needs for its wrapped columns (spreadsheet programs do not all fit rows
    to wrapped text on opening), or None when the sheet wraps nothing."""
    wrapped = [c for c in widths if sheet.kinds.get(c) == "longtext"]
    if not wrapped or frame.is_empty():
        return None
    lines = [
        frame[c].fill_null("").str.split("\n").list.eval(
            ((pl.element().str.len_chars() + pl.element().str.count_matches(r"[^\x00-\xff]")) / (widths[c] - 1))
            .ceil().clip(lower_bound=1)
        ).list.sum().cast(pl.Int32).alias(c)
        for c in wrapped
    ]
    return pl.DataFrame(lines).select(pl.max_horizontal(wrapped)).to_series().clip(upper_bound=20).to_list()


def _fitted_width(header: str, values: pl.Series, kind: str) -> int:
    """Wide enough for the header and most values, between 6 and 60 characters."""
    sample = values.head(_WIDTH_SAMPLE)
    if kind == "money":
        longest = len(f"{sample.abs().max() or 0:,.2f}") + 1 if sample.len() else 0
    elif kind in ("date", "number", "flag"):
        longest = 10 if kind == "date" else 6
    else:
        texts = _as_text(sample, kind).drop_nulls()
        longest = max((display_width(t) for t in texts.to_list()), default=0)
    # A long header wraps onto two or three lines rather than widening a column of short numbers.
    header_width = min(16, max(display_width(part) for part in header.split("\n")))
    return min(60, max(6, header_width + 2, longest + 2))


def _as_text(values: pl.Series, kind: str) -> pl.Series:
    if kind == "texts":
        return values.list.join("；")
    if kind == "flag":
        return values.replace_strict({True: "是", False: "否"}, default=None, return_dtype=pl.String)
    return values.cast(pl.String)
