"""What a person at the terminal sees while a month runs: a live display of files and stages on a
terminal, one plain line per step when the output goes to a log. Counts and file names only.

The CLI chooses the display (`reporting`); the flow's tasks, which run in threads of the same
process, tell the current one what they did (`progress()`). A run without a CLI reports nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

STAGES = {
    "ingest": "读取文件",
    "reconcile": "核对",
    "outputs": "写出数据文件",
    "exceptions-workbook": "异常工作簿",
    "officer-workbooks": "各部门工作簿",
    "quality": "数据质量报告",
    "summary": "汇总页",
    "publish": "发布",
}


class Silent:
    """No display: a run started from Python or by a deployment."""

    def files(self, total: int) -> None: ...
    def file_done(self, rel: str, how: str) -> None: ...
    def stage(self, name: str) -> None: ...
    def close(self) -> None: ...


def say(console: Console, text: str) -> None:
    """One line of its own (the run's first, the server starting): timestamped in a log, as the
    lines of `Lines` are."""
    stamp = "" if console.is_terminal else f"[{datetime.now():%H:%M:%S}] "
    console.print(f"{stamp}{text}", highlight=False, markup=False, soft_wrap=True)


class Lines(Silent):
    """One timestamped line per file and stage, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console, self.total, self.done = console, 0, 0
        self.lock = threading.Lock()

    def _line(self, text: str) -> None:
        say(self.console, text)

    def files(self, total: int) -> None:
        self.total = total
        self._line(f"{STAGES['ingest']}：共 {total} 个文件")

    def file_done(self, rel: str, how: str) -> None:
        with self.lock:
            self.done += 1
            self._line(f"{STAGES['ingest']} {self.done}/{self.total}：{rel}（{'沿用上次解析' if how == 'reused' else '已解析'}）")

    def stage(self, name: str) -> None:
        self._line(STAGES.get(name, name))


class Live(Silent):
    """A bar of the files read and a spinner on the stage under way."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
        self.bar.start()
        self.reading = self.bar.add_task(STAGES["ingest"], total=None)
        self.current: int | None = None

    def files(self, total: int) -> None:
        self.bar.reset(self.reading, total=total)  # the clock starts with the files, not Prefect's start

    def file_done(self, rel: str, how: str) -> None:
        self.bar.update(self.reading, advance=1, description=f"{STAGES['ingest']} {rel}")

    def stage(self, name: str) -> None:
        if self.current is not None:
            self.bar.update(self.current, total=1, completed=1)
        self.bar.update(self.reading, description=STAGES["ingest"])
        self.current = self.bar.add_task(STAGES.get(name, name), total=None)

    def close(self) -> None:
        if self.current is not None:
            self.bar.update(self.current, total=1, completed=1)
        self.bar.stop()


_current: Silent = Silent()


def progress() -> Silent:
    return _current


@contextmanager
def reporting(console: Console) -> Iterator[Silent]:
    """Show the run's progress on `console` for the duration of the block."""
    global _current
    display = Live(console) if console.is_terminal else Lines(console)
    _current = display
    try:
        yield display
    finally:
        display.close()
        _current = Silent()


class Stopwatch:
    """Seconds spent per stage of a run, for the manifest (`timings`) and the benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)
