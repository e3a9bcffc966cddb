"""Test isolation: Prefect with a home of its own, quiet, without analytics, one backend for the
whole session, and no resident server left running at its end.

Every test that runs the flow asks for `prefect_backend`: a single Prefect server started once per
session (prefect_test_harness, its own temporary database), given minutes rather than Prefect's
default 20 s to come up, so that a busy machine slows the suite down instead of failing it.
"""

import atexit
import os
import shutil
import tempfile

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="doudi-prefect-")
atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)  # nothing left in /tmp
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # as doudi runs: the run's log goes to Prefect
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")

SERVER_STARTUP_SECONDS = 300


@pytest.fixture(scope="session")
def prefect_backend():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_SECONDS):
        yield


@pytest.fixture(scope="session", autouse=True)
def no_resident_server_left_behind(tmp_path_factory):
    """Every test that starts doudi's resident Prefect server (in a home under the session's temporary
    folder) stops it; one left running is stopped here and fails the session."""
    yield
    import signal

    from tests.servers import servers_of

    left = servers_of(tmp_path_factory.getbasetemp())
    for pid in left:
        os.killpg(pid, signal.SIGKILL)
    assert not left, f"{len(left)} resident Prefect server(s) were left running by the tests (now stopped)"
