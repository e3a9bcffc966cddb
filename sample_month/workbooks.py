"""The workbooks: the civil office's 低保 roster (a sheet per district) and 特困 roster, and the
medical office's claims export.

The rosters look the way a 民政局 prints them: a title row, a 填报单位/单位：元 note row, a blank
row, the header, data with a blank column and a stray blank row, 小计 and 合计 rows, the
制表人/审核人/填报日期 footer, and a 填表说明 sheet of prose; header spellings differ by sheet.
Claims come as the 一站式结算 export: a two-row header whose upper row merges 医保支付 over
基本医保 / 大病保险 / 补充保险, and dates as date cells, Excel serials and text.
"""

from __future__ import annotations

from pathlib import Path

from sample_month.identities import townships
from sample_month.layout import (
    HOSPITALS,
    Column,
    Context,
    Line,
    SheetPlan,
    age_of,
    clerks,
    data_line,
    ethnicity,
    footer_line,
    header_line,
    ordinal,
    phone,
    remarks,
    sex_of,
    total_line,
)
from sample_month.records import Record
from sample_month.render import Mess
from sample_month.xlsx import write_workbook

DIBAO_FILE = "civil/城乡低保花名册.xlsx"
TEKUN_FILE = "civil/特困供养人员名册.xlsx"
MISMATCHED_SHEET = 2  # the one 合计 whose benefit sum is off (SPEC §2: report a mismatch)

DIBAO_FIELDS = ("county", "township", "village", "household_id", "name", "id_number", "relation",
                "category", "area_type", "household_size", "per_capita_income", "benefit", "topup")
DIBAO_HEADERS = (
    ("区县", "乡镇（街道）", "村（社区）", "户编号", "成员姓名", "身份证号码", "与户主关系",
     "保障类别", "城乡类别", "保障人口", "家庭月人均收入（元）", "月保障金（元）", "分类施保金（元）"),
    ("县（市、区）", "乡镇", "村居", "家庭编号", "*姓名", "*身份证号", "与户主\n关系",
     "分类", "城乡属性", "保障人数", "家庭人均收入\n(元/月)", "保障金额", "增发金额"),
    ("所属区县", "街道", "社区", "低保证号", "救助对象姓名", "公民身份号码", "与户主关系",
     "类别", "户籍性质", "家庭人口", "家庭月人均收入", "月低保金 (元)", "分类增发"),
    ("区", "乡镇(街道)", "村", "户编号", "姓 名", " 身份证号码 ", "与户主关系",
     "保障类别", "城乡类别", "保障人口", "家庭月人均收入(元)", "月保障金\n（元）", "分类施保金"),
)
DIBAO_NOTES = (
    "1. 本表按区县分表填报，每名保障对象一行，同户成员连续排列。",
    "2. 保障类别填A类、B类、C类，未分类的留空；A类、B类分别按本人保障金的30%、20%增发分类施保金。",
    "3. 月保障金=(当地低保标准-家庭月人均收入)，金额单位为元，保留两位小数。",
    "4. 身份证号码请以文本格式录入，不得使用科学计数法。",
)
TEKUN_NOTES = (
    "1. 集中供养、分散供养人员分表填报。",
    "2. 基本生活费按当地特困人员基本生活标准发放，照料护理费按自理能力分档发放。",
)


def notes_sheet(sheet: str, notes: tuple[str, ...]) -> SheetPlan:
    """A sheet of prose: no dataset, never an input."""
    lines = [Line("title", ["填表说明"])] + [Line("note", [text]) for text in notes]
    return SheetPlan("", sheet, None, [Column("说明")], lines)


def dibao_columns(k: int, ctx: Context, heads: dict[str, str]) -> list[Column]:
    rng = ctx.rng(f"{DIBAO_FILE}#{k}")
    named = [Column(h, f) for h, f in zip(DIBAO_HEADERS[k % 4], DIBAO_FIELDS, strict=True)]
    head_name = Column("户主姓名", value=lambda r, n: heads.get(str(r.values["household_id"])))
    # 序号, a blank column, … 户主姓名 before the member's name (a different field), 民族, 联系电话
    return ([Column("序号", value=ordinal), Column("")] + named[:4] + [head_name] + named[4:]
            + [Column("民族", value=ethnicity(rng)), Column("联系电话", value=phone(rng))])


