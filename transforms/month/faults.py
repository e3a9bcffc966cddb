"""Fault injection for the crash tests: with DOUDI_FAULT_AT=<point>, the run is killed there (SIGKILL,
as a power cut or an operator's kill -9 would), so tests can prove that every point leaves the last
complete outputs and the warehouse consistent. Without the variable a point does nothing."""

from __future__ import annotations

import os
import signal

POINTS = ("ingested", "reconciled", "reported", "publishing", "warehouse-write", "swapped")


def fault_point(name: str) -> None:
    if os.environ.get("DOUDI_FAULT_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
