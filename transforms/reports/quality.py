"""The month's quality site (SPEC §5 `quality/`): Great Expectations Data Docs, for auditors, of
the staged inputs and of the outputs.

The suites are plain data here (`Suite`, `Expect`): great_expectations takes seconds to import,
so only building a site imports it. No name or ID number reaches a page unless the run was
unmasked: GE checks the real values but is asked to render none of a personal suite's values,
and the checks across tables are made on derived columns that carry rule codes, not people.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from schemas.catalog import rule_catalog
from schemas.datasets import DATASETS
from schemas.outputs import InputEntry, Manifest
from schemas.validation import REASONS
from transforms.reports import MonthReport
from transforms.reports.quality_pages import banner_html, offline_html

SITE_NAME = "quality"
ID_SHAPE = r"^\d{17}[\dX]$"
# An exception's subject kind (the rule catalog's) -> its Chinese name and the staged table and
# column it must be found in: ID numbers in any staged table, counties in the policy. A kind that
# a new rule brings must be added here, or its exceptions go unchecked.
SUBJECTS = {
    "id_number": ("身份证号码", None, None),
    "claim_id": ("结算单号", "claims", "claim_id"),
    "dibao_household": ("低保户编号", "dibao", "household_id"),
    "registry_household": ("建档立卡户编号", "registry", "household_id"),
    "county": ("区县代码", None, None),
    "quarantine_row": ("隔离数据行（文件:工作表:行）", None, None),
}


@dataclass(frozen=True)
class Expect:
    kind: str  # a class of great_expectations.expectations, e.g. "ExpectColumnValuesToNotBeNull"
    description: str  # what the auditor reads in the site (GE templates it: no "$" here)
    options: dict = field(default_factory=dict)  # column, value_set, regex, min_value …


@dataclass(frozen=True)
class Suite:
    name: str  # ASCII, "inputs.dibao": it names folders and files, which must survive a zip
    label: str  # the Chinese title, shown on the site's pages
    frame: pl.DataFrame  # only the columns its expectations read
    expectations: tuple[Expect, ...]
    personal: bool  # its columns hold names or ID numbers: no value is rendered unless unmasked


@dataclass(frozen=True)
class Outcome:
    label: str
    success: bool
    rows: int
    evaluated: int
    failed: tuple[str, ...]  # descriptions of the expectations not met


@dataclass(frozen=True)
class QualitySite:
    index: Path
    outcomes: dict[str, Outcome]  # by suite name


def not_null(column: str, what: str) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", f"{what}不为空", {"column": column})


def not_negative(column: str, what: str) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", f"{what}不为负数", {"column": column, "min_value": 0})


def in_set(column: str, values, what: str) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", what, {"column": column, "value_set": sorted(values)})


def unique(column: str, what: str) -> Expect:
    return Expect("ExpectColumnValuesToBeUnique", f"{what}不重复", {"column": column})


def input_suite(dataset: str, staged: pl.DataFrame,
                absent: Mapping[str, set[tuple[str, str]]] | None = None) -> Suite:
    """A staged table: IDs well formed, amounts not negative, required fields filled, every row
    traceable to its source row. A required field of a row from a sheet without that column
    (`absent`: field -> (file, sheet)) is unknown, not blank (SPEC §2): it is not counted."""
    fields = DATASETS[dataset].fields
    money = [f for f in fields if f.kind in ("money", "money0")]
    required = [f for f in fields if f.required and f.name != "id_number"]
    sheet = pl.concat_str("src_file", pl.col("src_sheet").fill_null(""), separator="\0")
    filled = [
        (sheet.is_in([f"{file}\0{name}" for file, name in (absent or {}).get(f.name, ())]) | pl.col(f.name).is_not_null())
        .alias(f"filled__{f.name}")
        for f in required
    ]
    expectations = (
        not_null("id_number", "身份证号码（id_number）"),
        Expect("ExpectColumnValuesToMatchRegex", "身份证号码为18位：17位数字加1位数字或X",
               {"column": "id_number", "regex": ID_SHAPE}),
        *(not_negative(f.name, f"「{f.label}」（{f.name}）") for f in money),
        *(in_set(f"filled__{f.name}", (True,), f"必填项「{f.label}」（{f.name}）不为空（表中本无此列的行，其值不详，不计）")
          for f in required),
        not_null("src_row", "来源行号（src_row）"),
    )
    columns = list(dict.fromkeys(["id_number", *(f.name for f in money), "src_row"]))
    return Suite(f"inputs.{dataset}", f"输入：{DATASETS[dataset].label}（{dataset}）",
                 staged.select(*columns, *filled), expectations, personal=True)


def absent_columns(report: MonthReport) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """Dataset -> field -> the (file, sheet) read without that column (manifest `fields_absent`)."""
    found: dict[str, dict[str, set[tuple[str, str]]]] = {}
    for entry in report.manifest.inputs:
        for name in entry.fields_absent:
            found.setdefault(entry.dataset, {}).setdefault(name, set()).add((entry.file, entry.sheet))
    return found


def exceptions_suite(exceptions: pl.DataFrame) -> Suite:
    expectations = (
        not_null("exception_id", "异常编号（exception_id）"),
        unique("exception_id", "异常编号（exception_id）"),
        in_set("rule_code", rule_catalog(), "规则代码（rule_code）都在规则目录中"),
        in_set("severity", ("high", "medium", "info"), "严重程度（severity）为 high / medium / info"),
        in_set("status", ("new", "persisting", "resolved"),
               "状态（status）为 new / persisting / resolved"),
        not_negative("expected", "应为金额（expected）"),
        not_negative("actual", "实际金额（actual）"),
    )
    columns = ["exception_id", "rule_code", "severity", "status", "expected", "actual"]
    return Suite("outputs.exceptions", "输出：异常清单（exceptions）",
                 exceptions.select(columns), expectations, personal=False)


def subject_sources(staged: Mapping[str, pl.DataFrame], counties, quarantine: pl.DataFrame) -> dict[str, pl.Series]:
    """Subject kind -> every value a subject of that kind may take this month."""
    ids = pl.concat([frame.get_column("id_number") for frame in staged.values()])
    found_in = {kind: staged[table].get_column(column) for kind, (_, table, column) in SUBJECTS.items() if table}
    rows = quarantine.select(pl.concat_str("file", pl.col("sheet").fill_null(""), pl.col("row").cast(pl.String),
                                           separator=":")).to_series()
    return {"id_number": ids, **found_in, "county": pl.Series(list(counties), dtype=pl.String), "quarantine_row": rows}


def subjects_suite(exceptions: pl.DataFrame, staged: Mapping[str, pl.DataFrame], counties,
                   quarantine: pl.DataFrame) -> Suite:
    """Every exception's subject exists in a source. One column per subject kind holds the rule
    code and exception id of an exception whose subject is in no source (null otherwise), so a
    failure names exceptions, not people. A resolved exception is an earlier run's finding whose
    subject may have left every roster since: it is not checked."""
    kinds = {code: rule.subject for code, rule in rule_catalog().items()}
    active = exceptions.filter(pl.col("status") != "resolved").with_columns(
        pl.col("rule_code").replace_strict(kinds, default=None).alias("kind"))
    orphan = pl.concat_str("rule_code", "exception_id", separator=" ")
    columns = [
        pl.when((pl.col("kind") == kind) & ~pl.col("subject").is_in(values.implode()).fill_null(False))
        .then(orphan).alias(f"{kind}_subject_not_found")
        for kind, values in subject_sources(staged, counties, quarantine).items()
    ]
    expectations = tuple(
        Expect("ExpectColumnValuesToBeNull",
               f"核查对象为{label}的异常，其对象都在本月的输入数据中",
               {"column": f"{kind}_subject_not_found"})
        for kind, (label, _, _) in SUBJECTS.items()
    )
    return Suite("outputs.exception_subjects", "输出：异常的核查对象都有来源（exceptions 对照输入）",
                 active.select(columns), expectations, personal=False)


def quarantine_suite(quarantine: pl.DataFrame) -> Suite:
    expectations = (
        in_set("reason", REASONS, "隔离原因（reason）都是规定的原因代码"),
        not_null("file", "来源文件（file）"),
        not_null("row", "来源行号（row）"),
    )
    return Suite("outputs.quarantine", "输出：隔离数据（quarantine）",
                 quarantine.select("reason", "file", "row"), expectations, personal=False)


def roster_suites(persons: pl.DataFrame, households: pl.DataFrame) -> list[Suite]:
    # A household number may be the head's ID number (低保证号): both rosters are personal.
    return [
        Suite("outputs.roster_persons", "输出：人员花名册（roster_persons）", persons.select("id_number"),
              (not_null("id_number", "身份证号码（id_number）"),
               unique("id_number", "每人一行：身份证号码（id_number）")), personal=True),
        Suite("outputs.roster_households", "输出：低保家庭花名册（roster_households）",
              households.select("household_id"),
              (not_null("household_id", "户编号（household_id）"),
               unique("household_id", "每户一行：户编号（household_id）")), personal=True),
    ]


def rows_conserved_suite(manifest: Manifest) -> Suite:
    """SPEC §2: for every sheet read, rows read = accepted + quarantined + skipped. The checked
    column names each sheet that does not add up (null otherwise), so a failure says which."""
    unbalanced = pl.DataFrame({"sheet_rows_unaccounted": [imbalance(i) for i in manifest.inputs]},
                              schema={"sheet_rows_unaccounted": pl.String})
    conserved = Expect(
        "ExpectColumnValuesToBeNull",
        "每个工作表：读取后得到的行数（一户一行拆成每人一行后）= 接收 + 隔离 + 跳过的合计/表尾等行数（没有一行被悄悄丢弃）",
        {"column": "sheet_rows_unaccounted"},
    )
    return Suite("manifest.rows_conserved", "清单：各工作表行数守恒（manifest.json inputs）",
                 unbalanced, (conserved,), personal=False)


def imbalance(sheet: InputEntry) -> str | None:
    accounted = sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_skipped
    if sheet.rows_produced == accounted:
        return None
    return f"{sheet.file}:{sheet.sheet} 读取后得到 {sheet.rows_produced} 行，接收+隔离+跳过 {accounted} 行"


def quality_suites(staged: Mapping[str, pl.DataFrame], report: MonthReport) -> list[Suite]:
    """Every suite of the site: one per staged dataset that has rows, then the outputs."""
    return [
        *(input_suite(name, frame, absent_columns(report).get(name)) for name, frame in staged.items()
          if frame.height),
        exceptions_suite(report.exceptions),
        subjects_suite(report.exceptions, staged, report.policy.counties, report.quarantine),
        quarantine_suite(report.quarantine),
        *roster_suites(report.persons, report.households),
        rows_conserved_suite(report.manifest),
    ]


def result_format(suite: Suite, unmask: bool) -> dict:
    # GE renders samples of the unexpected values: a personal suite's would be names and IDs.
    shown = 20 if unmask or not suite.personal else 0
    return {"result_format": "SUMMARY", "partial_unexpected_count": shown}


def gx_context(site: Path):
    """An in-memory GE context whose only Data Docs site is `site`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    docs = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False}}
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={SITE_NAME: docs},
        analytics_enabled=False,  # no internet, and nothing about a month leaves the machine
        progress_bars=ProgressBarsConfig(globally=False),  # the logs carry counts only
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validated(context, suite: Suite, run_id, unmask: bool) -> Outcome:
    """Runs one suite on its frame; GE keeps the result for the Data Docs."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    source = context.data_sources.get("doudi")
    batch = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe(suite.name)
    expectations = [getattr(gxe, e.kind)(description=e.description, **e.options) for e in suite.expectations]
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
    result = definition.run(batch_parameters={"dataframe": suite.frame.to_pandas()},
                            result_format=result_format(suite, unmask), run_id=run_id)
    failed = tuple(r.expectation_config.description for r in result.results if not r.success)
    return Outcome(suite.label, result.success, suite.frame.height, len(result.results), failed)


def quality_site(folder: Path, staged: Mapping[str, pl.DataFrame], report: MonthReport) -> QualitySite:
    """Validates every suite and builds the Data Docs into `folder/quality`, readable offline;
    returns the index page and each suite's outcome."""
    from great_expectations.core.run_identifier import RunIdentifier

    site = (folder / SITE_NAME).resolve()  # GE takes only an absolute base directory
    shutil.rmtree(site, ignore_errors=True)  # GE adds pages to a site; a rebuild replaces it
    context = gx_context(site)
    context.data_sources.add_pandas("doudi")
    run_id = RunIdentifier(run_name=report.period, run_time=datetime.now(UTC))
    suites = quality_suites(staged, report)
    outcomes = {s.name: validated(context, s, run_id, report.unmask) for s in suites}
    context.build_data_docs(site_names=[SITE_NAME])
    for page in site.rglob("*.html"):
        banner = banner_html(site, page, report, outcomes)
        page.write_text(offline_html(page.read_text(encoding="utf-8"), site, page, banner), encoding="utf-8")
    return QualitySite(site / "index.html", outcomes)


def build_quality_site(folder: Path, staged: Mapping[str, pl.DataFrame], report: MonthReport) -> Path:
    """The month's Data Docs under `folder/quality`; returns the path of its index.html."""
    return quality_site(folder, staged, report).index
