"""The other formats offices send (SPEC §2 "more formats"), in the sample month.

Some clean rows leave the tidy rosters for files older systems write: a 低保 roster saved as
Excel 97-2003 `.xls` with each household's number and district merged down its members' rows,
a 特困 roster in LibreOffice `.ods` with the district merged down, death records in a WPS `.et`,
an enrollment list in `.xlsb`, a 建档立卡 table in a GBK `.dbf`, claims in a MySQL dump and 残联
rows in a SQL Server script. The writers are sample_month/formats.py's; each file's rows are plain
SheetPlans, so the ground truth comes from them as from every other file.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from sample_month import formats
from sample_month.layout import Column, Context, SheetPlan, data_line, header_line, ordinal
from sample_month.records import Month, Record
from sample_month.render import Mess

XLS, ODS, ET, XLSB, DBF, MYSQL, MSSQL = "xls", "ods", "et", "xlsb", "dbf", "mysql", "mssql"
MOST = 1500  # rows per file: .xls holds 65,536 rows and odfpy writes slowly


def assign_format_channels(month: Month, seed: int) -> None:
    """Choose the clean rows each format's file takes (whole households), after real_exports.py."""
    from sample_month.real_exports import _households, clean

    rng = random.Random(f"doudi:{seed}:{month.period.text}:formats")
    taken: dict[str, int] = defaultdict(int)

    def take(records: list[Record], channel: str, share: float) -> None:
        if all(r.channel is None and clean(r) for r in records) and rng.random() < share \
                and taken[channel] + len(records) <= MOST:
            for record in records:
                record.channel = channel
            taken[channel] += len(records)

    for members in _households(month.rows["dibao"]).values():
        take(members, XLS, 0.1)
    for members in _households(month.rows["registry"]).values():
        take(members, DBF, 0.1)
    for record in month.rows["registry"]:
        if record.channel == DBF:  # the .dbf has no 主要致贫原因 or 脱贫年度 column (SPEC §2: unknown)
            record.unknown = record.unknown | {"cause", "exit_year"}
    for dataset, channel, share in (("tekun", ODS, 0.1), ("deaths", ET, 0.15), ("enrollment", XLSB, 0.08),
                                    ("claims", MYSQL, 0.15), ("persons", MSSQL, 0.15)):
        for record in month.rows[dataset]:
            take([record], channel, share)


def _rows(ctx: Context, dataset: str, channel: str) -> list[Record]:
    return [r for r in ctx.month.rows[dataset] if r.channel == channel]


def _plan(file: str, sheet: str, dataset: str, columns: list[Column], records: list[Record], mess: Mess,
          header: bool = True) -> SheetPlan:
    lines = [header_line(columns)] if header else []
    lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    return SheetPlan(file, sheet, dataset, columns, lines)


def _merged_down(plan: SheetPlan, column: int, key) -> None:
    """Merge `column` down each run of rows with the same key: the value in the run's first row."""
    data = [(i, line) for i, line in enumerate(plan.lines) if line.kind == "data"]
    start = 0
    while start < len(data):
        end = start
        while end + 1 < len(data) and key(data[end + 1][1].record) == key(data[start][1].record):
            end += 1
        if end > start:
            first, last = data[start][0], data[end][0]
            text = plan.lines[first].cells[column]
            plan.merges.append((first, column, last, column, text))
            for i in range(first + 1, last + 1):
                plan.lines[i].cells[column] = None
        start = end + 1


def dibao_xls(ctx: Context) -> SheetPlan:
    file = "civil/低保对象名册（旧系统导出）.xls"
    columns = [Column("序号", value=ordinal), Column("户编号", "household_id"), Column("区县", "county"),
               Column("姓名", "name"), Column("身份证号码", "id_number"), Column("与户主关系", "relation"),
               Column("保障类别", "category"), Column("城乡类别", "area_type"), Column("家庭月人均收入", "per_capita_income"),
               Column("月保障金", "benefit"), Column("分类施保金", "topup")]
    records = sorted(_rows(ctx, "dibao", XLS), key=lambda r: (str(r.values["household_id"]), r.values["relation"] != "户主"))
    plan = _plan(file, "低保对象", "dibao", columns, records, Mess(ctx.rng(file), "typed", rate=0.0,
                                                              county_names=ctx.county_names))
    _merged_down(plan, 1, lambda r: r.values["household_id"])  # 户编号 over the household's members
    _merged_down(plan, 2, lambda r: r.values["household_id"])  # and its district
    return plan


