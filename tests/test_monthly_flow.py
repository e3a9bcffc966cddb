"""The monthly run as officers meet it: a missing office, a rerun, a crash, the command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.monthly import monthly_run
from sample_month import generate_month
from schemas.policy import load_policy

PERIOD = "2024-10"
POLICY = Path("data/policy.toml")

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


def test_an_empty_period_folder_still_runs_with_every_dataset_missing(tmp_path: Path):
    (tmp_path / "inbox" / PERIOD).mkdir(parents=True)
    record = monthly_run(period=PERIOD, inbox=tmp_path / "inbox", out=tmp_path / "out", policy_path=POLICY)
    assert len(record["missing_datasets"]) == 7
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
    before = {p.name: p.read_bytes() for p in (out / PERIOD).iterdir()}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("flows.monthly.output_entries", crash)
    with pytest.raises(OSError):
        monthly_run(period=PERIOD, inbox=inbox, out=out, policy_path=POLICY)
    assert {p.name: p.read_bytes() for p in (out / PERIOD).iterdir()} == before
    assert manifest_of(out)["run_id"] == first["run_id"]
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == [PERIOD]
    assert not list(out.glob(f".{PERIOD}.building-*"))


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
