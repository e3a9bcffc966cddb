"""Real systems' export layouts are read (issue 16 item 2, SPEC §2 "Files as real systems export them").

tests/real_layouts/layouts.toml keeps the header rows of real exports (civil-affairs 低保/特困/殡葬,
防返贫监测, 医保/医疗救助/资助参保, 残联 systems) with the repository and path they came from. Each
layout is written as an .xlsx with two invented people and ingested: it must be read as its dataset,
every header naming a SPEC field mapped to that field, and every row accepted. A layout of another
shape (household rows with member groups or member lists, payment-type rows, mixed stays, one
template for several programmes) is written in that shape, and read as one row per person: the
members, the payments merged, the visits skipped, the programmes split. A layout doudi cannot read
from its header alone says why in `needs` and is expected to fail (strict: it must be unmarked
the day it is read).

Run as a script (`python -m tests.test_real_layouts`) it prints how many layouts are read.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import xlsxwriter

from schemas.datasets import DATASETS
from schemas.policy import load_policy
from tests.files import workbook
from tests.ids import is_valid_id, numbered_id
from transforms.ingest.file import ingest_file
from transforms.ingest.normalise import category_table

CORPUS = Path(__file__).parent / "real_layouts" / "layouts.toml"
LAYOUTS = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["layout"]
PERIOD = "2024-10"
EXPORT_DATE = "20241031"
OFFICE = {"dibao": "civil", "tekun": "civil", "deaths": "civil", "temp_relief": "civil", "children": "civil",
          "low_income": "civil", "registry": "poverty", "enrollment": "medical", "claims": "medical",
          "persons": "disability"}
NEEDS = {
    "absent_columns": "a column the export does not have leaves the field unknown (issue 16 item 1)",
    "fanfanpin_status": "户类型 and 风险是否消除 decide poverty_status (issue 16 item 4)",
    "column_choice": "a column chosen by its content when two headers could be one field (issue 16 item 5)",
    "title_programme": "a template shared by several programmes told apart by its title (SPEC \"one template for several programmes\")",
    "file_dataset": "a sheet whose file name names its dataset (低保边缘人员查询_…) is that dataset's although none of "
                    "its headers is the dataset's own",
    "attribute_columns": "a person's attribute columns that every civil-affairs roster carries (残疾证号, 残疾类别, "
                         "残疾等级, 残疾类型, 是否残疾, 劳动能力) do not outweigh the dataset's own headers and keywords: "
                         "today they read a 困境儿童 or 低保边缘 roster as 残联's",
    "merged_header": "a header whose cells are merged down over two rows is two rows even when its lower row holds "
                     "only names doudi does not know (a site's 专项补贴 items under 其他专项补贴金): today the lower "
                     "row is counted as a row below the header",
    # Left, with the reason: what the header alone cannot tell and SPEC does not settle.
    "household_amount": "保障金（元） is the household's amount in this one-row-per-household release, a member's in "
                        "every per-person roster: the header alone cannot tell them apart, and doudi reads it as a "
                        "member's (SPEC lists 保障金（元） among 低保's spellings)",
    "member_sheet_keyword": "a member sheet with no household number and no keyword in its title (家庭成员信息) is "
                            "as much 建档立卡's as 低保's: rejected as a tie, the officer is told to name the file",
    "file_name": "a household list with only the head's name and ID and no keyword: the export's file name (not "
                 "known from its source) would say 低收入; without it the sheet is identity alone",
    "title_alias": "抚恤金额 is the 临时救助 amount only when the sheet name says 临时救助: an alias that depends on "
                   "the title, which the alias table does not express",
}

# Two invented people's values for each kind of field; category values come from the layout's own
# spellings where it has them, else from the vocabulary.
BY_KIND = {
    "name": ["王小明", "李秀英"],
    "county": ["铜官区", "义安区"],
    "money": [620.0, 310.5],
    "money0": [120.0, 0],
    "date": ["2024-10-05", "2024/9/1"],
    "year": [2024, "2024年"],
    "count": [3, 1],
    "level": ["一级", "2级"],
}
BY_FIELD = {
    "township": ["新城街道", "横港街道"],
    "village": ["幸福社区", "光明村"],
    "household_id": ["H0001", "H0002"],
    "relation": ["户主", "配偶"],
    "claim_id": ["JS2024100001", "JS2024100002"],
    "cause": ["因病", "缺技术"],
    "reason": ["因灾", "因病"],
    "subsidy_type": ["特困人员", "低保对象"],
}


def fields_of(dataset: str) -> dict:
    return {f.name: f for f in DATASETS[dataset].fields} if dataset in DATASETS else {}


# What the columns a shape reads hold for the two invented people (SPEC §2 "Files as real
# systems export them"): each person's rows of a shape that writes several rows per person.
MEMBERS = [("张小红", numbered_id(13, birth="20100303")), ("李小刚", numbered_id(14, birth="20120404"))]
SHAPED = {
    "subsidy_kind": [["生活补贴", "护理补贴"], ["护理补贴"]],  # person 1 is paid both, person 2 one
    "visit_type": [["住院", "普通门诊"], ["住院（异地）", "药店购药"]],  # a stay and a visit each
    "programme": [["城市低保A1档"], ["农村特困"]],
}


def people(layout: dict) -> list[list]:
    """The rows of two invented people in the layout's columns (blank where a column names no
    field): one row each, or each person's rows where the layout's shape writes several."""
    ids = [numbered_id(11), numbered_id(12, birth="19900202")]
    fields = fields_of(layout["dataset"])
    if any(name == "programme" for _, name, *_ in layout["header"]):  # a template of several datasets
        fields = {name: f for dataset in DATASETS for name, f in fields_of(dataset).items()} | fields
    values = layout.get("values", {})
    shaped = next((SHAPED[name] for _, name, *_ in layout["header"] if name in SHAPED), [[None], [None]])
    rows: list[list] = []
    for i, kinds in enumerate(shaped):
        for kind in kinds:
            rows.append([kind if name in SHAPED else
                         _value(text, name, fields.get(name), values.get(text), ids[i], i, kind)
                         for text, name, *_ in layout["header"]])
    return rows


def _value(text: str, name: str, field, spellings: list | None, id_number: str, i: int, kind: str | None = None):
    if name == "member":  # the first member group holds a member; the others are blank
        if not text.startswith("成员一"):
            return None
        return MEMBERS[i][1] if "身份证" in text else MEMBERS[i][0] if "姓名" in text else None
    if name in ("member_names", "member_ids"):  # every other member in one cell
        return MEMBERS[i][0] + "、" + MEMBERS[1 - i][0] if name == "member_names" else \
            MEMBERS[i][1] + "、" + MEMBERS[1 - i][1]
    if name in ("head_name", "head_id_number"):
        return BY_KIND["name"][i] if name == "head_name" else id_number
    if name == "subsidy_amount":
        return {"生活补贴": 90, "护理补贴": 80}.get(kind)
    if name in ("household_benefit", "household_topup", "household_basic_paid", "household_care_paid"):
        return BY_KIND["money"][i]
    if spellings:
        return spellings[i % len(spellings)]
    if name == "id_number":
        return id_number
    if name == "cert_number":
        return id_number + "41"
    if field is None:
        return None
    if field.vocabulary and field.kind == "category":
        codes = [spellings[0] for spellings in _spellings(field.vocabulary)]
        return codes[i % len(codes)]
    return (BY_FIELD.get(name) or BY_KIND.get(field.kind) or ["x", "y"])[i]


def _spellings(vocabulary: str) -> list[list[str]]:
    table = category_table()[vocabulary]
    return [v for k, v in table.items() if isinstance(v, list) and v and k != "inactive_contains"]


def write(layout: dict, folder: Path) -> tuple[Path, str]:
    """The layout as the office sends it: title rows, the header, two people, under the file and
    sheet name the export gives (`file`, `sheet`; `{date}` is the export date)."""
    name = layout.get("file", f"{layout['id']}.xlsx").replace("{date}", EXPORT_DATE)
    rel = f"{OFFICE[layout['dataset']]}/{name}"
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    titles = [[t] for t in layout.get("title", [])]
    headers = header_rows(layout)
    rows = [*titles, *headers, *people(layout)]
    if len(headers) == 1:
        workbook(path, {layout.get("sheet", "Sheet1"): rows})
    else:
        _workbook_with_merged_header(path, layout, rows, len(titles))
    return path, rel


def _workbook_with_merged_header(path: Path, layout: dict, rows: list[list], first_row: int) -> None:
    """A two-row header written with its merges, as the export writes them: a column outside any
    group merged down both rows, a group label merged across its columns."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(layout.get("sheet", "Sheet1"))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    upper = rows[first_row]
    groups = [entry[2] if len(entry) > 2 else None for entry in layout["header"]]
    c = 0
    while c < len(groups):
        if groups[c] is None:
            sheet.merge_range(first_row, c, first_row + 1, c, upper[c])
            c += 1
            continue
        end = c
        while end + 1 < len(groups) and groups[end + 1] == groups[c]:
            end += 1
        if end > c:
            sheet.merge_range(first_row, c, first_row, end, groups[c])
        c = end + 1
    book.close()


