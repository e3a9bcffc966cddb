"""The sample-month generator: its files are what offices send, and its ground truth is true."""

from __future__ import annotations

import csv
import random
import re
import sqlite3
import tomllib
import unicodedata
import zipfile
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sample_month import generate_month
from sample_month.builder import MonthBuilder
from sample_month.generate import build_month
from sample_month.identities import RESIDENT_AREA_CODES
from sample_month.oracle import expected_exceptions
from sample_month.population import add_base_population
from sample_month.records import parse_period
from schemas.catalog import rule_catalog
from schemas.policy import Policy, load_policy
from schemas.validation import REASONS as QUARANTINE_REASONS
from tests.ids import is_valid_id, lengthened

PERIOD = "2024-10"
POLICY_FILE = Path(__file__).parents[1] / "data" / "policy-sample.toml"  # every rule runs
POLICY = load_policy(POLICY_FILE)
REASONS = set(QUARANTINE_REASONS)
COUNTY_RULES = {"TEKUN_STANDARD_BELOW_FLOOR", "TEMP_RELIEF_BUDGET_SHORT"}
RULES = set(rule_catalog())
# Found from where the mistyped rows sit in the files (their subject is file:sheet:row), so neither
# intended nor near-missed while the month is built: suggestions.csv holds their truth.
LAYOUT_RULES = {"POSSIBLE_SAME_PERSON"}


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return generate_month(PERIOD, 1, 7, tmp_path_factory.mktemp("sample") / "inbox", policy=POLICY)


@pytest.fixture(scope="module")
def built():
    return build_month(PERIOD, 1, 7, POLICY)


