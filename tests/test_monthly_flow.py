"""The monthly run as officers meet it: a missing office, a rerun, a crash, the command line."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.monthly import monthly_run
from sample_month import generate_month
from schemas.datasets import DATASETS
from schemas.policy import load_policy
from transforms.month.history import warehouse

PERIOD = "2024-10"
POLICY = Path("data/policy-sample.toml")  # as `make run`: every optional standard set

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_backend")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    generate_month(PERIOD, 0.3, 5, root / "inbox", root / "truth", load_policy(POLICY))
    return root / "inbox"


@pytest.fixture()
def inbox(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "inbox"
    shutil.copytree(generated, copy)
    return copy


def manifest_of(out: Path) -> dict:
    return json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))


def test_a_month_without_the_medical_office_runs_and_says_what_is_missing(inbox: Path, tmp_path: Path):
    shutil.rmtree(inbox / PERIOD / "medical")
    record = monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=POLICY)
    assert record["missing_datasets"] == ["enrollment", "claims"]
    assert set(record["rules_skipped"]) == {"PREMIUM_NOT_SUBSIDIZED", "MEDICAL_AID_SHORTFALL"}
    assert any("参保与资助名单" in note for note in record["notes"])
    exceptions = pl.read_parquet(tmp_path / "out" / PERIOD / "exceptions.parquet")
    assert exceptions.filter(pl.col("rule_code") == "MEDICAL_AID_SHORTFALL").is_empty()
    assert not exceptions.filter(pl.col("rule_code") == "DIBAO_EXIT_DUE").is_empty()


def test_a_month_without_the_seeds_other_programmes_runs_and_says_which_rules_were_skipped(
        inbox: Path, tmp_path: Path):
    for name in ("临时救助发放明细.xlsx", "困境儿童基本生活保障名册.xlsx", "低收入人口名单.csv"):
        (inbox / PERIOD / "civil" / name).unlink()
    record = monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=POLICY)
    assert record["missing_datasets"] == ["temp_relief", "children", "low_income"]
    assert set(record["rules_skipped"]) == {
        "CHILD_ALLOWANCE_BELOW_STANDARD", "TEMP_RELIEF_EVEN_SPLIT", "TEMP_RELIEF_AFTER_DEATH"}
    assert any("临时救助发放记录" in note for note in record["notes"])
    assert record["rule_counts"]["DECEASED_STILL_PAID"] > 0  # it runs on the other rosters


def test_a_policy_without_the_optional_standards_skips_the_rules_that_need_them_in_words(
        inbox: Path, tmp_path: Path):
    text = re.sub(r"\[counties\.\d+\.children\][^\[]*", "", POLICY.read_text(encoding="utf-8"))
    policy = tmp_path / "policy.toml"
    policy.write_text("\n".join(line for line in text.splitlines() if not line.startswith("tekun_care")),
                      encoding="utf-8")
    record = monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=policy)
    assert record["missing_datasets"] == []
    assert set(record["rules_skipped"]) == {"CHILD_ALLOWANCE_BELOW_STANDARD", "TEKUN_CARE_BELOW_STANDARD"}
    assert "规则 TEKUN_CARE_BELOW_STANDARD 未执行：政策文件未设置特困人员照料护理标准（[rules] tekun_care）" \
        in record["notes"]
    summary = (tmp_path / "out" / PERIOD / "summary.html").read_text(encoding="utf-8")
    assert "政策文件未设置困境儿童基本生活保障标准" in summary


def test_an_empty_period_folder_still_runs_with_every_dataset_missing(tmp_path: Path):
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    record = monthly_run(period=PERIOD, inbox=tmp_path / "inbox", out=tmp_path / "out", policy_path=POLICY)
    assert record["missing_datasets"] == list(DATASETS)
    assert record["rule_counts"]["TEMP_RELIEF_BUDGET_SHORT"] == 1  # the policy alone says so


def test_a_rerun_after_a_correction_replaces_the_outputs(inbox: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    (inbox / PERIOD / "disability").rename(tmp_path / "disability-late")
    second = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    assert first["run_id"] != second["run_id"]
    assert manifest_of(out)["run_id"] == second["run_id"]
    assert "persons" in manifest_of(out)["missing_datasets"]


def test_a_run_that_crashes_while_publishing_leaves_the_previous_outputs(inbox: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    first = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    before = {p.relative_to(out): p.read_bytes() for p in (out / PERIOD).rglob("*") if p.is_file()}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("flows.monthly.output_entries", crash)
    with pytest.raises(OSError):
        monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    assert {p.relative_to(out): p.read_bytes() for p in (out / PERIOD).rglob("*") if p.is_file()} == before
    assert manifest_of(out)["run_id"] == first["run_id"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [PERIOD, "warehouse.duckdb"]
    assert not list(out.glob(f".{PERIOD}.building-*"))
    with warehouse(out, read_only=True) as con:
        assert con.execute("select run_id, state from runs").fetchall() == [(first["run_id"], "complete")]


def test_the_command_line_stops_on_a_bad_policy_with_one_line_naming_the_key(inbox: Path, tmp_path: Path):
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text(encoding="utf-8").replace("tolerance = 1.0", "tolerance = -1.0"), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--period", PERIOD, "--inbox", str(inbox), "--out", str(tmp_path / "out"), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "rules.tolerance" in result.output and result.output.strip().count("\n") == 0
    assert not (tmp_path / "out").exists()


def test_the_command_line_stops_when_the_period_folder_does_not_exist(inbox: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["run", "--period", "2024-11", "--inbox", str(inbox), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "2024-11" in result.output


def test_the_command_line_prints_counts_but_no_names_or_id_numbers(inbox: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["run", "--period", PERIOD, "--inbox", str(inbox), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    staged = pl.read_parquet(tmp_path / "out" / PERIOD / "roster_persons.parquet")
    assert not re.search(r"\d{15,18}", result.output)
    names = [n for n in staged["name"].drop_nulls().to_list() if len(n) >= 2]
    assert names and not [n for n in names if n in result.output]


def exceptions_of(out: Path, period: str = PERIOD) -> pl.DataFrame:
    return pl.read_parquet(out / period / "exceptions.parquet")


def blank_line(path: Path, line: int) -> None:
    """Empty one line of a text file in place (an officer deleting a row's content): no other
    row moves, whatever the file's encoding."""
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = b"\r" if lines[line - 1].endswith(b"\r") else b""
    path.write_bytes(b"\n".join(lines))


def test_a_rerun_after_a_correction_resolves_exactly_that_exception_and_the_rest_persist(inbox: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    before = exceptions_of(out)
    # A death recorded in a CSV is corrected away: the person it named is no longer dead and paid.
    subjects = before["subject"].value_counts().filter(pl.col("count") == 1)["subject"]
    deceased = before.filter((pl.col("rule_code") == "DECEASED_STILL_PAID") & pl.col("subject").is_in(subjects.implode()))
    # (the sample month's deaths are also in an .xlsx and a WPS .et: one whose death is in the CSV)
    on_csv = [(exception_id, rows[0]) for exception_id, sources in deceased.select("exception_id", "sources").iter_rows()
              if len(rows := [s for s in sources if s.endswith(".csv", 0, s.index(":"))]) == 1]
    corrected, death_row = on_csv[0]
    file, _, row = death_row.split(":")
    blank_line(inbox / PERIOD / file, int(row))
    second = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    after = exceptions_of(out)
    resolved = after.filter(pl.col("status") == "resolved")
    assert resolved["exception_id"].to_list() == [corrected]
    assert resolved["resolved_by_run"].to_list() == [second["run_id"]]
    assert set(after.filter(pl.col("status") != "resolved")["status"]) == {"persisting"}
    assert after.height == before.height
    assert second["rule_counts"]["DECEASED_STILL_PAID"] == first["rule_counts"]["DECEASED_STILL_PAID"] - 1


def test_an_exception_found_last_month_too_is_persisting_since_last_month(inbox: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(inbox / PERIOD, inbox / "2024-09")
    monthly_run(period="2024-09", inbox=inbox, out=out, policy_path=POLICY)
    monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    september, october = exceptions_of(out, "2024-09"), exceptions_of(out)
    both = october.join(september.select("rule_code", "subject"), on=["rule_code", "subject"], how="semi")
    only_now = october.join(september.select("rule_code", "subject"), on=["rule_code", "subject"], how="anti")
    assert both.height > 0 and only_now.height > 0  # some rules read the period's own dates
    assert set(both["status"]) == {"persisting"} and set(both["first_seen"]) == {"2024-09"}
    assert set(only_now["status"]) == {"new"} and set(only_now["first_seen"]) == {PERIOD}


def test_history_lists_the_runs_and_diff_says_what_changed_in_chinese(inbox: Path, tmp_path: Path):
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["--period", PERIOD, "--out", str(out)]
    assert "还没有运行记录" in runner.invoke(app, ["history", *args]).output
    assert runner.invoke(app, ["run", *args, "--inbox", str(inbox)]).exit_code == 0
    (inbox / PERIOD / "disability").rename(tmp_path / "disability-late")
    assert runner.invoke(app, ["run", *args, "--inbox", str(inbox)]).exit_code == 0
    listed = runner.invoke(app, ["history", *args], terminal_width=200)
    assert listed.exit_code == 0 and listed.output.count("完成") == 2
    changed = runner.invoke(app, ["diff", *args], terminal_width=200)
    assert changed.exit_code == 0 and "已消失" in changed.output and "重度残疾人护理补贴应发未发" in changed.output
    assert not re.search(r"\d{15,18}", changed.output + listed.output)
    wrong = runner.invoke(app, ["diff", *args, "--against", "nosuchrun"])
    assert wrong.exit_code == 2 and "找不到运行编号" in wrong.output


def test_a_run_publishes_every_report_of_spec_section_5(inbox: Path, tmp_path: Path):
    monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=POLICY)
    names = {p.name for p in (tmp_path / "out" / PERIOD).iterdir()}
    assert {"exceptions.xlsx", "exit_due.xlsx", "roster_persons.xlsx", "roster_households.xlsx",
            "quarantine.xlsx", "summary.html", "manifest.json"} <= names
    assert (tmp_path / "out" / "warehouse.duckdb").exists()


def test_a_rerun_parses_only_the_file_that_changed_and_reuses_the_others(inbox: Path, tmp_path: Path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY, cache=cache)
    assert {e["ingest"] for e in first["inputs"] + first["rejected"]} == {"parsed"}
    corrected = next(e["file"] for e in first["inputs"] if e["file"].endswith(".csv"))
    blank_line(inbox / PERIOD / corrected, 3)
    second = monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY, cache=cache)
    how = {e["file"]: e["ingest"] for e in second["inputs"] + second["rejected"]}
    assert {f for f, h in how.items() if h == "parsed"} == {corrected}
    assert set(how) == {e["file"] for e in first["inputs"] + first["rejected"]}
    reused = [e for e in second["inputs"] if e["ingest"] == "reused"]
    assert reused == [e | {"ingest": "reused"} for e in first["inputs"] if e["file"] != corrected]


def test_the_flow_run_carries_a_table_of_rule_counts_and_a_summary_without_personal_data(inbox: Path, tmp_path: Path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    record = monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=POLICY)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[record["run_id"]])))
    by_type = {a.type: a for a in artifacts}
    assert {"table", "markdown"} <= set(by_type)
    table = json.loads(by_type["table"].data) if isinstance(by_type["table"].data, str) else by_type["table"].data
    exceptions = exceptions_of(tmp_path / "out")
    assert sum(row["本次新增"] for row in table) == exceptions.height
    markdown = by_type["markdown"].data
    assert "exceptions.xlsx" in markdown and "summary.html" in markdown
    persons = pl.read_parquet(tmp_path / "out" / PERIOD / "roster_persons.parquet")
    text = json.dumps(table, ensure_ascii=False) + markdown
    assert not re.search(r"\d{15,18}", text)
    assert not [n for n in persons["name"].drop_nulls() if len(n) >= 2 and n in text]


def test_the_runs_log_in_prefect_names_files_and_counts_but_no_person(inbox: Path, tmp_path: Path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    record = monthly_run(period=PERIOD, inbox=inbox, out=tmp_path / "out", policy_path=POLICY)
    text, deadline = "", time.monotonic() + 120
    while not ("accepted" in text and "exceptions" in text) and time.monotonic() < deadline:
        time.sleep(0.5)  # logs reach the server in batches, a moment after the run ends
        with get_client(sync_client=True) as client:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[record["run_id"]])))
        text = "\n".join(log.message for log in logs)
    assert "accepted" in text and "exceptions" in text  # the counts are there
    persons = pl.read_parquet(tmp_path / "out" / PERIOD / "roster_persons.parquet")
    assert not re.search(r"\d{15,18}", text)
    assert not [n for n in persons["name"].drop_nulls() if len(n) >= 2 and n in text]
