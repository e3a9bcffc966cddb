"""Properties of the normalisers and of ingestion, over generated values rather than chosen ones.

An ID number is the key of everything doudi does: any spelling SPEC §2 allows must reach the same
18 characters, a valid number must never be quarantined, and a number with one character changed
must never pass. Money and date parsers meet arbitrary text and must answer with a value or null,
never an exception. And on any sheet, every row below the header is accounted for.
"""

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.datasets import DATASETS
from schemas.policy import load_policy
from tests.ids import is_valid_id, lengthened, valid_id
from transforms.ingest import normalise as norm
from transforms.ingest.file import ingest_file
from transforms.ingest.normalise import normalised
from transforms.ingest.validate import failure_cases

POLICY = load_policy("data/policy.toml")
PERIOD_END = date(2024, 10, 31)
FEW = settings(max_examples=25, deadline=None)
ID_REASONS = {"ID_MISSING", "ID_PRECISION_LOST", "ID_MALFORMED", "ID_BAD_DATE", "ID_CHECKSUM"}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999, position 1..17


# --- strategies --------------------------------------------------------------------------------

@st.composite
def valid_ids(draw) -> str:
    """A valid 18-character ID: any area code, a birth date from 1900-01-01 to the period's end."""
    area = draw(st.text("0123456789", min_size=6, max_size=6))
    birth = draw(st.dates(date(1900, 1, 1), PERIOD_END)).strftime("%Y%m%d")
    return valid_id(area, birth, draw(st.text("0123456789", min_size=3, max_size=3)))


@st.composite
def legacy_ids(draw) -> str:
    """A 15-digit legacy number: area, two-digit birth year 19yy, sequence (no check digit)."""
    area = draw(st.text("0123456789", min_size=6, max_size=6))
    birth = draw(st.dates(date(1900, 1, 1), date(1999, 12, 31))).strftime("%y%m%d")
    return area + birth + draw(st.text("0123456789", min_size=3, max_size=3))


SPACES = st.sampled_from([" ", "  ", "\u3000", "\t", "\u00a0"])
APOSTROPHES = st.sampled_from(["'", "‘", "’", "`"])


@st.composite
def spelled(draw, number: str, number_cell_text: bool = True) -> str:
    """The number as an office may type it: full-width characters, lowercase x, spaces anywhere,
    then a leading apostrophe, Excel's `="…"`, or a number cell's text (`….0`)."""
    chars = []
    for char in number:
        char = char.lower() if char == "X" and draw(st.booleans()) else char
        if draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # the full-width form of an ASCII character
        chars.append(char)
        if draw(st.integers(0, 5)) == 0:
            chars.append(draw(SPACES))
    text = draw(SPACES) * draw(st.integers(0, 1)) + "".join(chars) + draw(SPACES) * draw(st.integers(0, 1))
    wrappers = ["plain", "apostrophe", "excel_text"] + (["number_cell"] if number_cell_text else [])
    match draw(st.sampled_from(wrappers)):
        case "apostrophe":
            return draw(APOSTROPHES) + text
        case "excel_text":
            return f'="{text.strip()}"'
        case "number_cell":  # calamine's text of a number cell; an ID ending in X is never one
            return number if number.endswith("X") else number + ".0"
    return text


def as_typed(expr_of, values: list[str | None]) -> list:
    return pl.select(expr_of(pl.Series("v", values, dtype=pl.String))).to_series().to_list()


def id_reasons(raw_ids: list[str], numeric: list[bool] | None = None) -> list[set[str]]:
    """The ID reasons validation gives each of a batch of deaths rows that differ only by the ID."""
    n = len(raw_ids)
    raw = pl.DataFrame({
        "_row": list(range(2, n + 2)),
        "numeric__id_number": numeric or [False] * n,
        **{f"raw__{f}": [None] * n for f in DATASETS["deaths"].field_names},
    }, schema_overrides={f"raw__{f}": pl.String for f in DATASETS["deaths"].field_names})
    raw = raw.with_columns(pl.Series("raw__name", ["张三"] * n), pl.Series("raw__id_number", raw_ids, dtype=pl.String),
                           pl.Series("raw__death_date", ["2024-09-01"] * n))
    cases = failure_cases(normalised(raw, "deaths", POLICY), "deaths", PERIOD_END)
    found: list[set[str]] = [set() for _ in range(n)]
    for index, field, reason in cases.iter_rows():
        found[index].add(reason)
        assert field == "id_number"
    return found


# --- ID numbers --------------------------------------------------------------------------------

