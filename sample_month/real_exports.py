"""Files as real systems export them (SPEC §2): the shapes offices' systems write, in the sample month.

Some clean rows of the month leave the tidy rosters for the files a real system would send:
- a 低保台账 with one row per household, members in numbered column groups (成员一姓名 …);
- a 低保金发放表 per 街道 without 家庭月人均收入 or 分类施保金 (absent columns: unknown facts), its
  area type, county and township printed once above the table;
- a 五保 family list whose only name is 户主姓名;
- a 两项补贴发放明细 with one row per payment type (补贴类型 生活补贴 / 护理补贴);
- a 医保结算 export mixing 住院, 门诊 and 药店 rows, with no 结算单号 (derived keys) and a three-row
  header (a title over 医保支付 over 统筹 / 大病 / 大额);
- one 基本生活保障 template for 低保 and 特困 (基本生活保障类型 城市低保A1档 / 农村特困);
- a 防返贫监测 household sheet and member sheet, joined on 户编号;
- 火化登记 naming people by role (经办人 before 逝者).
Records are chosen (a `channel`) before any file is written; every writer elsewhere skips them.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sample_month.identities import id_number, townships
from sample_month.layout import (
    Column,
    Context,
    InputRow,
    Line,
    SheetPlan,
    clerks,
    footer_line,
    ordinal,
)
from sample_month.records import Month, Record
from sample_month.render import Mess
from sample_month.xlsx import write_workbook

HOUSEHOLD_ROWS, PAYMENT_SHEET, FAMILY_LIST, PAYMENT_TYPES, MIXED_STAYS, TEMPLATE, POVERTY_SHEETS, ROLES = (
    "household_rows", "payment_sheet", "family_list", "payment_types", "mixed_stays", "template",
    "poverty_sheets", "roles")
MEMBER_NUMBERS = "一二三四五六七八九"


def clean(record: Record) -> bool:
    """A row that is read as written: accepted, its ID neither mistyped nor spelled oddly."""
    return record.accepted and not record.identity_case and not record.spelling


def _households(records: list[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        grouped[str(record.values["household_id"])].append(record)
    return grouped


def assign_channels(month: Month, seed: int) -> None:
    """Choose, deterministically, the clean rows each real export takes (whole households)."""
    rng = random.Random(f"doudi:{seed}:{month.period.text}:real-exports")
    households = [members for members in _households(month.rows["dibao"]).values()
                  if all(map(clean, members)) and len(members) <= len(MEMBER_NUMBERS) + 1]
    ids_on_other_rosters = {r.id_number for name in ("tekun",) for r in month.rows[name]}
    for members in households:
        draw = rng.random()
        if draw < 0.12:
            channel = HOUSEHOLD_ROWS
        elif draw < 0.22:
            channel = PAYMENT_SHEET
        elif draw < 0.28 and len(members) == 1 and members[0].id_number not in ids_on_other_rosters:
            channel = TEMPLATE
        else:
            continue
        for record in members:
            record.channel = channel
            if channel == PAYMENT_SHEET:
                record.unknown = {"per_capita_income", "topup"}
    for record in month.rows["tekun"]:
        if clean(record) and rng.random() < 0.15:
            record.channel = FAMILY_LIST if rng.random() < 0.6 else TEMPLATE
    for record in month.rows["persons"]:
        if clean(record) and rng.random() < 0.3:
            record.channel = PAYMENT_TYPES
    for record in month.rows["claims"]:
        if clean(record) and rng.random() < 0.3:
            record.channel = MIXED_STAYS
            record.values["claim_id"] = derived_claim_id(record)
    for members in _households(month.rows["registry"]).values():
        if all(map(clean, members)) and rng.random() < 0.15:
            for record in members:
                record.channel = POVERTY_SHEETS
                record.unknown = {"exit_year"}
    for record in month.rows["deaths"]:
        if clean(record) and rng.random() < 0.3:
            record.channel = ROLES


def derived_claim_id(record: Record) -> str:
    """SPEC §2: `D` and the first 12 hex digits of sha256(id|admit|settle|compliant cost)."""
    v = record.values
    admitted = f"{v['admit_date']:%Y-%m-%d}" if v.get("admit_date") else ""
    key = f"{record.id_number}|{admitted}|{v['settle_date']:%Y-%m-%d}|{v['compliant_cost']:.2f}"
    return "D" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


@dataclass
class ShapedPlan(SheetPlan):
    """A sheet whose office rows are not one row per person: its counts are given, not derived
    from one record per line (SPEC §2, counting when rows are reshaped)."""

    counts: tuple[int, int, int] = (0, 0, 0)  # rows read (the office's), accepted, skipped
    write: bool = True  # False for the second dataset of a split sheet (written with the first)

    def input_row(self) -> InputRow:
        read, accepted, skipped = self.counts
        return InputRow(self.file, self.sheet, str(self.dataset), read, accepted, 0, skipped, "none")

    def identity_cases(self) -> list:
        return []

    def quarantine(self) -> list:
        return []


def _amount(value: object) -> object:
    return None if value in (None, 0, 0.0) else value


def _records(ctx: Context, dataset: str, channel: str) -> list[Record]:
    return [r for r in ctx.month.rows[dataset] if r.channel == channel]


def _title(text: str, width: int) -> list[Line]:
    return [Line("title", [text] + [None] * (width - 1))]


def household_rows_plan(ctx: Context) -> ShapedPlan:
    """低保台账: one row per household, the head's columns then 成员一… groups."""
    file = "civil/低保台账（户）.xlsx"
    mess = Mess(ctx.rng(file), "typed", rate=0.0, county_names=ctx.county_names)
    households = list(_households(_records(ctx, "dibao", HOUSEHOLD_ROWS)).values())
    groups = max((len(m) - 1 for m in households), default=1)
    header = ["序号", "地区", "乡镇（街道）", "家庭编号", "户主姓名", "身份证号码", "保障类别", "月保障金", "分类施保金",
              "城乡类别", "家庭月人均收入", "享受保障人数", "户月保障金"]
    for n in MEMBER_NUMBERS[:groups]:
        header += [f"成员{n}姓名", f"成员{n}身份证号码", f"成员{n}与户主关系", f"成员{n}保障类别",
                   f"成员{n}月保障金", f"成员{n}分类施保金"]
    lines = _title(f"{ctx.city}{ctx.month_label}城乡低保台账", len(header)) + [Line("header", header)]
    for i, members in enumerate(households, 1):
        head, *others = sorted(members, key=lambda r: r.values["relation"] != "户主")
        v = head.values
        cells = [i, mess.county(str(v["county"])), v["township"], v["household_id"], v["name"], head.id_number,
                 mess.cell(head, "category"), v["benefit"], _amount(v["topup"]), mess.cell(head, "area_type"),
                 v["per_capita_income"], len(members), round(sum(r.values["benefit"] for r in members), 2)]
        for other in others:
            o = other.values
            cells += [o["name"], other.id_number, o["relation"], mess.cell(other, "category"), o["benefit"],
                      _amount(o["topup"])]
        cells += [None] * (len(header) - len(cells))
        lines.append(Line("data", cells, head))
    produced = sum(len(m) for m in households)
    return ShapedPlan(file, "台账", "dibao", [Column(h) for h in header], lines,
                      [(0, 0, 0, len(header) - 1, lines[0].cells[0])], counts=(len(households), produced, 0))


