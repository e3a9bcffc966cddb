"""`doudi inspect` as an officer reads it: Chinese, each line at most 80 columns wide.

A Chinese character takes two columns of a terminal, so lines are measured and wrapped by
display width (East Asian Width), not by characters.
"""

from __future__ import annotations

import unicodedata

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS, SHAPE_LABELS
from transforms.ingest.inspect import FileInspection, SheetInspection

WIDTH = 80
SHAPES = {"household_rows": "一户一行（成员分列），已拆成每人一行", "family_list": "一户一行，户主姓名即本人姓名",
          "payment_type_rows": "一人多行（按补贴类型），已合并为每人一行", "mixed_stays": "住院、门诊、药店混在一表，只取住院",
          "programme_split": "一张表含多个救助项目，已按项目分开"}


def cells(text: str) -> int:
    """The terminal columns a text takes: two for a wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


CLOSING = "，。；：、）」』”》！？,.;:)"  # never the first character of a line


def wrapped(text: str, indent: int = 0, width: int = WIDTH) -> list[str]:
    """A line cut at `width` display columns, continuation lines indented two more; a closing
    mark never begins a line (the character before it moves down with it)."""
    lines, line, used = [], " " * indent, indent
    for char in text:
        if used + cells(char) > width:
            carried = line[-1] if char in CLOSING and line.strip() else ""
            lines.append((line[:-1] if carried else line).rstrip())
            line = " " * (indent + 2) + carried
            used = cells(line)
        line += char
        used += cells(char)
    lines.append(line.rstrip())
    return lines


def _field_label(dataset: str | None, name: str | None) -> str:
    if name is None:
        return "（未使用）"
    bare, _, member = name.partition("#")
    # a sheet read as no dataset still shows what a known header means, labelled as any dataset does
    holders = [DATASETS[dataset]] if dataset in DATASETS else DATASETS.values()
    fields = {f.name: f.label for d in reversed(list(holders)) for f in d.fields}
    label = fields.get(bare) or SHAPE_LABELS.get(bare, bare)
    who = f"（第 {member} 人）" if member else ""
    return f"{label}{who} {bare}"


def _padded(text: str, columns: int) -> str:
    return text + " " * max(1, columns - cells(text))


def sheet_lines(sheet: SheetInspection) -> list[str]:
    out: list[str] = []
    name = f"工作表「{sheet.sheet}」" if sheet.sheet else "表"
    if sheet.dataset is None:
        out += wrapped(f"{name}：不作为数据读取")
        out += wrapped(f"原因：{sheet.reason}", 2)
    else:
        out += wrapped(f"{name}：{DATASETS[sheet.dataset].label}（{sheet.dataset}）")
        out += wrapped(f"为何：{sheet.reason}", 2)
        read, accepted, quarantined, skipped = sheet.rows
        out += wrapped(f"表头在第 {sheet.header_row} 行；读取 {read} 行：接收 {accepted}，隔离 {quarantined}，"
                       f"跳过（合计、表尾等）{skipped}", 2)
        if sheet.reshaped:
            out += wrapped(f"表的形式：{SHAPES.get(sheet.reshaped, sheet.reshaped)}", 2)
        if sheet.facts:
            facts = "，".join(f"{_field_label(sheet.dataset, f).split()[0]}＝{v}" for f, v in sheet.facts.items())
            out += wrapped(f"从表名、标题或文件名取得：{facts}", 2)
        if sheet.period_stamp:
            out += wrapped(f"注意：表名或标题写的是 {sheet.period_stamp} 的数据", 2)
    if sheet.columns:
        out.append("  各列：")
        for column in sheet.columns:
            head = _padded(f"    {column['column']}", 8) + _padded(column["header"], 22)
            out += wrapped(head + "→ " + _field_label(sheet.dataset, column["field"]), 4)
    if sheet.fields_absent:
        out.append("  缺少的列（其值按“不详”处理，不当作 0 或“无”）：")
        for absent in sheet.fields_absent:
            rules = sheet.undecided_rules.get(absent, [])
            text = _field_label(sheet.dataset, absent)
            if rules:
                text += "：可能使以下规则无法判定 " + "、".join(
                    f"{code}（{rule_catalog()[code].title}）" for code in rules)
            out += wrapped(text, 4)
    if sheet.unknown_values:
        out.append("  无法识别的取值（这些行被隔离）：")
        for (name, value), n in sheet.unknown_values.items():
            out += wrapped(f"{_field_label(sheet.dataset, name).split()[0]}「{value}」：{n} 行", 4)
    if sheet.alias_lines:
        out.append("  可加入 aliases.csv 的行（放在政策文件旁；请先核对是否正确）：")
        for line in sheet.alias_lines:
            out += wrapped(f"{line.csv()}    # 最接近已知写法「{line.nearest}」", 4)
    if sheet.category_lines:
        out.append("  可加入 categories.toml 的行（同上）：")
        for line in sheet.category_lines:
            out += wrapped(f"[{line.vocabulary}]", 4)
            out += wrapped(f"{line.code} = [\"{line.value}\"]    # 最接近已知写法「{line.nearest}」", 4)
    return out


def inspection_lines(inspection: FileInspection) -> list[str]:
    out = wrapped(f"━━ {inspection.file}")
    if inspection.rejected and not inspection.sheets:
        out += wrapped(f"无法使用：{inspection.rejected}", 2)
    for sheet in inspection.sheets:
        out += sheet_lines(sheet)
    return out + [""]