@given(st.lists(valid_ids().flatmap(lambda n: st.tuples(st.just(n), spelled(n))), min_size=1, max_size=20))
@FEW
def test_any_allowed_spelling_of_an_id_normalises_to_its_18_characters(pairs):
    numbers, spellings = zip(*pairs, strict=True)
    assert as_typed(norm.id_text, list(spellings)) == list(numbers)


@given(st.lists(legacy_ids().flatmap(lambda n: st.tuples(st.just(n), spelled(n))), min_size=1, max_size=20))
@FEW
def test_any_spelling_of_a_15_digit_number_becomes_the_same_18_digit_number(pairs):
    legacy, spellings = zip(*pairs, strict=True)
    assert as_typed(norm.id_text, list(spellings)) == [lengthened(n) for n in legacy]


@given(st.lists(valid_ids().flatmap(lambda n: spelled(n, number_cell_text=False)), min_size=1, max_size=20))
@FEW
def test_a_valid_id_in_any_text_spelling_never_fails_validation(spellings):
    assert id_reasons(list(spellings)) == [set()] * len(spellings)


@given(st.lists(legacy_ids().flatmap(lambda n: st.tuples(spelled(n), st.booleans())), min_size=1, max_size=20))
@FEW
def test_a_15_digit_number_in_a_text_or_number_cell_never_fails_validation(cells):
    spellings, numeric = zip(*cells, strict=True)
    assert id_reasons(list(spellings), list(numeric)) == [set()] * len(spellings)


def test_the_check_digit_catches_every_single_substitution_mathematically():
    """MOD 11-2: the weighted sum of all 18 characters (X = 10, check weight 1) is 1 mod 11. One
    character changed by d (1 ≤ |d| ≤ 9 for a digit, ≤ 10 for the check character) moves the sum
    by weight × d, which 11, a prime dividing neither factor, never divides: the sum is no longer 1."""
    for weight in (*WEIGHTS, 1):
        assert weight % 11 != 0
        assert all((weight * d) % 11 != 0 for d in range(-10, 11) if d)


@given(valid_ids())
@settings(max_examples=25, deadline=None)
def test_every_one_character_change_of_a_valid_id_fails_validation(number):
    changed = [
        number[:i] + c + number[i + 1:]
        for i in range(18)
        for c in ("0123456789X" if i == 17 else "0123456789")
        if c != number[i]
    ]
    assert len(changed) == 17 * 9 + 10
    assert not any(is_valid_id(n) for n in changed)  # python-stdnum agrees: the check digit catches it
    reasons = id_reasons(changed)
    for text, found in zip(changed, reasons, strict=True):
        assert len(found) == 1 and found <= {"ID_CHECKSUM", "ID_BAD_DATE", "ID_PRECISION_LOST"}
        # Outside the birth date only the check digit can tell, unless the number now ends in 000
        # (read as an 18-digit number whose last digits Excel dropped).
        i = next(k for k in range(18) if text[k] != number[k])
        if not 6 <= i < 14 and not text.endswith("000"):
            assert found == {"ID_CHECKSUM"}


# --- money, counts and dates --------------------------------------------------------------------

ANY_TEXT = st.lists(st.one_of(st.none(), st.text(max_size=30),
                              st.from_regex(r"-?[0-9０-９,，.]{0,12}(元|万|e\d+)?", fullmatch=True)),
                    min_size=1, max_size=20)


@given(ANY_TEXT)
@FEW
def test_money_never_raises_and_is_a_finite_number_or_null(texts):
    for blank_is_zero in (False, True):
        for value in as_typed(lambda e, z=blank_is_zero: norm.money(e, blank_is_zero=z), texts):
            assert value is None or (isinstance(value, float) and value == value and abs(value) != float("inf"))


@given(ANY_TEXT)
@FEW
def test_counts_and_years_never_raise_and_are_whole_or_null(texts):
    for value in as_typed(lambda e: norm.whole_number(e, "人口户年度"), texts):
        assert value is None or (isinstance(value, int) and value >= 0)