def payment_sheet_plans(ctx: Context) -> list[ShapedPlan]:
    """低保金发放表, a sheet per 街道: no income and no top-up column (unknown facts, SPEC §2); the
    county in the file name, the area type and the township above the table."""
    file_by_county: dict[str, list[Record]] = defaultdict(list)
    for record in _records(ctx, "dibao", PAYMENT_SHEET):
        file_by_county[str(record.values["county"])].append(record)
    plans = []
    for county, records in sorted(file_by_county.items()):
        file = f"civil/{ctx.county_names[county]}低保金发放表.xlsx"
        by_township: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            by_township[str(record.values["township"])].append(record)
        order = {t: i for i, t in enumerate(townships(county))}
        for township, rows in sorted(by_township.items(), key=lambda kv: order.get(kv[0], 99)):
            for area in ("urban", "rural"):
                mine = [r for r in rows if r.values["area_type"] == area]
                if mine:
                    plans.append(_payment_sheet(ctx, file, county, township, area, mine))
    return plans


def _payment_sheet(ctx: Context, file: str, county: str, township: str, area: str,
                   records: list[Record]) -> ShapedPlan:
    mess = Mess(ctx.rng(f"{file}#{township}{area}"), "typed", rate=0.0)
    columns = [Column("序号", value=ordinal), Column("户编号", "household_id"), Column("姓名", "name"),
               Column("身份证号码", "id_number"), Column("与户主关系", "relation"), Column("保障类别", "category"),
               Column("月保障金（元）", "benefit"), Column("银行账号", value=lambda r, n: f"62170{n:012d}")]
    label = "城市" if area == "urban" else "农村"
    title = f"{township}{ctx.month_label}{label}低保金发放表"
    lines = _title(title, len(columns)) + [Line("header", [c.header for c in columns])]
    records = sorted(records, key=lambda r: (str(r.values["household_id"]), r.values["relation"] != "户主"))
    for n, record in enumerate(records, 1):
        lines.append(Line("data", [c.value(record, n) if c.value else mess.cell(record, c.field) for c in columns],
                          record))
    sheet = f"{township}{label}"
    return ShapedPlan(file, sheet, "dibao", columns, lines, counts=(len(records), len(records), 0))


