"""`make bench`, part two: how fast ingestion reads the shapes of real exports (SPEC §2), at city scale.

For each shape a sheet of city size is written once into bench-data/reshape/ (invented people, as
the sample month's): a 低保台账 with one row per household and three member groups, a 两项补贴 list
with one row per payment, a claims export mixing 住院 and 门诊 rows, one 基本生活保障 template for
低保 and 特困, and, for comparison, the same people one row each. Each is ingested whole
(`ingest_file`: read, header, layout, reshaping, normalising, validating) three times; the median is
reported as rows/s of the office's rows and of the rows produced, beside the one-row-per-person
sheet. Results are appended to benchmarks/results.md under "Reshaping".
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from schemas.policy import load_policy
from tests.ids import numbered_id
from transforms.ingest.file import ingest_file

PERIOD = "2024-10"
POLICY = load_policy(Path("data/policy.toml"))
HOUSEHOLDS = 30_000  # about the city's 低保 households (scale 100)
REPEATS = 3


def person(n: int) -> tuple[str, str]:
    birth = date(1950, 1, 1) + timedelta(days=n % 20_000)
    return f"测试{n % 9973}", numbered_id(n % 900 + 1, "340705", birth=f"{birth:%Y%m%d}")


def write(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("s")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, 1):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def household_rows(folder: Path) -> Path:
    header = ["户编号", "区县", "户主姓名", "身份证号码", "城乡类别", "家庭月人均收入", "户月保障金", "月保障金"]
    for n in "一二三":
        header += [f"成员{n}姓名", f"成员{n}身份证号码", f"成员{n}月保障金"]
    rows = []
    for h in range(HOUSEHOLDS):
        row = [f"H{h:06d}", "铜官区", *person(4 * h), "城市", 300, 1260, 420]
        for k in range(1, 4):
            row += [*person(4 * h + k), 420] if k <= h % 4 else [None, None, None]
        rows.append(row)
    return write(folder / "household_rows.xlsx", header, rows)


def payment_rows(folder: Path) -> Path:
    header = ["姓名", "身份证号码", "残疾等级", "补贴类型", "补贴金额"]
    rows = [[*person(p), "一级", kind, amount] for p in range(HOUSEHOLDS)
            for kind, amount in (("生活补贴", 90), ("护理补贴", 80))[: 1 + p % 2]]
    return write(folder / "payment_rows.xlsx", header, rows)


def mixed_stays(folder: Path) -> Path:
    header = ["姓名", "身份证号", "医保就诊类别", "入院日期", "结算日期", "政策范围内费用", "统筹支付", "医疗救助金额"]
    rows = [[*person(p), kind, "2024-10-01", "2024-10-08", 5000, 3000, 1400]
            for p in range(HOUSEHOLDS) for kind in ("住院", "普通门诊")[: 1 + p % 2]]
    return write(folder / "mixed_stays.xlsx", header, rows)


def programme_template(folder: Path) -> Path:
    header = ["区县", "户编号", "姓名", "身份证号", "基本生活保障类型", "保障金额"]
    rows = [["铜官区", f"H{p:06d}", *person(p), ("城市低保A1档", "农村低保B档", "农村特困")[p % 3], 620]
            for p in range(2 * HOUSEHOLDS)]
    return write(folder / "programme_template.xlsx", header, rows)


def one_row_per_person(folder: Path) -> Path:
    header = ["户编号", "区县", "姓名", "身份证号码", "城乡类别", "家庭月人均收入", "月保障金", "分类施保金"]
    rows = [[f"H{p // 2:06d}", "铜官区", *person(p), "城市", 300, 420, 0] for p in range(2 * HOUSEHOLDS)]
    return write(folder / "one_row_per_person.xlsx", header, rows)


SHAPES = {"one row per person (for comparison)": one_row_per_person, "household rows": household_rows,
          "payment-type rows": payment_rows, "mixed stays": mixed_stays, "programme split": programme_template}


def measured(path: Path) -> dict:
    seconds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = ingest_file(path, f"civil/{path.name}", PERIOD, POLICY)
        seconds.append(time.perf_counter() - started)
    read = sum(s.rows_read for s in result.sheets)
    produced = sum(s.produced for s in result.sheets)
    median = statistics.median(seconds)
    return {"read": read, "produced": produced, "seconds": median, "range": (min(seconds), max(seconds)),
            "read_per_s": read / median, "produced_per_s": produced / median,
            "shape": ", ".join(sorted({s.reshaped or "—" for s in result.sheets}))}


def table(results: dict[str, dict]) -> list[str]:
    lines = ["| shape | office rows | rows produced | ingest (median of 3, range) | office rows/s | produced rows/s |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        low, high = r["range"]
        lines.append(f"| {name} (`{r['shape']}`) | {r['read']:,} | {r['produced']:,} | {r['seconds']:.2f} s "
                     f"({low:.2f}–{high:.2f}) | {r['read_per_s']:,.0f} | {r['produced_per_s']:,.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("bench-data/reshape"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results.md"))
    args = parser.parse_args()
    results = {}
    for name, make in SHAPES.items():
        path = args.data / f"{make.__name__}.xlsx"
        if not path.exists():
            make(args.data)
        results[name] = measured(path)
        print(name, f"{results[name]['produced_per_s']:,.0f} rows/s", flush=True)
    section = ["", "## Reshaping (SPEC §2 shapes, `tests/benchmarks/bench_reshape.py`)", "",
               f"One city-size sheet per shape ({HOUSEHOLDS:,} households or people), ingested whole by "
               "`ingest_file` (read, header, layout, reshaping, normalising, validating).", "", *table(results)]
    text = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
    marker = "\n## Reshaping"
    text = text.split(marker)[0].rstrip("\n") + "\n" + "\n".join(section) + "\n"
    args.results.write_text(text, encoding="utf-8")
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
