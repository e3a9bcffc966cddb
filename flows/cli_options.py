"""What the `doudi` commands share: their common options, and the one line a command stops with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

out_console = Console()

Period = Annotated[str, typer.Option("--period", metavar="YYYY-MM", help="核对的月份")]
Inbox = Annotated[Path, typer.Option(metavar="目录", help="收件箱：<inbox>/<period>/<部门>/*")]
Out = Annotated[Path, typer.Option(
    metavar="目录", help="输出目录：每期写入 <out>/<period>/，运行记录在 <out>/warehouse.duckdb；"
                        "缓存和 Prefect 的数据在它旁边的 .doudi/（设置 DOUDI_HOME 可另放）")]


def _bundled_unless_given(policy: Path | None) -> Path:
    from schemas.policy import (
        BUNDLED_POLICY,  # only when a command runs: it loads the vocabulary's libraries
    )

    return policy or BUNDLED_POLICY


PolicyFile = Annotated[Path | None, typer.Option(
    metavar="文件", callback=_bundled_unless_given, help="政策参数文件（TOML），默认为随程序提供的 data/policy.toml；"
                                                     "本地的表头和取值写法放在它旁边的 aliases.csv 和 categories.toml 中")]
Cache = Annotated[Path | None, typer.Option(
    metavar="目录", help="解析结果缓存：重跑时未改动的文件不再解析（默认 .doudi/cache）")]

INBOX, OUT, POLICY = Path("data/inbox"), Path("reports"), None


def fail(message: str) -> NoReturn:
    """Stop the command with one line on stderr and exit status 2."""
    typer.echo(f"doudi: {message}", err=True)
    raise typer.Exit(code=2)
