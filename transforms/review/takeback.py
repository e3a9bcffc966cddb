"""Take-back (SPEC §7): returned 下发 workbooks read, every answer row checked, the accepted ones
appended to `case_events`.

A returned file is hostile input like any other. The hidden batch sheet is found by its first cell
whatever it was renamed to, the cases sheet by its header row whatever its name, the columns by
their headers; rows are matched by 疑点编号, so rows may be sorted, filtered or deleted. A row is
taken whole or not at all, and every row not taken is listed with the file, sheet, row and why:
a formula typed into an answer, a case not handed to this township in this batch, a value not from
the lists, a date out of range, an amount that is not a number, an answer missing what it needs.
A locked cell edited is reported and ignored; the row's answer is still taken. The same answer read
twice (the same file, or a re-save) changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from schemas.outputs import FeedbackConflict, FeedbackFile, FeedbackRejection
from schemas.period import PERIOD
from schemas.review import ANSWERS, BATCH_MARK, CONFIRMED, LOCKED
from transforms.ingest.inbox import FEEDBACK_FOLDER, sha256_of
from transforms.review import store
from transforms.review.cases import conflicts
from transforms.review.handout import row_digest


def _text(value: object) -> str:
    """A cell as text to compare: NFKC (full-width brackets folded), no white space."""
    return "" if value is None else re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


HEADERS = {_text(c.header): c for c in (*LOCKED, *ANSWERS)}
CASE_ID = _text("疑点编号")
_LITTER = re.compile(r"^(~\$|\.~lock|\._)", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
MONEY_TOLERANCE = 0.005


@dataclass(frozen=True)
class ReturnedFile:
    path: Path
    rel: str  # as the manifest names it: 2024-10/feedback/新城街道.xlsx, or the path given
    sha256: str


@dataclass
class TakeBack:
    """What one take-back did: per file, the answers recorded or already there; the rows not taken
    (and locked cells edited, `answer_taken`); the conflicts now standing."""

    read: list[FeedbackFile] = field(default_factory=list)
    rejected: list[FeedbackRejection] = field(default_factory=list)
    conflicts: list[FeedbackConflict] = field(default_factory=list)


def feedback_files(inbox: Path) -> list[ReturnedFile]:
    """Every file in `<inbox>/<any period>/feedback/`, in a stable order."""
    found = []
    for folder in sorted(Path(inbox).glob(f"*/{FEEDBACK_FOLDER}")):
        if not PERIOD.match(folder.parent.name) or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and not _LITTER.search(path.name):
                found.append(ReturnedFile(path, path.relative_to(inbox).as_posix(), sha256_of(path)))
    return found


def returned_file(path: Path) -> ReturnedFile:
    """A file named on the command line (`doudi feedback import FILE…`)."""
    return ReturnedFile(path, str(path), sha256_of(path))


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    run_id: str
    county: str
    township: str
    label: str


@dataclass(frozen=True)
class AnswerRow:
    sheet: str
    row: int  # as Excel shows it
    case_id: str
    locked: list[object]
    answer: dict[str, object]
    formulas: list[str]  # headers of answer cells holding a formula


class Unreadable(ValueError):
    """A returned file none of whose rows can be read; the message is for the township."""


def read_returned(path: Path) -> tuple[Batch, list[AnswerRow]]:
    try:
        import openpyxl  # only when answers come back: a month's run does not load it

        book = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        raise Unreadable("无法打开该文件：不是 doudi 下发的 Excel 工作簿（.xlsx），或文件已损坏。"
                         "请用下发的原文件填写后交回，不要另存为 .xls、.et 或 .csv") from e
    batch = _batch(book)
    sheet, header_row, columns = _cases_sheet(book)
    rows = []
    for cells in sheet.iter_rows(min_row=header_row + 1):
        values = {header: cells[i] for header, i in columns.items() if i < len(cells)}
        case_cell = values.get(CASE_ID)
        case_id = _text(case_cell.value if case_cell is not None else None)
        answer = {c.name: _value(values, c.header) for c in ANSWERS}
        if all(_blank(v) for v in answer.values()):
            continue  # not answered (yet): nothing to take, nothing to reject
        formulas = [c.header for c in ANSWERS if _text(c.header) in values and _is_formula(values[_text(c.header)])]
        locked = [_value(values, c.header) for c in LOCKED]
        rows.append(AnswerRow(sheet.title, cells[0].row, case_id or "", locked, answer, formulas))
    return batch, rows


def _batch(book) -> Batch:
    for ws in book.worksheets:
        if _text(ws.cell(1, 1).value) == re.sub(r"\s+", "", BATCH_MARK):
            facts = {_text(ws.cell(r, 1).value): _text(ws.cell(r, 2).value) for r in range(2, 7)}
            return Batch(facts.get("批次", ""), facts.get("区县", ""), facts.get("乡镇", ""),
                         facts.get("工作簿", ""))
    raise Unreadable("找不到下发批次信息（隐藏的“批次”工作表被删除或改动）：请用 doudi 下发的原文件填写，"
                     "不要把内容复制到新建的文件中")


def _cases_sheet(book):
    for ws in book.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=10):
            headers = {_text(c.value): i for i, c in enumerate(row) if _text(c.value)}
            if CASE_ID in headers and _text("核查结果") in headers:
                return ws, row[0].row, {h: i for h, i in headers.items() if h in HEADERS or h == CASE_ID}
    raise Unreadable("找不到疑点清单（表头应有“疑点编号”和“核查结果”）：请不要删除或改动表头行")


def _value(cells: dict, header: str) -> object:
    cell = cells.get(_text(header))
    return None if cell is None else cell.value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_formula(cell) -> bool:
    return cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


# --- checking -----------------------------------------------------------------------------------

def checked(row: AnswerRow, handout: dict | None, other: dict | None, batch: Batch, today: date) -> tuple[dict, list[str]]:
    """The row's answer with typed values, and every reason it cannot be taken (empty: taken)."""
    if row.formulas:
        return {}, [f"「{'、'.join(row.formulas)}」中填写的是公式，请直接填写内容（不要用公式）"]
    if not row.case_id:
        return {}, ["疑点编号为空：请不要删除或修改疑点编号"]
    if handout is None:
        if other is None:
            return {}, [f"疑点编号 {row.case_id} 不存在：请不要修改疑点编号，也不要从其他文件复制行"]
        return {}, [f"疑点编号 {row.case_id} 不是本批次下发给{batch.label}的疑点"
                    f"（它下发给了{other['place']}）：请只答复本文件中的疑点"]
    reasons: list[str] = []
    answer = {name: _cleaned(value) for name, value in row.answer.items()}
    for column in ANSWERS:
        value = answer[column.name]
        if column.choices and value is not None and value not in column.choices:
            reasons.append(f"「{column.header}」的“{value}”不在下拉列表中（{' / '.join(column.choices)}）")
        if column.kind == "money" and value is not None:
            amount = _amount(value)
            if amount is None or amount < 0:
                reasons.append(f"「{column.header}」应为不小于 0 的数字，而不是“{value}”")
            answer[column.name] = amount
    reviewed_on = _date(answer["reviewed_on"])
    if answer["reviewed_on"] is None:
        reasons.append("核查日期未填写")
    elif reviewed_on is None:
        reasons.append(f"核查日期“{answer['reviewed_on']}”不是日期，请写成 2024-11-20 的样子")
    elif not handout["handed_out_on"] <= reviewed_on <= today:
        reasons.append(f"核查日期 {reviewed_on} 应在下发日期 {handout['handed_out_on']} 与今天 {today} 之间")
    answer["reviewed_on"] = reviewed_on
    reasons += _consistency(answer, handout)
    return answer, reasons


