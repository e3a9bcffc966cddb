"""flows/cli_review.py and the purge's --answers: `doudi feedback import`, `doudi cases` (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.ids import numbered_id
from tests.review_books import HANDED_OUT, answered, publish
from transforms.ingest.inbox import inbox_files

GOOD = {"核查结果": "属实", "处理措施": "停发", "整改状态": "整改中", "核查人": "王核查", "核查日期": "2024-11-12"}


@pytest.fixture
def out(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DOUDI_TODAY", "2024-11-20")
    monkeypatch.setenv("COLUMNS", "160")
    reports = tmp_path / "reports"
    publish(reports, "run-oct", "2024-10", "2024-11-05T08:00:00+08:00", HANDED_OUT)
    return reports


def events(out: Path) -> int:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select count(distinct answer_id) from case_events").fetchone()[0]


def test_feedback_import_records_at_once_and_lists_what_it_did_not_take(out, tmp_path):
    book = out / "2024-10" / "下发" / "铜官区" / "幸福街道.xlsx"
    path = answered(book, tmp_path / "交回.xlsx", {"case000000000001": GOOD,
                                                  "case000000000002": GOOD | {"处理措施": None}})
    result = CliRunner().invoke(app, ["feedback", "import", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "铜官区幸福街道" in result.output and "须填写处理措施" in result.output and "第 6 行" in result.output
    assert events(out) == 1
    again = CliRunner().invoke(app, ["feedback", "import", str(path), "--out", str(out)])
    assert again.exit_code == 0 and events(out) == 1
    assert numbered_id(1) not in result.output + again.output  # never a person's ID in the terminal


def test_feedback_import_of_a_missing_file_fails_with_one_line(out, tmp_path):
    result = CliRunner().invoke(app, ["feedback", "import", str(tmp_path / "没有.xlsx"), "--out", str(out)])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_cases_shows_supervision_and_the_cases_in_a_state(out, tmp_path):
    result = CliRunner().invoke(app, ["cases", "--period", "2024-10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "下发" in result.output and "反馈率" in result.output and "case000000000003" in result.output
    narrowed = CliRunner().invoke(app, ["cases", "--period", "2024-10", "--out", str(out), "--county", "铜官区",
                                        "--township", "西湖镇", "--state", "open"])
    assert "case000000000003" in narrowed.output and "case000000000001" not in narrowed.output
    late = CliRunner().invoke(app, ["cases", "--period", "2024-10", "--out", str(out), "--state", "overdue"],
                              env={"DOUDI_TODAY": "2024-12-01", "COLUMNS": "160"})
    assert "逾期未反馈" in late.output and "case000000000001" in late.output
    bad = CliRunner().invoke(app, ["cases", "--period", "2024-10", "--out", str(out), "--state", "lost"])
    assert bad.exit_code == 2 and "--state 只能是" in bad.output


def test_purge_keeps_the_answers_unless_asked_and_records_their_deletion(out, tmp_path):
    book = out / "2024-10" / "下发" / "铜官区" / "幸福街道.xlsx"
    CliRunner().invoke(app, ["feedback", "import", str(answered(book, tmp_path / "a.xlsx", {"case000000000001": GOOD})),
                             "--out", str(out)])
    cache = tmp_path / "cache"
    kept = CliRunner().invoke(app, ["purge", "--period", "2024-10", "--out", str(out), "--cache", str(cache), "--yes"])
    assert kept.exit_code == 0 and "核查反馈保留" in kept.output and events(out) == 1
    publish(out, "run-oct-2", "2024-10", "2024-11-06T08:00:00+08:00", HANDED_OUT)
    gone = CliRunner().invoke(app, ["purge", "--period", "2024-10", "--out", str(out), "--cache", str(cache), "--yes",
                                    "--answers"])
    assert gone.exit_code == 0 and "核查反馈 1 条已删除" in gone.output and events(out) == 0
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select period, answers from answer_purges").fetchall() == [("2024-10", 1)]


def test_the_feedback_folder_is_never_read_as_office_data(tmp_path):
    (tmp_path / "2024-10" / "civil").mkdir(parents=True)
    (tmp_path / "2024-10" / "civil" / "低保.csv").write_text("姓名\n", encoding="utf-8")
    (tmp_path / "2024-10" / "feedback").mkdir()
    (tmp_path / "2024-10" / "feedback" / "交回.xlsx").write_bytes(b"x")
    assert [f.rel for f in inbox_files(tmp_path, "2024-10")] == ["civil/低保.csv"]


def test_cases_at_80_columns_cuts_nothing(out):
    """A township officer's terminal: every line fits, no rule title or place is cut to '…', and a
    folded one never begins a line with a closing mark."""
    from rich.cells import cell_len

    result = CliRunner().invoke(app, ["cases", "--period", "2024-10", "--out", str(out)],
                                env={"DOUDI_TODAY": "2024-11-20", "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= 80
    assert "…" not in result.output
    assert not any(line.strip().startswith(tuple("）」，。、")) for line in lines)
    assert "低保与特困供养重复享受" in "".join(line.strip() for line in lines)  # whole, though folded
    assert "（反馈截止 2024-11-25）" in result.output  # one deadline for every case: said once
