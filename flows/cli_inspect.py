"""`doudi inspect PATH…`: how each sheet of each file would be read, without running a month."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from schemas.policy import BUNDLED_POLICY, PolicyError, load_policy

LITTER = ("~$", ".~lock", "._")


def files_under(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, the name to show) for each file given and each file under each folder given."""
    found = []
    for given in paths:
        if given.is_dir():
            for path in sorted(given.rglob("*")):
                parts = path.relative_to(given).parts
                if path.is_file() and not any(p.startswith(".") for p in parts) and not path.name.startswith(LITTER):
                    found.append((path, "/".join(parts)))
        elif given.is_file():
            found.append((given, given.name))
        else:
            raise typer.BadParameter(f"找不到文件或文件夹：{given}")
    return found


def inspect(
    paths: Annotated[list[Path], typer.Argument(help="要查看的文件或文件夹（文件夹中的文件逐个查看）")],
    policy: Annotated[Path, typer.Option(help="政策参数文件；本地的表头和取值写法放在它旁边的\n"
                                              "aliases.csv 和 categories.toml 中")] = BUNDLED_POLICY,
    period: Annotated[str | None, typer.Option(help="按哪个月份核对身份证号中的出生日期，\n"
                                                   "YYYY-MM；默认本月")] = None,
) -> None:
    """查看每个文件、每张工作表会被怎样读取（不运行核对，不写任何输出）。"""
    from transforms.ingest.inspect import inspect_file
    from transforms.reports.inspection import inspection_lines

    try:
        loaded = load_policy(policy)
    except PolicyError as e:
        typer.echo(f"doudi: {e}", err=True)
        raise typer.Exit(code=2) from e
    month = period or f"{date.today():%Y-%m}"
    for path, name in files_under(paths):
        for line in inspection_lines(inspect_file(path, name, month, loaded)):
            typer.echo(line)