def family_list_plan(ctx: Context) -> ShapedPlan:
    """五保供养对象名册: one row per household (the person alone), named by 户主姓名."""
    file = "civil/五保供养对象名册.xlsx"
    mess = Mess(ctx.rng(file), "typed", rate=0.0, county_names=ctx.county_names)
    columns = [Column("序号", value=ordinal), Column("区县", "county"), Column("乡镇", "township"),
               Column("户主姓名", "name"), Column("身份证号码", "id_number"), Column("供养方式", "support_mode"),
               Column("生活自理能力", "self_care"), Column("基本生活费", "basic_paid"), Column("照料护理费", "care_paid")]
    records = _records(ctx, "tekun", FAMILY_LIST)
    lines = [Line("header", [c.header for c in columns])]
    lines += [Line("data", [c.value(r, n) if c.value else mess.cell(r, c.field) for c in columns], r)
              for n, r in enumerate(records, 1)]
    return ShapedPlan(file, "五保户", "tekun", columns, lines, counts=(len(records), len(records), 0))


def payment_types_plan(ctx: Context) -> ShapedPlan:
    """两项补贴发放明细: one row per payment; a person paid neither has one row, type blank."""
    file = "disability/两项补贴发放明细.xlsx"
    mess = Mess(ctx.rng(file), "typed", rate=0.0, county_names=ctx.county_names)
    header = ["序号", "姓名", "身份证号码", "残疾人证号", "残疾类别", "残疾等级", "补贴类型", "补贴金额", "区县"]
    lines = [Line("header", header)]
    records = _records(ctx, "persons", PAYMENT_TYPES)
    n = 0
    for record in records:
        v = record.values
        payments = [(kind, v[field]) for kind, field in (("困难残疾人生活补贴", "living_subsidy"),
                                                         ("重度残疾人护理补贴", "care_subsidy")) if v[field]]
        for k, (kind, amount) in enumerate(payments or [(None, None)]):
            n += 1
            lines.append(Line("data" if k == 0 else "continuation",
                              [n, v["name"], record.id_number, v["cert_number"], mess.cell(record, "disability_type"),
                               mess.cell(record, "disability_level"), kind, amount,
                               mess.county(str(v["county"]))], record if k == 0 else None))
    return ShapedPlan(file, "发放明细", "persons", [Column(h) for h in header], lines,
                      counts=(n, len(records), 0))


OUTPATIENT = ("普通门诊", "门诊慢特病", "药店购药")