def _consistency(answer: dict, handout: dict) -> list[str]:
    result, rectification = answer["review_result"], answer["rectification"]
    overpaid, recovered = handout["overpaid"], answer["recovered"]
    reasons = []
    if result is None:
        reasons.append("核查结果未填写")
    if result in CONFIRMED and answer["review_action"] is None:
        reasons.append(f"核查结果为“{result}”，须填写处理措施")
    if result == "不属实" and answer["review_note"] is None:
        reasons.append("核查结果为“不属实”，须在核查说明中写明理由")
    if result == "不属实" and rectification != "无需整改":
        reasons.append("核查结果为“不属实”，整改状态应为“无需整改”")
    if isinstance(recovered, float) and overpaid is not None and recovered > overpaid + MONEY_TOLERANCE:
        reasons.append(f"已追回金额 {recovered:.2f} 元超过应追回金额 {overpaid:.2f} 元")
    if rectification == "已整改" and answer["unrecoverable_reason"] is None and (overpaid or 0) > 0 and not (
            isinstance(recovered, float) and abs(recovered - overpaid) <= MONEY_TOLERANCE):
        reasons.append(f"整改状态为“已整改”，已追回金额应等于应追回金额 {overpaid:.2f} 元，否则须选择无法追回原因")
    return reasons