def tekun_ods(ctx: Context) -> SheetPlan:
    file = "civil/特困供养人员名单.ods"
    columns = [Column("区县", "county"), Column("姓名", "name"), Column("身份证号码", "id_number"),
               Column("供养方式", "support_mode"), Column("自理能力", "self_care"), Column("基本生活费", "basic_paid"),
               Column("照料护理费", "care_paid")]
    records = sorted(_rows(ctx, "tekun", ODS), key=lambda r: str(r.values["county"]))
    plan = _plan(file, "特困人员", "tekun", columns, records, Mess(ctx.rng(file), "typed", rate=0.0,
                                                             county_names=ctx.county_names))
    _merged_down(plan, 0, lambda r: r.values["county"])  # the district down its rows
    return plan


def deaths_et(ctx: Context) -> SheetPlan:
    file = "civil/死亡人员信息（WPS）.et"
    columns = [Column("序号", value=ordinal), Column("姓名", "name"), Column("公民身份号码", "id_number"),
               Column("死亡日期", "death_date")]
    return _plan(file, "Sheet1", "deaths", columns, _rows(ctx, "deaths", ET), Mess(ctx.rng(file), "typed", rate=0.0))


def enrollment_xlsb(ctx: Context) -> SheetPlan:
    file = "medical/资助参保人员.xlsb"
    columns = [Column("姓名", "name"), Column("身份证号", "id_number"), Column("参保状态", "insured_status"),
               Column("个人缴费标准", "premium"), Column("资助金额", "premium_subsidy"), Column("参保年度", "year")]
    return _plan(file, "资助参保", "enrollment", columns, _rows(ctx, "enrollment", XLSB),
                 Mess(ctx.rng(file), "typed", rate=0.0, tidy_amounts=True))


def registry_dbf(ctx: Context) -> SheetPlan:
    file = "poverty/PKRK_2024.dbf"
    columns = [Column("户编号", "household_id"), Column("姓名", "name"), Column("证件号码", "id_number"),
               Column("与户主关系", "relation"), Column("劳动技能", "labor_ability"), Column("贫困户状态", "poverty_status"),
               Column("人均纯收入", "annual_income_per_capita"), Column("县", "county")]
    records = sorted(_rows(ctx, "registry", DBF), key=lambda r: str(r.values["household_id"]))
    return _plan(file, "", "registry", columns, records, Mess(ctx.rng(file), "text", rate=0.0,
                                                             county_names=ctx.county_names, tidy_amounts=True),
                 header=False)


def claims_mysql(ctx: Context) -> SheetPlan:
    file = "medical/yb_jsmx.sql"
    columns = [Column("结算流水号", "claim_id"), Column("姓名", "name"), Column("身份证号", "id_number"),
               Column("入院日期", "admit_date"), Column("结算日期", "settle_date"), Column("政策范围内费用", "compliant_cost"),
               Column("统筹支付", "basic_paid"), Column("大病保险", "critical_paid"), Column("补充保险", "supplementary_paid"),
               Column("医疗救助金额", "aid_paid")]
    return _plan(file, "jsmx", "claims", columns, _rows(ctx, "claims", MYSQL),
                 Mess(ctx.rng(file), "typed", rate=0.0, tidy_amounts=True), header=False)


def persons_mssql(ctx: Context) -> SheetPlan:
    file = "disability/两项补贴_导出.sql"
    columns = [Column("姓名", "name"), Column("身份证号", "id_number"), Column("残疾证号", "cert_number"),
               Column("残疾等级", "disability_level"), Column("困难残疾人生活补贴", "living_subsidy"),
               Column("重度残疾人护理补贴", "care_subsidy")]
    return _plan(file, "两项补贴", "persons", columns, _rows(ctx, "persons", MSSQL),
                 Mess(ctx.rng(file), "typed", rate=0.0, tidy_amounts=True), header=False)


def write_formats(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    """Each format's file, when it holds any row; and its plan, for the ground truth."""
    written = []
    for plan, write in ((dibao_xls(ctx), lambda p: formats.write_xls(period_dir / p.file, [p])),
                        (tekun_ods(ctx), lambda p: formats.write_ods(period_dir / p.file, [p])),
                        (deaths_et(ctx), lambda p: formats.write_et(period_dir / p.file, [p])),
                        (enrollment_xlsb(ctx), lambda p: formats.write_xlsb(period_dir / p.file, [p])),
                        (registry_dbf(ctx), lambda p: formats.write_dbf(period_dir / p.file, p)),
                        (claims_mysql(ctx), lambda p: formats.write_mysql_dump(period_dir / p.file, [p])),
                        (persons_mssql(ctx), lambda p: formats.write_sql_server_dump(period_dir / p.file, [p]))):
        if any(line.kind == "data" for line in plan.lines):
            write(plan)
            written.append(plan)
    return written

