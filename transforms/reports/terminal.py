"""What the terminal shows, in the users' words: a run's summary, a period's runs, what changed.

Counts, dataset and rule names in Chinese, exception ids and file paths; never a person's name or
ID number (the terminal ends up in logs and e-mails).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from rich.box import SIMPLE_HEAD
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from schemas.catalog import FIRST_SEEN_LABEL, MONEY_LABELS, STATUS_LABELS, rule_catalog
from schemas.datasets import DATASETS
from schemas.outputs import Manifest
from transforms.month.history import Comparison

STATE_LABELS = {"complete": "完成", "publishing": "发布中", "abandoned": "中断"}
REPORT_FILES = ("exceptions.xlsx", "exit_due.xlsx", "quarantine.xlsx", "roster_persons.xlsx",
                "roster_households.xlsx", "summary.html", "quality/index.html")


def run_summary(manifest: Manifest, exceptions: pl.DataFrame, folder: Path) -> RenderableType:
    return Group(_inputs_table(manifest), _rules_table(exceptions, manifest.period), _money(exceptions),
                 *_notes(manifest), *_feedback(manifest), _files(folder))


def _money(exceptions: pl.DataFrame) -> RenderableType:
    """SPEC §5: the three kinds of money, each on its own, of the exceptions still found."""
    active = exceptions.filter(pl.col("status") != "resolved")
    parts = [f"{label} {float(active[column].sum() or 0):,.2f} 元" for column, label in MONEY_LABELS.items()]
    unknown = active["money_unknown"].sum() if "money_unknown" in active.columns else 0
    return Text("金额：" + "，".join(parts) + (f"（另有 {unknown} 条金额未知，未计入）" if unknown else ""))


def _feedback(manifest: Manifest) -> list[RenderableType]:
    """SPEC §7 take-back: the returned workbooks read, and the rows not taken (listed in summary.html)."""
    if not manifest.feedback_read:
        return []
    recorded = sum(f.answers_recorded for f in manifest.feedback_read)
    rejected = sum(1 for r in manifest.feedback_rejected if not r.answer_taken)
    return [Text(f"核查反馈：读取交回文件 {len(manifest.feedback_read)} 个，新记录答复 {recorded} 条，"
                 f"未采用 {rejected} 行，相互矛盾 {len(manifest.feedback_conflicts)} 处（详见 summary.html）")]


def _inputs_table(manifest: Manifest) -> Table:
    table = Table(title=f"doudi {manifest.period}：读取的数据", title_justify="left")
    table.add_column("数据集")
    for column in ("表数", "读取行", "接收", "隔离", "跳过"):
        table.add_column(column, justify="right")
    for name, dataset in DATASETS.items():
        rows = [i for i in manifest.inputs if i.dataset == name]
        if not rows:
            table.add_row(dataset.label, "0", "—", "—", "—", "—", style="yellow")
            continue
        table.add_row(dataset.label, str(len(rows)), *(
            f"{sum(getattr(r, key) for r in rows):,}"
            for key in ("rows_read", "rows_accepted", "rows_quarantined", "rows_skipped")
        ))
    return table


def _rules_table(exceptions: pl.DataFrame, period: str) -> RenderableType:
    """Per rule: 本月新发现 (first seen this month) apart from 本次新增 / 持续存在 / 本次解决."""
    counts = exceptions.group_by("rule_code", "status").len()
    by_rule = {(code, status): n for code, status, n in counts.iter_rows()}
    if not by_rule:
        return Text("本月没有发现异常。")
    month_new = dict(exceptions.filter((pl.col("status") != "resolved") & (pl.col("first_seen") == period))
                     .group_by("rule_code").len().iter_rows())
    table = Table(title="核对发现的异常", title_justify="left")
    table.add_column("规则")
    for label in (FIRST_SEEN_LABEL, *STATUS_LABELS.values()):
        table.add_column(label, justify="right")
    for code, rule in rule_catalog().items():
        row = [month_new.get(code, 0), *(by_rule.get((code, status), 0) for status in STATUS_LABELS)]
        if any(row):
            table.add_row(rule.title, *(str(n) if n else "" for n in row))
    table.add_row("合计", str(sum(month_new.values())),
                  *(str(sum(n for (_, s), n in by_rule.items() if s == status)) for status in STATUS_LABELS),
                  style="bold")
    return table


class Sentences:
    """Chinese sentences as a bulleted list, wrapped to the terminal: Chinese may break between any
    two characters, a run of Latin letters, digits and path characters (a file name) only whole."""

    def __init__(self, sentences: list[str], bullet: str = "• ") -> None:
        self.sentences, self.bullet = sentences, bullet

    def __rich_console__(self, console, options):
        # one cell spare: a closing mark may end a full line rather than begin the next
        width = max(20, options.max_width - cell_len(self.bullet) - 2)
        for sentence in self.sentences:
            for i, line in enumerate(_folded(sentence, width)):
                yield Text((self.bullet if i == 0 else " " * cell_len(self.bullet)) + line, no_wrap=True)


_NO_LINE_START = set("」』）》】，。、；：！？")  # Chinese closing punctuation never begins a line


def _folded(text: str, width: int) -> list[str]:
    pieces = re.findall(r"[\x21-\x7e]+|\s+|.", text)  # a Latin run, white space, or one character
    lines, line = [], ""
    for piece in pieces:
        if line and cell_len(line + piece) > width and piece not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


def _notes(manifest: Manifest) -> list[RenderableType]:
    return [Sentences(manifest.notes)] if manifest.notes else []


def _files(folder: Path) -> RenderableType:
    present = [name for name in REPORT_FILES if (folder / name).exists()]
    return Group(Text(f"报表在 {folder}："), Sentences(present, bullet="  "))


def runs_table(period: str, runs: pl.DataFrame) -> RenderableType:
    if runs.is_empty():
        return Text(f"{period} 还没有运行记录。")
    versions = "、".join(runs["code_version"].unique(maintain_order=True).to_list())
    table = Table(title=f"{period} 的运行记录（最新在前）", title_justify="left", box=SIMPLE_HEAD,
                  caption=f"程序版本：{versions}", caption_justify="left", pad_edge=False, collapse_padding=True)
    for column in ("运行编号", "状态", "开始时间", "运行人", "读取行", "隔离行", "新/持续/解决"):
        table.add_column(column, justify="right" if column in {"读取行", "隔离行"} else "left", no_wrap=True)
    for run in runs.iter_rows(named=True):
        table.add_row(
            run["run_id"][:8], STATE_LABELS.get(run["state"], run["state"]),
            (run["started_at"] or "")[:16].replace("T", " "), run["run_by"], f"{run['rows_read']:,}",
            f"{run['rows_quarantined']:,}",
            f"{run['exceptions_new']}/{run['exceptions_persisting']}/{run['exceptions_resolved']}",
        )
    return table


def comparison_text(period: str, comparison: Comparison) -> RenderableType:
    against = (f"本期上一次运行 {comparison.other_run_id[:8]}" if comparison.other_period == period
               else f"{comparison.other_period} 的运行 {comparison.other_run_id[:8]}")
    titles = {code: rule.title for code, rule in rule_catalog().items()}
    table = Table(title=f"{period}（运行 {comparison.run_id[:8]}）对比{against}", title_justify="left",
                  box=SIMPLE_HEAD, caption=(f"新出现 {comparison.appeared.height} 条，已消失 {comparison.gone.height} 条，"
                                            f"仍存在 {comparison.kept.height} 条"), caption_justify="left")
    table.add_column("规则")
    for column in ("新出现", "已消失", "仍存在", "其中金额有变化"):
        table.add_column(column, justify="right")
    changed = comparison.kept.filter(pl.col("actual").ne_missing(pl.col("other_actual")))
    for code, title in titles.items():
        row = [frame.filter(pl.col("rule_code") == code).height
               for frame in (comparison.appeared, comparison.gone, comparison.kept, changed)]
        if any(row):
            table.add_row(title, *(str(n) for n in row))
    lines = [table]
    for heading, frame in (("新出现", comparison.appeared), ("已消失", comparison.gone)):
        for row in frame.head(20).iter_rows(named=True):
            lines.append(Text(f"{heading}：{titles.get(row['rule_code'], row['rule_code'])}，异常编号 "
                              f"{row['exception_id']}，区县 {row['county'] or '—'}"))
        if frame.height > 20:
            lines.append(Text(f"……另有 {frame.height - 20} 条{heading}，见 exceptions.xlsx"))
    if len(lines) == 1 and not comparison.kept.height:
        lines.append(Text("两次运行都没有发现异常。"))
    return Group(*lines)


# --- what the Prefect UI shows of a run ----------------------------------------------------------

def rule_count_rows(exceptions: pl.DataFrame) -> list[dict]:
    """One row per rule that found something: title, code, and counts by status."""
    counts = {(c, s): n for c, s, n in exceptions.group_by("rule_code", "status").len().iter_rows()}
    return [
        {"规则": rule.title, "代码": code, **{label: counts.get((code, s), 0) for s, label in STATUS_LABELS.items()}}
        for code, rule in rule_catalog().items()
        if any(counts.get((code, s)) for s in STATUS_LABELS)
    ]


def run_markdown(manifest: Manifest, exceptions: pl.DataFrame, folder: Path) -> str:
    """The run in a few lines of Markdown: counts, what was missing, where the reports are."""
    by_status = dict(exceptions.group_by("status").len().iter_rows())
    lines = [
        f"# doudi {manifest.period} 核对结果",
        f"运行编号 `{manifest.run_id}`，{manifest.started_at} 至 {manifest.finished_at}，程序版本 `{manifest.code_version}`。",
        "",
        "异常：" + "，".join(f"{label} {by_status.get(s, 0)} 条" for s, label in STATUS_LABELS.items()) + "。",
        f"读取 {len(manifest.inputs)} 张表，{sum(i.rows_read for i in manifest.inputs):,} 行，"
        f"隔离 {sum(i.rows_quarantined for i in manifest.inputs):,} 行；无法使用的文件 {len(manifest.rejected)} 个。",
        "",
        *(f"- {note}" for note in manifest.notes),
        "",
        "## 报表",
        *(f"- `{(folder / name).resolve()}`" for name in REPORT_FILES if (folder / name).exists()),
    ]
    return "\n".join(lines)