def truth(month, name: str) -> list[dict[str, str]]:
    with (month.truth_dir / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def fold(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def id18(raw: object) -> str:
    """An ID as written, normalised the way SPEC §2 asks (15-digit numbers converted)."""
    number = fold(raw).lstrip("'").upper()
    return lengthened(number) if re.fullmatch(r"\d{15}", number) else number


def money(raw: object) -> float | None:
    try:
        return float(fold(raw).replace("元", "").replace(",", "")) if raw not in (None, "") else None
    except ValueError:
        return None


# -- the API and the folders

def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    first = generate_month(PERIOD, 0.2, 3, tmp_path / "a" / "inbox")
    again = generate_month(PERIOD, 0.2, 3, tmp_path / "b" / "inbox")
    other = generate_month(PERIOD, 0.2, 4, tmp_path / "c" / "inbox")
    assert all_bytes(first.period_dir) == all_bytes(again.period_dir)
    assert all_bytes(first.truth_dir) == all_bytes(again.truth_dir)
    assert all_bytes(first.period_dir) != all_bytes(other.period_dir)


def test_the_truth_sits_beside_the_inbox_unless_a_folder_is_given(month, tmp_path):
    assert month.truth_dir == month.period_dir.parent.parent / "truth" / PERIOD
    assert sorted(p.name for p in month.truth_dir.iterdir()) == [
        "exceptions.csv", "inputs.csv", "quarantine.csv", "rejected.csv", "suggestions.csv", "undecided.csv"]
    given = generate_month(PERIOD, 0.2, 1, tmp_path / "inbox", truth=tmp_path / "answers")
    assert given.truth_dir == tmp_path / "answers" / PERIOD
    assert (given.truth_dir / "exceptions.csv").exists()


def test_a_period_folder_that_already_holds_files_is_refused(tmp_path):
    (tmp_path / "inbox" / PERIOD / "civil").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        generate_month(PERIOD, 0.2, 1, tmp_path / "inbox")


def test_a_period_that_is_not_a_month_is_refused():
    with pytest.raises(ValueError):
        parse_period("2024-13")
    with pytest.raises(ValueError):
        build_month(PERIOD, 0, 1, POLICY)


def test_scale_one_is_a_few_thousand_rows_and_scale_multiplies_them(month):
    assert 2000 <= month.total_rows <= 3600
    assert 500 <= month.rows["dibao"] <= 750 and 700 <= month.rows["enrollment"] <= 1100
    tiny = build_month(PERIOD, 0.2, 7, POLICY)
    assert sum(len(r) for r in tiny.rows.values()) < month.total_rows / 2


# -- the ground truth

def test_every_quarantine_reason_appears_several_times_in_several_datasets(month):
    rows = truth(month, "quarantine.csv")
    assert {r["reason"] for r in rows} == REASONS
    for reason in REASONS:
        hits = [r for r in rows if r["reason"] == reason]
        assert len(hits) >= 3, reason
        assert len({r["dataset"] for r in hits}) >= 2, reason


def test_every_rule_fires_several_times_and_the_county_rules_come_from_the_policy(month):
    fired = Counter(r["rule_code"] for r in truth(month, "exceptions.csv"))
    assert set(fired) == RULES
    assert all(fired[rule] >= 3 for rule in RULES - COUNTY_RULES)
    county = {(r["rule_code"], r["subject"]) for r in truth(month, "exceptions.csv")
              if r["rule_code"] in COUNTY_RULES}
    assert county == {("TEKUN_STANDARD_BELOW_FLOOR", "340722"), ("TEMP_RELIEF_BUDGET_SHORT", "340711")}


def test_county_rules_follow_the_policy_passed_in(tmp_path):
    raw = tomllib.loads(POLICY_FILE.read_text(encoding="utf-8"))
    raw["counties"]["340705"]["temp_relief_budget"] = 1000.0
    generated = generate_month(PERIOD, 0.2, 1, tmp_path / "inbox", policy=Policy.model_validate(raw))
    assert ("TEMP_RELIEF_BUDGET_SHORT", "340705") in generated.exceptions


def test_the_clean_population_fires_no_rule_but_the_county_ones():
    builder = MonthBuilder(parse_period(PERIOD), POLICY, random.Random(5))
    add_base_population(builder, 1)
    assert {rule for rule, _ in expected_exceptions(builder.finish(), POLICY)} == COUNTY_RULES


def test_the_exceptions_are_exactly_the_injected_cases_and_no_near_miss_fires(built):
    found = expected_exceptions(built, POLICY)
    assert {e for e in found if e[0] not in COUNTY_RULES} == built.intended
    assert not built.near_misses & found
    assert {rule for rule, _ in built.near_misses} == RULES - COUNTY_RULES - LAYOUT_RULES - {
        "DIBAO_TEKUN_OVERLAP", "DUPLICATE_ENROLLMENT"}


def test_quarantined_rows_belong_to_people_who_appear_nowhere_else(built):
    # (but the mistyped IDs of SPEC §6, whose people appear elsewhere on purpose: see below)
    good = {r.id_number for rows in built.rows.values() for r in rows if r.accepted}
    bad = [r for rows in built.rows.values() for r in rows if not r.accepted and not r.identity_case]
    assert len(bad) >= 40
    assert not {r.id_number for r in bad} & good
    households = {str(r.values.get("household_id")) for rows in built.rows.values() for r in rows
                  if r.accepted and r.values.get("household_id")}
    assert not {str(r.values.get("household_id")) for r in bad if r.values.get("household_id")} & households


def test_good_ids_have_a_valid_check_digit_a_real_birth_date_and_a_residents_area_code(built):
    areas = {code for codes in RESIDENT_AREA_CODES.values() for code in codes}
    period = parse_period(PERIOD)
    for rows in built.rows.values():
        for record in (r for r in rows if r.accepted):
            number = record.id_number
            assert is_valid_id(number)
            assert date(1900, 1, 1) <= date(int(number[6:10]), int(number[10:12]), int(number[12:14])) <= period.end
            assert number[:6] in areas
    # 铜官区, 义安区 and 枞阳县 residents carry old codes, never the policy's county code.
    assert not any(r.id_number[:6] in {"340705", "340706", "340722"} for r in built.rows["dibao"])


def test_dibao_households_are_coherent(built):
    due = {s for rule, s in built.intended if rule == "DIBAO_EXIT_DUE"}
    households = defaultdict(list)
    for record in built.accepted("dibao"):
        households[record.values["household_id"]].append(record.values)
    assert len(households) >= 200
    for household, rows in households.items():
        assert len({(v["county"], v["area_type"], v["per_capita_income"]) for v in rows}) == 1
        assert {v["household_size"] for v in rows} == {len({v["id_number"] for v in rows})}
        county = POLICY.counties[rows[0]["county"]]
        standard = county.dibao_urban if rows[0]["area_type"] == "urban" else county.dibao_rural
        if household not in due:
            assert all(v["benefit"] == round(standard - v["per_capita_income"], 2) for v in rows)
            assert all(v["benefit"] >= 0 for v in rows)


# -- the files

TIDY_FILES = ["civil/城乡低保花名册.xlsx", "civil/特困供养人员名册.xlsx", "civil/殡葬管理所火化数据.csv",
              "civil/工作说明.txt", "poverty/建档立卡人口信息.txt", "poverty/脱贫人口统计表.xlsx",
              "medical/住院结算明细.xlsx", "medical/参保资助信息.db", "medical/医保结算月报.xlsx",
              "disability/残疾人两项补贴发放名单.parquet"]
REAL_EXPORTS = ["civil/低保台账（户）.xlsx", "civil/五保供养对象名册.xlsx", "civil/基本生活保障对象名单.xlsx",
                "civil/殡仪馆火化登记.xlsx", "disability/两项补贴发放明细.xlsx", "medical/医保结算明细（含门诊）.xlsx",
                "poverty/防返贫监测对象信息.xlsx",
                # the formats older systems send (real_formats.py)
                "civil/低保对象名册（旧系统导出）.xls", "civil/特困供养人员名单.ods", "civil/死亡人员信息（WPS）.et",
                "medical/资助参保人员.xlsb", "poverty/PKRK_2024.dbf", "medical/yb_jsmx.sql", "disability/两项补贴_导出.sql"]
# the seed's other programmes (SPEC §1): 临时救助, 困境儿童, 低收入人口
PROGRAMME_FILES = ["civil/临时救助发放明细.xlsx", "civil/困境儿童基本生活保障名册.xlsx", "civil/低收入人口名单.csv"]


def test_the_files_are_in_the_formats_offices_send(month):
    folder = month.period_dir
    files = set(all_bytes(folder))
    listed = set(TIDY_FILES) | set(REAL_EXPORTS) | set(PROGRAMME_FILES)
    assert listed <= files
    # SPEC §2 absent columns: a 低保金发放表 per district, without income or top-up
    assert files - listed == {
        f"civil/{name}低保金发放表.xlsx" for name in ("铜官区", "义安区", "郊区", "枞阳县")}
    deaths = (folder / "civil/殡葬管理所火化数据.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        deaths.decode("utf-8")
    assert deaths.decode("gbk").splitlines()[0].split(",")[3] == "身份证号"
    registry = (folder / "poverty/建档立卡人口信息.txt").read_bytes()
    assert registry.startswith(b"\xef\xbb\xbf")
    assert "证件号码" in registry.decode("utf-8-sig").splitlines()[1].split("\t")
    with sqlite3.connect(folder / "medical/参保资助信息.db") as db:
        tables = {name for (name,) in db.execute("select name from sqlite_master where type='table'")}
        assert tables == {"cbxx", "dm_zzlb"}
        # the rest of the enrollment list is in the .xlsb (real_formats.py)
        assert 0 < db.execute("select count(*) from cbxx").fetchone()[0] < month.rows["enrollment"]
    persons = pl.read_parquet(folder / "disability/残疾人两项补贴发放名单.parquet")
    # the rest of the 残联's rows are in its 两项补贴发放明细, one row per payment (real_exports.py)
    assert 0 < persons.height < month.rows["persons"] and persons["身份证号"].dtype == pl.String
    dibao = openpyxl.load_workbook(folder / "civil/城乡低保花名册.xlsx", read_only=True)
    assert dibao.sheetnames == ["铜官区", "义安区", "郊区", "枞阳县", "填表说明"]
    with pytest.raises(zipfile.BadZipFile):
        openpyxl.load_workbook(folder / "medical/医保结算月报.xlsx")
    assert {r["file"] for r in truth(month, "rejected.csv")} == {
        "civil/工作说明.txt", "poverty/脱贫人口统计表.xlsx", "medical/医保结算月报.xlsx"}


def test_the_claims_header_is_two_rows_with_a_merged_upper_cell(month):
    sheet = openpyxl.load_workbook(month.period_dir / "medical/住院结算明细.xlsx")["住院结算"]
    merged = [m for m in sheet.merged_cells.ranges if sheet.cell(m.min_row, m.min_col).value == "医保支付"]
    assert len(merged) == 1 and merged[0].max_col - merged[0].min_col == 2
    top = merged[0]
    leaves = [sheet.cell(top.min_row + 1, c).value for c in range(top.min_col, top.max_col + 1)]
    assert leaves == ["基本医保", "大病保险", "补充保险"]
    # the other headers are merged down over both rows
    assert any(m.min_col == 1 and m.min_row == top.min_row and m.max_row == top.min_row + 1
               for m in sheet.merged_cells.ranges)


class Cells:
    """Reads a cell back as the office would see it: by file, sheet, row and column header."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.cache: dict[tuple[str, str], list[list[object]]] = {}

    def rows(self, file: str, sheet: str) -> list[list[object]]:
        if (file, sheet) not in self.cache:
            self.cache[file, sheet] = self.read(file, sheet)
        return self.cache[file, sheet]

    def read(self, file: str, sheet: str) -> list[list[object]]:
        path = self.folder / file
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
            book.close()
            return rows
        if path.suffix == ".db":
            with sqlite3.connect(path) as db:
                cursor = db.execute(f'select * from "{sheet}" order by rowid')
                return [[d[0] for d in cursor.description]] + [list(r) for r in cursor]
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            return [frame.columns] + [list(r) for r in frame.iter_rows()]
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
        delimiter = "\t" if path.suffix == ".txt" else ","
        return [next(csv.reader([line], delimiter=delimiter)) if line else []
                for line in text.split("\r\n")[:-1]]

    def cell(self, file: str, sheet: str, row: int, header: str) -> object:
        rows = self.rows(file, sheet)
        # SQLite and Parquet rows count from the first data row; sheets and text from line 1.
        offset = 1 if Path(file).suffix in (".db", ".parquet") else 0
        column = next(r.index(header) for r in rows[:15] if header in r)
        value = rows[row - 1 + offset][column]
        return None if value == "" else value


@pytest.fixture(scope="module")
def cells(month):
    return Cells(month.period_dir)


def test_each_quarantine_truth_row_points_at_the_cell_that_holds_the_bad_value(month, cells):
    listed = {(r["dataset"], r["file"], r["sheet"], int(r["row"]), r["reason"])
              for r in truth(month, "quarantine.csv")}
    assert listed == {(q.dataset, q.file, q.sheet, q.row, q.reason) for q in month.quarantine}
    for entry in month.quarantine:
        found = cells.cell(entry.file, entry.sheet, entry.row, entry.header)
        if isinstance(entry.value, float):
            assert float(found) == entry.value, entry
            if entry.reason == "ID_PRECISION_LOST":
                assert found >= 1e17 if isinstance(found, float | int) else "E+17" in found.upper()
        elif entry.value is None:
            assert found is None, entry
        else:
            assert str(found) == entry.value, entry
        if entry.reason == "ID_CHECKSUM":  # not mistakable for a number that lost its last digits
            assert not str(found).endswith("000"), entry


def header_row(rows: list[list[object]]) -> int:
    """0-based index of the last header row (a two-row header ends one row lower)."""
    first = next(i for i, r in enumerate(rows[:15]) if "序号" in r)
    return first + 1 if "基本医保" in rows[first + 1] else first


def test_rows_read_count_every_non_empty_row_below_the_header(month, cells):
    inputs = [r for r in truth(month, "inputs.csv") if r["file"] in TIDY_FILES + PROGRAMME_FILES]
    assert len(inputs) == 18
    for entry in inputs:
        read, accepted, quarantined, skipped = (int(entry[k]) for k in (
            "rows_read", "rows_accepted", "rows_quarantined", "rows_skipped"))
        assert read == accepted + quarantined + skipped
        rows = cells.rows(entry["file"], entry["sheet"])
        below = rows[header_row(rows) + 1:] if "序号" in sum(rows[:15], []) else rows[1:]
        assert read == sum(1 for r in below if any(v not in (None, "") for v in r)), entry
        footers = sum(1 for r in below if any(str(v).startswith(("制表人", "合计", "小计")) for v in r))
        assert skipped == footers, entry


def test_total_rows_sum_the_rows_above_them_except_the_one_injected_mismatch(month, cells):
    checks = {(r["file"], r["sheet"]): r["total_row_check"] for r in truth(month, "inputs.csv")}
    assert Counter(checks.values())["mismatch"] == 1
    for (file, sheet), check in checks.items():
        if check == "none":
            continue
        rows = cells.rows(file, sheet)
        top = header_row(rows)
        column = next(i for r in rows[:top + 1] for i, h in enumerate(r)
                      if h and re.match(r"(月保障金|保障金额|月低保金|月基本|政策范围|救助资金现金|基本生活费)", fold(h)))
        total = next(r for r in rows if r[0] == "合计")
        data = [r for r in rows[top + 1:] if isinstance(r[0], int)]  # 序号 numbers the data rows
        summed = round(sum(money(r[column]) or 0.0 for r in data), 2)
        assert (abs(summed - total[column]) < 0.01) == (check == "ok"), (file, sheet)


def test_fifteen_digit_ids_convert_to_the_18_digit_id_the_person_has_elsewhere(cells, built):
    dibao = {r.id_number for r in built.accepted("dibao")}
    known = {r.id_number for rows in built.rows.values() for r in rows}
    legacy = set()
    for file, column in (("poverty/建档立卡人口信息.txt", "证件号码"), ("civil/殡葬管理所火化数据.csv", "身份证号")):
        rows = cells.rows(file, "")
        at = next(r.index(column) for r in rows[:3] if column in r)
        legacy |= {id18(r[at]) for r in rows if len(r) > at and re.fullmatch(r"\d{15}", fold(r[at]))}
    assert len(legacy) >= 5
    assert legacy <= known
    assert legacy & dibao  # the link between two offices holds only if the conversion is done


def test_ids_of_accepted_parquet_rows_normalise_to_valid_numbers(month):
    frame = pl.read_parquet(month.period_dir / "disability/残疾人两项补贴发放名单.parquet")
    bad_rows = {q.row for q in month.quarantine if q.dataset == "persons"}
    numbers = [id18(v) for i, v in enumerate(frame["身份证号"], 1) if i not in bad_rows]
    assert len(numbers) == frame.height - len(bad_rows)
    assert all(is_valid_id(n) for n in numbers)
    assert any(v != id18(v) for v in frame["身份证号"] if v)  # some are messy as written


def written_values(cells: Cells, files: dict[str, list[str]]) -> list[object]:
    return [v for file, sheets in files.items() for sheet in sheets
            for row in cells.rows(file, sheet) for v in row if v not in (None, "")]


DISTRICT_SHEETS = {"civil/城乡低保花名册.xlsx": ["铜官区", "义安区", "郊区", "枞阳县"]}
TEXT_FILES = {"civil/殡葬管理所火化数据.csv": [""], "poverty/建档立卡人口信息.txt": [""]}
CLAIMS = {"medical/住院结算明细.xlsx": ["住院结算"]}


def test_ids_come_spelled_every_way_offices_spell_them(cells):
    values = written_values(cells, DISTRICT_SHEETS | TEXT_FILES | CLAIMS)
    ids = [v for v in values if isinstance(v, str) and re.fullmatch(r"\d{17}[\dX]", id18(v))]
    assert any(re.search("[０-９]", v) for v in ids)
    assert any(v.endswith("x") for v in ids)
    assert any(v.startswith("'") for v in ids)
    assert any(re.search(r"\d \d", v) for v in ids)
    assert any(re.fullmatch(r"\d{15}", v) for v in ids)
    assert any(isinstance(v, float) and v > 1e17 for v in values)  # an 18-digit number cell


def test_dates_come_as_cells_serials_and_every_text_form(cells):
    values = written_values(cells, TEXT_FILES | CLAIMS)
    texts = [v for v in values if isinstance(v, str)]
    for form in (r"\d{4}-\d\d-\d\d", r"\d{4}/\d{1,2}/\d{1,2}", r"\d{4}\.\d\d\.\d\d",
                 r"20\d{6}", r"\d{4}年\d{1,2}月\d{1,2}日"):
        assert any(re.fullmatch(form, v) for v in texts), form
    claims = cells.rows("medical/住院结算明细.xlsx", "住院结算")
    settle = next(r.index("结算日期") for r in claims[:5] if "结算日期" in r)
    column = [r[settle] for r in claims if isinstance(r[0], int)]
    assert any(hasattr(v, "year") for v in column)
    assert any(isinstance(v, int) and 40000 < v < 50000 for v in column)  # Excel serials


def test_amounts_come_with_yuan_thousands_separators_and_full_width_digits(cells):
    texts = [v for v in written_values(cells, DISTRICT_SHEETS | TEXT_FILES | CLAIMS) if isinstance(v, str)]
    assert any(v.endswith("元") and money(v) is not None for v in texts)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", v) for v in texts)
    assert any(re.fullmatch(r"[０-９]+(\.\d+)?", v) for v in texts)


# -- mistyped IDs of people who appear elsewhere (SPEC §6)

def identity_cases(built) -> list:
    return [r for rows in built.rows.values() for r in rows if r.identity_case]


def how_typed(typed: str, number: str) -> str | None:
    """How `typed` can be `number`: one substitution, two adjacent digits swapped, the 15 digits a
    float keeps; None when it cannot."""
    if len(typed) == 18:
        differing = [i for i in range(18) if typed[i] != number[i]]
        if len(differing) == 1:
            return "substitution"
        i, j = (differing + [None, None])[:2]
        if len(differing) == 2 and j == i + 1 and (typed[i], typed[j]) == (number[j], number[i]):
            return "transposition"
    if re.fullmatch(r"\d\.\d{14}E\+17", typed) and str(int(Decimal(typed)))[:15] == number[:15]:
        return "float"
    return None


def test_the_generator_mistypes_ids_every_way_and_says_what_a_correct_run_suggests(built):
    cases = identity_cases(built)
    suggested = [r for r in cases if r.suggested]
    kinds = Counter(how_typed(str(r.raw["id_number"]), r.suggested) for r in suggested)
    assert kinds["substitution"] >= 3 and kinds["transposition"] >= 2 and kinds["float"] >= 1
    assert {r.reason for r in cases} >= {"ID_CHECKSUM", "ID_BAD_DATE", "ID_PRECISION_LOST"}
    names = {r.suggested: str(r.values["name"]) for r in suggested}
    people = {r.id_number: str(r.values["name"]) for rows in built.rows.values() for r in rows if r.accepted}
    assert any(names[n] != people[n] and fold(names[n]) != people[n] for n in names)  # a homophone
    assert any(unicodedata.normalize("NFKC", names[n]) != people[n] and len(names[n]) == len(people[n])
               for n in names)  # traditional characters
    assert len(cases) - len(suggested) >= 2  # near misses: another name, two namesakes


def test_a_suggested_person_has_accepted_rows_and_no_one_else_is_as_near(built):
    accepted = {r.id_number for rows in built.rows.values() for r in rows if r.accepted}
    for record in identity_cases(built):
        typed = str(record.raw["id_number"])
        near = {n for n in accepted if how_typed(typed, n)}
        if record.suggested:
            assert record.suggested in accepted
            assert near == {record.suggested}, typed
        else:
            assert len(near) != 1 or {people_name(built, n) for n in near} != {str(record.values["name"])}


def people_name(built, number: str) -> str:
    return next(str(r.values["name"]) for rows in built.rows.values() for r in rows
                if r.accepted and r.id_number == number)


def test_suggestions_truth_names_mistyped_rows_of_the_quarantine_and_the_rule_those_found_elsewhere(month):
    rows = truth(month, "suggestions.csv")
    assert len(rows) == len(month.identity_cases) >= 10
    # each is a quarantined row whose ID cell holds the typo (checked cell by cell with the others)
    mistyped = {(q.file, q.sheet, q.row) for q in month.quarantine if q.field == "id_number"}
    assert {(r["file"], r["sheet"], int(r["row"])) for r in rows} <= mistyped
    fired = {r["subject"] for r in truth(month, "exceptions.csv") if r["rule_code"] == "POSSIBLE_SAME_PERSON"}
    suggested = {f"{r['file']}:{r['sheet']}:{r['row']}" for r in rows if r["suggested_id_number"]}
    assert 3 <= len(fired) < len(suggested)  # one suggested person is only in the row's own dataset
    assert fired <= suggested
