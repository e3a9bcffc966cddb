"""Where doudi keeps its state for an output folder: the parse cache and Prefect's home.

Both sit in `.doudi/` beside the output folder (`reports/` → `.doudi/` next to it), or in
`DOUDI_HOME` when it is set, so that the same command started from any directory (by hand, from
cron, by a second officer) finds the same cache, the same run history in Prefect and the same
resident server. Nothing here depends on the working directory once `--out` is resolved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_VARIABLE = "DOUDI_HOME"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def cache(self) -> Path:
        """The parse cache (transforms/ingest/cache.py): each file's rows, reused on a rerun."""
        return self.root / "cache"

    @property
    def prefect(self) -> Path:
        """Prefect's home: its database, and the resident server's state, lock and log."""
        return Path(os.environ["PREFECT_HOME"]) if os.environ.get("PREFECT_HOME") else self.root / "prefect"


def home_of(out: Path) -> Home:
    """doudi's state for the output folder `out`: `DOUDI_HOME`, else `.doudi/` beside `out`."""
    if os.environ.get(HOME_VARIABLE):
        return Home(Path(os.environ[HOME_VARIABLE]).expanduser().resolve())
    return Home(Path(out).expanduser().resolve().parent / ".doudi")
