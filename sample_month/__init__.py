"""A generated sample month: the inbox files four offices send, messy as real ones, with the
ground truth a correct run must reproduce (quarantined rows, exceptions, inputs, rejected files).

    generate_month("2024-10", scale=1, seed=7, out=Path("data/inbox"))

Read it in the order data meets it: `identities` (people, ID numbers) and `records` (a month as
canonical rows); `builder` and `population` (a clean month on which no rule fires);
`scenarios_*` (every rule of SPEC §4 injected, with near misses); `bad_rows` (every quarantine
reason of SPEC §2); `oracle` (the exceptions, as transforms/rules/README.md reads the rules);
`render` and `layout` (spelling values, laying out sheets); the writers `workbooks`, `exports`,
`rejected` and `xlsx`; `generate` ties them together and writes the truth.
"""

from sample_month.generate import GeneratedMonth, generate_month

__all__ = ["GeneratedMonth", "generate_month"]