def title_lines(title: str, note: str, width: int) -> list[Line]:
    return [Line("title", [title] + [None] * (width - 1)),
            Line("note", [note] + [None] * (width - 2) + ["单位：元"]),
            Line("blank", [])]


def dibao_sheet(k: int, county: str, records: list[Record], ctx: Context,
                heads: dict[str, str]) -> SheetPlan:
    rng = ctx.rng(f"{DIBAO_FILE}#{k}#rows")
    columns = dibao_columns(k, ctx, heads)
    name = ctx.county_names[county]
    title = f"{ctx.city}{name}{ctx.month_label}城乡低保花名册"
    plan = SheetPlan(DIBAO_FILE, name, "dibao", columns,
                     title_lines(title, f"填报单位：{name}民政局", len(columns)))
    plan.merges.append((0, 0, 0, len(columns) - 1, title))
    plan.lines.append(header_line(columns))
    order = {t: i for i, t in enumerate(townships(county))}
    records = sorted(records, key=lambda r: (order.get(str(r.values["township"]), 99),
                                             str(r.values["household_id"])))
    mess = Mess(rng, "typed", county_names=ctx.county_names)
    with_subtotals = k == len(ctx.county_names) - 1
    groups = [[r for r in records if r.values["township"] == t] for t in dict.fromkeys(
        r.values["township"] for r in records)] if with_subtotals else [records]
    blank_after = rng.randrange(1, max(2, len(records)))
    n = 0
    for group in groups:
        for record in group:
            n += 1
            plan.lines.append(data_line(record, columns, mess, n))
            if n == blank_after:
                plan.lines.append(Line("blank", []))
        if with_subtotals:
            plan.lines.append(total_line("subtotal", "小计", columns, group))
    off_by = 100.0 if k == min(MISMATCHED_SHEET, len(ctx.county_names) - 1) else 0.0
    plan.lines += [total_line("total", "合计", columns, records, off_by), Line("blank", []),
                   footer_line(len(columns), *clerks(rng), ctx.filled_on)]
    return plan


def household_heads(records: list[Record]) -> dict[str, str]:
    heads: dict[str, str] = {}
    for record in records:
        if record.values["relation"] == "户主":
            heads.setdefault(str(record.values["household_id"]), str(record.values["name"]))
    return heads


def dibao_plans(ctx: Context) -> list[SheetPlan]:
    records = ctx.rows("dibao")
    heads = household_heads(records)
    return [dibao_sheet(k, county, [r for r in records if r.values["county"] == county], ctx, heads)
            for k, county in enumerate(ctx.county_names)]


def tekun_columns(centralized: bool, ctx: Context) -> list[Column]:
    remark = remarks(ctx.rng(f"{TEKUN_FILE}#{centralized}"))
    if centralized:
        return [Column("序号", value=ordinal), Column("*姓名", "name"), Column("身份证号码", "id_number"),
                Column("区县", "county"), Column("乡镇（街道）", "township"), Column("村（社区）", "village"),
                Column("供养方式", "support_mode"), Column("自理能力", "self_care"),
                Column("基本生活费\n（元/月）", "basic_paid"), Column("照料护理费\n（元/月）", "care_paid"),
                Column("性别", value=sex_of), Column("年龄", value=age_of(ctx.month.period.end)),
                Column("备注", value=remark)]
    return [Column("序号", value=ordinal), Column("县区", "county"), Column("乡镇", "township"),
            Column("行政村", "village"), Column("对象姓名", "name"), Column("证件号码", "id_number"),
            Column("供养方式", "support_mode"), Column("自理能力", "self_care"),
            Column("月基本生活费", "basic_paid"), Column("照料护理标准", "care_paid"),
            Column("备注", value=remark)]


def tekun_sheet(centralized: bool, ctx: Context) -> SheetPlan:
    mode = "centralized" if centralized else "dispersed"
    sheet = "集中供养" if centralized else "分散供养"
    rng = ctx.rng(f"{TEKUN_FILE}#{sheet}")
    records = sorted((r for r in ctx.rows("tekun") if r.values["support_mode"] == mode),
                     key=lambda r: (str(r.values["county"]), str(r.values["township"])))
    columns = tekun_columns(centralized, ctx)
    title = f"{ctx.city}{ctx.month_label}特困人员供养名册（{sheet}）"
    plan = SheetPlan(TEKUN_FILE, sheet, "tekun", columns,
                     [Line("title", [title]), Line("blank", []), header_line(columns)])
    # Codes in one sheet, names in the other: SPEC §2 accepts both for the county.
    mess = Mess(rng, "typed", county_as="code" if centralized else "name", county_names=ctx.county_names)
    plan.lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    if not centralized:
        plan.lines.append(total_line("total", "合计", columns, records))
    plan.lines.append(footer_line(len(columns), *clerks(rng), ctx.filled_on))
    return plan


