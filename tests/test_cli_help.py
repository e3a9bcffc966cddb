"""flows/cli.py and flows/cli_help.py: one language, 80 columns, and nothing heavy before the first line."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from flows.cli import app

COMMANDS = (["run"], ["history"], ["diff"], ["inspect"], ["sample"], ["purge"], ["serve"], ["cases"], ["feedback"],
            ["feedback", "import"], ["server"], ["server", "start"], ["server", "status"], ["server", "stop"], [])
ENGLISH = re.compile(r"\b(Usage|Options|Commands|Show this message|default|required)\b")


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=80, prog_name="doudi")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "doudi")
def test_every_help_fits_80_columns_and_is_chinese(command):
    text = help_of(*command)
    assert [line for line in text.splitlines() if cell_len(line) > 80] == []
    assert not ENGLISH.search(text)
    assert text.startswith(f"用法：doudi {' '.join(command)}".replace("  ", " "))


def test_each_option_of_run_has_its_help_on_its_own_lines_below_it():
    text = help_of("run")
    for option, help_start in (("  --period YYYY-MM  必填", "      核对的月份"),
                               ("  --out 目录  默认 reports", "      输出目录：每期写入"),
                               ("  --quality", "      同时生成数据质量报告"),
                               ("  --no-roster-workbooks", "      花名册只写 parquet"),
                               ("  --dask-address 地址", "      Dask 调度器地址")):
        lines = text.splitlines()
        assert lines[lines.index(option) + 1].startswith(help_start), option


def test_the_commands_are_listed_with_their_chinese_summaries():
    text = help_of()
    for name in ("run", "history", "diff", "inspect", "sample", "purge", "serve", "cases", "feedback", "server"):
        assert re.search(rf"^  {name} +\S", text, re.MULTILINE), name
    assert "核对一个月的数据" in text


@pytest.mark.parametrize("args, said", [
    (["run"], "doudi: 缺少必填选项 --period YYYY-MM"),
    (["run", "--period", "2024-10", "--bogus"], "doudi: 没有选项 --bogus"),
    (["sample", "--period", "2024-10", "--scale", "abc"], "doudi: --scale 的值无效：应为数字"),
    (["nosuch"], "doudi: 没有这个命令：nosuch"),
])
def test_a_usage_error_is_one_chinese_line_and_where_to_read_the_usage(args, said):
    result = CliRunner().invoke(app, args, prog_name="doudi")
    assert result.exit_code == 2
    first, hint = result.output.strip().splitlines()
    assert first.startswith(said) and hint.endswith("--help 查看用法")


def test_the_command_line_imports_neither_prefect_nor_the_data_libraries_before_it_runs_a_command():
    code = ("import sys, flows.cli; print(sorted(m for m in ('prefect', 'polars', 'duckdb', 'pandera', 'pyarrow',"
            " 'great_expectations') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
