"""The manifest (SPEC §5): what was read, what came of every sheet, what was written, for auditors.

It proves that nothing was lost: per sheet, rows_read = rows_accepted + rows_quarantined +
rows_skipped. It also says in words what is missing this month and which rules could not run.
"""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS
from schemas.outputs import Manifest
from schemas.policy import unset_keys_in_words
from transforms.ingest.inbox import InboxFile
from transforms.ingest.results import FileResult, SheetResult
from transforms.month.households import members_without_household


def code_version() -> str:
    """The package version, with the git commit when run from a checkout."""
    version = metadata.version("doudi")
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}" if commit else version


def _how_read(result: FileResult) -> str:
    return "reused" if result.reused else "parsed"


def sheet_entry(file: InboxFile, sheet: SheetResult, how_read: str) -> dict:
    return {
        "file": file.rel,
        "sha256": file.sha256,
        "sheet": sheet.sheet,
        "dataset": sheet.dataset,
        "rows_read": sheet.rows_read,
        "rows_produced": sheet.produced,
        "rows_accepted": sheet.rows_accepted,
        "rows_quarantined": sheet.rows_quarantined,
        "rows_skipped": sheet.rows_skipped,
        "total_row_check": sheet.total_row_check,
        "total_row_mismatches": sheet.total_mismatches,
        "header_row": sheet.header_row,
        "unmapped_columns": sheet.unmapped_columns,
        "county_from_sheet": sheet.county_from,
        "filled_merged_cells": sheet.filled_merged_cells,
        "fields_absent": sheet.fields_absent,
        "facts_from_context": sheet.facts_from_context,
        "period_stamp": sheet.period_stamp,
        "reshaped": sheet.reshaped,
        "skipped_reasons": sheet.skipped_reasons,
        "derived_fields": sheet.derived_fields,
        "level": sheet.level,
        "ingest": how_read,
    }


def rejection_reason(result: FileResult) -> str:
    """Why a file was rejected, naming the headers seen in it (SPEC §2)."""
    seen = [
        (f"「{i['sheet']}」" if i["sheet"] else "") + "、".join(i["headers_seen"])
        for i in result.ignored_sheets if i.get("headers_seen")
    ]
    return result.rejected + (f"；看到的表头：{'；'.join(seen)}" if seen else "")


def _where(sheet: SheetResult) -> str:
    return f"{sheet.file}「{sheet.sheet}」" if sheet.sheet else sheet.file


def undecided_why(rule_code: str, results: list[FileResult]) -> str:
    """Why a rule left subjects undecided, in Chinese: the sheets that lack a column it reads
    (低保花名册无「家庭月人均收入」列（civil/低保发放表.xlsx「城关镇」）), or whose rows do not say it."""
    reasons: dict[str, list[str]] = {}
    for dataset, field_name in rule_catalog()[rule_code].reads:
        label = f"「{DATASETS[dataset].field(field_name).label}」"
        for sheet in (s for r in results for s in r.sheets if s.dataset == dataset):
            if field_name in sheet.fields_absent:
                reasons.setdefault(f"{DATASETS[dataset].label}无{label}列", []).append(_where(sheet))
            elif sheet.unknown_counts.get(field_name):
                reasons.setdefault(f"{DATASETS[dataset].label}有 {sheet.unknown_counts[field_name]} 行"
                                   f"{label}不详", []).append(_where(sheet))
    if not reasons:
        return "所需数据项为空或无法确定"
    return "；".join(f"{what}（{'、'.join(where[:3])}{' 等' if len(where) > 3 else ''}）"
                    for what, where in reasons.items())


def rules_undecided(undecided_counts: dict[str, int], results: list[FileResult]) -> dict[str, dict]:
    """SPEC §2 `rules_undecided`: per rule, the subjects it could not decide and why."""
    return {code: {"subjects": n, "why": undecided_why(code, results)}
            for code, n in undecided_counts.items() if n}


