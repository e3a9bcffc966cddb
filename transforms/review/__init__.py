"""The review loop (SPEC §7): hand the month's cases out to the townships (`handout.py`), take their
answers back (`takeback.py`), keep the answers append-only in the warehouse (`store.py`), carry each
case's state across reruns and months (`cases.py`) and count what supervisors count
(`supervision.py`). A run never overwrites an answer, an answer never changes a finding.
"""
