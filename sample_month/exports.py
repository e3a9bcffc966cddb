"""The system exports: deaths from the 殡葬管理所 as a GBK CSV; the 建档立卡 roster as a
tab-separated UTF-8-with-BOM .txt under a title line (one row per line, so the truth's row is the
line a text editor shows); enrollment as a SQLite dump with Chinese column names and a code table
(dm_zzlb) that is no dataset (row = ordinal in rowid order); disabled persons as Parquet with typed
columns, the living subsidy as text and the care subsidy as a float with nulls (row = ordinal).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import polars as pl

from sample_month.layout import (
    Column,
    Context,
    Line,
    SheetPlan,
    data_line,
    header_line,
    ordinal,
    phone,
    sex_of,
)
from sample_month.records import Record
from sample_month.render import Mess

DEATHS_FILE = "civil/殡葬管理所火化数据.csv"
REGISTRY_FILE = "poverty/建档立卡人口信息.txt"


def address(names: dict[str, str]):
    def of(record, n: int) -> str:
        v = record.values
        return f"{names.get(str(v['county']), '')}{v['township']}{v['village']}"
    return of


def deaths_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(DEATHS_FILE)
    columns = [Column("序号", value=ordinal), Column("姓名", "name"), Column("性别", value=sex_of),
               Column("身份证号", "id_number"), Column("火化日期", "death_date"),
               Column("死亡原因", value=lambda r, n: rng.choice(("疾病", "疾病", "衰老", "意外"))),
               Column("户籍地址", value=address(ctx.county_names))]
    records = sorted(ctx.rows("deaths"), key=lambda r: r.values["death_date"])
    mess = Mess(rng, "text")
    lines = [header_line(columns)]
    lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    # An Excel "save as CSV" keeps a stray empty row as a line of commas.
    lines.insert(rng.randrange(2, len(lines) + 1), Line("blank", [None] * len(columns)))
    return SheetPlan(DEATHS_FILE, "", "deaths", columns, lines)


def registry_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(REGISTRY_FILE)
    columns = [Column("序号", value=ordinal), Column("县(市、区)", "county"), Column("乡(镇)", "township"),
               Column("行政村", "village"), Column("户编号", "household_id"),
               Column("人编号", value=lambda r, n: f"{r.values['household_id']}{n % 100:02d}"),
               Column("姓名", "name"), Column("证件号码", "id_number"), Column("与户主关系", "relation"),
               Column("劳动技能", "labor_ability"), Column("脱贫状态", "poverty_status"),
               Column("脱贫年度", "exit_year"), Column("人均纯收入（元）", "annual_income_per_capita"),
               Column("主要致贫原因", "cause"),
               Column("文化程度", value=lambda r, n: rng.choice(("小学", "初中", "文盲或半文盲", "高中")))]
    records = sorted(ctx.rows("registry"), key=lambda r: (str(r.values["county"]),
                                                        str(r.values["household_id"])))
    names = dict(ctx.county_names)
    for code, county in ctx.policy.counties.items():
        # 义安区 was 铜陵县 until 2015; the 扶贫 system still prints the old name.
        names[code] = county.aliases[0] if county.aliases else county.name
    mess = Mess(rng, "text", county_names=names)
    title = f"{ctx.city}建档立卡人口信息（截至{ctx.month_label}底）"
    lines = [Line("title", [title]), header_line(columns)]
    lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    return SheetPlan(REGISTRY_FILE, "", "registry", columns, lines)


def as_text(value: object) -> str:
    return "" if value is None else str(value)


def write_text(path: Path, plan: SheetPlan, delimiter: str, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in plan.lines:
        if line.kind == "title":
            buffer.write(as_text(line.cells[0]) + "\r\n")  # a title line is not quoted
        else:
            writer.writerow([as_text(v) for v in line.cells])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_text_files(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    deaths, registry = deaths_plan(ctx), registry_plan(ctx)
    write_text(period_dir / DEATHS_FILE, deaths, ",", "gbk")
    write_text(period_dir / REGISTRY_FILE, registry, "\t", "utf-8-sig")
    return [deaths, registry]


ENROLLMENT_FILE = "medical/参保资助信息.db"
ENROLLMENT_TABLE = "cbxx"  # 参保信息, as the 医保 system names it
ENROLLMENT_COLUMNS = (  # header, field, SQLite type
    ("人员编号", None, "TEXT"), ("姓名", "name", "TEXT"), ("公民身份号码", "id_number", "TEXT"),
    ("参保状态", "insured_status", "TEXT"), ("个人缴费标准", "premium", "REAL"),
    ("财政代缴金额", "premium_subsidy", "REAL"), ("资助类别", "subsidy_type", "TEXT"),
    ("参保年度", "year", "INTEGER"), ("险种类型", None, "TEXT"), ("联系电话", None, "TEXT"),
)
SUBSIDY_CODES = (("01", "特困人员"), ("02", "低保对象"), ("03", "返贫致贫人口"), ("04", "监测对象"))


def enrollment_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(ENROLLMENT_FILE)
    unmapped = {"人员编号": lambda r, n: f"3407{n:016d}", "险种类型": lambda r, n: "城乡居民基本医疗保险",
                "联系电话": phone(rng)}
    columns = [Column(h, f, None if f else unmapped[h]) for h, f, _ in ENROLLMENT_COLUMNS]
    records = list(ctx.rows("enrollment"))
    rng.shuffle(records)
    # A system dump: amounts are typed numbers; IDs and names were still typed in by hand.
    mess = Mess(rng, "typed", rate=0.05, tidy_amounts=True)
    lines = [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    return SheetPlan(ENROLLMENT_FILE, ENROLLMENT_TABLE, "enrollment", columns, lines)


def write_enrollment(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    plan = enrollment_plan(ctx)
    path = period_dir / ENROLLMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    columns = ", ".join(f'"{h}" {kind}' for h, _, kind in ENROLLMENT_COLUMNS)
    marks = ", ".join("?" for _ in ENROLLMENT_COLUMNS)
    with sqlite3.connect(path) as db:
        db.execute(f'CREATE TABLE "{ENROLLMENT_TABLE}" ({columns})')
        # rowid order is file order: the truth's row numbers count rows in rowid order.
        db.executemany(f'INSERT INTO "{ENROLLMENT_TABLE}" VALUES ({marks})',
                       [line.cells for line in plan.lines])
        db.execute('CREATE TABLE "dm_zzlb" ("代码" TEXT, "名称" TEXT)')
        db.executemany('INSERT INTO "dm_zzlb" VALUES (?, ?)', SUBSIDY_CODES)
    db.close()
    return [plan]


PERSONS_FILE = "disability/残疾人两项补贴发放名单.parquet"
TYPES = {"序号": pl.Int64, "重度残疾人护理补贴（元）": pl.Float64}


def care_as_float(mess: Mess):
    def care(record: Record, n: int) -> float | None:
        if "care_subsidy" in record.raw:
            return record.raw["care_subsidy"]
        value = float(record.values["care_subsidy"])
        return None if value == 0 and mess.rng.random() < 0.5 else value
    return care


def persons_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(PERSONS_FILE)
    mess = Mess(rng, "text", county_as="code")
    columns = [Column("序号", value=ordinal), Column("姓名", "name"), Column("身份证号", "id_number"),
               Column("残疾证号", "cert_number"), Column("残疾类别", "disability_type"),
               Column("残疾等级", "disability_level"), Column("困难残疾人生活补贴", "living_subsidy"),
               Column("重度残疾人护理补贴（元）", "care_subsidy", care_as_float(mess)),
               Column("区县", "county"), Column("联系电话", value=phone(rng))]
    records = list(ctx.rows("persons"))
    rng.shuffle(records)
    lines = [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    return SheetPlan(PERSONS_FILE, "", "persons", columns, lines)


def write_persons(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    plan = persons_plan(ctx)
    data = {c.header: [line.cells[i] for line in plan.lines] for i, c in enumerate(plan.columns)}
    schema = {c.header: TYPES.get(c.header, pl.String) for c in plan.columns}
    path = period_dir / PERSONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(data, schema=schema).write_parquet(path)
    return [plan]
