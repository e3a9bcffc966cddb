"""schemas/outputs.py: the declared outputs are those of SPEC §5, and frames are held to them."""

import polars as pl
import pytest

from schemas.outputs import EXCEPTIONS, QUARANTINE, Manifest

# The column lists of SPEC §5, written out once: every other test takes them from schemas/outputs.py.
SPEC_EXCEPTION_COLUMNS = [
    "exception_id", "period", "rule_code", "severity", "county", "subject", "id_number", "name",
    "household_id", "detail", "expected", "actual", "sources", "status", "first_seen",
]
# SPEC §5 "Where, and how much" and §7 "Carry and close": the columns exceptions.parquet gains.
SPEC_PLACE_AND_MONEY = ["township", "village", "overpaid", "underpaid", "budget_gap"]
SPEC_CASE_COLUMNS = ["case_id", "review_result", "review_action", "rectification", "review_note", "reviewed_by",
                     "reviewed_on", "due_on", "case_state"]
SPEC_QUARANTINE_COLUMNS = ["dataset", "file", "sheet", "row", "reason", "field", "value", "message",
                           # SPEC §6: the suggested ID of a row whose ID is broken
                           "suggested_id_number", "suggestion_basis", "suggestion_score",
                           # SPEC §2: the member's position where one office row became several
                           "member"]
SPEC_MANIFEST_KEYS = {
    "run_id", "period", "started_at", "finished_at", "code_version", "policy_sha256", "inputs",
    "rejected", "outputs", "rule_counts", "missing_datasets", "rules_skipped",
}
SPEC_INPUT_KEYS = {
    "file", "sha256", "sheet", "dataset", "rows_read", "rows_accepted", "rows_quarantined",
    "rows_skipped", "total_row_check",
}


def test_exceptions_and_quarantine_have_the_columns_of_spec_section_5_in_order():
    # exceptions add columns of their own: the run that resolved a resolved exception; whether its
    # money is unknown; the case's evidence, hand-out date and the rest of its answer
    names = EXCEPTIONS.names
    for spec in (SPEC_EXCEPTION_COLUMNS, SPEC_PLACE_AND_MONEY, SPEC_CASE_COLUMNS):
        assert [n for n in names if n in spec] == spec
    assert names[: len(SPEC_EXCEPTION_COLUMNS) - 2] == SPEC_EXCEPTION_COLUMNS[:-2]
    assert set(names) - {*SPEC_EXCEPTION_COLUMNS, *SPEC_PLACE_AND_MONEY, *SPEC_CASE_COLUMNS} == {
        "resolved_by_run", "money_unknown", "evidence_digest", "handed_out_on", "recovered", "supplemented",
        "unrecoverable_reason"}
    assert QUARANTINE.names == SPEC_QUARANTINE_COLUMNS


def test_amounts_are_numbers_sources_a_list_and_rows_whole_numbers():
    assert EXCEPTIONS.schema["expected"] == pl.Float64 and EXCEPTIONS.schema["actual"] == pl.Float64
    assert EXCEPTIONS.schema["sources"] == pl.List(pl.String)
    assert QUARANTINE.schema["row"] == pl.Int64


def test_the_manifest_model_has_the_keys_of_the_spec():
    assert set(Manifest.model_fields) >= SPEC_MANIFEST_KEYS
    assert set(Manifest.model_fields["inputs"].annotation.__args__[0].model_fields) >= SPEC_INPUT_KEYS


def test_every_column_has_a_chinese_header():
    for table in (EXCEPTIONS, QUARANTINE):
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in header) for header in table.headers.values())


def test_a_frame_is_put_in_the_declared_order_and_types():
    frame = pl.DataFrame({"row": [5], "dataset": ["dibao"], "file": ["a.xlsx"], "sheet": [""],
                          "reason": ["ID_MISSING"], "field": ["id_number"], "value": [""], "message": ["…"],
                          "suggestion_score": [None], "suggestion_basis": [None], "suggested_id_number": [None], "member": [None]})
    conformed = QUARANTINE.conformed(frame.with_columns(pl.col("row").cast(pl.Int32)))
    assert conformed.columns == SPEC_QUARANTINE_COLUMNS and conformed.schema["row"] == pl.Int64


def test_a_frame_missing_a_declared_column_or_carrying_another_is_refused():
    with pytest.raises(ValueError, match="missing"):
        QUARANTINE.conformed(pl.DataFrame({"dataset": ["dibao"]}))
    with pytest.raises(ValueError, match="unexpected"):
        QUARANTINE.conformed(QUARANTINE.empty().with_columns(pl.lit(1).alias("extra")))
