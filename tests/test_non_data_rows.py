import polars as pl

from tests.tables import raw_table
from transforms.ingest.non_data_rows import row_kinds, total_checks, total_row_status

FIELDS = {"c1": "name", "c2": "id_number", "c3": "benefit"}


def kinds_of(rows: list[list]) -> list[str]:
    table = raw_table(rows)
    return row_kinds(table.grid, table.columns, FIELDS).to_list()


def test_total_subtotal_and_footer_rows_are_not_data():
    assert kinds_of([
        ["1", "张三", "340702198001011234", "420"],
        ["小计", None, None, "420"],
        ["合 计", None, None, "420"],
        [None, "总计：1人", None, "420"],
        ["制表人：王某    审核人：李某"],
        ["填报日期：2024年10月31日"],
        ["注：本表金额单位为元"],
    ]) == ["data", "total", "total", "total", "footer", "footer", "footer"]


def test_a_total_row_counting_people_in_the_name_column_is_not_data():
    assert kinds_of([["合计", "共22户", None, "9000"], ["小计", "6人"]]) == ["total", "total"]


def test_a_row_with_an_id_number_is_data_whatever_its_remarks_say():
    assert kinds_of([["合计", "张三", "340702198001011234", "420"]]) == ["data"]


def test_a_row_with_a_name_but_no_id_is_data_to_be_quarantined():
    assert kinds_of([["备注：新增", "张三", None, "420"]]) == ["data"]


def test_a_header_repeated_on_each_printed_page_is_not_data():
    assert kinds_of([["序号", "姓名", "身份证号码", "月保障金"]]) == ["header"]


def test_a_numbered_row_nobody_filled_in_is_not_data():
    assert kinds_of([["17", None, None, None]]) == ["template"]


def amounts(values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"_row": list(range(10, 10 + len(values))), "benefit": values})


def test_a_total_equal_to_the_sum_of_its_data_rows_checks_out():
    kinds = pl.Series(["data", "data", "total"])
    checks = total_checks(amounts([100.0, 20.5, 120.5]), kinds, ["benefit"])
    assert [(c.row, c.ok) for c in checks] == [(12, True)]
    assert total_row_status(checks) == "ok"


def test_subtotals_close_their_block_and_the_grand_total_closes_all():
    kinds = pl.Series(["data", "total", "data", "data", "total", "total"])
    checks = total_checks(amounts([100.0, 100.0, 1.0, 2.0, 3.0, 103.0]), kinds, ["benefit"])
    assert all(c.ok for c in checks) and len(checks) == 3


def test_a_total_that_disagrees_with_its_rows_is_a_mismatch():
    kinds = pl.Series(["data", "data", "total"])
    checks = total_checks(amounts([100.0, None, 150.0]), kinds, ["benefit"])
    assert total_row_status(checks) == "mismatch"
    assert (checks[0].total, checks[0].data_sum) == (150.0, 100.0)


def test_a_total_row_without_figures_checks_nothing():
    kinds = pl.Series(["data", "total"])
    assert total_row_status(total_checks(amounts([100.0, None]), kinds, ["benefit"])) == "none"
