"""`doudi sample`: a messy month to try doudi on, with the ground truth a correct run reproduces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli_options import INBOX, POLICY, Period, PolicyFile, fail, out_console


def sample(
    period: Period,
    scale: Annotated[float, typer.Option(metavar="倍数", help="规模：1 为几千行，100 约为一个地级市（约 25 万行）")] = 1.0,
    seed: Annotated[int, typer.Option(metavar="整数", help="随机种子，相同种子生成相同数据")] = 7,
    out: Annotated[Path, typer.Option(metavar="目录", help="收件箱根目录")] = INBOX,
    truth: Annotated[Path | None, typer.Option(metavar="目录", help="标准答案目录，默认为 <out>/../truth")] = None,
    policy: PolicyFile = POLICY,
) -> None:
    """生成一个杂乱的样例月份，连同正确运行应得出的标准答案。"""
    from sample_month import generate_month
    from schemas.period import PeriodError, checked_period
    from schemas.policy import PolicyError, load_policy

    try:
        checked_period(period)
        rules = load_policy(policy)
    except (PolicyError, PeriodError) as e:
        fail(str(e))
    month = generate_month(period, scale, seed, out, truth, rules)
    out_console.print(f"样例数据已生成：{month.period_dir}（{month.total_rows} 行），标准答案：{month.truth_dir}",
                      highlight=False, soft_wrap=True)
