"""Test isolation: Prefect with a home of its own, quiet, without analytics, and one backend for the
whole session.

Every test that runs the flow asks for `prefect_backend`: a single Prefect server started once per
session (prefect_test_harness, its own temporary database), given minutes rather than Prefect's
default 20 s to come up, so that a busy machine slows the suite down instead of failing it.
"""

import os
import tempfile

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="doudi-prefect-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # as doudi runs: the run's log goes to Prefect
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")

SERVER_STARTUP_SECONDS = 300


@pytest.fixture(scope="session")
def prefect_backend():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_SECONDS):
        yield