def mixed_stays_plan(ctx: Context) -> ShapedPlan:
    """医保结算明细: 住院 rows mixed with 门诊 and 药店 rows; no 结算单号; a three-row header."""
    file = "medical/医保结算明细（含门诊）.xlsx"
    rng = ctx.rng(file)
    leaves = ["序号", "姓名", "身份证号", "医保就诊类别", "入院日期", "结算日期", "医疗总费用", "政策范围内费用",
              "统筹", "大病", "大额", "医疗救助金额", "个人自付"]
    title = f"{ctx.city}{ctx.month.period.year}年1-{ctx.month.period.month}月医疗保障结算明细"
    groups = [None] * 8 + ["医保支付", None, None, "救助支付", "个人支付"]
    upper = leaves[:8] + [None] * 5
    lines = [Line("title", [title] + [None] * (len(leaves) - 1)),
             Line("header", upper[:8] + groups[8:]), Line("header", [None] * 8 + leaves[8:])]
    merges = [(0, 0, 0, len(leaves) - 1, title), (1, 8, 1, 10, "医保支付")]
    merges += [(1, i, 2, i, leaves[i]) for i in range(8)]
    records = sorted(_records(ctx, "claims", MIXED_STAYS), key=lambda r: (r.values["settle_date"], r.id_number))
    n = skipped = 0
    for record in records:
        v = record.values
        n += 1
        paid = v["basic_paid"] + v["critical_paid"] + v["supplementary_paid"] + v["aid_paid"]
        lines.append(Line("data", [n, v["name"], record.id_number, "住院", v["admit_date"], v["settle_date"],
                                   v["total_cost"], v["compliant_cost"], v["basic_paid"], _amount(v["critical_paid"]),
                                   _amount(v["supplementary_paid"]), _amount(v["aid_paid"]),
                                   round(v["total_cost"] - paid, 2)], record))
        if rng.random() < 0.5:  # the same person's outpatient visit or pharmacy purchase
            n += 1
            skipped += 1
            cost = round(rng.uniform(40, 600), 2)
            lines.append(Line("skipped", [n, v["name"], record.id_number, rng.choice(OUTPATIENT), None,
                                          v["settle_date"] + timedelta(days=1), cost, cost,
                                          round(cost * 0.6, 2), None, None, None, round(cost * 0.4, 2)]))
    return ShapedPlan(file, "结算明细", "claims", [Column(h) for h in leaves], lines, merges,
                      counts=(n, len(records), skipped))


PROGRAMME_LABEL = {("dibao", "urban"): "城市低保", ("dibao", "rural"): "农村低保"}


def template_plans(ctx: Context) -> list[ShapedPlan]:
    """基本生活保障对象: one template for 低保 and 特困, the programme in 基本生活保障类型."""
    file = "civil/基本生活保障对象名单.xlsx"
    mess = Mess(ctx.rng(file), "typed", rate=0.0, county_names=ctx.county_names)
    header = ["所属年份", "所属月份", "区县", "乡镇", "户编号", "姓名", "身份证号", "基本生活保障类型", "保障金额",
              "分类施保金", "家庭月人均收入", "供养方式", "自理能力", "照料护理费"]
    period = ctx.month.period
    dibao, tekun = _records(ctx, "dibao", TEMPLATE), _records(ctx, "tekun", TEMPLATE)
    lines = [Line("header", header)]
    for record in dibao:
        v = record.values
        grade = (f"{v['category']}{ctx.rng(record.id_number).choice(('', '1', '2'))}档"
                 if v["category"] in ("A", "B") else "")
        kind = PROGRAMME_LABEL[("dibao", v["area_type"])] + grade
        lines.append(Line("data", [period.year, period.month, mess.county(str(v["county"])), v["township"],
                                   v["household_id"], v["name"], record.id_number, kind, v["benefit"],
                                   _amount(v["topup"]), v["per_capita_income"], None, None, None], record))
    for record in tekun:
        v = record.values
        kind = ("城市" if str(v["township"]).endswith("街道") else "农村") + "特困"
        lines.append(Line("data", [period.year, period.month, mess.county(str(v["county"])), v["township"], None,
                                   v["name"], record.id_number, kind, v["basic_paid"], None, None,
                                   mess.cell(record, "support_mode"), mess.cell(record, "self_care"),
                                   _amount(v["care_paid"])], record))
    columns = [Column(h) for h in header]
    # A dataset named by no row gets no entry; the first named is the one written (SPEC §2 split).
    first, second = ("dibao", "tekun") if dibao else ("tekun", "dibao")
    counts = {"dibao": len(dibao), "tekun": len(tekun)}
    plans = [ShapedPlan(file, "保障对象", first, columns, lines, counts=(counts[first], counts[first], 0))]
    if counts[second]:
        plans.append(ShapedPlan(file, "保障对象", second, columns, [], counts=(counts[second], counts[second], 0),
                                write=False))
    return plans if counts[first] else plans[1:]


