"""Ingestion: one inbox file in, its sheets' accepted rows, quarantine and counts out (SPEC §2).

In the order data meets it: inbox → guard → read_tables (text_tables, merged_cells) → headers →
classify → non_data_rows → normalise → validate → file (`ingest_file`).
"""
