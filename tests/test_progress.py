"""flows/progress.py: what the terminal shows while a month runs."""

import io

from rich.console import Console

from flows.progress import STAGES, Lines, Live, progress, reporting


def test_a_log_gets_one_line_per_file_and_per_stage_with_counts_and_file_names():
    out = io.StringIO()
    display = Lines(Console(file=out, width=200))
    display.files(2)
    display.file_done("civil/低保花名册.xlsx", "parsed")
    display.file_done("medical/参保.db", "reused")
    display.stage("reconcile")
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("读取文件：共 2 个文件")
    assert lines[1].endswith("读取文件 1/2：civil/低保花名册.xlsx（已解析）")
    assert lines[2].endswith("读取文件 2/2：medical/参保.db（沿用上次解析）")
    assert lines[3].endswith(STAGES["reconcile"])


def test_a_terminal_gets_a_live_display_and_a_pipe_gets_lines():
    with reporting(Console(file=io.StringIO(), force_terminal=True)) as shown:
        assert isinstance(shown, Live) and progress() is shown
    with reporting(Console(file=io.StringIO(), force_terminal=False)) as shown:
        assert isinstance(shown, Lines) and not isinstance(shown, Live)
    assert not isinstance(progress(), Lines)  # back to silence after the run
