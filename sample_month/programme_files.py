"""The civil office's exports of the seed's other programmes (SPEC §1, §2):

- 临时救助发放明细 (.xlsx), the 社会救助 system's 救助方案明细 export: one sheet per district with no
  county column (the sheet name says it), 受助人/单位名称, 受助对象身份证号, 救助资金现金金额 beside the
  goods' value, 受助日期, an 经办人 column (a clerk, never the subject), a 合计 row and the footer;
- 困境儿童基本生活保障名册 (.xlsx), the children's welfare system: 孤儿 and 事实无人抚养儿童 on one sheet
  with 养育方式 and the 监护人's name and ID (a role column, never the child's), other children in
  difficulty on a second sheet that has no 养育方式 column (it does not apply to them);
- 低收入人口名单 (.csv, UTF-8 with BOM), the 低收入人口 monitoring list: one row per member, with
  与户主关系 and 家庭年收入, which are no fields of the dataset.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sample_month.identities import PeopleFactory
from sample_month.layout import (
    Column,
    Context,
    Line,
    SheetPlan,
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
from sample_month.workbooks import title_lines
from sample_month.xlsx import write_workbook

RELIEF_FILE = "civil/临时救助发放明细.xlsx"
CHILDREN_FILE = "civil/困境儿童基本生活保障名册.xlsx"
LOW_INCOME_FILE = "civil/低收入人口名单.csv"


def relief_columns(ctx: Context, county: str) -> list[Column]:
    rng = ctx.rng(f"{RELIEF_FILE}#{county}#columns")
    handler = clerks(rng)[0]
    return [Column("序号", value=ordinal), Column("乡镇（街道）", "township"), Column("村（社区）", "village"),
            Column("受助人/单位名称", "name"), Column("受助对象身份证号", "id_number"),
            Column("救助类型", "relief_type"), Column("救助事由", "reason"),
            Column("救助资金现金金额", "amount"), Column("救助物品折价金额", value=lambda r, n: 0),
            Column("受助日期", "pay_date"), Column("经办人", value=lambda r, n: handler)]


def relief_sheet(ctx: Context, county: str) -> SheetPlan:
    rng = ctx.rng(f"{RELIEF_FILE}#{county}")
    name = ctx.county_names[county]
    columns = relief_columns(ctx, county)
    period = ctx.month.period
    title = f"{ctx.city}{name}{period.year}年1-{period.month}月临时救助发放明细"
    plan = SheetPlan(RELIEF_FILE, name, "temp_relief", columns,
                     title_lines(title, f"填报单位：{name}民政局", len(columns)) + [header_line(columns)])
    plan.merges.append((0, 0, 0, len(columns) - 1, title))
    records = sorted((r for r in ctx.rows("temp_relief") if r.values["county"] == county),
                     key=lambda r: (str(r.values["pay_date"]), str(r.values["township"])))
    mess = Mess(rng, "typed", county_names=ctx.county_names)
    plan.lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    plan.lines += [total_line("total", "合计", columns, records), footer_line(len(columns), *clerks(rng), ctx.filled_on)]
    return plan


def children_columns(ctx: Context, orphans: bool) -> list[Column]:
    rng = ctx.rng(f"{CHILDREN_FILE}#{orphans}")
    place = [Column("序号", value=ordinal), Column("区县", "county"), Column("乡镇（街道）", "township"),
             Column("村（社区）", "village"), Column("姓名", "name"), Column("性别", value=sex_of),
             Column("身份证号码", "id_number"), Column("保障类别", "child_category")]
    adults: dict[str, tuple[str, str]] = {}
    people = PeopleFactory(ctx.rng(f"{CHILDREN_FILE}#{orphans}#guardians"), ctx.month.period.end)

    def adult(record: Record) -> tuple[str, str]:  # 监护人: a grown-up of the child's county
        if record.id_number not in adults:
            grown = people.person(str(record.values["county"]), (25, 70))
            adults[record.id_number] = (grown.name, grown.id_number)
        return adults[record.id_number]

    guardian_columns = [Column("监护人姓名", value=lambda r, n: adult(r)[0]),
                        Column("监护人身份证号", value=lambda r, n: adult(r)[1]),
                        Column("联系电话", value=phone(rng))]
    if orphans:
        return place + [Column("养育方式", "care_setting"), Column("基本生活费（元/月）", "allowance"),
                        Column("民族", value=ethnicity(rng))] + guardian_columns + [Column("备注", value=remarks(rng))]
    return place + [Column("困境类型", value=lambda r, n: rng.choice(("重病", "重残", "父母重病重残", "父母服刑"))),
                    Column("基本生活费（元/月）", "allowance")] + guardian_columns


def children_sheet(ctx: Context, orphans: bool) -> SheetPlan:
    sheet = "孤儿及事实无人抚养儿童" if orphans else "其他困境儿童"
    rng = ctx.rng(f"{CHILDREN_FILE}#{sheet}")
    columns = children_columns(ctx, orphans)
    wanted = ("orphan", "de_facto") if orphans else ("difficulty",)
    records = sorted((r for r in ctx.rows("children") if r.values["child_category"] in wanted
                      or (not orphans and r.values["child_category"] not in ("orphan", "de_facto"))),
                     key=lambda r: (str(r.values["county"]), str(r.values["township"])))
    title = f"{ctx.city}{ctx.month_label}困境儿童基本生活保障名册（{sheet}）"
    plan = SheetPlan(CHILDREN_FILE, sheet, "children", columns,
                     [Line("title", [title]), Line("blank", []), header_line(columns)])
    mess = Mess(rng, "typed", county_as="name" if orphans else "code", county_names=ctx.county_names)
    plan.lines += [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    if orphans:
        plan.lines.append(total_line("total", "合计", columns, records))
    plan.lines.append(footer_line(len(columns), *clerks(rng), ctx.filled_on))
    return plan


def low_income_plan(ctx: Context) -> SheetPlan:
    rng = ctx.rng(LOW_INCOME_FILE)
    columns = [Column("序号", value=ordinal), Column("区县", "county"), Column("乡镇（街道）", "township"),
               Column("户编号", "household_id"), Column("姓名", "name"), Column("身份证号", "id_number"),
               Column("与户主关系", value=lambda r, n: r.spelling.get("relation")),
               Column("类型", "low_income_type"),
               Column("家庭年收入（元）", value=lambda r, n: rng.randrange(60, 240) * 100),
               Column("联系电话", value=phone(rng))]
    records = sorted(ctx.rows("low_income"), key=lambda r: (str(r.values["county"]), str(r.values["household_id"])))
    mess = Mess(rng, "text", county_names=ctx.county_names)
    lines = [header_line(columns)] + [data_line(r, columns, mess, n) for n, r in enumerate(records, 1)]
    return SheetPlan(LOW_INCOME_FILE, "", "low_income", columns, lines)


def write_csv(path: Path, plan: SheetPlan) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in plan.lines:
        writer.writerow(["" if v is None else str(v) for v in line.cells])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def write_programme_files(ctx: Context, period_dir: Path) -> list[SheetPlan]:
    relief = [relief_sheet(ctx, county) for county in ctx.county_names]
    write_workbook(period_dir / RELIEF_FILE, relief, ctx.filled_on)
    children = [children_sheet(ctx, True), children_sheet(ctx, False)]
    write_workbook(period_dir / CHILDREN_FILE, children, ctx.filled_on)
    low_income = low_income_plan(ctx)
    write_csv(period_dir / LOW_INCOME_FILE, low_income)
    return relief + children + [low_income]