def _cleaned(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
        return value or None
    return value


def _amount(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").removesuffix("元"))
    except ValueError:
        return None


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial typed as a number
        return date.fromordinal(date(1899, 12, 30).toordinal() + int(value))
    text = str(value or "").split(" ")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


# --- recording ----------------------------------------------------------------------------------

def take_back(con: duckdb.DuckDBPyConnection, files: list[ReturnedFile], run_id: str | None,
              today: date, county_names: dict[str, str]) -> TakeBack:
    """Read every returned file, append its accepted answers to case_events, and say what came of
    every file and row."""
    result = TakeBack()
    handouts = store.handouts(con)
    recorded = store.recorded_answer_ids(con)
    latest = _latest_by_case(con, handouts)
    for file in files:
        _take_file(con, file, handouts, recorded, latest, run_id, today, county_names, result)
    answers = store.answers(con)
    for group in conflicts(answers).sort("case_id").iter_rows(named=True):
        result.conflicts.append(FeedbackConflict(case_id=group["case_id"], reviewed_on=str(group["reviewed_on"]),
                                                 batch=group["batch"], files=group["files"]))
    return result


def _latest_by_case(con, handouts: pl.DataFrame) -> dict[str, dict]:
    from transforms.review.cases import latest_answers

    latest = latest_answers(store.answers(con), handouts)
    return {row["case_id"]: row for row in latest.iter_rows(named=True)}


def _take_file(con, file: ReturnedFile, handouts: pl.DataFrame, recorded: set[str], latest: dict,
               run_id: str | None, today: date, county_names: dict[str, str], result: TakeBack) -> None:
    def reject(sheet: str, row: int, case_id: str, reason: str, taken: bool = False) -> None:
        result.rejected.append(FeedbackRejection(file=file.rel, sheet=sheet, row=row, case_id=case_id,
                                                 reason=reason, answer_taken=taken))
    try:
        batch, rows = read_returned(file.path)
    except Unreadable as e:
        reject("", 0, "", str(e))
        result.read.append(FeedbackFile(file=file.rel, sha256=file.sha256, batch="", township="",
                                        answers_recorded=0, answers_unchanged=0))
        return
    mine = handouts.filter(pl.col("batch") == batch.run_id)
    entry = FeedbackFile(file=file.rel, sha256=file.sha256, batch=batch.run_id, township=batch.label,
                         answers_recorded=0, answers_unchanged=0)
    result.read.append(entry)
    if mine.is_empty():
        reject("", 0, "", f"下发批次 {batch.run_id[:8]} 不存在或未发布（可能是已删除的期间或未完成的运行）："
                          "请使用最近一次下发的文件")
        return
    sent_here = {r["case_id"]: r for r in mine.filter(
        (pl.col("county").fill_null("") == batch.county) & (pl.col("township").fill_null("") == batch.township)
    ).iter_rows(named=True)}
    elsewhere = {r["case_id"]: r for r in handouts.sort("batch_started_at").iter_rows(named=True)}
    for row in rows:
        handout = sent_here.get(row.case_id)
        other = elsewhere.get(row.case_id)
        if other is not None:
            other = {"place": county_names.get(other["county"] or "", other["county"] or "") + (other["township"] or "（县级）")}
        answer, reasons = checked(row, handout, other, batch, today)
        if reasons:
            reject(row.sheet, row.row, row.case_id, "；".join(reasons))
            continue
        if row_digest(row.locked) != handout["locked_digest"]:
            reject(row.sheet, row.row, row.case_id, "锁定部分的内容被改动，改动已忽略（以下发时为准），本行答复照常采用",
                   taken=True)
        answer |= {"case_id": row.case_id, "batch": batch.run_id}
        answer["answer_id"] = store.answer_id(row.case_id, batch.run_id, answer)
        previous = latest.get(row.case_id)
        if answer["answer_id"] in recorded or (previous and _same(previous, answer)):
            entry.answers_unchanged += 1
            continue
        answer |= {"file": file.rel, "file_sha256": file.sha256, "sheet": row.sheet, "row": row.row}
        store.append_answer(con, answer, previous, run_id)
        recorded.add(answer["answer_id"])
        entry.answers_recorded += 1
        if previous is None or _sorts_after(answer, previous, handouts):
            latest[row.case_id] = answer | {"batch_started_at": _started(handouts, batch.run_id)}


def _same(previous: dict, answer: dict) -> bool:
    return all(store.answer_text(f, previous.get(f)) == store.answer_text(f, answer.get(f))
               for f in (c.name for c in ANSWERS))


def _started(handouts: pl.DataFrame, batch: str):
    found = handouts.filter(pl.col("batch") == batch)["batch_started_at"]
    return found[0] if found.len() else None


def _sorts_after(answer: dict, previous: dict, handouts: pl.DataFrame) -> bool:
    mine = (answer["reviewed_on"], _started(handouts, answer["batch"]) or "")
    theirs = (previous["reviewed_on"], previous.get("batch_started_at") or "")
    return mine >= theirs
