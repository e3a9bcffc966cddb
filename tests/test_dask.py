"""Scale-out on Dask (prefect-dask): files read and districts reconciled on a cluster's workers
find exactly the exceptions of a local run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.monthly import monthly_run
from sample_month import generate_month
from schemas.policy import load_policy

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_backend")]
PERIOD = "2024-10"
POLICY = Path("data/policy.toml")


def test_a_dask_run_by_district_finds_the_same_exceptions_as_a_local_run(tmp_path: Path, monkeypatch):
    from prefect.settings import PREFECT_API_URL
    from prefect_dask import DaskTaskRunner

    # The workers are new processes: they reach the session's Prefect server through the environment.
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    generate_month(PERIOD, 1, 23, tmp_path / "inbox", tmp_path / "truth", load_policy(POLICY))
    local = monthly_run(period=PERIOD, inbox=tmp_path / "inbox", out=tmp_path / "local", policy_path=POLICY)
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None})
    on_dask = monthly_run.with_options(task_runner=runner)(
        period=PERIOD, inbox=tmp_path / "inbox", out=tmp_path / "dask", policy_path=POLICY, by_district=True)
    ours, theirs = (pl.read_parquet(tmp_path / out / PERIOD / "exceptions.parquet") for out in ("dask", "local"))
    assert ours.height > 50
    assert_frame_equal(ours, theirs)
    assert on_dask["rule_counts"] == local["rule_counts"] and on_dask["inputs"] == local["inputs"]