def header_rows(layout: dict) -> list[list]:
    """One header row, or two where columns sit under a group (a third element [text, field, group]):
    the group label over the first column of its run, each other text in the upper row with the
    cell under it empty, as an export with merged cells reads."""
    header = layout["header"]
    if not any(len(entry) > 2 for entry in header):
        return [[entry[0] for entry in header]]
    upper, lower, previous = [], [], None
    for entry in header:
        group = entry[2] if len(entry) > 2 else None
        upper.append(group if group and group != previous else None if group else entry[0])
        lower.append(entry[0] if group else None)
        previous = group
    return [upper, lower]


def named(layout: dict) -> list[tuple[str, str]]:
    """(header, field) for every header naming a field of the layout's dataset, first choices only."""
    fields = fields_of(layout["dataset"])
    second = set(layout.get("second_choice", []))
    return [(t, f) for t, f, *_ in layout["header"] if f in fields and t not in second]


# Per shape: (the datasets the sheet feeds, rows accepted, rows skipped) for the two people.
def expected(layout: dict) -> tuple[list[str], int, int]:
    names = {name for _, name, *_ in layout["header"]}
    if "programme" in names:
        return ["dibao", "tekun"], 2, 0
    if "member" in names:
        return [layout["dataset"]], 4, 0  # each head and the member of its first group
    if "member_ids" in names:
        return [layout["dataset"]], 6, 0  # each head and two members listed in one cell
    if "visit_type" in names:
        return [layout["dataset"]], 2, 2  # the stays; the visits are skipped with their reason
    return [layout["dataset"]], 2, 0


