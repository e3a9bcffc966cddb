"""Files an office sends that doudi must reject, naming them (SPEC §2): a note of prose, a
statistics workbook whose headers match no dataset, and a workbook cut off in transfer."""

from __future__ import annotations

from pathlib import Path

from sample_month.layout import Column, Context, Line, SheetPlan
from sample_month.xlsx import write_truncated_workbook, write_workbook

PROSE_FILE = "civil/工作说明.txt"
STATISTICS_FILE = "poverty/脱贫人口统计表.xlsx"
TRUNCATED_FILE = "medical/医保结算月报.xlsx"

NO_DATASET = "no_dataset"  # read fine, but its headers match no dataset
UNREADABLE = "unreadable"  # cannot be read as a table at all


def prose(ctx: Context) -> str:
    return "\n".join((
        f"{ctx.month_label}社会救助数据报送说明",
        "",
        "一、本月低保花名册按区县分表报送，特困供养人员分集中、分散两表。",
        "二、殡葬管理所火化数据由市殡仪馆导出，编码为GBK，请勿另存为其他格式。",
        "三、如有新增、停发人员，请在备注栏注明原因，并于次月5日前完成核对。",
        "联系人：市民政局社会救助科",
    )) + "\n"


def statistics_plan(ctx: Context) -> SheetPlan:
    columns = [Column(h) for h in ("区县", "户数", "人数", "其中：监测户数", "占比（%）")]
    rng = ctx.rng(STATISTICS_FILE)
    lines = [Line("title", [f"{ctx.city}脱贫人口统计表（{ctx.month_label}）"]), Line("blank", []),
             Line("header", [c.header for c in columns])]
    for name in ctx.county_names.values():
        households = rng.randrange(800, 9000)
        lines.append(Line("data", [name, households, households * 3, households // 20, 5.0]))
    return SheetPlan(STATISTICS_FILE, "统计表", None, columns, lines)


def write_rejected_files(ctx: Context, period_dir: Path) -> list[tuple[str, str]]:
    (period_dir / PROSE_FILE).parent.mkdir(parents=True, exist_ok=True)
    (period_dir / PROSE_FILE).write_text(prose(ctx), encoding="utf-8")
    write_workbook(period_dir / STATISTICS_FILE, [statistics_plan(ctx)], ctx.filled_on)
    write_truncated_workbook(period_dir / TRUNCATED_FILE, [statistics_plan(ctx)], ctx.filled_on)
    return [(PROSE_FILE, NO_DATASET), (STATISTICS_FILE, NO_DATASET), (TRUNCATED_FILE, UNREADABLE)]
