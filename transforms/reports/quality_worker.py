"""The quality site (transforms/reports/quality.py) built in a process of its own, started early.

Great Expectations takes seconds to import, all of it Python. A run that asks for the quality site
starts this process first thing (`QualityBuilder()`): it imports GE on the other core while the run
reads and reconciles the month, then takes the month through its stdin (pickled: nothing of it is
written to disk) and builds the site while the run writes its workbooks.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from transforms.reports import MonthReport


class QualitySiteError(RuntimeError):
    """The quality site could not be built; the message is the worker's last line."""


class QualityBuilder:
    """One quality site, built by a worker process started now and given the month later. A worker
    never given the month ends when the run's process does (its stdin closes), or at `close()`."""

    def __init__(self) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's stderr: GE's warnings, a traceback
        self.process = subprocess.Popen([sys.executable, "-m", "transforms.reports.quality_worker"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)

    def build(self, folder: Path, staged: Mapping[str, pl.DataFrame], report: MonthReport) -> Path:
        """The month's Data Docs under `folder/quality`; returns the path of its index.html."""
        try:
            pickle.dump((Path(folder).resolve(), dict(staged), report), self.process.stdin, protocol=5)
            self.process.stdin.close()
            index = pickle.load(self.process.stdout)
        except (BrokenPipeError, EOFError):
            index = None
        self.process.wait()
        self.errors.seek(0)
        said = self.errors.read().decode(errors="replace").strip().splitlines()
        self.errors.close()
        if index is None:
            raise QualitySiteError(f"数据质量报告未能生成：{said[-1] if said else f'退出码 {self.process.returncode}'}")
        return index

    def close(self) -> None:
        """Stop the worker if it was never given the month (the run failed before)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def main() -> None:
    results = os.fdopen(os.dup(1), "wb")  # the pickled answer; anything GE prints goes to stderr
    os.dup2(2, 1)
    import great_expectations  # noqa: F401 - now, while the run is busy with the month

    from transforms.reports.quality import build_quality_site

    try:
        folder, staged, report = pickle.load(sys.stdin.buffer)
    except EOFError:  # the run ended without asking
        return
    pickle.dump(build_quality_site(folder, staged, report), results)
    results.close()


if __name__ == "__main__":
    main()
