"""Returned 下发 workbooks are hostile input (SPEC §7 take-back): each way a township's file goes
wrong, with its exact outcome — taken, taken with a note, or not taken with the reason in Chinese
naming file, sheet and row.

Every answered file here is written by openpyxl, a program other than the one that wrote it (as a
township's Excel or WPS rewrites the file on saving); one is saved again through LibreOffice when
LibreOffice is installed. WPS itself does not run here."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from schemas.policy import load_policy
from schemas.review import BATCH_SHEET, CASE_SHEET
from tests.review_books import (
    HANDED_OUT,
    answered,
    case_rows,
    has_libreoffice,
    publish,
    saved_by_libreoffice,
)
from transforms.month import history
from transforms.review import store
from transforms.review.cases import latest_answers
from transforms.review.takeback import returned_file, take_back

POLICY = load_policy(Path("data/policy.toml"))
NAMES = {code: c.name for code, c in POLICY.counties.items()}
TODAY = date(2024, 11, 20)
GOOD = {"核查结果": "属实", "处理措施": "停发", "整改状态": "整改中", "核查人": "王核查", "核查日期": "2024-11-12"}


@dataclass
class Batch:
    out: Path
    books: Path

    @property
    def xingfu(self) -> Path:
        return self.books / "幸福街道.xlsx"

    @property
    def xihu(self) -> Path:
        return self.books / "西湖镇.xlsx"

    def take(self, *paths: Path, today: date = TODAY):
        with history.warehouse(self.out) as con:
            result = take_back(con, [returned_file(p) for p in paths], None, today, NAMES)
            recorded = store.answers(con)
            latest = latest_answers(recorded, store.handouts(con))
        return result, recorded, latest


@pytest.fixture
def batch(tmp_path) -> Batch:
    return Batch(tmp_path / "reports", publish(tmp_path / "reports", "run-oct", "2024-10",
                                               "2024-11-05T08:00:00+08:00", HANDED_OUT))


def reasons(result) -> list[tuple[str, int, str, str]]:
    return [(r.sheet, r.row, r.case_id, r.reason) for r in result.rejected if not r.answer_taken]


def test_a_well_filled_workbook_is_taken_whole(batch, tmp_path):
    path = answered(batch.xingfu, tmp_path / "back.xlsx", {"case000000000001": GOOD,
                                                          "case000000000002": GOOD | {"处理措施": "追回"}})
    result, recorded, _ = batch.take(path)
    assert reasons(result) == [] and result.read[0].answers_recorded == 2
    assert set(recorded["case_id"]) == {"case000000000001", "case000000000002"}


def test_sheets_renamed_are_still_found_by_their_contents(batch, tmp_path):
    book = openpyxl.load_workbook(answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD}))
    book[CASE_SHEET].title, book[BATCH_SHEET].title = "Sheet1", "Sheet2"
    book.save(tmp_path / "renamed.xlsx")
    result, recorded, _ = batch.take(tmp_path / "renamed.xlsx")
    assert reasons(result) == [] and recorded["case_id"].to_list() == ["case000000000001"]


def test_rows_reordered_or_deleted_are_matched_by_their_case_number(batch, tmp_path):
    path = answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD,
                                                       "case000000000002": GOOD | {"核查结果": "部分属实"}})
    book = openpyxl.load_workbook(path)
    ws = book[CASE_SHEET]
    first, second = ([c.value for c in ws[r]] for r in (5, 6))
    for col, value in enumerate(second, start=1):  # the two rows swapped, as sorting does
        ws.cell(5, col).value = value
    for col, value in enumerate(first, start=1):
        ws.cell(6, col).value = value
    book.save(tmp_path / "sorted.xlsx")
    ws.delete_rows(5)  # and the first row deleted in another copy
    book.save(tmp_path / "deleted.xlsx")
    result, recorded, _ = batch.take(tmp_path / "sorted.xlsx")
    assert reasons(result) == [] and not [r for r in result.rejected if r.answer_taken]
    assert dict(zip(recorded["case_id"], recorded["review_result"], strict=True)) == {
        "case000000000001": "属实", "case000000000002": "部分属实"}
    result, _, _ = batch.take(tmp_path / "deleted.xlsx")
    assert reasons(result) == [] and result.read[0].answers_unchanged == 1


def test_a_formula_typed_in_an_answer_is_not_taken(batch, tmp_path):
    path = answered(batch.xingfu, tmp_path / "f.xlsx", {
        "case000000000001": GOOD | {"核查结果": '=IF(1,"属实","不属实")'}, "case000000000002": GOOD})
    result, recorded, _ = batch.take(path)
    assert reasons(result) == [(CASE_SHEET, 5, "case000000000001",
                                "「核查结果」中填写的是公式，请直接填写内容（不要用公式）")]
    assert recorded["case_id"].to_list() == ["case000000000002"]


def test_a_row_copied_from_another_townships_workbook_is_not_taken(batch, tmp_path):
    book = openpyxl.load_workbook(answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD}))
    ws = book[CASE_SHEET]
    xihu = openpyxl.load_workbook(batch.xihu)[CASE_SHEET]
    for col in range(1, ws.max_column + 1):
        ws.cell(6, col).value = xihu.cell(5, col).value  # 西湖镇's case pasted over a row
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    for header, value in GOOD.items():
        ws.cell(6, headers[header]).value = value
    book.save(tmp_path / "pasted.xlsx")
    result, recorded, _ = batch.take(tmp_path / "pasted.xlsx")
    assert reasons(result) == [(CASE_SHEET, 6, "case000000000003",
                                "疑点编号 case000000000003 不是本批次下发给铜官区幸福街道的疑点（它下发给了铜官区西湖镇）："
                                "请只答复本文件中的疑点")]
    assert recorded["case_id"].to_list() == ["case000000000001"]


def test_a_file_of_an_unknown_batch_is_not_taken(batch, tmp_path):
    book = openpyxl.load_workbook(answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD}))
    book[BATCH_SHEET]["B2"] = "run-unknown"
    book.save(tmp_path / "other-batch.xlsx")
    result, recorded, _ = batch.take(tmp_path / "other-batch.xlsx")
    assert reasons(result) == [("", 0, "", "下发批次 run-unkn 不存在或未发布（可能是已删除的期间或未完成的运行）：请使用最近一次下发的文件")]
    assert recorded.is_empty()


def test_a_file_without_its_batch_sheet_or_not_a_workbook_is_not_taken(batch, tmp_path):
    book = openpyxl.load_workbook(answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD}))
    del book[BATCH_SHEET]
    book.save(tmp_path / "no-batch.xlsx")
    (tmp_path / "text.xlsx").write_text("疑点编号,核查结果\ncase000000000001,属实\n", encoding="utf-8")
    result, recorded, _ = batch.take(tmp_path / "no-batch.xlsx", tmp_path / "text.xlsx")
    found = reasons(result)
    assert len(found) == 2 and found[0][3].startswith("找不到下发批次信息（隐藏的“批次”工作表被删除或改动）")
    assert found[1][3].startswith("无法打开该文件：不是 doudi 下发的 Excel 工作簿（.xlsx），或文件已损坏")
    assert recorded.is_empty()


def test_an_old_batch_returned_after_a_newer_one_is_recorded_but_the_newer_answer_stands(batch, tmp_path):
    newer = publish(batch.out, "run-nov", "2024-11", "2024-12-05T08:00:00+08:00", date(2024, 12, 5))
    new_answer = answered(newer / "幸福街道.xlsx", tmp_path / "new.xlsx", {
        "case000000000001": GOOD | {"整改状态": "已整改", "已追回金额（元）": 1200, "核查日期": "2024-12-10"}})
    old_answer = answered(batch.xingfu, tmp_path / "old.xlsx", {"case000000000001": GOOD | {"核查日期": "2024-11-12"}})
    result, _, _ = batch.take(new_answer, today=date(2024, 12, 12))
    result, recorded, latest = batch.take(old_answer, today=date(2024, 12, 12))
    assert reasons(result) == [] and result.read[0].answers_recorded == 1
    assert recorded.height == 2
    assert latest.row(0, named=True)["rectification"] == "已整改"  # 核查日期 2024-12-10 is the latest


def test_a_locked_cell_edited_is_ignored_and_reported_and_the_answer_still_taken(batch, tmp_path):
    book = openpyxl.load_workbook(answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD}))
    ws = book[CASE_SHEET]
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    ws.cell(5, headers["应追回（元）"]).value = 0  # someone lowered the amount to recover
    book.save(tmp_path / "edited.xlsx")
    result, recorded, _ = batch.take(tmp_path / "edited.xlsx")
    assert reasons(result) == []
    assert [(r.row, r.answer_taken) for r in result.rejected] == [(5, True)]
    assert "锁定部分的内容被改动" in result.rejected[0].reason
    assert recorded["case_id"].to_list() == ["case000000000001"]


def test_the_same_file_read_twice_changes_nothing(batch, tmp_path):
    path = answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD})
    batch.take(path)
    with history.warehouse(batch.out) as con:
        before = con.execute("select * from case_events order by all").fetchall()
    result, _, _ = batch.take(path, shutil.copy(path, tmp_path / "copy.xlsx") and tmp_path / "copy.xlsx")
    with history.warehouse(batch.out) as con:
        assert con.execute("select * from case_events order by all").fetchall() == before
    assert [(f.answers_recorded, f.answers_unchanged) for f in result.read] == [(0, 1), (0, 1)]


def test_two_different_answers_of_one_day_and_batch_are_a_conflict_and_neither_is_applied(batch, tmp_path):
    one = answered(batch.xingfu, tmp_path / "one.xlsx", {"case000000000001": GOOD})
    two = answered(batch.xingfu, tmp_path / "two.xlsx", {"case000000000001": GOOD | {"核查结果": "部分属实"}})
    result, recorded, latest = batch.take(one, two)
    assert [(c.case_id, c.reviewed_on) for c in result.conflicts] == [("case000000000001", "2024-11-12")]
    assert recorded.height == 2 and latest.is_empty()


@pytest.mark.parametrize(("answer", "reason"), [
    (GOOD | {"核查结果": "是"}, "「核查结果」的“是”不在下拉列表中（属实 / 部分属实 / 不属实 / 无法核实）"),
    (GOOD | {"处理措施": None}, "核查结果为“属实”，须填写处理措施"),
    (GOOD | {"核查结果": "不属实", "处理措施": None}, "核查结果为“不属实”，须在核查说明中写明理由；核查结果为“不属实”，整改状态应为“无需整改”"),
    (GOOD | {"核查日期": None}, "核查日期未填写"),
    (GOOD | {"核查日期": "上周"}, "核查日期“上周”不是日期，请写成 2024-11-20 的样子"),
    (GOOD | {"核查日期": "2024-11-01"}, "核查日期 2024-11-01 应在下发日期 2024-11-05 与今天 2024-11-20 之间"),
    (GOOD | {"核查日期": "2024-11-30"}, "核查日期 2024-11-30 应在下发日期 2024-11-05 与今天 2024-11-20 之间"),
    (GOOD | {"已追回金额（元）": "三百"}, "「已追回金额（元）」应为不小于 0 的数字，而不是“三百”"),
    (GOOD | {"已追回金额（元）": -5}, "「已追回金额（元）」应为不小于 0 的数字，而不是“-5”"),
    (GOOD | {"已追回金额（元）": 1500}, "已追回金额 1500.00 元超过应追回金额 1200.00 元"),
    (GOOD | {"整改状态": "已整改", "已追回金额（元）": 100},
     "整改状态为“已整改”，已追回金额应等于应追回金额 1200.00 元，否则须选择无法追回原因"),
])
def test_an_answer_that_breaks_a_rule_of_the_spec_is_not_taken_and_says_why(batch, tmp_path, answer, reason):
    path = answered(batch.xingfu, tmp_path / "bad.xlsx", {"case000000000001": answer})
    result, recorded, _ = batch.take(path)
    assert reasons(result) == [(CASE_SHEET, 5, "case000000000001", reason)]
    assert result.rejected[0].file == str(path) and recorded.is_empty()


def test_rectified_with_a_reason_it_cannot_be_recovered_is_taken(batch, tmp_path):
    path = answered(batch.xingfu, tmp_path / "a.xlsx", {"case000000000001": GOOD | {
        "整改状态": "已整改", "无法追回原因": "死亡无可追回", "已追回金额（元）": 0}})
    result, recorded, _ = batch.take(path)
    assert reasons(result) == [] and recorded["unrecoverable_reason"].to_list() == ["死亡无可追回"]


@pytest.mark.skipif(not has_libreoffice(), reason="LibreOffice (soffice) is not installed")
def test_a_workbook_saved_by_libreoffice_is_taken_with_its_locked_cells_intact(batch, tmp_path):
    path = saved_by_libreoffice(answered(batch.xingfu, tmp_path / "typed" / "a.xlsx",
                                         {"case000000000001": GOOD | {"核查日期": date(2024, 11, 12)}}),
                                tmp_path / "lo.xlsx")
    assert case_rows(path)["case000000000001"]["核查结果"] == "属实"
    result, recorded, _ = batch.take(path)
    assert not result.rejected and recorded["reviewed_on"].to_list() == [date(2024, 11, 12)]