def skip_reason(rule: dict) -> str:
    """Why a skipped rule did not run: the datasets it lacks (by name), the policy keys not set."""
    reasons = [f"缺少 {'、'.join(rule['missing_datasets'])}"] if rule["missing_datasets"] else []
    if rule.get("missing_policy_keys"):
        reasons.append(unset_keys_in_words(rule["missing_policy_keys"]))
    return "；".join(reasons)


def missing_datasets(received: set[str]) -> list[str]:
    return [name for name in DATASETS if name not in received]


def notes_in_words(missing: list[str], rules_skipped: list[dict], results: list[FileResult],
                   undecided: dict[str, dict] | None = None) -> list[str]:
    """The sentences the summary must say: missing datasets, skipped rules, undecided subjects,
    rejected files, sheets of another period, bad totals."""
    notes = [
        f"本月未收到{DATASETS[name].label}（{name}，{DATASETS[name].office}），相关规则未执行"
        for name in missing
    ]
    notes += [f"规则 {rule['rule_code']} 未执行：{skip_reason(rule)}" for rule in rules_skipped]
    notes += [
        f"规则 {code}（{rule_catalog()[code].title}）有 {entry['subjects']} 个对象无法判定：{entry['why']}"
        for code, entry in (undecided or {}).items()
    ]
    notes += [f"文件 {r.file} 未能使用：{r.rejected}" for r in results if r.rejected]
    notes += [
        f"{_where(s)}的标题或名称写明是 {s.period_stamp} 的数据，而本次核对的是另一个月份：请确认是否报错了月份"
        for r in results for s in r.sheets if s.period_stamp
    ]
    notes += [
        f"{s.file}「{s.sheet}」第 {m['row']} 行合计数与明细不符：{DATASETS[s.dataset].field(m['field']).label}"
        f"合计 {m['total']:.2f}，"
        f"明细合计 {m['data_sum']:.2f}"
        for r in results for s in r.sheets for m in s.total_mismatches
    ]
    notes += [
        f"{s.file}「{s.sheet}」中 {'、'.join(s.filled_merged_cells[:5])}"
        f"{' 等' if len(s.filled_merged_cells) > 5 else ''}为合并单元格，已把合并的值填入其中每一行"
        for r in results for s in r.sheets if s.filled_merged_cells
    ]
    return notes


def manifest(
    *,
    run_id: str,
    period: str,
    started_at: str,
    finished_at: str,
    policy_sha256: str,
    files: list[InboxFile],
    results: list[FileResult],
    outputs: list[dict],
    rule_counts: dict[str, int],
    received: set[str],
    rules_skipped: list[dict],
    undecided_counts: dict[str, int] | None = None,
) -> Manifest:
    by_rel = {f.rel: f for f in files}
    missing = missing_datasets(received)
    undecided = rules_undecided(undecided_counts or {}, results)
    orphans = members_without_household([s for r in results for s in r.sheets])
    return Manifest.model_validate({
        "run_id": run_id,
        "period": period,
        "started_at": started_at,
        "finished_at": finished_at,
        "code_version": code_version(),
        "policy_sha256": policy_sha256,
        "inputs": [sheet_entry(by_rel[r.file], s, _how_read(r)) | {
                       "read_as": r.read_as,
                       "members_without_household": orphans.get((s.file, s.sheet, s.dataset), 0)}
                   for r in results for s in r.sheets],
        "rejected": [
            {"file": r.file, "sha256": by_rel[r.file].sha256, "reason": rejection_reason(r),
             "sheets": r.ignored_sheets, "ingest": _how_read(r), "read_as": r.read_as}
            for r in results if r.rejected
        ],
        "sheets_ignored": [
            {"file": r.file} | ignored for r in results if not r.rejected for ignored in r.ignored_sheets
        ],
        "outputs": outputs,
        "rule_counts": rule_counts,
        "missing_datasets": missing,
        "rules_skipped": [rule["rule_code"] for rule in rules_skipped],
        "rules_skipped_detail": rules_skipped,
        "rules_undecided": undecided,
        "notes": notes_in_words(missing, rules_skipped, results, undecided),
    })
