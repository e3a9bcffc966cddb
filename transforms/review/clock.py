"""Today, as the review loop counts days (反馈截止, overdue, 核查日期 ≤ today).

`DOUDI_TODAY=2024-12-01` runs as of another day: for a rehearsal of the loop, and for the tests,
which cannot wait twenty days for a deadline to pass.
"""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    given = os.environ.get("DOUDI_TODAY")
    return date.fromisoformat(given) if given else date.today()