def poverty_plans(ctx: Context) -> list[ShapedPlan]:
    """防返贫监测: a household sheet (户类型, 风险是否消除, income) and a member sheet, on 户编号."""
    file = "poverty/防返贫监测对象信息.xlsx"
    mess = Mess(ctx.rng(file), "typed", rate=0.0, county_names=ctx.county_names)
    households = list(_households(_records(ctx, "registry", POVERTY_SHEETS)).values())
    head_rows = [Line("header", ["户编号", "县(市、区)", "乡(镇)", "行政村", "户主姓名", "户类型", "风险是否消除",
                                 "人均纯收入（元）", "主要致贫原因"])]
    member_rows = [Line("header", ["户编号", "姓名", "身份证号码", "与户主关系", "劳动技能"])]
    for members in households:
        head = next((r for r in members if r.values["relation"] == "户主"), members[0])
        v = head.values
        poor = v["poverty_status"] == "poor"
        head_rows.append(Line("data", [v["household_id"], mess.county(str(v["county"])), v["township"], v["village"],
                                       v["name"], "监测户" if poor else "脱贫户", "否" if poor else None,
                                       v["annual_income_per_capita"], v["cause"]], head))
        member_rows += [Line("data", [r.values["household_id"], r.values["name"], r.id_number, r.values["relation"],
                                      mess.cell(r, "labor_ability")], r) for r in members]
    people = sum(len(m) for m in households)
    return [ShapedPlan(file, "户信息", "registry", [], head_rows, counts=(len(households), len(households), 0)),
            ShapedPlan(file, "成员信息", "registry", [], member_rows, counts=(people, people, 0))]


def roles_plan(ctx: Context) -> ShapedPlan:
    """火化登记: the agent's name and ID first, the deceased's after (SPEC §2, people named by role)."""
    file = "civil/殡仪馆火化登记.xlsx"
    rng = ctx.rng(file)
    mess = Mess(rng, "typed", rate=0.0)
    header = ["登记号", "经办人姓名", "经办人身份证号码", "与逝者关系", "逝者姓名", "逝者身份证号", "火化时间"]
    lines = [Line("header", header)]
    records = _records(ctx, "deaths", ROLES)
    for n, record in enumerate(records, 1):
        birth = ctx.month.period.start - timedelta(days=rng.randrange(9000, 20000))
        agent = id_number("340705", birth, rng.randrange(500, 999))
        lines.append(Line("data", [f"HH{n:05d}", "家属" + record.values["name"][0], agent,
                                   rng.choice(("子女", "配偶", "亲属")), record.values["name"], record.id_number,
                                   mess.date(record.values["death_date"])], record))
    return ShapedPlan(file, "火化登记", "deaths", [Column(h) for h in header], lines,
                      counts=(len(records), len(records), 0))


def write_real_exports(ctx: Context, period_dir: Path) -> list[ShapedPlan]:
    """Every real-export file of the month, and its plans (for the ground truth)."""
    written: list[ShapedPlan] = []
    books: dict[str, list[ShapedPlan]] = defaultdict(list)
    candidates = [household_rows_plan(ctx), *payment_sheet_plans(ctx), family_list_plan(ctx),
                  payment_types_plan(ctx), mixed_stays_plan(ctx), *template_plans(ctx), *poverty_plans(ctx),
                  roles_plan(ctx)]
    for plan in candidates:
        if plan.counts[0] == 0:
            continue
        written.append(plan)
        if plan.write:
            books[plan.file].append(plan)
    for file, plans in books.items():
        rng = ctx.rng(file + "#footer")
        for plan in plans:
            if plan.dataset == "dibao" and plan.lines and plan.lines[-1].kind == "data":
                plan.lines.append(footer_line(len(plan.lines[-1].cells), *clerks(rng), ctx.filled_on))
                read, accepted, skipped = plan.counts
                plan.counts = (read + 1, accepted, skipped + 1)
        write_workbook(period_dir / file, plans, ctx.filled_on, constant_memory=False)
    return written
