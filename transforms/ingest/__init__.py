"""Ingestion: one inbox file in, its sheets' accepted rows, quarantine and counts out (SPEC §2).

In the order data meets it: inbox → read_tables → headers → classify → non_data_rows →
normalise → validate → file (`ingest_file`).
"""