def write_civil_workbooks(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    dibao = dibao_plans(ctx)
    write_workbook(period_dir / DIBAO_FILE, dibao + [notes_sheet("填表说明", DIBAO_NOTES)], ctx.filled_on)
    tekun = [tekun_sheet(True, ctx), tekun_sheet(False, ctx)]
    write_workbook(period_dir / TEKUN_FILE, tekun + [notes_sheet("说明", TEKUN_NOTES)], ctx.filled_on)
    return dibao + tekun


CLAIMS_FILE = "medical/住院结算明细.xlsx"
INSURANCE_PAID = {"basic_paid": "基本医保", "critical_paid": "大病保险", "supplementary_paid": "补充保险"}
HEADER_ROW = 2  # below the title and the note row


def self_paid(record: Record, n: int) -> float:
    v = record.values
    paid = v["basic_paid"] + v["critical_paid"] + v["supplementary_paid"] + v["aid_paid"]
    return round(v["total_cost"] - paid, 2)


def claims_columns(ctx: Context) -> list[Column]:
    rng = ctx.rng(CLAIMS_FILE + "#columns")
    return [
        Column("序号", value=ordinal), Column("结算单号", "claim_id"), Column("姓名", "name"),
        Column("身份证号", "id_number"), Column("医院名称", value=lambda r, n: rng.choice(HOSPITALS)),
        Column("入院日期", "admit_date"), Column("出院日期", "discharge_date"),
        Column("结算日期", "settle_date"), Column("医疗总费用（元）", "total_cost"),
        Column("政策范围内费用", "compliant_cost"),
    ] + [Column(header, field) for field, header in INSURANCE_PAID.items()] + [
        Column("医疗救助金额", "aid_paid"), Column("个人自付", value=self_paid),
    ]


def two_row_header(columns: list[Column]) -> tuple[list[Line], list[tuple[int, int, int, int, str]]]:
    """医保支付 merged over its three leaves; every other header merged down over both rows."""
    group = [i for i, c in enumerate(columns) if c.field in INSURANCE_PAID]
    upper = [None if i in group else c.header for i, c in enumerate(columns)]
    upper[group[0]] = "医保支付"
    lower = [c.header if i in group else None for i, c in enumerate(columns)]
    merges = [(HEADER_ROW, group[0], HEADER_ROW, group[-1], "医保支付")]
    merges += [(HEADER_ROW, i, HEADER_ROW + 1, i, c.header)
               for i, c in enumerate(columns) if i not in group]
    return [Line("header", upper), Line("header", lower)], merges


def claims_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(CLAIMS_FILE)
    columns = claims_columns(ctx)
    period = ctx.month.period
    title = f"{ctx.city}{period.year}年1-{period.month}月城乡居民医保住院结算明细（一站式）"
    note = f"统计口径：结算日期 {period.year}-01-01 至 {period.end:%Y-%m-%d}"
    headers, merges = two_row_header(columns)
    plan = SheetPlan(CLAIMS_FILE, "住院结算", "claims", columns,
                     [Line("title", [title]), Line("note", [note])] + headers)
    plan.merges += [(0, 0, 0, len(columns) - 1, title)] + merges
    records = sorted(ctx.rows("claims"), key=lambda r: (r.values["settle_date"], str(r.values["claim_id"])))
    mess = Mess(rng, "typed", legacy_as_number=True)
    plan.lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    plan.lines += [total_line("total", "合计", columns, records),
                   footer_line(len(columns), *clerks(rng), ctx.filled_on)]
    return plan


def write_claims(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    plan = claims_plan(ctx)
    # Rows merged over two rows cannot be written in constant-memory mode; claims are few.
    write_workbook(period_dir / CLAIMS_FILE, [plan], ctx.filled_on, constant_memory=False)
    return [plan]