def problems(layout: dict, folder: Path) -> list[str]:
    """Why the layout is not read (empty when it is): dataset, columns mapped, rows accepted."""
    if layout["dataset"] not in DATASETS:
        return [f"doudi has no dataset {layout['dataset']}"]
    path, rel = write(layout, folder)
    result = ingest_file(path, rel, PERIOD, load_policy("data/policy.toml"))
    datasets, accepted, skipped = expected(layout)
    if len(datasets) > 1:
        found = [s.dataset for s in result.sheets]
        return [] if found == datasets and sum(s.rows_accepted for s in result.sheets) == accepted else [
            f"split into {found}, {sum(s.rows_accepted for s in result.sheets)} rows accepted"]
    if result.rejected or len(result.sheets) != 1:
        return [f"rejected: {result.rejected}"]
    (sheet,) = result.sheets
    if sheet.dataset != layout["dataset"]:
        return [f"read as {sheet.dataset}"]
    found = []
    for text, field in named(layout):
        if text in sheet.unmapped_columns:
            found.append(f"{text} not mapped to {field}")
        elif sheet.accepted.height and sheet.accepted[field].null_count() == sheet.accepted.height:
            found.append(f"{text}: {field} empty in the accepted rows")
    written = len(people(layout))
    if sheet.rows_read != written:
        found.append(f"{sheet.rows_read} rows read below the header, {written} written")
    if (sheet.rows_accepted, sheet.rows_skipped) != (accepted, skipped):
        reasons = sorted(set(sheet.quarantine["reason"].to_list()))
        found.append(f"{sheet.rows_accepted} of {accepted} rows accepted, {sheet.rows_skipped} skipped, "
                     f"quarantined: {', '.join(reasons)}")
    return found


def _case(layout: dict):
    marks = []
    if layout.get("needs"):
        why = "; ".join(NEEDS[n] for n in layout["needs"].split())
        marks.append(pytest.mark.xfail(strict=True, reason=f"needs {why}"))
    return pytest.param(layout, id=layout["id"], marks=marks)


@pytest.mark.parametrize("layout", [_case(layout) for layout in LAYOUTS])
def test_a_real_layout_is_read_as_its_dataset_with_every_named_column(layout, tmp_path):
    assert problems(layout, tmp_path) == []


def test_the_corpus_names_sources_fields_and_shapes():
    shapes = {"household_rows", "household_sheet", "member_sheet", "payment_type_rows", "mixed_stays",
              "programme_split", "roles", "three_row_header"}
    for layout in LAYOUTS:
        assert layout["source"] and layout["dataset"] in OFFICE, layout["id"]
        assert layout.get("shape", "household_rows") in shapes, layout["id"]
        assert set(layout.get("needs", "").split()) <= set(NEEDS), layout["id"]
        headers = [entry[0] for entry in layout["header"]]
        assert all(2 <= len(entry) <= 3 for entry in layout["header"]), layout["id"]
        assert set(layout.get("values", {})) <= set(headers), layout["id"]
        assert set(layout.get("second_choice", [])) <= set(headers), layout["id"]
    assert len({layout["id"] for layout in LAYOUTS}) == len(LAYOUTS)


def test_the_invented_people_have_valid_ids_and_no_real_data():
    for layout in LAYOUTS:
        for row in people(layout):
            ids = [v for (_, f, *_), v in zip(layout["header"], row, strict=True) if f == "id_number"]
            assert all(is_valid_id(v) for v in ids), layout["id"]


def main() -> int:
    """Print how many layouts are read: one-row-per-person ones, then all of them."""
    read, per_person = [], [layout for layout in LAYOUTS if not layout.get("shape")]
    with tempfile.TemporaryDirectory() as folder:
        for layout in LAYOUTS:
            found = problems(layout, Path(folder))
            print(f"{'read' if not found else 'NOT READ':8} {layout['id']}: {'; '.join(found)}")
            if not found:
                read.append(layout["id"])
    print(f"one row per person: {sum(lay['id'] in read for lay in per_person)} of {len(per_person)} read")
    print(f"all layouts: {len(read)} of {len(LAYOUTS)} read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