DATE_LIKE = st.one_of(
    st.none(), st.text(max_size=30),
    st.from_regex(r"[0-9]{1,8}(\.[0-9]+)?", fullmatch=True),
    st.from_regex(r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?", fullmatch=True),
)


@given(st.lists(DATE_LIKE, min_size=1, max_size=20))
@FEW
def test_dates_never_raise_and_are_a_date_from_1900_to_2100_or_null(texts):
    for value in as_typed(norm.calendar_date, texts):
        assert value is None or date(1900, 1, 1) <= value <= date(2100, 12, 31)


@given(st.dates(date(1900, 3, 1), date(2100, 12, 31)))
@FEW
def test_an_excel_serial_is_the_day_it_counts(day):
    serial = (day - date(1899, 12, 30)).days
    if serial >= 10_000:  # five digits: shorter numbers are years or codes, not dates
        assert as_typed(norm.calendar_date, [str(serial), f"{serial}.0"]) == [day, day]


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), min_size=1, max_size=20))
@FEW
def test_unreadable_amounts_and_dates_always_get_a_reason(texts):
    """Whatever a benefit or a death date holds, the row is accepted with a value or given a reason."""
    n = len(texts)
    fields = DATASETS["claims"].field_names
    raw = pl.DataFrame({"_row": list(range(2, n + 2)), "numeric__id_number": [False] * n}).with_columns(
        *(pl.lit(None, pl.String).alias(f"raw__{f}") for f in fields))
    good = {"claim_id": "JS1", "name": "张三", "id_number": valid_id(), "settle_date": "2024-10-05",
            "compliant_cost": "1000", "basic_paid": "600"}
    raw = raw.with_columns(*(pl.lit(v).alias(f"raw__{f}") for f, v in good.items()),
                           pl.Series("raw__total_cost", texts, dtype=pl.String),
                           pl.Series("raw__admit_date", texts, dtype=pl.String))
    typed = normalised(raw, "claims", POLICY)
    cases = failure_cases(typed, "claims", PERIOD_END)
    reasons = {(i, f): r for i, f, r in cases.iter_rows()}
    blank = as_typed(norm.is_blank, texts)
    for i in range(n):
        cost, admitted = typed["total_cost"][i], typed["admit_date"][i]
        expected_cost = None if blank[i] else "BAD_NUMBER" if cost is None else "NEGATIVE_AMOUNT" if cost < 0 else None
        expected_date = None if blank[i] or admitted is not None else "BAD_DATE"
        assert reasons.get((i, "total_cost")) == expected_cost
        assert reasons.get((i, "admit_date")) == expected_date


# --- random sheets -------------------------------------------------------------------------------

HEADERS = {
    "deaths": ["姓名", "身份证号码", "死亡日期", "备注"],
    "dibao": ["区县", "户编号", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "分类施保金"],
    "persons": ["姓名", "身份证号", "残疾等级", "生活补贴", "护理补贴"],
}
# Cell text: anything but what splits a CSV line (the delimiters doudi sniffs, line breaks, NUL),
# mixed with the values real rosters hold and the labels of total and footer rows.
CELL = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\t;|\r\n\x00"), max_size=12),
    valid_ids(), st.sampled_from(["合计", "小计：", "制表人：王某", "审核人：", "共3户", "", " ", "—", "无",
                                  "420", "-5", "一级", "城市", "农村", "铜官区", "2024-09-01", "3.40705198001011E+17"]),
)


@st.composite
def random_sheets(draw) -> tuple[str, list[list[str | None]]]:
    dataset = draw(st.sampled_from(sorted(HEADERS)))
    header = draw(st.permutations(HEADERS[dataset]))
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=25))
    return dataset, [list(header), *rows]


@given(random_sheets())
@settings(max_examples=40, deadline=None)
def test_every_row_of_a_random_sheet_is_accepted_quarantined_or_skipped(sheet):
    dataset, rows = sheet
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([["" if v is None else v for v in row] for row in rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "随机.csv"
        path.write_bytes(text.getvalue().encode("utf-8"))
        result = ingest_file(path, "civil/随机.csv", "2024-10", POLICY)
    assert result.rejected is None
    (read,) = result.sheets
    assert read.dataset == dataset
    assert read.rows_read == read.rows_accepted + read.rows_quarantined + read.rows_skipped
    filled = pl.DataFrame([["" if v is None else v for v in row] for row in rows[1:]], orient="row",
                          schema=[f"c{i}" for i in range(len(rows[0]))]) if len(rows) > 1 else pl.DataFrame()
    non_empty = filled.select(pl.any_horizontal(pl.all().str.strip_chars() != "")).to_series().sum() if filled.width else 0
    assert read.rows_read == non_empty  # every non-empty row below the header, none lost, none invented
    assert set(read.quarantine["reason"]) <= ID_REASONS | {"REQUIRED_MISSING", "BAD_NUMBER", "NEGATIVE_AMOUNT",
                                                          "BAD_DATE", "UNKNOWN_CATEGORY"}
